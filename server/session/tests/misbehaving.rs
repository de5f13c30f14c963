//! Servers that misbehave, written as raw tokio TCP servers on loopback: each session must end
//! in the right state with a clear message, without panicking, and its task must finish.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{spec, wait, wait_finished};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use void_session::{
    AssertionSpec, EndedBy, Session, SessionSettings, SessionState, test_connection,
};

/// Reads an HTTP request head; returns the `Sec-WebSocket-Key`.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read_exact(&mut byte).await.is_err() {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("sec-websocket-key")
            .then(|| v.trim().to_string())
    })
}

async fn accept_upgrade(stream: &mut TcpStream) {
    let key = read_request(stream).await.unwrap();
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    stream.write_all(answer.as_bytes()).await.unwrap();
}

/// An unmasked server frame.
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n < 65536 => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

/// Starts a one-connection-at-a-time server running `behave` on each accepted socket.
async fn server<F, Fut>(behave: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(behave(stream));
        }
    });
    url
}

async fn run_until_finished(s: void_session::SessionSpec) -> void_session::Status {
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait_finished(&session).await
}

#[tokio::test]
async fn refused_upgrade_401_and_404_fail_with_the_http_status() {
    for (code, words) in [(401, "Unauthorized"), (404, "Not Found")] {
        let url = server(move |mut s| async move {
            read_request(&mut s).await;
            let body = "go away";
            let answer = format!("HTTP/1.1 {code} {words}\r\nContent-Length: {}\r\nWWW-Authenticate: Bearer\r\n\r\n{body}", body.len());
            let _ = s.write_all(answer.as_bytes()).await;
            let _ = s.shutdown().await;
        })
        .await;
        let mut s = spec(&url);
        s.assertions =
            vec![AssertionSpec::parse("ok", "handshake.status", "equals", "101").unwrap()];
        let status = run_until_finished(s.clone()).await;
        assert_eq!(status.state, SessionState::Failed);
        assert_eq!(status.http_status, Some(code));
        let error = status.error.unwrap();
        assert_eq!(
            error,
            format!("the server refused the upgrade: HTTP {code} {words} (go away)")
        );
        assert_eq!(status.assertions.failed, 1);
        let tested = test_connection(&s, None).await;
        assert!(!tested.ok);
        assert_eq!(tested.http_status, Some(code));
        assert!(
            tested
                .response_headers
                .iter()
                .any(|(k, _)| k == "www-authenticate")
        );
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_or_is_cancelled() {
    let url = server(|mut s| async move {
        read_request(&mut s).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(s);
    })
    .await;
    let mut s = spec(&url);
    s.options.connect_timeout = Duration::from_millis(300);
    let status = run_until_finished(s.clone()).await;
    assert_eq!(status.state, SessionState::Failed);
    assert_eq!(
        status.error.as_deref(),
        Some("timed out after 0.3 s while connecting (connectTimeout)")
    );

    s.options.connect_timeout = Duration::from_secs(20);
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(session.state(), SessionState::Connecting);
    session.close(1000, "");
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(status.error.as_deref(), Some("cancelled while connecting"));
}

#[tokio::test]
async fn a_dropped_connection_is_1006_in_words() {
    let url = server(|mut s| async move {
        accept_upgrade(&mut s).await;
        s.write_all(&frame(0x1, b"last words")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(s);
    })
    .await;
    let status = run_until_finished(spec(&url)).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(status.received, 1);
    assert_eq!(status.close_code, Some(1006));
    assert_eq!(status.ended_by, Some(EndedBy::Network));
    assert!(
        status
            .error
            .unwrap()
            .starts_with("the connection dropped without a close frame (1006)")
    );
}

#[tokio::test]
async fn a_frame_over_max_message_size_closes_with_1009() {
    let url = server(|mut s| async move {
        accept_upgrade(&mut s).await;
        let _ = s.write_all(&frame(0x2, &vec![7u8; 4096])).await;
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut sink)).await;
    })
    .await;
    let mut s = spec(&url);
    s.options.max_message_size = 1024;
    let status = run_until_finished(s).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(status.close_code, Some(1009));
    assert_eq!(
        status.error.as_deref(),
        Some(
            "the server sent a message of 4.0 KiB (4096 bytes), over maxMessageSize 1.0 KiB (1024 bytes); the client closed the connection with 1009 (message too big)"
        )
    );
    // The client closed it, not the server.
    assert_eq!(status.ended_by, Some(EndedBy::Client));
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_closes_with_1007() {
    let url = server(|mut s| async move {
        accept_upgrade(&mut s).await;
        let _ = s.write_all(&frame(0x1, &[b'o', b'k', 0xff, 0xfe])).await;
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut sink)).await;
    })
    .await;
    let status = run_until_finished(spec(&url)).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(status.close_code, Some(1007));
    assert_eq!(
        status.error.as_deref(),
        Some(
            "the server sent invalid UTF-8 in a text message; the client closed the connection with 1007 (invalid payload data)"
        )
    );
    assert_eq!(status.ended_by, Some(EndedBy::Client));
}

#[tokio::test]
async fn a_server_that_never_answers_pings_times_out() {
    let url = server(|mut s| async move {
        accept_upgrade(&mut s).await;
        let mut sink = vec![0u8; 1024];
        while let Ok(n) = s.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    let mut s = spec(&url);
    s.options.ping_interval = Some(Duration::from_millis(100));
    s.options.pong_timeout = Duration::from_millis(200);
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    wait(&session, "open", |s| s.state == SessionState::Open).await;
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(
        status.error.as_deref(),
        Some(
            "timed out: no pong within 200 ms of a ping (pongTimeout); the client dropped the connection"
        )
    );
    assert_eq!(status.ended_by, Some(EndedBy::Client));
}

#[tokio::test]
async fn a_1011_close_is_an_error_close_in_words() {
    let url = server(|mut s| async move {
        accept_upgrade(&mut s).await;
        let mut payload = 1011u16.to_be_bytes().to_vec();
        payload.extend_from_slice(b"boom");
        s.write_all(&frame(0x8, &payload)).await.unwrap();
        // Wait for the client's close answer, then end the TCP connection.
        let mut answer = [0u8; 64];
        let _ = tokio::time::timeout(Duration::from_secs(3), s.read(&mut answer)).await;
        drop(s);
    })
    .await;
    let mut s = spec(&url);
    s.assertions = vec![AssertionSpec::parse("code", "close.code", "equals", "1011").unwrap()];
    let status = run_until_finished(s).await;
    assert_eq!(status.state, SessionState::Closed);
    assert_eq!(status.close_code, Some(1011));
    assert_eq!(status.close_reason.as_deref(), Some("boom"));
    assert_eq!(
        status.error.as_deref(),
        Some("the server closed the connection with 1011 (internal server error): boom")
    );
    assert_eq!(status.ended_by, Some(EndedBy::Server));
    assert_eq!(status.assertions.passed, 1);
}
