//! A real Voiden-app file (the samples beside the repository, see
//! `server/syntax/tests/common/samples.rs`) turned into a spec and connected to the embedded
//! echo server over `wss://` with a test CA. Missing samples fail under `CI=true`.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../syntax/tests/common/samples.rs"]
mod samples;

use common::{TestPki, wait, wait_finished};
use void_echo::{EchoServer, EchoServerConfig};
use void_session::{SendRequest, Session, SessionSettings, SessionSpec, SessionState, SpecError};
use void_syntax::variables::{Source, Variables};
use void_syntax::vocab::MessageFormat;

/// One sample file's text (`None` outside CI when the samples are absent).
fn sample(name: &str) -> Option<String> {
    let path = samples::samples_dir()?.join(name);
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

#[tokio::test]
async fn the_app_echo_example_connects_over_wss() {
    let Some(text) = sample("plugin-voiden-sockets_skill.md__websocket-echo-example.void") else {
        return;
    };
    let doc = void_syntax::parse(&text);
    let section = doc
        .sections
        .iter()
        .position(|s| s.is_websocket(&doc))
        .unwrap();

    let err = SessionSpec::from_section(&doc, section, &Variables::new(), None).unwrap_err();
    assert!(
        matches!(&err, SpecError::Unresolved { names, .. } if names == &["WS_HOST".to_string()]),
        "{err}"
    );

    let pki = TestPki::generate();
    let server = EchoServer::start(EchoServerConfig {
        tls: Some(pki.cert_and_key()),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut vars = Variables::new();
    vars.insert(
        "WS_HOST",
        format!("localhost:{}", server.local_addr().port()),
        Source::Override,
        false,
    );
    let mut spec = SessionSpec::from_section(&doc, section, &vars, Some(pki.dir.path())).unwrap();
    assert_eq!(
        spec.url,
        format!("wss://localhost:{}/socket", server.local_addr().port())
    );
    // The echo server serves its routes only (any other path is refused with 404).
    spec.url = format!("wss://localhost:{}/echo", server.local_addr().port());
    spec.options.ca_file = Some("ca.pem".into());
    spec.options.transcript = void_session::TranscriptTarget::Off;
    let session = Session::spawn(spec, SessionSettings::default()).unwrap();
    wait(&session, "open", |s| s.state == SessionState::Open).await;
    session
        .send(SendRequest::AdHoc {
            format: MessageFormat::Json,
            body: r#"{"hello":"voiden"}"#.into(),
        })
        .unwrap();
    wait(&session, "echo", |s| s.received == 1).await;
    assert_eq!(session.json_keys(), vec!["hello".to_string()]);
    session.close(1000, "");
    assert_eq!(wait_finished(&session).await.close_code, Some(1000));
}
