//! `cargo xtask bench-lsp [--quick]`: measures the language server as an editor sees it, by
//! driving the `void-ls` binary of the `dist` profile over stdio with real JSON-RPC, and rewrites the
//! "## Language server" section of BENCHMARKS.md (figures also in artifacts/bench/lsp.json).
//!
//! Measured on a generated 1 MB `.void` file with 2,000 blocks (WebSocket sections with
//! options, assertions and messages, plus HTTP requests and prose):
//! - start-up: process spawn to the `initialize` answer (fresh process each time);
//! - first diagnostics: `didOpen` of the 1 MB file to its `publishDiagnostics`;
//! - keystroke to diagnostics: one-character `didChange` to the `publishDiagnostics` of that
//!   version (sequential keystrokes at spread-out positions);
//! - completion: a `completion` request sent right after a keystroke (so it includes parsing
//!   the new version when the diagnostics worker has not yet), to its answer;
//! - resident memory (`VmRSS`, and the peak `VmHWM`) with the file open after the run, plus
//!   `VmRSS` right after `initialize` and right after the first diagnostics.
//!
//! Clocks start before the first byte of a pre-serialised message is written and stop at the
//! arrival of the answer's last byte (stamped before the client parses it), so the client's own
//! JSON work (unoptimised under `cargo xtask`) is not counted as the server's. When BENCHMARKS.md
//! already has the section, only the table between its markers is rewritten.
//!
//! This module only measures and reports; it never changes the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::cargo;

const TIMEOUT: Duration = Duration::from_secs(30);

pub fn bench_lsp(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let root = workspace_root()?;
    // VOID_LS_BENCH_BINARY runs another build (or a wrapper such as a profiler) instead.
    let binary = match std::env::var_os("VOID_LS_BENCH_BINARY") {
        Some(path) => PathBuf::from(path),
        None => build_release(&root)?,
    };
    let (keystrokes, starts, opens) = if quick { (60, 8, 3) } else { (400, 30, 7) };
    let text = generate_document(2000);
    std::fs::create_dir_all(root.join("artifacts/bench"))?;
    std::fs::write(root.join("artifacts/bench/lsp-document.void"), &text)?;
    println_out(&format!(
        "document: {} bytes, 2000 blocks; binary {}",
        text.len(),
        binary.display()
    ))?;

    let mut startup = Vec::new();
    for _ in 0..starts {
        let started = Instant::now();
        let mut server = Server::spawn(&binary)?;
        let answered = server.initialize()?;
        startup.push(answered - started);
        server.exit()?;
    }

    // Serialised once, before any clock starts: the client's own JSON work is not the server's.
    let open_frame = Server::frame(&open_message("file:///bench/big.void", &text))?;
    let mut first_diagnostics = Vec::new();
    for _ in 0..opens {
        let mut server = Server::spawn(&binary)?;
        server.initialize()?;
        let started = Instant::now();
        server.send_frame(&open_frame)?;
        let published = server.wait_diagnostics("file:///bench/big.void", 1)?;
        first_diagnostics.push(published - started);
        server.exit()?;
    }

    let mut server = Server::spawn(&binary)?;
    server.initialize()?;
    let (rss_initialized, _) = server.memory()?;
    let uri = "file:///bench/big.void";
    server.send_frame(&open_frame)?;
    server.wait_diagnostics(uri, 1)?;
    let (rss_opened, _) = server.memory()?;
    let lines: Vec<&str> = text.split('\n').collect();
    // Positions to type at: the end of `name:` attr lines and prose lines spread over the file.
    let targets: Vec<(usize, usize)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("  name: ") || l.starts_with("Notes for"))
        .map(|(i, l)| (i, l.len()))
        .collect();
    let mut keystroke = Vec::new();
    let mut completion = Vec::new();
    let mut version = 1;
    for k in 0..keystrokes {
        let (line, character) = targets[(k * 7919) % targets.len()];
        version += 1;
        let edit = json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": { "start": { "line": line, "character": character }, "end": { "line": line, "character": character } }, "text": "x" }] });
        let edit_frame = Server::frame(
            &json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": edit }),
        )?;
        let started = Instant::now();
        server.send_frame(&edit_frame)?;
        if k % 2 == 1 {
            // Completion inside the ws-options table of the same region, right after typing.
            let option_line = lines
                .iter()
                .enumerate()
                .skip(line)
                .find(|(_, l)| l.trim_start() == "- connectTimeout")
                .map_or(line, |(i, _)| i + 1);
            let (asked, answered, answer) = server.request("textDocument/completion", json!({ "textDocument": { "uri": uri }, "position": { "line": option_line, "character": 12 } }))?;
            completion.push(answered - asked);
            if answer.get("error").is_some() {
                bail!("completion failed: {answer}");
            }
        }
        let published = server.wait_diagnostics(uri, version)?;
        keystroke.push(published - started);
    }
    let (rss, hwm) = server.memory()?;
    server.exit()?;

    let report = json!({
        "document_bytes": text.len(),
        "blocks": 2000,
        "startup_ms": summary(&startup),
        "first_diagnostics_ms": summary(&first_diagnostics),
        "keystroke_to_diagnostics_ms": summary(&keystroke),
        "completion_ms": summary(&completion),
        "rss_initialized_mib": rss_initialized,
        "rss_opened_mib": rss_opened,
        "rss_mib": rss,
        "peak_rss_mib": hwm,
        "quick": quick,
    });
    std::fs::create_dir_all(root.join("artifacts/bench"))?;
    std::fs::write(
        root.join("artifacts/bench/lsp.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println_out(&serde_json::to_string_pretty(&report)?)?;
    write_section(&root, &report, keystrokes, starts, opens)?;
    Ok(())
}

fn println_out(text: &str) -> Result<()> {
    writeln!(std::io::stdout().lock(), "{text}")?;
    Ok(())
}

fn workspace_root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .context("xtask has a parent directory")
}

