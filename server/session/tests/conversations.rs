//! Conversations (docs/format.md §4.4) against a real peer: a Python `websockets` server that
//! says hello, wants a login reply, hands out a session token that only a subscription carrying
//! it passes, and then sends application pings that each need a pong with their `id`. The
//! section is `examples/login.void`, read, checked and turned into a spec as `void-ls run` does.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Peer, peer_script, wait, wait_finished};
use tokio::process::Command;
use void_session::{Session, SessionSettings, SessionSpec, SessionState};
use void_syntax::variables::{Source, Variables};

fn login_server(extra: &[&str]) -> Option<Command> {
    let Some(python) = common::python() else {
        common::missing(
            "no Python with `websockets` (set VOID_TEST_PYTHON or run tests/lib/tools.sh)",
        );
        return None;
    };
    let mut command = Command::new(python);
    command.arg(peer_script("login_server.py")).args(extra);
    Some(command)
}

/// The login example's spec, pointed at `port`.
fn login_spec(port: u16) -> SessionSpec {
    let path = common::repo_root().join("examples/login.void");
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = void_syntax::parse(&text);
    assert!(doc.diagnostics.is_empty(), "{:#?}", doc.diagnostics);
    let mut vars = Variables::new();
    vars.insert(
        "ECHO_URL",
        format!("ws://127.0.0.1:{port}"),
        Source::Override,
        false,
    );
    let section = (0..doc.sections.len())
        .find(|&i| doc.sections[i].is_websocket(&doc))
        .unwrap();
    let mut spec = SessionSpec::from_section(&doc, section, &vars, None).unwrap();
    spec.options.transcript = void_session::TranscriptTarget::Off;
    spec
}

#[tokio::test]
async fn replies_log_in_subscribe_with_the_captured_token_and_answer_every_ping() {
    let Some(command) = login_server(&[]) else {
        return;
    };
    let peer = Peer::start(command).await;
    let session = Session::spawn(login_spec(peer.port), SessionSettings::default()).unwrap();
    let status = wait(&session, "the server's `done`", |s| s.received >= 7).await;
    assert_eq!(
        status.assertions.passed, 4,
        "{:#?}",
        status.assertion_results
    );
    assert_eq!(status.sent, 5, "login, subscribe, three pongs");
    assert!(
        status.reply_failures.is_empty(),
        "{:#?}",
        status.reply_failures
    );
    let log = session.log_text();
    for line in [
        "→ login (reply to ← hello #1) · ",
        "captured SESSION_TOKEN = •••• from ← #2",
        "→ subscribe (reply to ← welcome #2) · ",
        "→ pong (reply to ← ping #4) · ",
        "→ pong (reply to ← ping #6) · ",
    ] {
        assert!(log.contains(line), "no `{line}` in the log:\n{log}");
    }
    // The token is a secret by its name: never shown, though it went out in the subscription.
    assert!(!log.contains("tok-"), "the token leaked:\n{log}");
    session.close(1000, "done");
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(status.close_code, Some(1000));
}

#[tokio::test]
async fn a_reply_that_cannot_be_filled_in_is_not_sent_and_says_which_rule_and_message() {
    let Some(command) = login_server(&["--ping-without-id"]) else {
        return;
    };
    let peer = Peer::start(command).await;
    let session = Session::spawn(login_spec(peer.port), SessionSettings::default()).unwrap();
    // No pong goes out, so the server gives up on the ping and closes.
    let status = wait(&session, "the server's close", |s| s.state.is_terminal()).await;
    assert_eq!(status.close_code, Some(4002), "{status:#?}");
    assert_eq!(status.reply_failure_count, 1);
    let failure = &status.reply_failures[0];
    assert_eq!(failure.reply, "pong");
    assert_eq!(failure.when.as_deref(), Some("json.op equals ping"));
    assert_eq!(failure.trigger, "← ping #4");
    let sentence = failure.sentence();
    assert!(
        sentence.starts_with("reply pong (when json.op equals ping) to ← ping #4 was not sent: ")
            && sentence.contains("{{$msg.json.id}}"),
        "{sentence}"
    );
    let log = session.log_text();
    assert!(log.contains(&format!("not sent: {sentence}")), "{log}");
    assert_eq!(status.sent, 2, "login and subscribe only");
}
