//! The engine against the embedded echo server (and a small CONNECT proxy) on loopback: sends,
//! `on-open`/`after:`/heartbeat, pause, close, assertions, transcript, reconnect, TLS, proxy,
//! floods and the headless settle loop.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestPki, settings_in, spec, wait, wait_finished};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use void_echo::{EchoServer, EchoServerConfig};
use void_session::{
    AssertionSpec, MessageSpec, Outcome, SendError, SendRequest, Session, SessionSettings,
    SessionState, SettleReason, TranscriptTarget, test_connection,
};
use void_syntax::vocab::{MessageFormat, SendMode};

/// The echo server accepting subprotocol `chat`; its `/commands` route also answers the test
/// commands (`flood <n>`, `close <code>`, `__ping__`, JSON `method` calls).
async fn echo() -> EchoServer {
    EchoServer::start(EchoServerConfig {
        subprotocols: vec!["chat".into()],
        ..Default::default()
    })
    .await
    .unwrap()
}

fn message(
    uid: &str,
    name: &str,
    format: MessageFormat,
    send: SendMode,
    body: &str,
) -> MessageSpec {
    MessageSpec {
        name: Some(name.into()),
        format,
        send,
        ..MessageSpec::text(uid, body)
    }
}

#[tokio::test]
async fn echo_session_sends_receives_pauses_closes_and_records_everything() {
    let server = echo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec(&format!("{}/commands?token=tok-secret-1", server.url()));
    s.options.transcript = TranscriptTarget::Default;
    s.secrets.push("tok-secret-1".into());
    s.subprotocols = vec!["superchat".into(), "chat".into()];
    s.headers
        .push(("Authorization".into(), "Bearer tok-secret-1".into()));
    s.messages = vec![
        message(
            "m1",
            "subscribe",
            MessageFormat::Json,
            SendMode::OnOpen,
            r#"{"op":"subscribe"}"#,
        ),
        message(
            "m2",
            "hello",
            MessageFormat::Text,
            SendMode::Manual,
            "hello tok-secret-1",
        ),
        message(
            "m3",
            "follow",
            MessageFormat::Text,
            SendMode::After("subscribe".into()),
            "after-subscribe",
        ),
        message(
            "m4",
            "bad",
            MessageFormat::Json,
            SendMode::Manual,
            "{not json",
        ),
    ];
    s.assertions = vec![
        AssertionSpec::parse("picked chat", "subprotocol", "equals", "chat").unwrap(),
        AssertionSpec::parse(
            "first is subscribe",
            "received[0].json.op",
            "equals",
            "subscribe",
        )
        .unwrap(),
        AssertionSpec::parse(
            "follow-up echoed",
            "received[any].text",
            "contains",
            "after-subscribe",
        )
        .unwrap(),
        AssertionSpec::parse("upgrade", "handshake.status", "equals", "101").unwrap(),
        AssertionSpec::parse("closed normally", "close.code", "equals", "1000").unwrap(),
    ];
    let session = Session::spawn(s, settings_in(dir.path())).unwrap();
    let status = wait(&session, "on-open and after: echoes", |s| s.received >= 2).await;
    assert_eq!(status.state, SessionState::Open);
    assert_eq!(status.subprotocol.as_deref(), Some("chat"));
    assert_eq!(status.http_status, Some(101));
    assert!(status.handshake_ms.is_some());
    assert_eq!(status.url, format!("{}/commands?token=••••", server.url()));
    assert_eq!(
        (status.assertions.passed, status.assertions.pending),
        (4, 1),
        "{status:#?}"
    );

    assert_eq!(
        session.send(SendRequest::Message("m4".into())),
        Err(SendError::InvalidBody(
            "the body is not valid JSON: key must be a string at line 1 column 2".into()
        ))
    );
    assert!(matches!(
        session.send(SendRequest::Message("nope".into())),
        Err(SendError::UnknownMessage(_))
    ));

    session.pause();
    let frozen = session.log_text();
    session.send(SendRequest::Message("m2".into())).unwrap();
    let status = wait(&session, "manual echo", |s| s.received >= 3).await;
    assert!(status.paused);
    let paused_text = session.log_text();
    assert_eq!(
        frozen.lines().skip(1).collect::<Vec<_>>(),
        paused_text.lines().skip(1).collect::<Vec<_>>()
    );
    assert!(
        paused_text
            .lines()
            .next()
            .unwrap()
            .ends_with("· 3 sent · 3 received · paused"),
        "{paused_text}"
    );
    session.resume();
    let text = session.log_text();
    assert!(
        text.starts_with(&format!(
            "# {}/commands?token=•••• · open · subprotocol chat · 3 sent · 3 received\n",
            server.url()
        )),
        "{text}"
    );
    assert!(text.contains("⇄ open · 101 Switching Protocols"), "{text}");
    assert!(text.contains("⇄ → authorization: Bearer ••••"), "{text}");
    assert!(text.contains(r#"→ {"op":"subscribe"}"#), "{text}");
    assert!(
        text.contains("← hello ••••"),
        "secrets are masked in the log: {text}"
    );
    assert!(!text.contains("tok-secret-1"));
    assert!(
        text.lines()
            .any(|l| l.contains("← {\"op\":\"subscribe\"}") && l.ends_with("json · 18 B")),
        "{text}"
    );
    assert_eq!(session.json_keys(), vec!["op".to_string()]);

    session.close(1000, "bye");
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(status.close_code, Some(1000));
    assert_eq!(status.close_reason.as_deref(), Some("bye"));
    assert_eq!(status.error, None);
    assert_eq!(
        status.assertions.passed, 5,
        "{:#?}",
        status.assertion_results
    );
    let log = session.log_text();
    let closed = log
        .lines()
        .position(|l| l.contains("✕ closed · 1000 · \"bye\""))
        .unwrap_or_else(|| panic!("no close line in\n{log}"));
    // Every line after the close is an assertion row settling (the session is over).
    assert!(
        log.lines().skip(closed + 1).all(|l| l.contains(" ✓ ")),
        "{log}"
    );

    let path = session.transcript_path().unwrap();
    assert!(path.starts_with(dir.path()));
    let export = dir.path().join("export/copy.jsonl");
    let events = session.export_transcript(&export).await.unwrap();
    let text = std::fs::read_to_string(&export).unwrap();
    assert_eq!(text.lines().count() as u64, events);
    assert!(
        !text.contains("tok-secret-1"),
        "secrets are masked in the transcript"
    );
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ins = records.iter().filter(|r| r["dir"] == "in").count();
    let outs = records.iter().filter(|r| r["dir"] == "out").count();
    assert_eq!((ins, outs), (3, 3));
    assert!(
        records
            .iter()
            .any(|r| r["dir"] == "event" && r["kind"] == "open")
    );
    assert!(
        records.iter().any(|r| r["kind"] == "json"
            && r["text"] == r#"{"op":"subscribe"}"#
            && r["size"] == 18)
    );
}

#[tokio::test]
async fn binary_and_adhoc_messages_round_trip() {
    let server = echo().await;
    let mut s = spec(&server.url());
    s.messages.push(MessageSpec {
        format: MessageFormat::Binary,
        encoding: void_syntax::vocab::BinaryEncoding::Hex,
        send: SendMode::OnOpen,
        ..MessageSpec::text("b1", "00 01 fe ff")
    });
    s.assertions = vec![
        AssertionSpec::parse("binary", "received[0].binary", "equals", "true").unwrap(),
        AssertionSpec::parse("size", "received[0].size", "equals", "4").unwrap(),
        AssertionSpec::parse("xml last", "received[-1]", "contains", "<a>").unwrap(),
    ];
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait(&session, "binary echo", |s| s.received >= 1).await;
    session
        .send(SendRequest::AdHoc {
            format: MessageFormat::Xml,
            body: "<a>x</a>".into(),
        })
        .unwrap();
    let status = wait(&session, "xml echo", |s| s.received >= 2).await;
    assert_eq!(
        status.assertions.passed, 3,
        "{:#?}",
        status.assertion_results
    );
    assert!(session.log_text().contains("← 0001feff (binary)"));
    session.close(1000, "");
    wait_finished(&session).await;
}

#[tokio::test]
async fn headless_run_settles_when_assertions_decide() {
    let server = echo().await;
    let mut s = spec(&format!("{}/commands", server.url()));
    s.messages.push(message(
        "m1",
        "rpc",
        MessageFormat::Json,
        SendMode::OnOpen,
        r#"{"id":1,"method":"sum","params":[1,2]}"#,
    ));
    s.assertions = vec![
        AssertionSpec::parse(
            "rpc answered",
            "received[-1].json.result.method",
            "equals",
            "sum",
        )
        .unwrap(),
        AssertionSpec::parse("fast", "received[0]", "within", "2s").unwrap(),
    ];
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    let (reason, status) = session.run_to_completion().await;
    assert_eq!(reason, SettleReason::AssertionsSettled);
    assert_eq!(
        status.assertions.passed, 2,
        "{:#?}",
        status.assertion_results
    );
    assert_eq!(status.state, SessionState::Closed);
    assert!(session.is_finished());
}

#[tokio::test]
async fn headless_run_stops_when_idle_and_fails_pending_rows() {
    let server = echo().await;
    let mut s = spec(&server.url());
    s.options.idle_timeout = Duration::from_millis(300);
    s.assertions =
        vec![AssertionSpec::parse("never", "received.count", "greaterThan", "0").unwrap()];
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    let (reason, status) = session.run_to_completion().await;
    assert_eq!(reason, SettleReason::IdleTimeout);
    assert_eq!(status.assertion_results[0].outcome, Outcome::Fail);
    assert_eq!(
        status.assertion_results[0].message,
        "expected greaterThan 0, got 0"
    );
}

#[tokio::test]
async fn heartbeat_and_protocol_pings_keep_the_session_open() {
    let server = echo().await;
    let mut s = spec(&format!("{}/commands", server.url()));
    s.options.heartbeat = Some("__ping__".into());
    s.options.heartbeat_interval = Duration::from_millis(50);
    s.options.ping_interval = Some(Duration::from_millis(30));
    s.options.pong_timeout = Duration::from_millis(500);
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    let status = wait(&session, "heartbeat answers", |s| s.received >= 3).await;
    assert_eq!(status.state, SessionState::Open);
    assert!(session.log_text().contains("← __pong__"));
    session.close(1000, "");
    let status = wait_finished(&session).await;
    assert_eq!(status.error, None);
}

#[tokio::test]
async fn reconnect_sends_on_open_messages_again() {
    let server = echo().await;
    let mut s = spec(&format!("{}/commands", server.url()));
    s.options.reconnect = true;
    s.messages = vec![
        message(
            "m1",
            "hello",
            MessageFormat::Text,
            SendMode::OnOpen,
            "hello",
        ),
        message(
            "m2",
            "restart",
            MessageFormat::Text,
            SendMode::Manual,
            "close 1012 restarting",
        ),
    ];
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait(&session, "first hello", |s| s.received >= 1).await;
    session.send(SendRequest::Message("m2".into())).unwrap();
    let status = wait(&session, "second hello after reconnect", |s| {
        s.received >= 2 && s.state == SessionState::Open
    })
    .await;
    assert_eq!(status.reconnects, 1);
    assert_eq!(server.connections(), 2);
    let log = session.log_text();
    assert!(
        log.contains("the server closed the connection with 1012 (service restart): restarting"),
        "{log}"
    );
    assert!(
        log.contains("reconnecting in 500 ms (attempt 1 of 10)"),
        "{log}"
    );
    session.close(1000, "done");
    let status = wait_finished(&session).await;
    assert_eq!(status.close_code, Some(1000));
}

#[tokio::test]
async fn the_reconnect_wait_is_a_state_with_its_attempt_and_delay_and_close_ends_it() {
    // Nothing listens on this port: every attempt is refused.
    let refused = void_echo::RefusedPort::new().unwrap();
    let closed_port = refused.port();
    let mut s = spec(&format!("ws://127.0.0.1:{closed_port}/"));
    s.options.reconnect = true;
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    let waiting = wait(&session, "the first reconnect wait", |s| {
        s.state == SessionState::Reconnecting
    })
    .await;
    let wait_info = waiting.reconnect.expect("reconnect detail while waiting");
    assert_eq!(wait_info.attempt, 1);
    assert!(wait_info.retry_in_ms <= 500, "{wait_info:?}");
    assert!(
        waiting.error.as_deref().unwrap().contains("cannot connect"),
        "{waiting:?}"
    );
    let waiting = wait(&session, "the second reconnect wait", |s| {
        s.reconnect.is_some_and(|r| r.attempt == 2)
    })
    .await;
    assert_eq!(waiting.state, SessionState::Reconnecting);
    assert!(waiting.reconnect.unwrap().retry_in_ms <= 1000);
    // A connection that was never made sent nothing: no request line, no headers.
    let log = session.log_text();
    assert!(!log.contains("→ GET"), "{log}");
    assert!(!log.contains("→ host"), "{log}");

    session.close(1000, "stop");
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(status.reconnect, None);
    assert_eq!(status.ended_by, Some(void_session::EndedBy::Client));
    assert!(
        session.log_text().contains("reconnect cancelled by Close"),
        "{}",
        session.log_text()
    );
}

#[tokio::test]
async fn handshake_lines_are_logged_as_http_writes_them() {
    let server = echo().await;
    let session = Session::spawn(
        spec(&format!("{}/echo?x=1", server.url())),
        SessionSettings::default(),
    )
    .unwrap();
    wait(&session, "open", |s| s.state == SessionState::Open).await;
    let log = session.log_text();
    assert!(log.contains("→ GET /echo?x=1 HTTP/1.1\n"), "{log}");
    assert!(
        log.contains("← HTTP/1.1 101 Switching Protocols\n"),
        "{log}"
    );
    assert!(!log.contains("GET:"), "{log}");
    assert!(!log.contains("HTTP/1.1:"), "{log}");
    session.close(1000, "");
    let status = wait_finished(&session).await;
    assert_eq!(status.ended_by, Some(void_session::EndedBy::Client));
}

#[tokio::test]
async fn wss_with_ca_file_insecure_and_untrusted() {
    let pki = TestPki::generate();
    let server = EchoServer::start(EchoServerConfig {
        tls: Some(pki.cert_and_key()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(server.url().starts_with("wss://localhost:"));

    let mut trusted = spec(&server.url());
    trusted.file_dir = Some(pki.dir.path().to_path_buf());
    trusted.options.ca_file = Some("ca.pem".into());
    let session = Session::spawn(trusted.clone(), SessionSettings::default()).unwrap();
    wait(&session, "open over TLS", |s| s.state == SessionState::Open).await;
    session
        .send(SendRequest::AdHoc {
            format: MessageFormat::Text,
            body: "secure".into(),
        })
        .unwrap();
    wait(&session, "echo over TLS", |s| s.received == 1).await;
    session.close(1000, "");
    wait_finished(&session).await;

    let mut by_ip = trusted.clone();
    by_ip.url = format!("wss://127.0.0.1:{}", server.local_addr().port());
    assert!(
        test_connection(&by_ip, None).await.ok,
        "the leaf is valid for 127.0.0.1 too"
    );

    let mut insecure = spec(&server.url());
    insecure.options.insecure = true;
    let session = Session::spawn(insecure, SessionSettings::default()).unwrap();
    let status = wait(&session, "open insecure", |s| s.state == SessionState::Open).await;
    assert_eq!(
        status.warnings,
        vec!["TLS certificate checks are off (insecure: true)".to_string()]
    );
    assert!(
        session
            .log_text()
            .lines()
            .next()
            .unwrap()
            .contains("⚠ TLS certificate checks are off")
    );
    session.close(1000, "");
    wait_finished(&session).await;

    let untrusted = spec(&server.url());
    let result = test_connection(&untrusted, None).await;
    assert!(!result.ok);
    let error = result.error.unwrap();
    assert!(
        error.contains("TLS handshake") && error.contains("certificate"),
        "{error}"
    );

    let mut missing = spec(&server.url());
    missing.options.ca_file = Some(pki.dir.path().join("nope.pem"));
    let session = Session::spawn(missing, SessionSettings::default()).unwrap();
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Failed);
    let error = status.error.unwrap();
    assert!(
        error.contains("caFile") && error.contains("nope.pem: no such file"),
        "{error}"
    );
}

/// A minimal HTTP CONNECT proxy for the test; counts tunnels.
async fn connect_proxy() -> (u16, std::sync::Arc<std::sync::atomic::AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tunnels = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let count = tunnels.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let mut b = [0u8; 1];
                    if client.read_exact(&mut b).await.is_err() {
                        return;
                    }
                    head.push(b[0]);
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let target = text.split_whitespace().nth(1).unwrap().to_string();
                let mut upstream = tokio::net::TcpStream::connect(target).await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (port, tunnels)
}

#[tokio::test]
async fn connects_through_an_http_connect_proxy() {
    let server = echo().await;
    let (proxy_port, tunnels) = connect_proxy().await;
    let mut s = spec(&server.url());
    s.options.proxy = Some(format!("http://127.0.0.1:{proxy_port}"));
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait(&session, "open via proxy", |s| {
        s.state == SessionState::Open
    })
    .await;
    session
        .send(SendRequest::AdHoc {
            format: MessageFormat::Text,
            body: "via proxy".into(),
        })
        .unwrap();
    wait(&session, "echo via proxy", |s| s.received == 1).await;
    assert_eq!(tunnels.load(std::sync::atomic::Ordering::SeqCst), 1);
    session.close(1000, "");
    wait_finished(&session).await;
}

#[tokio::test]
async fn a_flood_keeps_the_view_bounded() {
    let server = echo().await;
    let mut s = spec(&format!("{}/commands", server.url()));
    s.options.log_limit = 100;
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait(&session, "open", |s| s.state == SessionState::Open).await;
    session
        .send(SendRequest::AdHoc {
            format: MessageFormat::Text,
            body: "flood 50000".into(),
        })
        .unwrap();
    let status = session
        .wait_for(Duration::from_secs(60), |s| s.received >= 50_000)
        .await
        .unwrap_or_else(|s| panic!("flood incomplete: {s:#?}"));
    assert_eq!(status.received, 50_000);
    let text = session.log_text();
    assert_eq!(text.lines().count(), 101, "header plus logLimit lines");
    assert!(text.lines().last().unwrap().contains("← flood 49999"));
    session.close(1000, "");
    wait_finished(&session).await;
}

#[tokio::test]
async fn test_connection_reports_the_handshake() {
    let server = echo().await;
    let mut s = spec(&server.url());
    s.subprotocols = vec!["chat".into()];
    let result = test_connection(&s, None).await;
    assert!(result.ok, "{result:?}");
    assert_eq!(result.http_status, Some(101));
    assert_eq!(result.subprotocol.as_deref(), Some("chat"));
    assert!(result.handshake_ms.is_some());
    assert_eq!(result.error, None);
}

#[tokio::test]
async fn sends_are_refused_until_open_and_bad_urls_are_refused_at_spawn() {
    assert!(Session::spawn(spec("http://127.0.0.1:1/"), SessionSettings::default()).is_err());
    let refused = void_echo::RefusedPort::new().unwrap();
    let port = refused.port();
    let session = Session::spawn(
        spec(&format!("ws://127.0.0.1:{port}")),
        SessionSettings::default(),
    )
    .unwrap();
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Failed);
    assert!(
        status
            .error
            .as_deref()
            .unwrap()
            .starts_with(&format!("cannot connect to 127.0.0.1:{port}")),
        "{status:?}"
    );
    assert!(matches!(
        session.send(SendRequest::AdHoc {
            format: MessageFormat::Text,
            body: "x".into()
        }),
        Err(SendError::NotOpen(SessionState::Failed))
    ));
}

#[tokio::test]
async fn a_flood_reaches_the_transcript_whole_and_in_order() {
    let server = echo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec(&format!("{}/commands", server.url()));
    s.options.transcript = TranscriptTarget::Path("flood.jsonl".into());
    s.file_dir = Some(dir.path().to_path_buf());
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait(&session, "open", |s| s.state == SessionState::Open).await;
    session
        .send(SendRequest::AdHoc {
            format: MessageFormat::Text,
            body: "flood 20000".into(),
        })
        .unwrap();
    session
        .wait_for(Duration::from_secs(60), |s| s.received >= 20_000)
        .await
        .unwrap();
    session.close(1000, "");
    wait_finished(&session).await;
    let events = session.flush_transcript().await;
    let text = std::fs::read_to_string(dir.path().join("flood.jsonl")).unwrap();
    assert_eq!(text.lines().count() as u64, events);
    let ins: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["dir"] == "in")
        .collect();
    assert_eq!(ins.len(), 20_000);
    assert_eq!(ins[0]["text"], "flood 0");
    assert_eq!(ins[19_999]["text"], "flood 19999");
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["kind"], "close");
}

#[tokio::test]
async fn reconnecting_stops_at_the_limit_and_says_so() {
    let server = echo().await;
    let mut s = spec(&format!("{}/commands", server.url()));
    s.options.reconnect = true;
    s.options.reconnect_limit = 2;
    // Every connection asks the server to close it, so the session reconnects until the limit.
    s.messages = vec![message(
        "m1",
        "restart",
        MessageFormat::Text,
        SendMode::OnOpen,
        "close 1012 restarting",
    )];
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    let status = wait_finished(&session).await;
    assert_eq!(
        server.connections(),
        3,
        "the first connection and two reconnects"
    );
    assert_eq!(status.reconnects, 2);
    assert_eq!(status.state, SessionState::Closed);
    let log = session.log_text();
    assert!(log.contains("(attempt 1 of 2)"), "{log}");
    assert!(log.contains("(attempt 2 of 2)"), "{log}");
    assert!(
        log.contains("✕ stopped reconnecting after 2 attempts (reconnectLimit 2)"),
        "{log}"
    );
}

#[tokio::test]
async fn a_log_line_leads_to_its_whole_message() {
    let server = echo().await;
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "{{\n  \"op\": \"big\",\n  \"items\": [{}]\n}}",
        (0..20)
            .map(|i| format!("{{\"id\": {i}, \"name\": \"item number {i}\"}}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut s = spec(&server.url());
    s.options.transcript = TranscriptTarget::Default;
    s.messages = vec![
        message("m1", "big", MessageFormat::Json, SendMode::OnOpen, &body),
        message("m2", "small", MessageFormat::Text, SendMode::OnOpen, "tiny"),
    ];
    let session = Session::spawn(s, settings_in(dir.path())).unwrap();
    wait(&session, "both echoes", |s| s.received >= 2).await;
    let log = session.log_text();
    let lines: Vec<&str> = log.lines().collect();
    let line_of = |marker: &str, text: &str| {
        lines
            .iter()
            .position(|l| l.get(13..).is_some_and(|r| r.starts_with(marker)) && l.contains(text))
            .unwrap_or_else(|| panic!("no {marker} {text} line in\n{log}"))
    };

    // A large payload: the view keeps a compact preview; the transcript has it whole.
    let big = line_of("←", "\"big\"");
    assert!(
        lines[big].contains(r#"← {"op": "big", "items": [{"id": 0"#),
        "{}",
        lines[big]
    );
    let shown = session.message_at_line(big, Some(lines[big])).unwrap();
    assert!(!shown.sent);
    assert_eq!(shown.size, body.len());
    assert!(
        shown.whole.is_none(),
        "the view does not hold large payloads"
    );
    assert_eq!(
        session.whole_message(&shown).await.unwrap(),
        Some(body.clone())
    );

    // A small one is kept in the view as it is.
    let small = line_of("→", "tiny");
    let shown = session.message_at_line(small, None).unwrap();
    assert!(shown.sent);
    assert_eq!(
        session.whole_message(&shown).await.unwrap().as_deref(),
        Some("tiny")
    );

    // The line the client shows is found even when the line number is stale.
    let moved = session.message_at_line(1, Some(lines[small])).unwrap();
    assert_eq!(moved.line, lines[small]);
    // The header and event lines are not messages.
    assert_eq!(session.message_at_line(0, None), None);
    assert_eq!(session.message_at_line(1, None), None, "{log}");
    session.close(1000, "");
    wait_finished(&session).await;
}