fn build_release(root: &Path) -> Result<PathBuf> {
    let status = cargo::command(root)
        .args([
            "build",
            "--profile",
            cargo::SHIPPED_PROFILE,
            "-p",
            "void-ls",
        ])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --profile dist -p void-ls failed");
    }
    let binary = cargo::target_dir(root)
        .join(cargo::profile_dir(cargo::SHIPPED_PROFILE))
        .join("void-ls");
    if !binary.exists() {
        bail!("{} was not built", binary.display());
    }
    Ok(binary)
}

/// The 1 MB benchmark file: `blocks` blocks in WebSocket sections (socket-request, ws-options,
/// ws-assertions, ws-message) and HTTP requests, separated by prose, about 1 MB in all.
pub fn generate_document(blocks: usize) -> String {
    let mut out =
        String::from("---\nversion: 0.20.1\ngeneratedBy: Voiden app\n---\n\n# Benchmark\n\n");
    let mut n = 0u64;
    let mut uid = || {
        n += 1;
        // Unique, well-formed UUID v4 text (version nibble 4, variant 8).
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            n,
            n % 0xFFFF,
            n % 0xFFF,
            n % 0xFFF,
            n * 2_654_435_761
        )
    };
    let mut written = 0;
    let mut section = 0;
    while written < blocks {
        section += 1;
        out.push_str(&format!("## Section {section}\n\nNotes for section {section}: this request talks to the chat service and checks that it greets us. {}\n\n", "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(17)));
        out.push_str(&format!(
            "```void\n---\ntype: request-separator\nattrs:\n  uid: {}\n  colorIndex: 0\n  label: Request {section}\n---\n```\n\n",
            uid()
        ));
        written += 1;
        if section % 5 == 0 {
            out.push_str(&format!("```void\n---\ntype: request\nattrs:\n  uid: {}\ncontent:\n  - type: method\n    attrs:\n      uid: {}\n    content: GET\n  - type: url\n    attrs:\n      uid: {}\n    content: https://api.example.com/items/{section}\n---\n```\n\n", uid(), uid(), uid()));
            written += 1;
            continue;
        }
        out.push_str(&format!("```void\n---\ntype: socket-request\nattrs:\n  uid: {}\ncontent:\n  - type: smethod\n    attrs:\n      uid: {}\n      method: WSS\n      importedFrom: \"\"\n      visible: true\n    content: WSS\n  - type: surl\n    attrs:\n      uid: {}\n    content: wss://{{{{WS_HOST}}}}/chat/{section}\n---\n```\n\n", uid(), uid(), uid()));
        out.push_str(&format!("```void\n---\ntype: ws-options\nattrs:\n  uid: {}\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - connectTimeout\n          - 5s\n      - attrs:\n          disabled: false\n        row:\n          - subprotocols\n          - chat\n---\n```\n\n", uid()));
        out.push_str(&format!("```void\n---\ntype: ws-assertions\nattrs:\n  uid: {}\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - greeting\n          - received[0].json.type\n          - equals\n          - hello\n---\n```\n\n", uid()));
        out.push_str(&format!("```void\n---\ntype: ws-message\nattrs:\n  uid: {}\n  name: hello{section}\n  format: json\n  send: on-open\n  body: |-\n    {{\"op\": \"hello\", \"section\": {section}, \"token\": \"{{{{TOKEN}}}}\"}}\n---\n```\n\n", uid()));
        written += 4;
    }
    out
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Arrived>,
    /// Messages received while waiting for something else, oldest first.
    backlog: Vec<Arrived>,
    next_id: i64,
}

/// A message from the server, stamped when its last byte was read (before the client parses
/// it, so the client's JSON work is not counted as the server's).
struct Arrived {
    at: Instant,
    value: Value,
}

fn open_message(uri: &str, text: &str) -> Value {
    json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": { "uri": uri, "languageId": "void", "version": 1, "text": text } } })
}

impl Server {
    fn spawn(binary: &Path) -> Result<Server> {
        let mut child = Command::new(binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env("VOID_LS_LOG", "warn")
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdin = child.stdin.take().context("stdin")?;
        let stdout = child.stdout.take().context("stdout")?;
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                let mut line = String::new();
                loop {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let trimmed = line.trim_end();
                    if trimmed.is_empty() {
                        break;
                    }
                    if let Some(v) = trimmed.strip_prefix("Content-Length: ") {
                        length = v.parse::<usize>().ok();
                    }
                }
                let Some(length) = length else { return };
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let at = Instant::now();
                let Ok(value) = serde_json::from_slice::<Value>(&body) else {
                    return;
                };
                if tx.send(Arrived { at, value }).is_err() {
                    return;
                }
            }
        });
        Ok(Server {
            child,
            stdin,
            messages,
            backlog: Vec::new(),
            next_id: 1,
        })
    }

    /// One framed message, header and body, ready to write.
    fn frame(message: &Value) -> Result<Vec<u8>> {
        let body = serde_json::to_vec(message)?;
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(&body);
        Ok(frame)
    }

    fn send_frame(&mut self, frame: &[u8]) -> Result<()> {
        self.stdin.write_all(frame)?;
        self.stdin.flush()?;
        Ok(())
    }

    fn send(&mut self, message: &Value) -> Result<()> {
        let frame = Self::frame(message)?;
        self.send_frame(&frame)
    }

    fn notify(&mut self, method: &str, params: Value) -> Result<()> {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    }

    /// Sends a request and waits for its answer: (when it was sent, when the answer arrived,
    /// the answer).
    fn request(&mut self, method: &str, params: Value) -> Result<(Instant, Instant, Value)> {
        let id = self.next_id;
        self.next_id += 1;
        let frame = Self::frame(
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        )?;
        let sent = Instant::now();
        self.send_frame(&frame)?;
        let answer = self.wait(|m| m.get("method").is_none() && m["id"] == id)?;
        Ok((sent, answer.at, answer.value))
    }

    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Result<Arrived> {
        if let Some(i) = self.backlog.iter().position(|m| pred(&m.value)) {
            return Ok(self.backlog.remove(i));
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(arrived) => {
                    let message = &arrived.value;
                    if message.get("method").is_some() && message.get("id").is_some() {
                        // A request from the server (registerCapability): answer it.
                        self.send(
                            &json!({ "jsonrpc": "2.0", "id": message["id"], "result": null }),
                        )?;
                        continue;
                    }
                    if pred(message) {
                        return Ok(arrived);
                    }
                    if message.get("method").is_some() {
                        self.backlog.push(arrived);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    bail!("no expected message from void-ls within {TIMEOUT:?}")
                }
                Err(RecvTimeoutError::Disconnected) => bail!("void-ls closed its output"),
            }
        }
    }

    /// Initializes; returns when the `initialize` answer arrived.
    fn initialize(&mut self) -> Result<Instant> {
        let caps = json!({ "general": { "positionEncodings": ["utf-16"] }, "textDocument": { "completion": { "completionItem": { "snippetSupport": true } } } });
        let (_, answered, answer) = self.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": caps, "initializationOptions": { "variables": { "WS_HOST": "chat.example.com", "TOKEN": "bench-token-value" } } }),
        )?;
        if answer.get("result").is_none() {
            bail!("initialize failed: {answer}");
        }
        self.notify("initialized", json!({}))?;
        Ok(answered)
    }

    /// Waits for the diagnostics of `version`; returns when they arrived.
    fn wait_diagnostics(&mut self, uri: &str, version: i64) -> Result<Instant> {
        self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        })
        .map(|arrived| arrived.at)
    }

    /// (VmRSS, VmHWM) in MiB.
    fn memory(&self) -> Result<(f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| -> f64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        Ok((field("VmRSS:"), field("VmHWM:")))
    }

    fn exit(mut self) -> Result<()> {
        let _ = self.request("shutdown", Value::Null);
        let _ = self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.child.kill()?;
        bail!("void-ls did not exit after `exit`")
    }
}

