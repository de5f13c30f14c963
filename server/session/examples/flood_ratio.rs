//! A quick ratio check on loopback: how fast a `Session` takes in a server flood compared with
//! a plain tokio-tungstenite client reading the same flood from the same embedded server.
//!
//! Usage: `flood_ratio [messages]` (default 200000). Prints messages per second for both and
//! the ratio, with the transcript on (written to a temp dir) and off.

use std::io::Write as _;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use void_echo::{EchoServer, EchoServerConfig};
use void_session::{
    SendRequest, Session, SessionSettings, SessionSpec, SessionState, TranscriptTarget,
};
use void_syntax::vocab::MessageFormat;

async fn raw(url: &str, n: u64) -> Duration {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("raw client connects");
    let started = Instant::now();
    ws.send(Message::text(format!("flood {n}")))
        .await
        .expect("raw send");
    let mut got = 0;
    while got < n {
        match ws.next().await {
            Some(Ok(Message::Text(_))) => got += 1,
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    started.elapsed()
}

async fn session(url: &str, n: u64, transcript: bool) -> Duration {
    let dir = std::env::temp_dir().join("void-flood-ratio");
    let mut spec = SessionSpec::new(url);
    spec.options.transcript = if transcript {
        TranscriptTarget::Default
    } else {
        TranscriptTarget::Off
    };
    let settings = SessionSettings {
        transcript_dir: Some(dir),
        ..SessionSettings::default()
    };
    let s = Session::spawn(spec, settings).expect("session spawns");
    s.wait_for(Duration::from_secs(10), |st| st.state == SessionState::Open)
        .await
        .expect("open");
    let started = Instant::now();
    s.send(SendRequest::AdHoc {
        format: MessageFormat::Text,
        body: format!("flood {n}"),
    })
    .expect("send");
    s.wait_for(Duration::from_secs(120), |st| st.received >= n)
        .await
        .expect("flood arrives");
    let took = started.elapsed();
    s.close(1000, "");
    s.finished().await;
    took
}

#[tokio::main]
async fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let server = EchoServer::start(EchoServerConfig::default())
        .await
        .expect("server starts");
    let url = format!("{}/commands", server.url());
    let mut out = std::io::stderr().lock();
    for round in 0..2 {
        let r = raw(&url, n).await;
        let off = session(&url, n, false).await;
        let on = session(&url, n, true).await;
        let rate = |d: Duration| n as f64 / d.as_secs_f64();
        let _ = writeln!(
            out,
            "round {round}: raw {:.0}/s · session (transcript off) {:.0}/s = {:.2}x · session (transcript on) {:.0}/s = {:.2}x",
            rate(r),
            rate(off),
            rate(off) / rate(r),
            rate(on),
            rate(on) / rate(r)
        );
    }
}
