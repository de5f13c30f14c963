//! The engine against a real WebSocket peer (tokio-tungstenite on loopback) that does not read
//! while its own writes are blocked: the engine must keep reading while its sends wait, or
//! both sides hang with full socket buffers. Also checks that a large queued batch goes out
//! whole and in order, and that the transcript holds every frame both ways.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{settings_in, spec, wait, wait_finished};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use void_session::{Outgoing, SendRequest, Session, SessionState, TranscriptTarget};

/// Messages each side sends; together far more than loopback socket buffers hold.
const MESSAGES: usize = 24;
const SIZE: usize = 1024 * 1024;

/// Accepts one connection; writes `MESSAGES` binary messages of `SIZE` bytes (each write
/// waits until the bytes are out, and nothing is read meanwhile), then reads until it has seen
/// `MESSAGES` binary messages, answers with a text line saying how many it got, and closes.
async fn stubborn_server() -> (String, tokio::task::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        for i in 0..MESSAGES {
            let payload = Bytes::from(vec![i as u8; SIZE]);
            ws.send(Message::Binary(payload)).await.unwrap();
        }
        let mut got = 0;
        while got < MESSAGES {
            match ws.next().await {
                Some(Ok(Message::Binary(b))) => {
                    assert_eq!(b.len(), SIZE);
                    assert!(
                        b.iter().all(|&x| x == got as u8),
                        "message {got} out of order"
                    );
                    got += 1;
                }
                Some(Ok(_)) => {}
                other => panic!("server read ended early after {got}: {other:?}"),
            }
        }
        ws.send(Message::text(format!("got {got}"))).await.unwrap();
        let _ = ws.close(None).await;
        while let Some(Ok(_)) = ws.next().await {}
        got
    });
    (url, task)
}

#[tokio::test]
async fn sending_while_the_server_writes_and_does_not_read_does_not_deadlock() {
    let (url, server) = stubborn_server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec(&url);
    s.options.transcript = TranscriptTarget::Default;
    s.options.max_message_size = 4 * SIZE as u64;
    let session = Session::spawn(s, settings_in(dir.path())).unwrap();
    wait(&session, "open", |st| st.state == SessionState::Open).await;
    for i in 0..MESSAGES {
        session
            .send(SendRequest::Raw(Outgoing::Binary(Bytes::from(vec![
                i as u8;
                SIZE
            ]))))
            .unwrap();
    }
    let done = session
        .wait_for(Duration::from_secs(30), |st| {
            st.received as usize > MESSAGES && st.sent as usize == MESSAGES
        })
        .await;
    let status = done.unwrap_or_else(|st| {
        panic!(
            "deadlocked: sent {} received {} (state {:?})",
            st.sent, st.received, st.state
        )
    });
    assert_eq!(status.sent as usize, MESSAGES);
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .unwrap()
            .unwrap(),
        MESSAGES
    );
    assert!(
        session.log_text().contains("got 24"),
        "{}",
        session.log_text()
    );
    let end = wait_finished(&session).await;
    assert_eq!(end.state, SessionState::Closed);

    // Every frame both ways is in the transcript, whole.
    let transcript = std::fs::read_to_string(session.transcript_path().unwrap()).unwrap();
    let records: Vec<serde_json::Value> = transcript
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |dir: &str, kind: &str| {
        records
            .iter()
            .filter(|r| r["dir"] == dir && r["kind"] == kind && r["size"] == SIZE)
            .count()
    };
    assert_eq!(count("out", "binary"), MESSAGES);
    assert_eq!(count("in", "binary"), MESSAGES);
    let first_in = records
        .iter()
        .find(|r| r["dir"] == "in" && r["kind"] == "binary")
        .unwrap();
    assert_eq!(
        first_in["base64"].as_str().unwrap().len(),
        SIZE.div_ceil(3) * 4
    );
}

#[tokio::test]
async fn a_burst_of_queued_sends_goes_out_in_order_and_is_counted_once() {
    let server = void_session::echo_server::EchoServer::start(Default::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec(&server.url());
    s.options.transcript = TranscriptTarget::Default;
    let session = Session::spawn(s, settings_in(dir.path())).unwrap();
    wait(&session, "open", |st| st.state == SessionState::Open).await;
    const BURST: usize = 5_000;
    for i in 0..BURST {
        session
            .send(SendRequest::Raw(Outgoing::Text {
                format: void_syntax::vocab::MessageFormat::Text,
                text: format!("m{i}").into(),
            }))
            .unwrap();
    }
    wait(&session, "every echo", |st| {
        st.received as usize == BURST && st.sent as usize == BURST
    })
    .await;
    session.close(1000, "done");
    wait_finished(&session).await;
    let transcript = std::fs::read_to_string(session.transcript_path().unwrap()).unwrap();
    let texts = |dir: &str| -> Vec<String> {
        transcript
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|r| r["dir"] == dir)
            .map(|r| r["text"].as_str().unwrap().to_string())
            .collect()
    };
    let expected: Vec<String> = (0..BURST).map(|i| format!("m{i}")).collect();
    assert_eq!(texts("out"), expected);
    assert_eq!(texts("in"), expected);
}

#[tokio::test]
async fn a_send_after_close_is_refused_not_sent_behind_the_close_frame() {
    let server = void_session::echo_server::EchoServer::start(Default::default())
        .await
        .unwrap();
    let session = Session::spawn(spec(&server.url()), Default::default()).unwrap();
    wait(&session, "open", |st| st.state == SessionState::Open).await;
    let text = || {
        SendRequest::Raw(Outgoing::Text {
            format: void_syntax::vocab::MessageFormat::Text,
            text: "late".into(),
        })
    };
    session.send(text()).unwrap();
    session.close(1000, "bye");
    let refused = session.send(text());
    let end = wait_finished(&session).await;
    assert_eq!(end.state, SessionState::Closed);
    assert_eq!(end.sent, 1, "only the send before close() went out");
    let log = session.log_text();
    assert!(
        refused.is_err() || log.contains("not sent: the connection is closing"),
        "{refused:?}\n{log}"
    );
}
