//! Socket.IO (docs/format.md §4.5) against real servers on loopback: npm `socket.io` 4.8 on
//! Node and PyPI `python-socketio` on aiohttp (tests/peers/socketio_server.*, the same
//! behaviour on both). Each checks the Engine.IO handshake, a namespace with `auth` accepted
//! and refused, events with JSON arguments, acknowledgements both ways, binary attachments both
//! ways and a disconnect by the server; the Node one also pings often enough to see the pongs,
//! and stops pinging on request, so the client's ping timeout shows. The interpreters come
//! from tests/lib/tools.sh; missing ones fail under `CI=true`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Peer, peer_script, spec, wait, wait_finished};
use tokio::process::Command;
use void_session::{
    AssertionSpec, EndedBy, MessageSpec, SendRequest, Session, SessionSettings, SessionSpec,
    SessionState,
};
use void_syntax::conversation::Condition;
use void_syntax::vocab::{MessageFormat, Protocol, SendMode};

/// The Node Socket.IO peer (npm `socket.io`), started; `None` (a failure under `CI=true`)
/// when Node or the package is missing.
async fn node_peer() -> Option<Peer> {
    let Some(modules) = common::node_modules() else {
        common::missing(
            "no node_modules with `socket.io` (set VOID_TEST_NODE_MODULES or run tests/lib/tools.sh)",
        );
        return None;
    };
    if !std::path::Path::new(&modules).join("socket.io").is_dir() {
        common::missing(
            "npm `socket.io` is not installed (run tests/lib/tools.sh ensure_node_peers)",
        );
        return None;
    }
    let mut cmd = Command::new("node");
    cmd.env("NODE_PATH", modules)
        .arg(peer_script("socketio_server.js"));
    Some(Peer::start(cmd).await)
}

/// The Python Socket.IO peer (`python-socketio`), started; `None` (a failure under `CI=true`)
/// when Python is missing.
async fn python_peer() -> Option<Peer> {
    let Some(python) = common::python() else {
        common::missing(
            "no Python for the Socket.IO peer (set VOID_TEST_PYTHON or run tests/lib/tools.sh)",
        );
        return None;
    };
    let mut cmd = Command::new(python);
    cmd.arg(peer_script("socketio_server.py"));
    Some(Peer::start(cmd).await)
}

fn message(uid: &str, event: Option<&str>, format: MessageFormat, body: &str) -> MessageSpec {
    MessageSpec {
        name: Some(uid.into()),
        format,
        event: event.map(str::to_string),
        ..MessageSpec::text(uid, body)
    }
}

