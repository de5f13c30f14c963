//! The Autobahn client test loop, run THROUGH the session engine: every case is a `Session`
//! spawned from a spec, and every message it receives is echoed back through the engine's own send path (`SessionSettings::auto_reply`).
//!
//! Usage: `autobahn_client [ws://127.0.0.1:9001] [agent]` against a fuzzing server such as
//! `kosoku -m fuzzingserver`. It asks `/getCaseCount`, runs `/runCase?case=N&agent=A` for each
//! case, then `/updateReports?agent=A`. tests/stages/conformance.sh drives it.

use std::io::Write as _;
use std::time::{Duration, Instant};

use std::sync::Arc;
use tokio::sync::mpsc;
use void_session::assertions::Payload;

use void_session::{AutoReply, Outgoing, Session, SessionSettings, SessionSpec, TranscriptTarget};
use void_syntax::vocab::MessageFormat;

fn spec(url: String) -> SessionSpec {
    let mut spec = SessionSpec::new(url);
    spec.options.transcript = TranscriptTarget::Off;
    spec.options.log_limit = 64;
    spec.options.connect_timeout = Duration::from_secs(30);
    spec
}

/// Echoes a message through the engine's send path, before the next frame is read.
fn echo(payload: &Payload) -> Option<Outgoing> {
    match payload {
        Payload::Text(text) => Some(Outgoing::Text {
            format: MessageFormat::Text,
            text: text.clone(),
        }),
        Payload::Binary(bytes) => Some(Outgoing::Binary(bytes.clone())),
        // A plain WebSocket session receives no Socket.IO events.
        Payload::Event(_) => None,
    }
}

/// Runs one session to its end, echoing every received message when asked; returns the
/// first message.
async fn run(url: String, echo_messages: bool) -> Result<Option<Payload>, String> {
    let (tap, mut incoming) = mpsc::channel(64);
    let settings = SessionSettings {
        message_tap: Some(tap),
        auto_reply: echo_messages.then(|| Arc::new(echo) as AutoReply),
        ..SessionSettings::default()
    };
    let session = Session::spawn(spec(url), settings).map_err(|e| e.to_string())?;
    let mut first = None;
    while let Some(batch) = incoming.recv().await {
        if first.is_none() {
            first = batch.payloads.first().cloned();
        }
    }
    session.finished().await;
    Ok(first)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "void-session".into());
    let count = match run(format!("{base}/getCaseCount"), false).await? {
        Some(Payload::Text(text)) => text
            .trim()
            .parse::<u32>()
            .map_err(|e| format!("bad case count {text:?}: {e}"))?,
        other => return Err(format!("no case count from {base}: {other:?}")),
    };
    let mut out = std::io::stderr().lock();
    let _ = writeln!(out, "running {count} cases against {base} as {agent}");
    let started = Instant::now();
    for case in 1..=count {
        let case_started = Instant::now();
        run(format!("{base}/runCase?case={case}&agent={agent}"), true).await?;
        let took = case_started.elapsed();
        if took > Duration::from_secs(2) {
            let _ = writeln!(out, "case {case} took {:.1} s", took.as_secs_f64());
        }
    }
    run(format!("{base}/updateReports?agent={agent}"), false).await?;
    let _ = writeln!(
        out,
        "{count} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
