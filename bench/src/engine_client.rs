//! The void-session engine as a benchmark contender: the same workloads as the raw client, run
//! through the engine's public API ([`Session::spawn`], [`Session::send`] with a ready payload,
//! and `SessionSettings::message_tap` to observe every received message), so the comparison
//! shows what the engine adds on top of tokio-tungstenite: its command channel, live log,
//! counters, assertion bookkeeping and (unless turned off) the transcript.
//!
//! Only public engine API is used here; nothing in this module may reach into the engine's
//! internals.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};
use void_session::socketio::message::{EmitAck, SocketEmit};
use void_session::{
    Incoming, Outgoing, SendRequest, Session, SessionSettings, SessionSpec, SessionState,
    TranscriptTarget,
};
use void_syntax::vocab::{MessageFormat, Protocol};

use crate::workload::{BIG_SIZE, Outcome, SMALL_PAYLOAD, Workload};

/// How the engine sessions of a benchmark are configured.
#[derive(Debug, Clone)]
pub struct EngineSetup {
    /// Where the default transcripts go; `None` turns transcripts off.
    pub transcript_dir: Option<PathBuf>,
    /// Speak Socket.IO (docs/format.md §4.5): every message is an event `e` with the payload
    /// as its one argument, echoed back as an event by the server.
    pub socketio: bool,
}

/// Depth of the received-message tap, in batches (each holds the messages of one socket read,
/// up to 256): deep enough that the session rarely waits on the reader.
const TAP_DEPTH: usize = 256;

fn spec(url: &str, setup: &EngineSetup) -> SessionSpec {
    let mut spec = SessionSpec::new(url);
    if setup.transcript_dir.is_none() {
        spec.options.transcript = TranscriptTarget::Off;
    }
    if setup.socketio {
        spec.options.protocol = Protocol::SocketIo;
    }
    spec
}

async fn open(
    url: &str,
    setup: &EngineSetup,
    tap: Option<mpsc::Sender<Incoming>>,
) -> anyhow::Result<Session> {
    let settings = SessionSettings {
        transcript_dir: setup.transcript_dir.clone(),
        message_tap: tap,
        ..SessionSettings::default()
    };
    let session = Session::spawn(spec(url, setup), settings)?;
    let opened = session
        .wait_for(Duration::from_secs(10), |status| {
            status.state != SessionState::Connecting
        })
        .await
        .map_err(|status| anyhow::anyhow!("session still {:?} after 10 s", status.state))?;
    anyhow::ensure!(
        opened.state == SessionState::Open,
        "session did not open: {opened:?}"
    );
    Ok(session)
}

fn small() -> SendRequest {
    SendRequest::Raw(Outgoing::Text {
        format: MessageFormat::Text,
        text: Utf8Bytes::from_static(SMALL_PAYLOAD),
    })
}

/// The Socket.IO event of the round-trip and flood workloads: `e` with the 16-byte payload.
fn small_event() -> impl Fn() -> SendRequest + Send + Sync + Clone + 'static {
    let event = Arc::new(SocketEmit::new(
        "/",
        Some("e".into()),
        EmitAck::None,
        &[serde_json::Value::String(SMALL_PAYLOAD.into())],
        Vec::new(),
    ));
    move || SendRequest::Raw(Outgoing::Event(event.clone()))
}

/// Runs `workload` through one engine session connected to `url`.
pub async fn run(url: &str, workload: Workload, setup: &EngineSetup) -> anyhow::Result<Outcome> {
    let (tap, mut received) = mpsc::channel(TAP_DEPTH);
    let session = open(url, setup, Some(tap)).await?;
    let request: Box<dyn Fn() -> SendRequest + Send + Sync> = if setup.socketio {
        // The namespace is connected once the server's `welcome` has come.
        received
            .recv()
            .await
            .context("session ended before the Socket.IO welcome")?;
        Box::new(small_event())
    } else {
        Box::new(small)
    };
    let outcome = match workload {
        Workload::RoundTrip { warmup, iterations } => {
            let mut samples = Vec::with_capacity(iterations as usize);
            for i in 0..warmup + iterations {
                let started = Instant::now();
                session.send(request())?;
                let echoed = received
                    .recv()
                    .await
                    .context("session ended during the round-trip test")?;
                anyhow::ensure!(
                    echoed.payloads.len() == 1,
                    "{} messages echoed for one sent",
                    echoed.payloads.len()
                );
                if i >= warmup {
                    samples.push(started.elapsed().as_nanos() as u64);
                }
            }
            Outcome::RoundTrip(samples)
        }
        Workload::Flood { messages } => {
            let (count, elapsed) = if setup.socketio {
                pipelined(&session, &mut received, small_event(), messages).await?
            } else {
                pipelined(&session, &mut received, small, messages).await?
            };
            Outcome::Flood {
                messages: count,
                elapsed,
            }
        }
        Workload::Big { messages } => {
            let payload = Bytes::from(vec![0x5a_u8; BIG_SIZE]);
            let request = move || SendRequest::Raw(Outgoing::Binary(payload.clone()));
            let (count, elapsed) = pipelined(&session, &mut received, request, messages).await?;
            Outcome::Big {
                bytes: count * BIG_SIZE as u64,
                elapsed,
            }
        }
    };
    session.close(1000, "benchmark done");
    let _ = tokio::time::timeout(Duration::from_secs(5), session.finished()).await;
    Ok(outcome)
}

/// Sends `count` requests from a writer task while this task reads the tap. The writer uses
/// `Session::send_when_ready`, which waits while the connection's queue is full, as the raw
/// client's `feed` waits while the socket is.
async fn pipelined(
    session: &Session,
    received: &mut mpsc::Receiver<Incoming>,
    request: impl Fn() -> SendRequest + Send + 'static,
    count: u64,
) -> anyhow::Result<(u64, Duration)> {
    let started = Instant::now();
    let sender = session.clone();
    let writer = tokio::spawn(async move {
        for _ in 0..count {
            sender.send_when_ready(request()).await?;
        }
        Ok::<_, anyhow::Error>(())
    });
    let mut seen = 0;
    while seen < count {
        match received.recv().await {
            Some(batch) => seen += batch.payloads.len() as u64,
            None => anyhow::bail!(
                "session ended after {seen} of {count} echoes: {:?}",
                session.status()
            ),
        }
    }
    let elapsed = started.elapsed();
    writer.await??;
    Ok((seen, elapsed))
}

/// Opens `n` idle engine sessions to `url`; dropping the result closes them.
pub async fn open_idle(
    url: &str,
    n: usize,
    setup: &EngineSetup,
) -> anyhow::Result<Box<dyn std::any::Any>> {
    let mut sessions = Vec::with_capacity(n);
    for _ in 0..n {
        sessions.push(open(url, setup, None).await?);
    }
    Ok(Box::new(sessions))
}
