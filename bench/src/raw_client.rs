//! The baseline: a plain tokio-tungstenite client written the way its documentation suggests
//! (default configuration, `TCP_NODELAY`, `split` into a writer task and a reader), and the
//! idle-connection variants used to attribute per-connection memory (bare TCP, tokio-tungstenite
//! with default buffers, tokio-tungstenite with small buffers).
//!
//! This is the yardstick the engine is compared with; it must stay as simple as a careful user
//! would write it, without tricks the engine could not use.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::workload::{BIG_SIZE, Outcome, SMALL_PAYLOAD, Workload};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn connect(url: &str, config: WebSocketConfig) -> anyhow::Result<Socket> {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    Ok(ws)
}

/// Runs `workload` against the echo server at `url`.
pub async fn run(url: &str, workload: Workload) -> anyhow::Result<Outcome> {
    let ws = connect(url, WebSocketConfig::default()).await?;
    match workload {
        Workload::RoundTrip { warmup, iterations } => round_trip(ws, warmup, iterations).await,
        Workload::Flood { messages } => {
            let message = Message::text(SMALL_PAYLOAD);
            let (count, elapsed) = pipelined(ws, message, messages).await?;
            Ok(Outcome::Flood {
                messages: count,
                elapsed,
            })
        }
        Workload::Big { messages } => {
            let message = Message::binary(vec![0x5a_u8; BIG_SIZE]);
            let (count, elapsed) = pipelined(ws, message, messages).await?;
            Ok(Outcome::Big {
                bytes: count * BIG_SIZE as u64,
                elapsed,
            })
        }
    }
}

async fn round_trip(mut ws: Socket, warmup: u32, iterations: u32) -> anyhow::Result<Outcome> {
    let message = Message::text(SMALL_PAYLOAD);
    let mut samples = Vec::with_capacity(iterations as usize);
    for i in 0..warmup + iterations {
        let started = Instant::now();
        ws.send(message.clone()).await?;
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(_))) => break,
                Some(Ok(_)) => continue,
                Some(Err(error)) => return Err(error.into()),
                None => anyhow::bail!("server closed during the round-trip test"),
            }
        }
        if i >= warmup {
            samples.push(started.elapsed().as_nanos() as u64);
        }
    }
    let _ = ws.close(None).await;
    Ok(Outcome::RoundTrip(samples))
}

/// Sends `count` copies of `message` from a writer task while this task reads the echoes.
/// Returns messages echoed and the time from the first send to the last echo.
async fn pipelined(ws: Socket, message: Message, count: u64) -> anyhow::Result<(u64, Duration)> {
    let (mut sink, mut stream) = ws.split();
    let started = Instant::now();
    let writer = tokio::spawn(async move {
        for _ in 0..count {
            sink.feed(message.clone()).await?;
        }
        sink.flush().await?;
        Ok::<_, anyhow::Error>(sink)
    });
    let mut received = 0;
    while received < count {
        match stream.next().await {
            Some(Ok(Message::Text(_) | Message::Binary(_))) => received += 1,
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
            None => anyhow::bail!("server closed after {received} of {count} echoes"),
        }
    }
    let elapsed = started.elapsed();
    let mut sink = writer.await??;
    let _ = sink.close().await;
    Ok((received, elapsed))
}

/// What an idle connection holds, for the memory attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleKind {
    /// A connected TcpStream in a task waiting for it to become readable: the floor.
    Tcp,
    /// A tokio-tungstenite client with its default configuration in a task awaiting `next()`.
    RawDefault,
    /// The same with 4 KiB read and write buffers.
    RawSmallBuffers,
}

/// Opens `connections` idle connections of `kind` to `url` and keeps each in its own task.
/// Returns the join handles; dropping/aborting them closes the connections.
pub async fn open_idle(
    url: &str,
    kind: IdleKind,
    connections: usize,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = Vec::with_capacity(connections);
    let address = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .context("idle benchmark needs a ws://host:port/ URL")?
        .to_owned();
    for _ in 0..connections {
        let task = match kind {
            IdleKind::Tcp => {
                let tcp = TcpStream::connect(&address).await?;
                tcp.set_nodelay(true)?;
                tokio::spawn(async move {
                    let _ = tcp.readable().await;
                    std::future::pending::<()>().await;
                })
            }
            IdleKind::RawDefault | IdleKind::RawSmallBuffers => {
                let config = if kind == IdleKind::RawSmallBuffers {
                    WebSocketConfig::default()
                        .read_buffer_size(4096)
                        .write_buffer_size(0)
                        .max_write_buffer_size(64 << 20)
                } else {
                    WebSocketConfig::default()
                };
                let mut ws = connect(url, config).await?;
                tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} })
            }
        };
        tasks.push(task);
    }
    Ok(tasks)
}
