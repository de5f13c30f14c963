//! The display-path benchmark: a flood server pushes RATE messages a second for SECONDS into
//! one session opened through the language server, while this harness behaves like a real
//! editor: it declares `workspace/textDocumentContent`, answers every
//! `workspace/textDocumentContent/refresh` by fetching the log document, and sends hovers on
//! the section the whole time. It measures the server's peak resident memory (`VmHWM`), log
//! refreshes per second, hover latency, and the transcript's received-event count against the
//! frames the flood server sent.
//!
//! The harness is a minimal JSON-RPC client over the server's stdio (Content-Length framing),
//! with one reader thread; it never fakes an answer: when the server cannot open a session
//! (`void.connect` fails), every display metric is reported as unavailable with the server's
//! own error text.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::report::{self, Metric, emit_unavailable, proc_status_bytes, quantile};

/// Command-line settings of the display benchmark.
#[derive(clap::Args)]
pub struct DisplayArgs {
    /// The `void-ls` binary (release build).
    #[arg(long)]
    pub ls: PathBuf,
    /// Messages per second the flood server sends.
    #[arg(long, default_value_t = 100_000)]
    pub rate: u64,
    /// How long the flood lasts.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Milliseconds between two hovers.
    #[arg(long, default_value_t = 20)]
    pub hover_every_ms: u64,
    /// Working directory for the .void file, the transcript and the server's stderr
    /// (a fresh temporary one when absent).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}

const SUITE: &str = "display";
const METRICS: &[&str] = &[
    "peak_rss",
    "refresh_rate",
    "hover_p99",
    "transcript_in_events",
    "frames_sent",
];

/// Runs the display benchmark and prints its metrics.
pub fn run(args: DisplayArgs) -> anyhow::Result<()> {
    let work = match &args.work_dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("void-bench-display-{}", std::process::id())),
    };
    std::fs::create_dir_all(&work)?;
    match measure(&args, &work) {
        Ok(()) => Ok(()),
        Err(Unavailable(why)) => {
            for metric in METRICS {
                emit_unavailable(SUITE, metric, "void-ls", &why)?;
            }
            Ok(())
        }
    }
}

/// Why the display path could not be measured; reported instead of numbers.
struct Unavailable(String);

impl<E: Into<anyhow::Error>> From<E> for Unavailable {
    fn from(error: E) -> Self {
        Unavailable(format!("{:#}", error.into()))
    }
}

