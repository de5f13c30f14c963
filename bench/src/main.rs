//! `void-bench`: the processes `cargo xtask bench` starts. Each subcommand is one role in a
//! benchmark (a loopback server, one contender running one workload, an idle-memory probe, the
//! LSP display-path and workspace-index harnesses) and prints its results as JSON lines on
//! stdout (see `report`).
//!
//! Comparing contenders, repeating rounds and writing BENCHMARKS.md is the driver's job
//! (`xtask/src/bench.rs`), not this binary's: one process measures one thing and exits.

mod display;
mod engine_client;
mod http_cli;
mod index;
mod node_driver;
mod raw_client;
mod report;
mod servers;
mod websocat_driver;
mod workload;

use std::path::{Path, PathBuf};
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
    /// The embedded server (`void-echo`): its `/socket.io/` route is the Socket.IO peer of
    /// the Socket.IO workloads, its HTTP routes the server of the HTTP workloads.
    #[command(alias = "socketio-server")]
    EmbeddedServer,
    /// One command-line tool (void-ls, curl, httpyac, hurl) runs one HTTP workload (`seq`:
    /// 1,000 sequential requests; `sse`: a 10,000-event stream) against the embedded server.
    HttpCli {
        /// void-ls, curl, httpyac or hurl.
        #[arg(long)]
        tool: String,
        /// The tool's executable.
        #[arg(long)]
        bin: PathBuf,
        #[arg(long)]
        workload: String,
        /// The server's HTTP base, `http://127.0.0.1:<port>`.
        #[arg(long)]
        base: String,
        #[arg(long)]
        quick: bool,
        /// Where the input files and the tool's output go (a fresh temporary one when absent).
        #[arg(long)]
        work_dir: Option<PathBuf>,
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
        /// Directory for engine transcripts (a fresh temporary one when absent).
        #[arg(long)]
        transcript_dir: Option<PathBuf>,
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
    /// Node `ws` (bench/peers/ws-client.js) runs one workload (rtt, flood, big or idle).
    Node {
        #[arg(long, default_value = "node")]
        node: String,
        #[arg(long)]
        script: String,
        /// A node_modules directory holding `ws`.
        #[arg(long)]
        modules: String,
        #[arg(long)]
        workload: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        quick: bool,
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// The contender's name in the results.
        #[arg(long, default_value = "node-ws")]
        name: String,
    },
    /// Opens CONNECTIONS idle connections and reports resident memory per connection.
    Idle {
        #[arg(long, value_enum)]
        kind: IdleContender,
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Directory for engine transcripts (a fresh temporary one when absent).
        #[arg(long)]
        transcript_dir: Option<PathBuf>,
    },
    /// The display path: a flood into one session opened through the LSP server.
    Display(display::DisplayArgs),
    /// The workspace index: a generated project opened by the LSP server.
    Index(index::IndexArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum RustContender {
    /// Plain tokio-tungstenite.
    Raw,
    /// The void-session engine with its defaults (transcript on).
    Engine,
    /// The void-session engine with `transcript: off`.
    EngineNoTranscript,
    /// The engine speaking Socket.IO to the Socket.IO server (transcript on, as it ships).
    EngineSocketio,
}

impl RustContender {
    fn name(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Engine => "engine",
            Self::EngineNoTranscript => "engine-no-transcript",
            Self::EngineSocketio => "engine-socketio",
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum IdleContender {
    Tcp,
    Raw,
    RawSmall,
    Engine,
    EngineNoTranscript,
}

#[derive(Clone, Copy, ValueEnum)]
enum Flavor {
    Current,
    Multi,
}

/// Runs a contender's workload as a spawned task, not as the runtime's `block_on` future.
/// On the current-thread runtime the `block_on` future is polled only after the scheduler has
/// run out of tasks and polled the I/O driver, so a client whose messages arrive through
/// another task (the engine's session task) would pay one more `epoll_wait` per message for
/// the harness's sake. Every Rust contender is run the same way.
fn in_task(
    rt: &tokio::runtime::Runtime,
    workload: impl Future<Output = anyhow::Result<workload::Outcome>> + Send + 'static,
) -> anyhow::Result<workload::Outcome> {
    rt.block_on(async { tokio::spawn(workload).await? })
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
        Role::EmbeddedServer => servers::run_embedded(),
        Role::HttpCli {
            tool,
            bin,
            workload,
            base,
            quick,
            work_dir,
        } => {
            let scratch = Scratch::new(work_dir)?;
            http_cli::run(&http_cli::HttpCliArgs {
                tool: &tool,
                bin: &bin,
                workload: &workload,
                base: &base,
                quick,
                work_dir: &scratch.path,
            })
        }
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
            transcript_dir,
        } => {
            let workload = Workload::named(&workload, quick)?;
            let rt = runtime(flavor)?;
            let outcome = match contender {
                RustContender::Raw => {
                    in_task(&rt, async move { raw_client::run(&url, workload).await })?
                }
                RustContender::Engine
                | RustContender::EngineNoTranscript
                | RustContender::EngineSocketio => {
                    let scratch = Scratch::new(transcript_dir)?;
                    let setup = engine_client::EngineSetup {
                        transcript_dir: (!matches!(contender, RustContender::EngineNoTranscript))
                            .then(|| scratch.path.clone()),
                        socketio: matches!(contender, RustContender::EngineSocketio),
                    };
                    in_task(&rt, async move {
                        engine_client::run(&url, workload, &setup).await
                    })?
                }
            };
            outcome.emit(contender.name())
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
        Role::Node {
            node,
            script,
            modules,
            workload,
            url,
            quick,
            connections,
            name,
        } => {
            let peer = node_driver::NodePeer {
                node: &node,
                script: &script,
                modules: &modules,
            };
            if workload == "idle" {
                let (before, after) = node_driver::idle(&peer, &url, connections)?;
                emit_idle("node-ws", connections, before, after)
            } else {
                let workload = Workload::named(&workload, quick)?;
                node_driver::run(&peer, &url, workload)?.emit(&name)
            }
        }
        Role::Idle {
            kind,
            url,
            connections,
            transcript_dir,
        } => {
            let scratch = Scratch::new(transcript_dir)?;
            idle(kind, &url, connections, &scratch.path)
        }
        Role::Display(args) => display::run(args),
        Role::Index(args) => index::run(args),
    }
}

/// Idle memory: one warm-up connection (so lazily allocated runtime and library state is not
/// charged to the others), then `connections` more; the RSS growth divided by their number.
fn idle(
    kind: IdleContender,
    url: &str,
    connections: usize,
    transcripts: &Path,
) -> anyhow::Result<()> {
    let rt = runtime(Flavor::Current)?;
    let (before, after) = rt.block_on(async {
        let settle = || tokio::time::sleep(Duration::from_millis(300));
        let warm = open_idle(kind, url, 1, transcripts).await?;
        settle().await;
        let before = report::own_rss_bytes();
        let held = open_idle(kind, url, connections, transcripts).await?;
        settle().await;
        let after = report::own_rss_bytes();
        drop((warm, held));
        Ok::<_, anyhow::Error>((before, after))
    })?;
    emit_idle(kind.name(), connections, before, after)
}

fn emit_idle(contender: &str, connections: usize, before: u64, after: u64) -> anyhow::Result<()> {
    let per_connection = after.saturating_sub(before) as f64 / connections.max(1) as f64;
    report::Metric {
        suite: "engine",
        metric: "idle_per_connection",
        contender,
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
            Self::EngineNoTranscript => "engine-no-transcript",
        }
    }
}

/// Whatever keeps idle connections open; dropping it closes them.
type Held = Box<dyn std::any::Any>;

async fn open_idle(
    kind: IdleContender,
    url: &str,
    n: usize,
    transcripts: &Path,
) -> anyhow::Result<Held> {
    let raw_kind = match kind {
        IdleContender::Tcp => raw_client::IdleKind::Tcp,
        IdleContender::Raw => raw_client::IdleKind::RawDefault,
        IdleContender::RawSmall => raw_client::IdleKind::RawSmallBuffers,
        IdleContender::Engine | IdleContender::EngineNoTranscript => {
            let setup = engine_client::EngineSetup {
                transcript_dir: matches!(kind, IdleContender::Engine)
                    .then(|| transcripts.to_path_buf()),
                socketio: false,
            };
            return engine_client::open_idle(url, n, &setup).await;
        }
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

/// A directory for engine transcripts: the one given, or a fresh one under the system temporary
/// directory that is removed again when the benchmark process ends.
struct Scratch {
    path: PathBuf,
    remove: bool,
}

impl Scratch {
    fn new(given: Option<PathBuf>) -> anyhow::Result<Self> {
        let (path, remove) = match given {
            Some(path) => (path, false),
            None => {
                let path = std::env::temp_dir().join(format!("void-bench-{}", std::process::id()));
                (path, true)
            }
        };
        std::fs::create_dir_all(&path)?;
        Ok(Self { path, remove })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