/// The section every peer is exercised with: namespace `/chat` with `auth`, an event with an
/// acknowledgement, an event that makes the server ask for one (answered by a reply without
/// `event`), and a binary upload, all on open.
fn chat_spec(port: u16, token: &str) -> SessionSpec {
    let mut s = spec(&format!("ws://127.0.0.1:{port}"));
    s.options.protocol = Protocol::SocketIo;
    s.options.namespace = "/chat".into();
    s.options.auth = Some(format!(r#"{{"token":"{token}"}}"#));
    s.messages = vec![
        MessageSpec {
            send: SendMode::OnOpen,
            ack: true,
            ..message(
                "hello",
                Some("hello"),
                MessageFormat::Json,
                r#"{"name":"void"}"#,
            )
        },
        MessageSpec {
            send: SendMode::OnOpen,
            ..message("ask", Some("ask"), MessageFormat::Text, "")
        },
        MessageSpec {
            send: SendMode::OnReceive,
            when: Some(Condition::parse("event equals question").unwrap()),
            ..message(
                "answer",
                None,
                MessageFormat::Json,
                r#""void-ls {{$msg.json.q}}""#,
            )
        },
        MessageSpec {
            send: SendMode::OnOpen,
            ..message("upload", Some("upload"), MessageFormat::Binary, "AAECAw==")
        },
        message("bye", Some("bye"), MessageFormat::Text, ""),
    ];
    let row = |d: &str, f: &str, o: &str, e: &str| AssertionSpec::parse(d, f, o, e).unwrap();
    s.assertions = vec![
        row("welcome", "received[0].event", "equals", "welcome"),
        row("acked", "received[any].ack.echo.name", "equals", "void"),
        row("answered", "received[any].json", "equals", "void-ls name?"),
        row("uploaded", "received[any].json.size", "equals", "4"),
        row(
            "bytes back",
            "received[any].json.data",
            "equals",
            "AAECAw==",
        ),
    ];
    s
}

/// Everything on open, then `bye`: the server disconnects the client.
async fn exercise(port: u16) {
    let session = Session::spawn(chat_spec(port, "letmein"), SessionSettings::default()).unwrap();
    let status = wait(&session, "every assertion", |s| s.assertions.passed == 5).await;
    assert_eq!(status.state, SessionState::Open, "{:#?}", status);
    let log = session.log_text();
    for words in [
        "Engine.IO open · session ",
        "connected to namespace /chat",
        "→ hello {\"name\":\"void\"} · waits for ack",
        "← welcome {\"sid\":",
        "← ack of hello · {\"ok\":true,\"echo\":{\"name\":\"void\"}} · ",
        "← question {\"q\":\"name?\"} · asks ack #",
        "(reply to ← question #",
        "→ upload <binary, 4 B> · 1 binary attachment",
        "← uploaded {\"size\":4,\"data\":\"AAECAw==\"} · 1 binary attachment",
    ] {
        assert!(log.contains(words), "no `{words}` in the log:\n{log}");
    }
    // No packet codes in the log.
    assert!(!log.contains("→ 40") && !log.contains("← 0{"), "{log}");
    session.send(SendRequest::Message("bye".into())).unwrap();
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Closed, "{}", session.log_text());
    assert_eq!(status.ended_by, Some(EndedBy::Server));
    assert_eq!(status.error, None, "{}", session.log_text());
    assert!(
        status
            .close_reason
            .as_deref()
            .is_some_and(|r| r.contains("disconnected this client from namespace /chat")),
        "{status:#?}"
    );
}

/// A wrong token: the namespace refuses, in the server's words.
async fn refused(port: u16) {
    let session = Session::spawn(chat_spec(port, "wrong"), SessionSettings::default()).unwrap();
    let status = wait_finished(&session).await;
    let error = status.error.clone().unwrap_or_default();
    assert!(
        error.contains("refused to connect this client to namespace /chat: not authorized"),
        "{status:#?}\n{}",
        session.log_text()
    );
    assert_eq!(
        status.sent, 0,
        "nothing is emitted before the namespace connects"
    );
}

/// Against `peer` (`None` when it is missing, already said): a wrong token refused, then
/// events, acks, binary and the disconnect.
async fn refused_then_exercised(peer: Option<Peer>) {
    let Some(peer) = peer else {
        return;
    };
    refused(peer.port).await;
    exercise(peer.port).await;
}

#[tokio::test]
async fn node_socket_io_refuses_a_wrong_auth_then_events_acks_binary_and_disconnect() {
    refused_then_exercised(node_peer().await).await;
}

#[tokio::test]
async fn python_socketio_refuses_a_wrong_auth_then_events_acks_binary_and_disconnect() {
    refused_then_exercised(python_peer().await).await;
}

/// The client answers the server's pings (the server says so after three pongs), and drops
/// the connection when the pings stop.
#[tokio::test]
async fn node_socket_io_pongs_and_a_ping_timeout() {
    let Some(peer) = node_peer().await else {
        return;
    };
    let mut s = chat_spec(peer.port, "letmein");
    s.messages = vec![message("freeze", Some("freeze"), MessageFormat::Text, "")];
    s.assertions.clear();
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait(&session, "`alive` after three pongs", |_| {
        session_log_has(&session, "← alive {\"pongs\":3}")
    })
    .await;
    session.send(SendRequest::Message("freeze".into())).unwrap();
    let status = wait_finished(&session).await;
    let error = status.error.clone().unwrap_or_default();
    assert!(
        error.contains("the server sent no ping within 2300 ms"),
        "{status:#?}\n{}",
        session.log_text()
    );
    assert_eq!(status.ended_by, Some(EndedBy::Client));
}

/// With `reconnect: on` a connection the server closes is made again: a new Engine.IO
/// handshake, the namespace again with `auth`, and the `on-open` events again (acknowledged
/// again). An acknowledgement that never comes is a warning after `ackTimeout`.
#[tokio::test]
async fn node_socket_io_reconnects_and_says_when_an_ack_does_not_come() {
    let Some(peer) = node_peer().await else {
        return;
    };
    let mut s = chat_spec(peer.port, "letmein");
    s.options.reconnect = true;
    s.options.reconnect_limit = 1;
    s.options.ack_timeout = std::time::Duration::from_millis(200);
    s.messages = vec![
        MessageSpec {
            send: SendMode::OnOpen,
            ack: true,
            ..message(
                "hello",
                Some("hello"),
                MessageFormat::Json,
                r#"{"name":"void"}"#,
            )
        },
        MessageSpec {
            ack: true,
            ..message("ignore", Some("ignore"), MessageFormat::Text, "")
        },
        message("drop", Some("drop"), MessageFormat::Text, ""),
    ];
    s.assertions.clear();
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait(&session, "the first ack", |_| {
        session_log_has(&session, "← ack of hello")
    })
    .await;
    session.send(SendRequest::Message("ignore".into())).unwrap();
    wait(&session, "the missing ack's warning", |_| {
        session_log_has(
            &session,
            "no acknowledgement of ignore (#1) within 200 ms (ackTimeout)",
        )
    })
    .await;
    session.send(SendRequest::Message("drop".into())).unwrap();
    let status = wait(&session, "a second ack after the reconnect", |s| {
        s.reconnects == 1 && session.log_text().matches("← ack of hello").count() == 2
    })
    .await;
    assert_eq!(status.state, SessionState::Open);
    let log = session.log_text();
    assert_eq!(
        log.matches("connected to namespace /chat").count(),
        2,
        "{log}"
    );
    assert_eq!(log.matches("Engine.IO open · session").count(), 2, "{log}");
    session.close(1000, "done");
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Closed, "{}", session.log_text());
}

fn session_log_has(session: &Session, words: &str) -> bool {
    session.log_text().contains(words)
}

/// A server that is not a Socket.IO server (the embedded echo route says nothing first): the
/// session ends after `connectTimeout` and says what it waited for.
#[tokio::test]
async fn a_server_that_never_opens_engine_io_is_named_after_connect_timeout() {
    let echo = void_echo::EchoServer::start(void_echo::EchoServerConfig::default())
        .await
        .unwrap();
    let mut s = spec(&format!("{}/echo", echo.url()));
    s.options.protocol = Protocol::SocketIo;
    s.options.connect_timeout = std::time::Duration::from_millis(1500);
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    let status = wait_finished(&session).await;
    let error = status.error.clone().unwrap_or_default();
    assert!(
        error.contains("no Engine.IO open packet within 1500 ms")
            && error.contains("is it a Socket.IO v4 server?"),
        "{status:#?}"
    );
    echo.shutdown().await;
}