fn measure(args: &DisplayArgs, work: &Path) -> Result<(), Unavailable> {
    let flood = FloodServer::start(args.rate, args.seconds)?;
    let void_file = work.join("flood.void");
    let transcript = work.join("flood-transcript.jsonl");
    let _ = std::fs::remove_file(&transcript);
    std::fs::write(
        &void_file,
        flood_document(flood.port, "flood-transcript.jsonl"),
    )?;
    let uri = file_uri(&std::path::absolute(&void_file)?);
    let root_uri = file_uri(&std::path::absolute(work)?);

    let server = LspServer::start(&args.ls, &work.join("void-ls.stderr"))?;
    let pid = server.pid.to_string();
    server.request(
        "initialize",
        json!({
            "processId": std::process::id(),
            "rootUri": root_uri,
            "workspaceFolders": [{"uri": root_uri, "name": "bench"}],
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "workspace": {"textDocumentContent": {"dynamicRegistration": false},
                              "configuration": true, "workspaceFolders": true},
                "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]},
                                 "synchronization": {"dynamicRegistration": false}},
                "window": {"workDoneProgress": false}
            },
            "clientInfo": {"name": "void-bench display harness"}
        }),
        Duration::from_secs(20),
    )?;
    server.notify("initialized", json!({}))?;
    let text = std::fs::read_to_string(&void_file)?;
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "void", "version": 1, "text": text}}),
    )?;
    let hover_line = text
        .lines()
        .position(|l| l.starts_with("type: socket-request"))
        .unwrap_or(0);

    let connected = server
        .request(
            "workspace/executeCommand",
            json!({"command": "void.connect",
                   "arguments": [{"uri": uri, "blockUid": SOCKET_UID}]}),
            Duration::from_secs(20),
        )
        .map_err(|e| Unavailable(format!("void.connect failed: {e:#}")))?;
    let session_id = connected["sessionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let log_uri = connected["logUri"].as_str().unwrap_or_default().to_owned();
    if session_id.is_empty() || log_uri.is_empty() {
        return Err(Unavailable(format!(
            "void.connect answered without sessionId/logUri: {connected}"
        )));
    }

    // Hovers, log fetches and memory samples run until the flood is over and drained.
    let stop = Arc::new(AtomicBool::new(false));
    let peak_rss = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak_rss, pid) = (stop.clone(), peak_rss.clone(), pid.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(hwm) = proc_status_bytes(&pid, "VmHWM") {
                    peak_rss.fetch_max(hwm, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let log_fetcher = {
        let (stop, client, log_uri) = (stop.clone(), server.client.clone(), log_uri.clone());
        let refreshes = server.refreshes.clone();
        std::thread::spawn(move || log_fetch_loop(&client, &refreshes, &log_uri, &stop))
    };
    let hovers = {
        let (stop, client, uri) = (stop.clone(), server.client.clone(), uri.clone());
        let every = Duration::from_millis(args.hover_every_ms.max(1));
        std::thread::spawn(move || hover_loop(&client, &uri, hover_line, every, &stop))
    };

    let flood_started = Instant::now();
    let window_started = Instant::now();
    let frames_sent = flood.wait_for_report(Duration::from_secs_f64(args.seconds + 30.0))?;
    let flood_seconds = flood_started.elapsed().as_secs_f64().max(args.seconds);
    // Let the server drain what is still in the socket (bounded wait).
    let drained = server.wait_for_received(&session_id, frames_sent, Duration::from_secs(30));
    stop.store(true, Ordering::Relaxed);
    let window = window_started.elapsed().as_secs_f64();
    let hover_samples = hovers
        .join()
        .map_err(|_| Unavailable("hover thread panicked".into()))?;
    let fetches = log_fetcher
        .join()
        .map_err(|_| Unavailable("log thread panicked".into()))?;
    let _ = sampler.join();
    if let Some(hwm) = proc_status_bytes(&pid, "VmHWM") {
        peak_rss.fetch_max(hwm, Ordering::Relaxed);
    }
    let refresh_count = server.refreshes.count.load(Ordering::Relaxed);
    let (busiest_second, refresh_rate) = server
        .refreshes
        .times
        .lock()
        .map(|t| (busiest_second(&t), interval_rate(&t)))
        .unwrap_or((0, 0.0));

    let export = work.join("flood-transcript-export.jsonl");
    let exported = server.request(
        "workspace/executeCommand",
        json!({"command": "void.exportTranscript",
               "arguments": [{"sessionId": session_id, "path": export.to_string_lossy()}]}),
        Duration::from_secs(30),
    );
    let _ = server.request(
        "workspace/executeCommand",
        json!({"command": "void.close", "arguments": [{"sessionId": session_id}]}),
        Duration::from_secs(10),
    );
    let transcript_file = match &exported {
        Ok(answer) => answer["path"]
            .as_str()
            .map(PathBuf::from)
            .unwrap_or(export.clone()),
        Err(_) => transcript.clone(),
    };
    let in_events = count_received_events(&transcript_file)?;
    server.shutdown();

    let mut hover_samples = hover_samples;
    let hover_count = hover_samples.len();
    let hover_p50 = quantile(&mut hover_samples, 0.50) as f64 / 1e6;
    let hover_p99 = quantile(&mut hover_samples, 0.99) as f64 / 1e6;
    let detail = json!({
        "rate": args.rate, "seconds": args.seconds, "flood_seconds": flood_seconds,
        "refreshes": refresh_count, "refresh_window_s": window,
        "refreshes_in_busiest_second": busiest_second, "hovers": hover_count, "hover_p50_ms": hover_p50,
        "log_fetches": fetches.fetches, "last_log_lines": fetches.last_lines,
        "received_reported": drained, "transcript": transcript_file,
        "export": exported.as_ref().map(|v| v.clone()).unwrap_or_else(|e| json!(format!("{e:#}"))),
    });
    let metric = |metric, value, unit| Metric {
        suite: SUITE,
        metric,
        contender: "void-ls",
        value,
        unit,
        detail: Some(detail.clone()),
    };
    metric("peak_rss", peak_rss.load(Ordering::Relaxed) as f64, "B").emit()?;
    metric("refresh_rate", refresh_rate, "refresh/s").emit()?;
    metric("refresh_busiest_second", busiest_second as f64, "count").emit()?;
    metric("hover_p99", hover_p99, "ms").emit()?;
    metric("hover_p50", hover_p50, "ms").emit()?;
    metric("transcript_in_events", in_events as f64, "count").emit()?;
    metric("frames_sent", frames_sent as f64, "count").emit()?;
    report::emit(
        SUITE,
        "log_fetches",
        "void-ls",
        fetches.fetches as f64,
        "count",
    )?;
    Ok(())
}

const SOCKET_UID: &str = "0d9f6a52-4c1e-4b8f-9a3d-6e2b7c1f5a90";

/// The .void file the benchmark opens: one WebSocket section pointing at the flood server,
/// with its transcript next to the file.
fn flood_document(port: u16, transcript: &str) -> String {
    format!(
        "# Display-path benchmark\n\nA loopback server floods this section.\n\n\
```void\n---\ntype: socket-request\nattrs:\n  uid: {SOCKET_UID}\ncontent:\n  - type: smethod\n    attrs:\n      uid: 4b7e2d10-8f3a-4c6b-b1d9-2a5e8f0c7d31\n      method: WS\n      importedFrom: \"\"\n      visible: true\n    content: WS\n  - type: surl\n    attrs:\n      uid: 9c2a4e6b-1d3f-4a5b-8c7d-0e1f2a3b4c5d\n    content: ws://127.0.0.1:{port}/flood\n---\n```\n\n\
```void\n---\ntype: ws-options\nattrs:\n  uid: 7a1b2c3d-4e5f-4061-9728-394a5b6c7d8e\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - transcript\n          - {transcript}\n---\n```\n"
    )
}

pub(crate) fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(byte as char)
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri
}

/// Events per second between the first and the last event: (n - 1) / (last - first), which does
/// not count the fencepost (a strict 200 ms throttle gives 5.0, not 51 / 10 s).
fn interval_rate(times: &[Instant]) -> f64 {
    match (times.first(), times.last()) {
        (Some(first), Some(last)) if times.len() > 1 => {
            (times.len() - 1) as f64 / last.duration_since(*first).as_secs_f64().max(1e-9)
        }
        _ => 0.0,
    }
}

/// The most refreshes that fell in any one-second window `[t, t + 1 s)`.
fn busiest_second(times: &[Instant]) -> usize {
    let mut best = 0;
    let mut start = 0;
    for (end, t) in times.iter().enumerate() {
        while t.duration_since(times[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        best = best.max(end + 1 - start);
    }
    best
}

/// Counts `"dir":"in"` records in a transcript (JSON Lines); unreadable lines are not counted.
fn count_received_events(path: &Path) -> anyhow::Result<u64> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("opening the transcript {}", path.display()))?;
    let mut count = 0;
    for line in BufReader::new(file).lines() {
        let line = line?;
        if let Ok(record) = serde_json::from_str::<Value>(&line)
            && record["dir"] == "in"
        {
            count += 1;
        }
    }
    Ok(count)
}

/// The flood server child process.
struct FloodServer {
    child: Child,
    port: u16,
    lines: mpsc::Receiver<String>,
}

impl FloodServer {
    fn start(rate: u64, seconds: f64) -> anyhow::Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .args([
                "flood-server",
                "--rate",
                &rate.to_string(),
                "--seconds",
                &seconds.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the flood server")?;
        let stdout = child.stdout.take().context("flood server stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(Duration::from_secs(10))
            .context("flood server silent")?;
        let port = serde_json::from_str::<Value>(&first)?["listening"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .context("flood server printed no port")?;
        Ok(Self { child, port, lines })
    }

    /// Waits for the `{"frames_sent": N}` line the server prints when its flood is over.
    fn wait_for_report(&self, timeout: Duration) -> anyhow::Result<u64> {
        let line = self
            .lines
            .recv_timeout(timeout)
            .context("flood server never reported")?;
        serde_json::from_str::<Value>(&line)?["frames_sent"]
            .as_u64()
            .with_context(|| format!("unexpected flood report {line:?}"))
    }
}

impl Drop for FloodServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts refresh requests and wakes the log fetcher.
#[derive(Default)]
struct Refreshes {
    count: AtomicU64,
    times: Mutex<Vec<Instant>>,
    pending: Mutex<bool>,
    wake: std::sync::Condvar,
}

type Pending = Arc<Mutex<HashMap<u64, mpsc::Sender<Answer>>>>;

/// A response as the reader thread got it: when its last byte was read, how long parsing its
/// JSON took (the client's own cost, not the server's), and the result or the error message.
pub(crate) struct Answer {
    pub(crate) read_at: Instant,
    pub(crate) parse: Duration,
    pub(crate) result: Result<Value, String>,
}

/// The sending half of the JSON-RPC connection, shared by the harness threads.
struct Client {
    stdin: Mutex<ChildStdin>,
    next_id: AtomicU64,
    pending: Pending,
}

impl Client {
    fn write(&self, message: &Value) -> anyhow::Result<()> {
        let body = serde_json::to_vec(message)?;
        let mut stdin = self
            .stdin
            .lock()
            .map_err(|_| anyhow::anyhow!("stdin lock poisoned"))?;
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len())?;
        stdin.write_all(&body)?;
        stdin.flush()?;
        Ok(())
    }

    fn request(&self, method: &str, params: Value, timeout: Duration) -> anyhow::Result<Value> {
        let answer = self.request_timed(method, params, timeout)?;
        answer
            .result
            .map_err(|error| anyhow::anyhow!("{method}: {error}"))
    }

    fn request_timed(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> anyhow::Result<Answer> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel();
        self.pending
            .lock()
            .map_err(|_| anyhow::anyhow!("lock poisoned"))?
            .insert(id, tx);
        self.write(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        rx.recv_timeout(timeout)
            .map_err(|_| anyhow::anyhow!("{method}: no answer within {timeout:?}"))
    }
}

/// The language server child and the reader thread that routes its messages.
pub(crate) struct LspServer {
    child: Child,
    pub(crate) pid: u32,
    client: Arc<Client>,
    refreshes: Arc<Refreshes>,
    received: Arc<Mutex<HashMap<String, u64>>>,
}

impl LspServer {
    pub(crate) fn start(binary: &Path, stderr_log: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(stderr_log)?)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id();
        let stdin = child.stdin.take().context("void-ls stdin")?;
        let stdout = child.stdout.take().context("void-ls stdout")?;
        let client = Arc::new(Client {
            stdin: Mutex::new(stdin),
            next_id: AtomicU64::new(1),
            pending: Arc::default(),
        });
        let refreshes = Arc::new(Refreshes::default());
        let received = Arc::new(Mutex::new(HashMap::new()));
        {
            let (client, refreshes, received) =
                (client.clone(), refreshes.clone(), received.clone());
            std::thread::spawn(move || read_loop(stdout, &client, &refreshes, &received));
        }
        Ok(Self {
            child,
            pid,
            client,
            refreshes,
            received,
        })
    }

    pub(crate) fn request(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        self.client.request(method, params, timeout)
    }

    /// A request answered with when its answer was read and what parsing it cost the client.
    pub(crate) fn request_timed(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> anyhow::Result<Answer> {
        self.client.request_timed(method, params, timeout)
    }

    pub(crate) fn notify(&self, method: &str, params: Value) -> anyhow::Result<()> {
        self.client
            .write(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
    }

    /// Waits until `void/sessionStatus` reports at least `frames` received for the session;
    /// returns the last count seen.
    fn wait_for_received(&self, session: &str, frames: u64, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        loop {
            let seen = self
                .received
                .lock()
                .ok()
                .and_then(|m| m.get(session).copied())
                .unwrap_or(0);
            if seen >= frames || Instant::now() >= deadline {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn shutdown(mut self) {
        let _ = self
            .client
            .request("shutdown", Value::Null, Duration::from_secs(5));
        let _ = self
            .client
            .write(&json!({"jsonrpc": "2.0", "method": "exit"}));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LspServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads framed messages from the server: answers its requests as an editor would, routes
/// responses to waiting requests, and records session status counts.
fn read_loop(
    stdout: std::process::ChildStdout,
    client: &Client,
    refreshes: &Refreshes,
    received: &Mutex<HashMap<String, u64>>,
) {
    let mut reader = BufReader::with_capacity(1 << 20, stdout);
    while let Some((mut message, read_at, parse)) = read_message(&mut reader) {
        let method = message.get("method").and_then(Value::as_str);
        let id = message.get("id").cloned();
        match (method, id) {
            (Some(method), Some(id)) => {
                let result = match method {
                    "workspace/textDocumentContent/refresh" => {
                        refreshes.count.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut times) = refreshes.times.lock() {
                            times.push(Instant::now());
                        }
                        if let Ok(mut pending) = refreshes.pending.lock() {
                            *pending = true;
                            refreshes.wake.notify_one();
                        }
                        Value::Null
                    }
                    "workspace/configuration" => {
                        let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                        Value::Array(vec![Value::Null; items])
                    }
                    _ => Value::Null,
                };
                let _ = client.write(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
            }
            (Some("void/sessionStatus"), None) => {
                let params = &message["params"];
                if let (Some(session), Some(count)) =
                    (params["sessionId"].as_str(), params["received"].as_u64())
                    && let Ok(mut map) = received.lock()
                {
                    map.insert(session.to_owned(), count);
                }
            }
            (Some(_), None) => {}
            (None, Some(id)) => {
                let Some(id) = id.as_u64() else { continue };
                let waiter = client.pending.lock().ok().and_then(|mut p| p.remove(&id));
                if let Some(waiter) = waiter {
                    let result = match message.get("error") {
                        Some(error) => Err(error["message"].as_str().unwrap_or("error").to_owned()),
                        // Taken, not cloned: a big answer is not copied again.
                        None => Ok(message.get_mut("result").map_or(Value::Null, Value::take)),
                    };
                    let _ = waiter.send(Answer {
                        read_at,
                        parse,
                        result,
                    });
                }
            }
            (None, None) => {}
        }
    }
}

/// The next message, when its last byte was read, and how long parsing it took.
fn read_message(reader: &mut impl std::io::BufRead) -> Option<(Value, Instant, Duration)> {
    let mut length = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some(value) = header.strip_prefix("Content-Length:") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    let read_at = Instant::now();
    let message = serde_json::from_slice(&body).ok()?;
    Some((message, read_at, read_at.elapsed()))
}

struct Fetches {
    fetches: u64,
    last_lines: usize,
}

/// Fetches the log document after each refresh, like an editor showing it.
fn log_fetch_loop(
    client: &Client,
    refreshes: &Refreshes,
    log_uri: &str,
    stop: &AtomicBool,
) -> Fetches {
    let mut fetches = Fetches {
        fetches: 0,
        last_lines: 0,
    };
    while !stop.load(Ordering::Relaxed) {
        let due = {
            let Ok(pending) = refreshes.pending.lock() else {
                break;
            };
            let Ok((mut pending, _)) =
                refreshes
                    .wake
                    .wait_timeout_while(pending, Duration::from_millis(100), |p| !*p)
            else {
                break;
            };
            std::mem::replace(&mut *pending, false)
        };
        if !due {
            continue;
        }
        if let Ok(answer) = client.request(
            "workspace/textDocumentContent",
            json!({"uri": log_uri}),
            Duration::from_secs(10),
        ) {
            fetches.fetches += 1;
            fetches.last_lines = answer["text"].as_str().map_or(0, |t| t.lines().count());
        }
    }
    fetches
}

/// Sends a hover every `every` until stopped; returns each latency in nanoseconds.
fn hover_loop(
    client: &Client,
    uri: &str,
    line: usize,
    every: Duration,
    stop: &AtomicBool,
) -> Vec<u64> {
    let mut samples = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let answered = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 7}}),
            Duration::from_secs(10),
        );
        let took = started.elapsed();
        // An error answer is timed like any other; a lost one counts as the full timeout.
        let _ = answered;
        samples.push(took.as_nanos() as u64);
        if let Some(rest) = every.checked_sub(took) {
            std::thread::sleep(rest);
        }
    }
    samples
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // reason: a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn flood_document_is_a_clean_websocket_section() {
        let text = flood_document(4242, "t.jsonl");
        let doc = void_syntax::parse(&text);
        let errors: Vec<_> = doc
            .diagnostics
            .iter()
            .filter(|d| d.severity == void_syntax::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let types: Vec<_> = doc
            .blocks
            .iter()
            .filter_map(|b| b.type_name.as_ref().map(|t| t.value.clone()))
            .collect();
        assert_eq!(types, ["socket-request", "ws-options"]);
        assert_eq!(
            doc.blocks[0].uid.as_ref().map(|u| u.value.as_str()),
            Some(SOCKET_UID)
        );
        assert!(text.contains("ws://127.0.0.1:4242/flood"));
    }

    #[test]
    fn busiest_second_uses_half_open_windows() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let every_200ms: Vec<_> = (0..=10).map(|i| at(i * 200)).collect();
        assert_eq!(busiest_second(&every_200ms), 5);
        assert_eq!(busiest_second(&[at(0), at(10), at(20), at(1500)]), 3);
        assert_eq!(busiest_second(&[]), 0);
        assert!((interval_rate(&every_200ms) - 5.0).abs() < 1e-9);
        assert_eq!(interval_rate(&[at(0)]), 0.0);
    }

    #[test]
    fn file_uris_escape_what_uris_cannot_hold() {
        assert_eq!(
            file_uri(Path::new("/tmp/a b/c.void")),
            "file:///tmp/a%20b/c.void"
        );
    }

    #[test]
    fn received_events_are_counted_from_the_transcript() {
        let dir = std::env::temp_dir().join(format!("void-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.jsonl");
        std::fs::write(
            &path,
            "{\"dir\":\"event\",\"kind\":\"open\"}\n{\"dir\":\"in\",\"kind\":\"json\"}\nnot json\n{\"dir\":\"in\"}\n{\"dir\":\"out\"}\n",
        )
        .unwrap();
        assert_eq!(count_received_events(&path).unwrap(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