fn summary(samples: &[Duration]) -> Value {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let pick = |q: f64| -> f64 {
        if ms.is_empty() {
            return 0.0;
        }
        let i = ((ms.len() as f64 - 1.0) * q).round() as usize;
        (ms[i.min(ms.len() - 1)] * 100.0).round() / 100.0
    };
    json!({ "n": ms.len(), "p50": pick(0.5), "p99": pick(0.99), "max": pick(1.0) })
}

fn write_section(
    root: &Path,
    r: &Value,
    keystrokes: usize,
    starts: usize,
    opens: usize,
) -> Result<()> {
    let verdict = |value: f64, target: f64| if value <= target { "meets" } else { "misses" };
    let row = |name: &str, key: &str, target: f64, n_note: &str| {
        let p50 = r[key]["p50"].as_f64().unwrap_or(0.0);
        let p99 = r[key]["p99"].as_f64().unwrap_or(0.0);
        format!(
            "| {name} | {p50:.2} ms | {p99:.2} ms | <= {target} ms (p99) | {} | {n_note} |\n",
            verdict(p99, target)
        )
    };
    let rss = r["rss_mib"].as_f64().unwrap_or(0.0);
    let hwm = r["peak_rss_mib"].as_f64().unwrap_or(0.0);
    let mut table = String::from(
        "| measure | p50 | p99 | target | verdict | samples |\n|---|---|---|---|---|---|\n",
    );
    table.push_str(&row(
        "start-up to `initialize` answer",
        "startup_ms",
        20.0,
        &format!("{starts} fresh processes"),
    ));
    table.push_str(&row(
        "first diagnostics after `didOpen`",
        "first_diagnostics_ms",
        50.0,
        &format!("{opens} fresh processes"),
    ));
    table.push_str(&row(
        "keystroke to diagnostics",
        "keystroke_to_diagnostics_ms",
        16.0,
        &format!("{keystrokes} keystrokes"),
    ));
    table.push_str(&row(
        "completion right after a keystroke",
        "completion_ms",
        16.0,
        &format!("{} requests", keystrokes / 2),
    ));
    let after_initialize = r["rss_initialized_mib"].as_f64().unwrap_or(0.0);
    let after_open = r["rss_opened_mib"].as_f64().unwrap_or(0.0);
    table.push_str(&format!("| resident memory with the file open | {rss:.1} MiB | peak {hwm:.1} MiB | <= 40 MiB | {} | after the run ({after_initialize:.1} MiB after `initialize`, {after_open:.1} MiB after `didOpen`) |\n", verdict(rss, 40.0)));
    let section = format!(
        "## Language server\n\n\
Measured by `cargo xtask bench-lsp` (`--quick` for a short run), which builds `void-ls`\n\
with the `dist` profile (what ships) and drives it over stdio with real JSON-RPC, as an editor does (xtask/src/bench_lsp.rs).\n\
The file is generated: {} bytes, 2,000 blocks (WebSocket sections with `socket-request`,\n\
`ws-options`, `ws-assertions` and `ws-message` blocks, HTTP requests, prose).\n\n\
- start-up: process spawn to the `initialize` answer, a fresh process each time;\n\
- first diagnostics: `didOpen` of the file to its `publishDiagnostics`;\n\
- keystroke to diagnostics: a one-character incremental `didChange` to the\n  `publishDiagnostics` of that version, keystrokes one after another at spread-out places;\n\
- completion: a `textDocument/completion` in a `ws-options` table sent right after a\n  keystroke (it may include parsing the new version), to its answer;\n\
- memory: `VmRSS` of the server with the file open after the keystroke run (peak: `VmHWM`).\n\n\
Every keystroke re-parses the whole file (no incremental parsing): the figures include a full\n\
parse, the diagnostics, and their conversion to LSP positions. Absolute times on these shared\n\
2-core machines move between runs; the JSON is in `artifacts/bench/lsp.json`.\n\n\
<!-- bench:lsp (rewritten by cargo xtask bench-lsp) -->\n{table}<!-- /bench:lsp -->\n",
        r["document_bytes"]
    );
    let path = root.join("BENCHMARKS.md");
    let current = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    // When the section exists, only the table between its markers is replaced: the prose
    // around it (method, what changed, why a target is missed) is written by hand.
    const OPEN: &str = "<!-- bench:lsp (rewritten by cargo xtask bench-lsp) -->\n";
    const CLOSE: &str = "<!-- /bench:lsp -->";
    if let Some(start) = current.find(OPEN)
        && let Some(end) = current[start..].find(CLOSE)
    {
        let end = start + end;
        let updated = format!("{}{OPEN}{table}{}", &current[..start], &current[end..]);
        std::fs::write(&path, updated)?;
        return Ok(());
    }
    let updated = match current.find("## Language server") {
        Some(start) => {
            let rest = &current[start + 1..];
            let end = rest
                .find("\n## ")
                .map_or(current.len(), |i| start + 1 + i + 1);
            format!(
                "{}{section}{}",
                &current[..start],
                if end < current.len() {
                    format!("\n{}", &current[end..])
                } else {
                    String::new()
                }
            )
        }
        None => format!(
            "{}\n{section}",
            current.trim_end_matches('\n').to_string() + "\n"
        ),
    };
    std::fs::write(&path, updated)?;
    Ok(())
}
