//! The engine against real third-party servers on loopback: Python `websockets` and Node `ws`
//! echo servers, over `ws://` and `wss://` (a test CA made at run time, given as `caFile`).
//! The interpreters come from `VOID_TEST_PYTHON` / `VOID_TEST_NODE_MODULES` (tests/lib/tools.sh);
//! when they cannot be found or installed, the tests fail under `CI=true` and elsewhere say so
//! loudly and skip.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Peer, TestPki, peer_script, spec, wait, wait_finished};
use tokio::process::Command;
use void_session::{
    AssertionSpec, MessageSpec, SendRequest, Session, SessionSettings, SessionState,
};
use void_syntax::vocab::{MessageFormat, SendMode};

/// Connects, checks the subprotocol, sends text/JSON/binary and checks the echoes, closes.
async fn exercise(url: String, pki: Option<&TestPki>) {
    let mut s = spec(&url);
    s.subprotocols = vec!["nope".into(), "chat".into()];
    if let Some(pki) = pki {
        s.options.ca_file = Some(pki.ca_pem.clone());
    }
    s.messages = vec![
        MessageSpec {
            send: SendMode::OnOpen,
            format: MessageFormat::Json,
            ..MessageSpec::text("j", r#"{"n":1}"#)
        },
        MessageSpec {
            send: SendMode::OnOpen,
            format: MessageFormat::Binary,
            ..MessageSpec::text("b", "AAEC/w==")
        },
        MessageSpec::text("t", "long text ".repeat(10_000)),
    ];
    s.assertions = vec![
        AssertionSpec::parse("sub", "subprotocol", "equals", "chat").unwrap(),
        AssertionSpec::parse("json", "received[0].json.n", "equals", "1").unwrap(),
        AssertionSpec::parse("bin", "received[1].size", "equals", "4").unwrap(),
        AssertionSpec::parse("big", "received[2].size", "equals", "100000").unwrap(),
    ];
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait(&session, "on-open echoes", |s| s.received >= 2).await;
    session.send(SendRequest::Message("t".into())).unwrap();
    let status = wait(&session, "big echo", |s| s.received >= 3).await;
    assert_eq!(
        status.assertions.passed, 4,
        "{:#?}",
        status.assertion_results
    );
    let log = session.log_text();
    assert!(log.contains("text · 97.7 KiB"), "{log}");
    session.close(1000, "done");
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(status.close_code, Some(1000));
    assert_eq!(status.error, None);
}

fn python_peer(pki: Option<&TestPki>) -> Option<Command> {
    let Some(python) = common::python() else {
        common::missing(
            "no Python with `websockets` (set VOID_TEST_PYTHON or run tests/lib/tools.sh)",
        );
        return None;
    };
    let mut cmd = Command::new(python);
    cmd.arg(peer_script("echo_server.py"))
        .args(["--subprotocol", "chat"]);
    if let Some(pki) = pki {
        cmd.arg("--cert")
            .arg(&pki.cert_pem)
            .arg("--key")
            .arg(&pki.key_pem);
    }
    Some(cmd)
}

fn node_peer(pki: Option<&TestPki>) -> Option<Command> {
    let Some(modules) = common::node_modules() else {
        common::missing(
            "no node_modules with `ws` (set VOID_TEST_NODE_MODULES or run tests/lib/tools.sh)",
        );
        return None;
    };
    let mut cmd = Command::new("node");
    cmd.env("NODE_PATH", modules)
        .arg(peer_script("echo_server.js"))
        .args(["--subprotocol", "chat"]);
    if let Some(pki) = pki {
        cmd.arg("--cert")
            .arg(&pki.cert_pem)
            .arg("--key")
            .arg(&pki.key_pem);
    }
    Some(cmd)
}

#[tokio::test]
async fn python_websockets_over_ws() {
    let Some(cmd) = python_peer(None) else { return };
    let peer = Peer::start(cmd).await;
    exercise(format!("ws://127.0.0.1:{}/", peer.port), None).await;
}

#[tokio::test]
async fn python_websockets_over_wss() {
    let pki = TestPki::generate();
    let Some(cmd) = python_peer(Some(&pki)) else {
        return;
    };
    let peer = Peer::start(cmd).await;
    exercise(format!("wss://localhost:{}/", peer.port), Some(&pki)).await;
}

#[tokio::test]
async fn node_ws_over_ws() {
    let Some(cmd) = node_peer(None) else { return };
    let peer = Peer::start(cmd).await;
    exercise(format!("ws://127.0.0.1:{}/", peer.port), None).await;
}

#[tokio::test]
async fn node_ws_over_wss() {
    let pki = TestPki::generate();
    let Some(cmd) = node_peer(Some(&pki)) else {
        return;
    };
    let peer = Peer::start(cmd).await;
    exercise(format!("wss://localhost:{}/", peer.port), Some(&pki)).await;
}
