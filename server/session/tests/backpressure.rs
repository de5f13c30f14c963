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
    let server = void_echo::EchoServer::start(Default::default())
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
    let server = void_echo::EchoServer::start(Default::default())
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

/// Accepts one connection and reads nothing until `release` fires; then reads every binary
/// message, checks their order, and returns how many arrived before the client closed.
async fn paused_reader(
    release: tokio::sync::oneshot::Receiver<()>,
) -> (String, tokio::task::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let _ = release.await;
        let mut got = 0usize;
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Binary(b) = message {
                assert!(
                    b.iter().all(|&x| x == got as u8),
                    "message {got} out of order"
                );
                got += 1;
            }
        }
        got
    });
    (url, task)
}

#[tokio::test]
async fn a_bulk_sender_waits_while_the_peer_does_not_read_and_goes_on_when_it_does() {
    const BULK: usize = 400;
    const BULK_SIZE: usize = 64 * 1024;
    let (release, released) = tokio::sync::oneshot::channel();
    let (url, server) = paused_reader(released).await;
    let session = Session::spawn(spec(&url), Default::default()).unwrap();
    wait(&session, "open", |st| st.state == SessionState::Open).await;
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sender = {
        let (session, accepted) = (session.clone(), accepted.clone());
        tokio::spawn(async move {
            for i in 0..BULK {
                let payload = Bytes::from(vec![i as u8; BULK_SIZE]);
                session
                    .send_when_ready(SendRequest::Raw(Outgoing::Binary(payload)))
                    .await
                    .unwrap();
                accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        })
    };
    // 25 MiB cannot all fit in the socket buffers: the sender must stop and wait.
    let mut last = usize::MAX;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = accepted.load(std::sync::atomic::Ordering::SeqCst);
        if now == last {
            break;
        }
        last = now;
    }
    let held = accepted.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        held < BULK,
        "every send was taken while the peer read nothing"
    );
    let queued_bytes = (held - session.status().sent as usize) * BULK_SIZE;
    assert!(
        queued_bytes <= 2 * void_session::SEND_QUEUE_BYTES + 512 * 1024,
        "{queued_bytes} bytes queued past the limit"
    );
    release.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), sender)
        .await
        .expect("the sender never finished after the peer read again")
        .unwrap();
    wait(&session, "all sent", |st| st.sent as usize == BULK).await;
    session.close(1000, "done");
    wait_finished(&session).await;
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .unwrap()
            .unwrap(),
        BULK
    );
}

#[tokio::test]
async fn a_sender_waiting_for_room_is_refused_when_the_session_closes() {
    let (_release, released) = tokio::sync::oneshot::channel::<()>();
    let (url, _server) = paused_reader(released).await;
    let session = Session::spawn(spec(&url), Default::default()).unwrap();
    wait(&session, "open", |st| st.state == SessionState::Open).await;
    let sender = {
        let session = session.clone();
        tokio::spawn(async move {
            loop {
                let payload = Bytes::from(vec![0u8; 64 * 1024]);
                if let Err(e) = session
                    .send_when_ready(SendRequest::Raw(Outgoing::Binary(payload)))
                    .await
                {
                    return e;
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !sender.is_finished(),
        "the sender should be waiting for room"
    );
    session.close(1000, "stop");
    let refused = tokio::time::timeout(Duration::from_secs(2), sender)
        .await
        .expect("the waiting sender was not woken by close()")
        .unwrap();
    assert!(
        matches!(refused, void_session::SendError::NotOpen(_)),
        "{refused}"
    );
}
