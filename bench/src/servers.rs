//! The loopback WebSocket servers every contender talks to.
//!
//! - The echo server sends every text or binary message straight back. Reading and writing run
//!   in two tasks joined by a queue, so it never stops reading while a write waits; the writer
//!   echoes everything queued before flushing once, so on one core it keeps ahead of any single
//!   client and the server is not what a benchmark measures.
//! - The flood server pushes small JSON text messages at a fixed rate for a fixed time to each
//!   connection (the display-path benchmark), then reports how many frames it sent.
//!
//! Both print `{"listening": PORT}` as their first stdout line. They bind 127.0.0.1 only and
//! must never panic on what a client sends: a bad connection is dropped, the server goes on.

use std::io::Write as _;
use std::time::{Duration, Instant};

use futures_util::{FutureExt as _, SinkExt as _, StreamExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Messages up to this size are accepted by both servers (the 1 MiB benchmark needs more than
/// tungstenite's default frame limit allows on some versions; keep a margin).
const MAX_MESSAGE: usize = 64 << 20;

fn server_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

async fn bind(port: u16) -> anyhow::Result<TcpListener> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let port = listener.local_addr()?.port();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::json!({ "listening": port }))?;
    out.flush()?;
    Ok(listener)
}

/// Runs the embedded server (its `/socket.io/` route is the Socket.IO peer, its HTTP routes the
/// HTTP peer) on a free loopback port, said as the echo server says it, until stdin closes.
pub fn run_embedded() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let server = void_echo::EchoServer::start(void_echo::EchoServerConfig::default())
            .await
            .map_err(|e| anyhow::anyhow!("the embedded server did not start: {e}"))?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{}",
                serde_json::json!({ "listening": server.local_addr().port() })
            )?;
            out.flush()?;
        }
        wait_for_stdin_close().await;
        server.shutdown().await;
        Ok(())
    })
}

/// Runs the echo server until the process is killed (or until stdin closes, so a driver that
/// dies does not leave it behind).
pub fn run_echo(port: u16) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = bind(port).await?;
        let accept_loop = async {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    // A failing client only ends its own connection.
                    let _ = echo_connection(tcp).await;
                });
            }
        };
        tokio::select! {
            () = accept_loop => {},
            () = wait_for_stdin_close() => {},
        }
        Ok(())
    })
}

async fn echo_connection(tcp: TcpStream) -> anyhow::Result<()> {
    tcp.set_nodelay(true)?;
    let ws = tokio_tungstenite::accept_async_with_config(tcp, Some(server_config())).await?;
    let (mut sink, mut stream) = ws.split();
    // Reading never waits for writing: a client that sends a lot before it reads (as a session
    // engine may, while a send is in progress) must not deadlock against the echo server.
    let (echoes, mut pending) = tokio::sync::mpsc::unbounded_channel::<Message>();
    let writer = tokio::spawn(async move {
        while let Some(first) = pending.recv().await {
            sink.feed(first).await?;
            // Echo everything already queued, then flush once.
            while let Ok(next) = pending.try_recv() {
                sink.feed(next).await?;
            }
            sink.flush().await?;
        }
        Ok::<_, anyhow::Error>(())
    });
    while let Some(message) = stream.next().await {
        match message? {
            message @ (Message::Text(_) | Message::Binary(_)) => {
                if echoes.send(message).is_err() {
                    break;
                }
            }
            // Pings and closes are answered by tungstenite itself.
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => {}
        }
    }
    drop(echoes);
    writer.await??;
    Ok(())
}

/// Resolves when stdin reaches end of file or fails: the driver went away.
async fn wait_for_stdin_close() {
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = std::io::sink();
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut sink);
    })
    .await;
}

/// Flood settings: how fast and how long to push, per connection.
#[derive(Debug, Clone, Copy)]
pub struct FloodPlan {
    /// Messages per second.
    pub rate: u64,
    /// How long to push.
    pub duration: Duration,
}

/// Runs the flood server. Each accepted connection gets `plan.rate` messages a second for
/// `plan.duration`; then `{"frames_sent": N, "elapsed_ms": T}` is printed and the connection is
/// kept open (echoing nothing) until the client closes it.
pub fn run_flood(port: u16, plan: FloodPlan) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = bind(port).await?;
        let accept_loop = async {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    match flood_connection(tcp, plan).await {
                        Ok(()) => {}
                        Err(error) => {
                            let mut err = std::io::stderr().lock();
                            let _ = writeln!(err, "flood connection ended: {error:#}");
                        }
                    }
                });
            }
        };
        tokio::select! {
            () = accept_loop => {},
            () = wait_for_stdin_close() => {},
        }
        Ok(())
    })
}

async fn flood_connection(tcp: TcpStream, plan: FloodPlan) -> anyhow::Result<()> {
    tcp.set_nodelay(true)?;
    let mut ws = tokio_tungstenite::accept_async_with_config(tcp, Some(server_config())).await?;
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_millis(5));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sent: u64 = 0;
    let total = plan.rate * plan.duration.as_millis() as u64 / 1000;
    while sent < total {
        ticker.tick().await;
        let due = (plan.rate as u128 * started.elapsed().as_micros() / 1_000_000) as u64;
        let due = due.min(total);
        while sent < due {
            ws.feed(Message::text(format!("{{\"seq\":{sent}}}")))
                .await?;
            sent += 1;
        }
        ws.flush().await?;
        // Drain anything the client sent (close frames, pings) without blocking.
        while let Some(Some(incoming)) = ws.next().now_or_never() {
            if matches!(incoming?, Message::Close(_)) {
                report_flood(sent, started)?;
                return Ok(());
            }
        }
    }
    report_flood(sent, started)?;
    while let Some(incoming) = ws.next().await {
        if incoming.is_err() {
            break;
        }
    }
    Ok(())
}

fn report_flood(sent: u64, started: Instant) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        serde_json::json!({ "frames_sent": sent, "elapsed_ms": started.elapsed().as_millis() as u64 })
    )?;
    out.flush()?;
    Ok(())
}
