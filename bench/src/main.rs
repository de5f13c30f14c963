//! `void-bench`: the processes `cargo xtask bench` starts. Each subcommand is one role in a
//! benchmark (a loopback server, one contender running one workload, an idle-memory probe, the
//! LSP display-path harness) and prints its results as JSON lines on stdout (see `report`).
//!
//! Comparing contenders, repeating rounds and writing BENCHMARKS.md is the driver's job
//! (`xtask/src/bench.rs`), not this binary's: one process measures one thing and exits.

mod display;
mod engine_client;
mod raw_client;
mod report;
mod servers;
mod websocat_driver;
mod workload;

use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::workload::Workload;

#[derive(Parser)]
#[command(name = "void-bench", about = "Benchmark roles for `cargo xtask bench`")]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

#[derive(Subcommand)]
enum Role {
    /// Loopback echo server; prints {"listening": PORT}; stops when stdin closes.
    EchoServer {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Loopback flood server: RATE messages/s for SECONDS to each connection.
    FloodServer {
        #[arg(long, default_value_t = 0)]
        port: u16,
        #[arg(long, default_value_t = 100_000)]
        rate: u64,
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// One contender runs one workload against an echo server.
    Client {
        #[arg(long, value_enum)]
        contender: RustContender,
        /// rtt, flood or big.
        #[arg(long)]
        workload: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        quick: bool,
        /// Tokio runtime flavour the client runs on (the same for every Rust contender).
        #[arg(long, value_enum, default_value_t = Flavor::Current)]
        runtime: Flavor,
    },
    /// websocat, driven through its stdin and stdout, runs one workload.
    Websocat {
        /// Path of the websocat binary.
        #[arg(long)]
        bin: String,
        #[arg(long)]
        workload: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        quick: bool,
    },
    /// Opens CONNECTIONS idle connections and reports resident memory per connection.
    Idle {
        #[arg(long, value_enum)]
        kind: IdleContender,
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 1000)]
        connections: usize,
    },
    /// The display path: a flood into one session opened through the LSP server.
    Display(display::DisplayArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum RustContender {
    /// Plain tokio-tungstenite.
    Raw,
    /// The void-session engine.
    Engine,
}

#[derive(Clone, Copy, ValueEnum)]
enum IdleContender {
    Tcp,
    Raw,
    RawSmall,
    Engine,
}

#[derive(Clone, Copy, ValueEnum)]
enum Flavor {
    Current,
    Multi,
}

fn runtime(flavor: Flavor) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = match flavor {
        Flavor::Current => tokio::runtime::Builder::new_current_thread(),
        Flavor::Multi => tokio::runtime::Builder::new_multi_thread(),
    };
    Ok(builder.enable_all().build()?)
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().role {
        Role::EchoServer { port } => servers::run_echo(port),
        Role::FloodServer {
            port,
            rate,
            seconds,
        } => {
            let duration = Duration::try_from_secs_f64(seconds)?;
            servers::run_flood(port, servers::FloodPlan { rate, duration })
        }
        Role::Client {
            contender,
            workload,
            url,
            quick,
            runtime: flavor,
        } => {
            let workload = Workload::named(&workload, quick)?;
            let rt = runtime(flavor)?;
            match contender {
                RustContender::Raw => rt.block_on(raw_client::run(&url, workload))?.emit("raw"),
                RustContender::Engine => rt
                    .block_on(engine_client::run(&url, workload))?
                    .emit("engine"),
            }
        }
        Role::Websocat {
            bin,
            workload,
            url,
            quick,
        } => {
            let workload = Workload::named(&workload, quick)?;
            websocat_driver::run(&bin, &url, workload)?.emit("websocat")
        }
        Role::Idle {
            kind,
            url,
            connections,
        } => idle(kind, &url, connections),
        Role::Display(args) => display::run(args),
    }
}

/// Idle memory: one warm-up connection (so lazily allocated runtime and library state is not
/// charged to the others), then `connections` more; the RSS growth divided by their number.
fn idle(kind: IdleContender, url: &str, connections: usize) -> anyhow::Result<()> {
    let rt = runtime(Flavor::Current)?;
    let (before, after) = rt.block_on(async {
        let settle = || tokio::time::sleep(Duration::from_millis(300));
        let warm = open_idle(kind, url, 1).await?;
        settle().await;
        let before = report::own_rss_bytes();
        let held = open_idle(kind, url, connections).await?;
        settle().await;
        let after = report::own_rss_bytes();
        drop((warm, held));
        Ok::<_, anyhow::Error>((before, after))
    })?;
    let per_connection = after.saturating_sub(before) as f64 / connections.max(1) as f64;
    report::Metric {
        suite: "engine",
        metric: "idle_per_connection",
        contender: kind.name(),
        value: per_connection,
        unit: "B",
        detail: Some(serde_json::json!({
            "connections": connections,
            "rss_before": before,
            "rss_after": after,
        })),
    }
    .emit()
}

impl IdleContender {
    fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Raw => "raw",
            Self::RawSmall => "raw-small",
            Self::Engine => "engine",
        }
    }
}

/// Whatever keeps idle connections open; dropping it closes them.
type Held = Box<dyn std::any::Any>;

async fn open_idle(kind: IdleContender, url: &str, n: usize) -> anyhow::Result<Held> {
    let raw_kind = match kind {
        IdleContender::Tcp => raw_client::IdleKind::Tcp,
        IdleContender::Raw => raw_client::IdleKind::RawDefault,
        IdleContender::RawSmall => raw_client::IdleKind::RawSmallBuffers,
        IdleContender::Engine => return engine_client::open_idle(url, n).await,
    };
    let tasks = raw_client::open_idle(url, raw_kind, n).await?;
    Ok(Box::new(AbortOnDrop(tasks)))
}

/// Aborts the tasks it holds when dropped, closing their connections.
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}
