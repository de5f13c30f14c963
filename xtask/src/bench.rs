//! `cargo xtask bench [--quick] [--rounds N] [--no-display] [--no-write]`: runs the WebSocket
//! engine, Socket.IO, HTTP, display-path and workspace-index benchmarks in one run on this
//! machine, and writes the results.
//!
//! It builds `void-bench` and `void-ls` with the `dist` profile (what ships), installs the outside contenders when
//! they are missing (websocat under `.tools/websocat`, Node `ws` under `.tools/node`), starts one
//! loopback echo server, and runs every contender on every workload in rounds, rotating the
//! order each round so drift on a shared machine hits every contender alike. Ratios are computed
//! per round (contenders of the same round against each other) and their median is reported.
//!
//! Output: every measured line plus the medians and ratios as JSON lines in
//! `artifacts/bench/<stamp>/results.jsonl` (and `artifacts/bench/latest.jsonl`); the medians and
//! ratios also on stdout; the tables between the `<!-- bench:... -->` markers of BENCHMARKS.md
//! (engine, HTTP, display path, workspace index).
//!
//! The measuring itself lives in the `void-bench` binary (bench/); this module orchestrates,
//! compares with the targets and reports. It is not part of the test suite: nothing here may be
//! called from tests (timed tests are forbidden), but `--quick` keeps a run to a few minutes.

mod markdown;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::cargo;

/// Settings from the command line.
struct Options {
    quick: bool,
    rounds: usize,
    display: bool,
    write: bool,
    build: bool,
    /// Re-render BENCHMARKS.md from the measurements of an earlier run instead of measuring.
    from: Option<PathBuf>,
    /// Run one suite only (`--only engine|socketio|serve|http|display|index`); only its tables are
    /// rewritten.
    only: Option<String>,
}

/// The suites `--only` can pick.
const SUITES: &[&str] = &["engine", "socketio", "serve", "http", "display", "index"];

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Self> {
        let quick = args.iter().any(|a| a == "--quick");
        let mut options = Options {
            quick,
            rounds: if quick { 3 } else { 5 },
            display: true,
            write: true,
            build: true,
            from: None,
            only: None,
        };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            match arg.as_str() {
                "--quick" => {}
                "--rounds" => {
                    let n = iter.next().context("--rounds needs a number")?;
                    options.rounds = n.parse().context("--rounds needs a number")?;
                    anyhow::ensure!(options.rounds > 0, "--rounds must be at least 1");
                }
                "--no-display" => options.display = false,
                "--no-write" => options.write = false,
                "--no-build" => options.build = false,
                "--only" => {
                    let suite = iter.next().context("--only needs a suite")?;
                    anyhow::ensure!(
                        SUITES.contains(&suite.as_str()),
                        "--only takes one of {}",
                        SUITES.join(", ")
                    );
                    options.only = Some(suite.clone());
                }
                "--from" => {
                    let path = iter.next().context("--from needs a results.jsonl path")?;
                    options.from = Some(PathBuf::from(path));
                }
                "-h" | "--help" => {
                    let mut out = std::io::stdout().lock();
                    writeln!(
                        out,
                        "cargo xtask bench [--quick] [--rounds N] [--no-display] [--no-write] [--no-build] [--only engine|socketio|serve|http|display|index] [--from RESULTS.jsonl]"
                    )?;
                    std::process::exit(0);
                }
                other => anyhow::bail!("unknown bench option {other:?}"),
            }
        }
        Ok(options)
    }

    /// Whether this run measures `suite`.
    fn runs(&self, suite: &str) -> bool {
        self.only.as_deref().is_none_or(|only| only == suite)
    }

    /// The BENCHMARKS.md tables this run rewrites.
    fn blocks(&self) -> Vec<&'static str> {
        let mut blocks = Vec::new();
        if self.runs("engine") {
            blocks.push("engine");
        }
        if self.runs("http") {
            blocks.push("http");
        }
        if self.runs("display") && self.display {
            blocks.push("display");
        }
        if self.runs("index") {
            blocks.push("index");
        }
        blocks
    }
}

/// The workspace root (xtask lives one level below it).
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Entry point of `cargo xtask bench`.
pub fn bench(args: &[String]) -> anyhow::Result<()> {
    let options = Options::parse(args)?;
    let root = workspace_root();
    let started = Instant::now();

    if let Some(from) = &options.from {
        return rerender(&root, &options, from);
    }
    if options.build {
        // The server is measured by the display and index benchmarks.
        release_build(&root, true)?;
    }
    let built = cargo::target_dir(&root).join(cargo::profile_dir(cargo::SHIPPED_PROFILE));
    let bench_bin = built.join("void-bench");
    let ls_bin = built.join("void-ls");
    anyhow::ensure!(
        bench_bin.is_file(),
        "{} is missing: run without --no-build",
        bench_bin.display()
    );
    run_benchmarks(&root, &options, &bench_bin, &ls_bin, started)
}

/// Rewrites the tables of BENCHMARKS.md from the measurement lines of an earlier run's
/// results.jsonl (its summary and ratio lines are recomputed, not trusted), for when the file
/// was overwritten after the run.
fn rerender(root: &Path, options: &Options, from: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(from).with_context(|| format!("reading {}", from.display()))?;
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|v| v.get("summary").is_none() && v.get("target").is_none())
        .collect();
    anyhow::ensure!(!lines.is_empty(), "no measurements in {}", from.display());
    let rounds = lines
        .iter()
        .filter_map(|v| v.get("round").and_then(Value::as_u64))
        .max()
        .map_or(options.rounds, |r| r as usize + 1);
    let results = Results { lines };
    let summary = results.summarize();
    let ratios = ratios(&results, &summary);
    let relative = from
        .strip_prefix(root)
        .unwrap_or(from)
        .display()
        .to_string();
    let context = markdown::RunContext {
        quick: options.quick,
        rounds,
        machine: machine_description(),
        results_path: relative,
    };
    markdown::update(
        &root.join("BENCHMARKS.md"),
        &context,
        (&summary, &ratios),
        &options.blocks(),
    )?;
    say(&format!(
        "BENCHMARKS.md tables rewritten from {}",
        from.display()
    ));
    Ok(())
}

/// The `dist`-profile build (what ships) of the measuring binary (and the server for the
/// display path), sharing fingerprints with a plain `cargo build --profile dist`.
fn release_build(root: &Path, with_server: bool) -> anyhow::Result<()> {
    say("building void-bench and void-ls (dist profile)");
    let mut build = cargo::command(root);
    build.args([
        "build",
        "--profile",
        cargo::SHIPPED_PROFILE,
        "-p",
        "void-bench",
    ]);
    if with_server {
        build.args(["-p", "void-ls"]);
    }
    anyhow::ensure!(build.status()?.success(), "release build failed");
    Ok(())
}

fn run_benchmarks(
    root: &Path,
    options: &Options,
    bench_bin: &Path,
    ls_bin: &Path,
    started: Instant,
) -> anyhow::Result<()> {
    let root = root.to_path_buf();
    let (bench_bin, ls_bin) = (bench_bin.to_path_buf(), ls_bin.to_path_buf());

    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let out_dir = root.join("artifacts").join("bench").join(stamp.to_string());
    std::fs::create_dir_all(&out_dir)?;
    let mut results = Results::default();

    if options.runs("engine") {
        run_engine_rounds(&root, options, &bench_bin, &mut results)?;
    }

    if options.runs("socketio") {
        say("Socket.IO (engine and socket.io-client against the embedded server)");
        run_socketio_rounds(&root, options, &bench_bin, &mut results)?;
    }

    if options.runs("serve") {
        say("void-ls serve (an echo section served, against a Node `ws` echo server)");
        run_serve_rounds(&root, options, &bench_bin, &ls_bin, &out_dir, &mut results)?;
    }

    if options.runs("http") {
        say("HTTP (void-ls run, curl, httpyac and Hurl against the embedded server)");
        run_http_rounds(&root, options, &bench_bin, &ls_bin, &out_dir, &mut results)?;
    }

    if options.display && options.runs("display") {
        say("display path (flood through the language server)");
        let seconds = if options.quick { "3" } else { "10" };
        let mut command = Command::new(&bench_bin);
        command
            .args(["display", "--ls"])
            .arg(&ls_bin)
            .args(["--seconds", seconds]);
        command.arg("--work-dir").arg(out_dir.join("display"));
        results.run(&mut command, None, "void-ls", Duration::from_secs(300));
    }

    if options.runs("index") {
        say("workspace index (a generated project of 2,000 .void files)");
        let mut command = Command::new(&bench_bin);
        command.args(["index", "--ls"]).arg(&ls_bin);
        command.args(["--queries", if options.quick { "50" } else { "200" }]);
        command.arg("--work-dir").arg(out_dir.join("index"));
        results.run(&mut command, None, "void-ls", Duration::from_secs(600));
    }

    let summary = results.summarize();
    let ratios = ratios(&results, &summary);
    let mut file = std::fs::File::create(out_dir.join("results.jsonl"))?;
    {
        let mut out = std::io::stdout().lock();
        for line in &results.lines {
            writeln!(file, "{line}")?;
        }
        for line in summary.values().chain(ratios.iter()) {
            writeln!(file, "{line}")?;
            writeln!(out, "{line}")?;
        }
    }
    drop(file);
    std::fs::copy(
        out_dir.join("results.jsonl"),
        root.join("artifacts/bench/latest.jsonl"),
    )?;

    if options.write {
        let context = markdown::RunContext {
            quick: options.quick,
            rounds: options.rounds,
            machine: machine_description(),
            results_path: format!("artifacts/bench/{stamp}/results.jsonl"),
        };
        markdown::update(
            &root.join("BENCHMARKS.md"),
            &context,
            (&summary, &ratios),
            &options.blocks(),
        )?;
        say("BENCHMARKS.md updated");
    }
    say(&format!(
        "done in {:.0} s; results in {}",
        started.elapsed().as_secs_f64(),
        out_dir.join("results.jsonl").display()
    ));
    Ok(())
}

/// The WebSocket engine suite: every contender on the round trip, flood and 1 MiB workloads
/// against one `void-bench echo-server`, in rounds, then the idle-memory probes.
fn run_engine_rounds(
    root: &Path,
    options: &Options,
    bench_bin: &Path,
    results: &mut Results,
) -> anyhow::Result<()> {
    let websocat = ensure_websocat(root);
    let node_modules = ensure_node_ws(root);
    let echo = EchoServer::start(bench_bin)?;
    let url = format!("ws://127.0.0.1:{}/", echo.port);
    say(&format!("echo server on {url}; {} rounds", options.rounds));

    let mut contenders: Vec<Contender> = vec![
        Contender::Rust("raw"),
        Contender::Rust("engine"),
        Contender::Rust("engine-no-transcript"),
    ];
    match &node_modules {
        Ok(modules) => contenders.push(Contender::Node(modules.clone())),
        Err(why) => results.unavailable("engine", "*", "node-ws", why),
    }
    match &websocat {
        Ok(bin) => contenders.push(Contender::Websocat(bin.clone())),
        Err(why) => results.unavailable("engine", "*", "websocat", why),
    }

    for round in 0..options.rounds {
        for workload in ["rtt", "flood", "big"] {
            // Rotate the order every round (and per workload) to spread drift evenly.
            let shift = (round + workload.len()) % contenders.len();
            for contender in contenders.iter().cycle().skip(shift).take(contenders.len()) {
                let mut command = contender.command(bench_bin, root, workload, &url);
                if options.quick {
                    command.arg("--quick");
                }
                results.run(
                    &mut command,
                    Some(round),
                    contender.name(),
                    Duration::from_secs(600),
                );
            }
        }
        say(&format!("round {} of {} done", round + 1, options.rounds));
    }

    say("idle connections (1,000 per contender)");
    for kind in ["tcp", "raw", "raw-small", "engine", "engine-no-transcript"] {
        let mut command = Command::new(bench_bin);
        command.args([
            "idle",
            "--kind",
            kind,
            "--url",
            &url,
            "--connections",
            "1000",
        ]);
        results.run(&mut command, None, kind, Duration::from_secs(300));
    }
    if let Ok(modules) = &node_modules {
        let mut command = Contender::Node(modules.clone()).command(bench_bin, root, "idle", &url);
        command.args(["--connections", "1000"]);
        results.run(&mut command, None, "node-ws", Duration::from_secs(300));
    }
    drop(echo);
    Ok(())
}

fn say(what: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "bench: {what}");
}

/// One contender of the engine suite and how to start it on a workload.
#[derive(Clone)]
enum Contender {
    Rust(&'static str),
    Node(PathBuf),
    /// npm `socket.io-client` (the node_modules holding it).
    NodeSocketio(PathBuf),
    Websocat(PathBuf),
}

impl Contender {
    fn name(&self) -> &str {
        match self {
            Self::Rust(name) => name,
            Self::Node(_) => "node-ws",
            Self::NodeSocketio(_) => "node-socketio",
            Self::Websocat(_) => "websocat",
        }
    }

    fn command(&self, bench_bin: &Path, root: &Path, workload: &str, url: &str) -> Command {
        let mut command = Command::new(bench_bin);
        match self {
            Self::Rust(name) => {
                command.args(["client", "--contender", name]);
            }
            Self::Node(modules) => {
                command
                    .arg("node")
                    .arg("--script")
                    .arg(root.join("bench/peers/ws-client.js"));
                command.arg("--modules").arg(modules);
            }
            Self::NodeSocketio(modules) => {
                command
                    .arg("node")
                    .arg("--script")
                    .arg(root.join("bench/peers/socketio-client.js"));
                command.arg("--modules").arg(modules);
                command.args(["--name", "node-socketio"]);
            }
            Self::Websocat(bin) => {
                command.arg("websocat").arg("--bin").arg(bin);
            }
        }
        command.args(["--workload", workload, "--url", url]);
        command
    }
}

/// websocat from `.tools/websocat`, PATH, or installed there with cargo.
fn ensure_websocat(root: &Path) -> Result<PathBuf, String> {
    let local = root.join(".tools/websocat/bin/websocat");
    if local.is_file() {
        return Ok(local);
    }
    if let Ok(output) = Command::new("websocat").arg("--version").output()
        && output.status.success()
    {
        return Ok(PathBuf::from("websocat"));
    }
    say("installing websocat into .tools/websocat (about 90 s)");
    cargo_install(root, "websocat", "websocat")
}

/// `cargo install --locked SPEC` into `.tools/DIR` (its build in `.tools/DIR/build`), for the
/// peers the bench builds itself; the installed `.tools/DIR/bin/DIR`.
fn cargo_install(root: &Path, dir: &str, spec: &str) -> Result<PathBuf, String> {
    let tool = root.join(".tools").join(dir);
    let installed = tool.join("bin").join(dir);
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["install", "--locked", spec, "--root"])
        .arg(&tool)
        .env("CARGO_TARGET_DIR", tool.join("build"))
        .status();
    match status {
        Ok(s) if s.success() && installed.is_file() => Ok(installed),
        Ok(s) => Err(format!("cargo install {spec} failed ({s})")),
        Err(e) => Err(format!("cannot run cargo install {spec}: {e}")),
    }
}

/// The `ws` package in `.tools/node/node_modules` (the same place tests/lib/tools.sh uses),
/// installed with npm when missing.
fn ensure_node_ws(root: &Path) -> Result<PathBuf, String> {
    ensure_node_package(root, "ws", "ws@8")
}

/// npm `package` (installed as `spec`) in `.tools/node/node_modules`, installed when missing.
fn ensure_node_package(root: &Path, package: &str, spec: &str) -> Result<PathBuf, String> {
    let dir = root.join(".tools/node");
    let modules = dir.join("node_modules");
    if modules.join(package).is_dir() {
        return Ok(modules);
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return Err("node is not installed".into()),
    }
    say(&format!("installing {spec} into .tools/node"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let status = Command::new("npm")
        .current_dir(&dir)
        .args(["install", "--no-audit", "--no-fund", spec])
        .status();
    match status {
        Ok(s) if s.success() && modules.join(package).is_dir() => Ok(modules),
        Ok(s) => Err(format!("npm install {spec} failed ({s})")),
        Err(e) => Err(format!("cannot run npm: {e}")),
    }
}

/// The Socket.IO workloads (round trip and flood of one 16-byte event) against the embedded
/// server's `/socket.io/` route: the engine speaking Socket.IO against npm `socket.io-client`
/// 4.8, in rounds with the order rotated, as the WebSocket workloads are.
fn run_socketio_rounds(
    root: &Path,
    options: &Options,
    bench_bin: &Path,
    results: &mut Results,
) -> anyhow::Result<()> {
    let mut contenders = vec![Contender::Rust("engine-socketio")];
    match ensure_node_package(root, "socket.io-client", "socket.io-client@4.8") {
        Ok(modules) => contenders.push(Contender::NodeSocketio(modules)),
        Err(why) => results.unavailable("engine", "*", "node-socketio", &why),
    }
    let server = EchoServer::start_role(bench_bin, "embedded-server")?;
    let url = format!("ws://127.0.0.1:{}", server.port);
    say(&format!("Socket.IO server on {url}"));
    for round in 0..options.rounds {
        for workload in ["rtt", "flood"] {
            let shift = (round + workload.len()) % contenders.len();
            for contender in contenders.iter().cycle().skip(shift).take(contenders.len()) {
                let mut command = contender.command(bench_bin, root, workload, &url);
                if options.quick {
                    command.arg("--quick");
                }
                results.run(
                    &mut command,
                    Some(round),
                    contender.name(),
                    Duration::from_secs(600),
                );
            }
        }
        say(&format!(
            "Socket.IO round {} of {} done",
            round + 1,
            options.rounds
        ));
    }
    Ok(())
}

/// The HTTP workloads (`seq`: 1,000 sequential requests; `sse`: a 10,000-event stream) run by
/// `void-ls run` and by curl, httpyac's CLI and Hurl against the embedded server's HTTP
/// routes, each tool one process per workload and round, in rounds with the order rotated.
fn run_http_rounds(
    root: &Path,
    options: &Options,
    bench_bin: &Path,
    ls_bin: &Path,
    out_dir: &Path,
    results: &mut Results,
) -> anyhow::Result<()> {
    let mut tools: Vec<(&str, PathBuf)> = vec![("void-ls", ls_bin.to_path_buf())];
    let peers: [(&str, Result<PathBuf, String>); 3] = [
        ("curl", on_path("curl", "--version")),
        ("httpyac", ensure_httpyac(root)),
        ("hurl", ensure_hurl(root)),
    ];
    for (name, found) in peers {
        match found {
            Ok(bin) => tools.push((name, bin)),
            Err(why) => results.unavailable("http", "*", name, &why),
        }
    }
    let server = EchoServer::start_role(bench_bin, "embedded-server")?;
    let base = format!("http://127.0.0.1:{}", server.port);
    say(&format!("HTTP server on {base}"));
    for round in 0..options.rounds {
        for workload in ["seq", "sse"] {
            let shift = (round + workload.len()) % tools.len();
            for (tool, bin) in tools.iter().cycle().skip(shift).take(tools.len()) {
                let mut command = Command::new(bench_bin);
                command
                    .args(["http-cli", "--tool", tool, "--workload", workload])
                    .arg("--bin")
                    .arg(bin)
                    .args(["--base", &base])
                    .arg("--work-dir")
                    .arg(out_dir.join("http").join(tool));
                if options.quick {
                    command.arg("--quick");
                }
                results.run(&mut command, Some(round), tool, Duration::from_secs(600));
            }
        }
        say(&format!(
            "HTTP round {} of {} done",
            round + 1,
            options.rounds
        ));
    }
    Ok(())
}

/// `program` when it is on PATH and answers `arg`.
fn on_path(program: &str, arg: &str) -> Result<PathBuf, String> {
    match Command::new(program).arg(arg).output() {
        Ok(o) if o.status.success() => Ok(PathBuf::from(program)),
        _ => Err(format!("{program} is not installed")),
    }
}

/// httpyac's CLI (npm `httpyac` 6) in `.tools/httpyac`, installed with npm when missing (in
/// its own folder: its dependencies must not change the versions the tests use).
fn ensure_httpyac(root: &Path) -> Result<PathBuf, String> {
    let dir = root.join(".tools/httpyac");
    let bin = dir.join("node_modules/.bin/httpyac");
    if bin.is_file() {
        return Ok(bin);
    }
    on_path("node", "--version")?;
    say("installing httpyac 6 into .tools/httpyac");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let status = Command::new("npm")
        .current_dir(&dir)
        .args(["install", "--no-audit", "--no-fund", "httpyac@6"])
        .status();
    match status {
        Ok(s) if s.success() && bin.is_file() => Ok(bin),
        Ok(s) => Err(format!("npm install httpyac@6 failed ({s})")),
        Err(e) => Err(format!("cannot run npm: {e}")),
    }
}

/// Hurl from `.tools/hurl`, PATH, or built there with cargo (8.0.1, the last release this
/// toolchain builds; it links the system's libcurl and libxml2 (and libclang for its bindings), whose development packages are
/// installed with apt-get when missing). The build takes several minutes, once.
fn ensure_hurl(root: &Path) -> Result<PathBuf, String> {
    let local = root.join(".tools/hurl/bin/hurl");
    if local.is_file() {
        return Ok(local);
    }
    if let Ok(found) = on_path("hurl", "--version") {
        return Ok(found);
    }
    say("installing the libcurl, libxml2 and libclang development packages for Hurl (apt-get)");
    let _ = Command::new("apt-get")
        .args([
            "install",
            "-y",
            "-qq",
            "libcurl4-openssl-dev",
            "libxml2-dev",
            "libclang-dev",
            "pkg-config",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    say("building Hurl 8.0.1 into .tools/hurl (several minutes, once)");
    cargo_install(root, "hurl", "hurl@8.0.1")
}

/// An echo section for `void-ls serve`: every message a client sends comes back (a reply with
/// no `when:` whose body is the message's text).
const SERVE_ECHO_SECTION: &str = r#"# Echo, served

```void
---
type: socket-request
attrs:
  uid: 7d0c3c1e-2f4b-4c55-9a61-3e0f5b8a9c01
content:
  - type: smethod
    attrs:
      uid: 7d0c3c1e-2f4b-4c55-9a61-3e0f5b8a9c02
      method: WS
      importedFrom: ""
      visible: true
    content: WS
  - type: surl
    attrs:
      uid: 7d0c3c1e-2f4b-4c55-9a61-3e0f5b8a9c03
    content: ws://127.0.0.1:9/
---
```

```void
---
type: ws-message
attrs:
  uid: 7d0c3c1e-2f4b-4c55-9a61-3e0f5b8a9c04
  name: echo
  format: text
  send: on-receive
  body: "{{$msg.text}}"
---
```
"#;

/// `void-ls serve` echoing against Node `ws`'s echo server: the same Rust client (`raw`) runs
/// the flood workload against each, in rounds with the order rotated. `void-ls serve` prints
/// its log (two lines per message) to a pipe the driver drains, as a terminal would take it.
/// The results are `engine` lines of contenders `serve-void-ls` and `serve-node-ws`.
fn run_serve_rounds(
    root: &Path,
    options: &Options,
    bench_bin: &Path,
    ls_bin: &Path,
    out_dir: &Path,
    results: &mut Results,
) -> anyhow::Result<()> {
    let modules = match ensure_node_ws(root) {
        Ok(modules) => modules,
        Err(why) => {
            results.unavailable("engine", "flood_rate", "serve-node-ws", &why);
            return Ok(());
        }
    };
    let section = out_dir.join("serve-echo.void");
    std::fs::write(&section, SERVE_ECHO_SECTION)?;
    let served = ServedEcho::start(ls_bin, &section)?;
    let mut node = Command::new("node");
    node.arg(root.join("bench/peers/ws-echo-server.js"))
        .env("VOID_BENCH_NODE_MODULES", &modules);
    let node_server = EchoServer::start_command(node)?;
    let servers = [
        ("serve-void-ls", served.url.clone()),
        (
            "serve-node-ws",
            format!("ws://127.0.0.1:{}/", node_server.port),
        ),
    ];
    say(&format!(
        "served on {}, Node ws on {}",
        servers[0].1, servers[1].1
    ));
    for round in 0..options.rounds {
        for (name, url) in servers.iter().cycle().skip(round % 2).take(2) {
            let mut command = Contender::Rust("raw").command(bench_bin, root, "flood", url);
            if options.quick {
                command.arg("--quick");
            }
            let from = results.lines.len();
            results.run(&mut command, Some(round), name, Duration::from_secs(600));
            for line in &mut results.lines[from..] {
                if line["contender"] == "raw" {
                    line["contender"] = json!(name);
                }
            }
        }
        say(&format!(
            "serve round {} of {} done",
            round + 1,
            options.rounds
        ));
    }
    Ok(())
}

/// `void-ls serve` of the echo section; its log is read and dropped by a thread. Killed when
/// dropped.
struct ServedEcho {
    child: std::process::Child,
    url: String,
}

impl ServedEcho {
    fn start(ls_bin: &Path, section: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(ls_bin)
            .arg("serve")
            .arg(section)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting void-ls serve")?;
        let stdout = child.stdout.take().context("void-ls serve stdout")?;
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        reader.read_line(&mut first)?;
        let url = first.trim().to_string();
        anyhow::ensure!(url.starts_with("ws://"), "void-ls serve said {first:?}");
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        Ok(Self {
            child,
            url: format!("{url}/"),
        })
    }
}

impl Drop for ServedEcho {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The echo server child; killed when dropped.
struct EchoServer {
    child: std::process::Child,
    port: u16,
}

impl EchoServer {
    fn start(bench_bin: &Path) -> anyhow::Result<Self> {
        Self::start_role(bench_bin, "echo-server")
    }

    /// A server role of `void-bench` that says its port as the echo server does.
    fn start_role(bench_bin: &Path, role: &str) -> anyhow::Result<Self> {
        let mut command = Command::new(bench_bin);
        command.arg(role);
        Self::start_command(command)
    }

    /// A server that prints `{"listening": PORT}` first and stops when its stdin closes.
    fn start_command(mut command: Command) -> anyhow::Result<Self> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the echo server")?;
        let stdout = child.stdout.take().context("echo server stdout")?;
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first)?;
        let port = serde_json::from_str::<Value>(&first)?["listening"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .with_context(|| format!("echo server said {first:?}"))?;
        Ok(Self { child, port })
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every line measured in this run, in order.
#[derive(Default)]
struct Results {
    lines: Vec<Value>,
}

/// Key of a summary: (suite, metric, contender).
type Key = (String, String, String);

impl Results {
    fn unavailable(&mut self, suite: &str, metric: &str, contender: &str, why: &str) {
        say(&format!("{contender} {metric}: not available: {why}"));
        self.lines.push(json!({
            "suite": suite, "metric": metric, "contender": contender,
            "value": null, "unavailable": why,
        }));
    }

    /// Runs one measuring process, bounded by `timeout`, and keeps its JSON lines. A failure
    /// is recorded as unavailable with the end of its error output, never as a number.
    fn run(&mut self, command: &mut Command, round: Option<usize>, who: &str, timeout: Duration) {
        command.env("RUST_BACKTRACE", "0").stdin(Stdio::null());
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => return self.unavailable("engine", "*", who, &format!("cannot start: {e}")),
        };
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let out_reader = std::thread::spawn(move || {
            stdout.map(|s| {
                BufReader::new(s)
                    .lines()
                    .map_while(Result::ok)
                    .collect::<Vec<_>>()
            })
        });
        let err_reader = std::thread::spawn(move || {
            stderr.map(|s| {
                BufReader::new(s)
                    .lines()
                    .map_while(Result::ok)
                    .collect::<Vec<_>>()
            })
        });
        let deadline = Instant::now() + timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
            }
        };
        let lines = out_reader.join().ok().flatten().unwrap_or_default();
        let errors = err_reader.join().ok().flatten().unwrap_or_default();
        let mut measured = 0;
        for line in lines {
            let Ok(mut value) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if value.get("metric").is_none() {
                continue;
            }
            if let (Some(round), Some(object)) = (round, value.as_object_mut()) {
                object.insert("round".into(), json!(round));
            }
            if let Some(why) = value.get("unavailable").and_then(Value::as_str) {
                say(&format!("{who}: not available: {why}"));
            }
            self.lines.push(value);
            measured += 1;
        }
        let failed = match status {
            None => Some(format!("timed out after {timeout:?}")),
            Some(s) if !s.success() => Some(format!("exited with {s}")),
            Some(_) => None,
        };
        if let Some(failure) = failed.as_ref().filter(|_| measured == 0) {
            let tail: Vec<&str> = errors
                .iter()
                .rev()
                .take(3)
                .rev()
                .map(String::as_str)
                .collect();
            self.unavailable(
                "engine",
                "*",
                who,
                &format!("{failure}: {}", tail.join(" | ")),
            );
        } else if let Some(failure) = failed {
            say(&format!("{who}: {failure} after {measured} metrics"));
        }
    }

    /// Values of one (suite, metric, contender), by round when rounds exist.
    fn values(&self, suite: &str, metric: &str, contender: &str) -> Vec<(Option<u64>, f64)> {
        self.lines
            .iter()
            .filter(|l| l["suite"] == suite && l["metric"] == metric && l["contender"] == contender)
            .filter_map(|l| Some((l["round"].as_u64(), l["value"].as_f64()?)))
            .collect()
    }

    /// Median per (suite, metric, contender), as summary JSON lines.
    fn summarize(&self) -> BTreeMap<Key, Value> {
        let mut groups: BTreeMap<Key, (Vec<f64>, String)> = BTreeMap::new();
        let mut missing: BTreeMap<Key, String> = BTreeMap::new();
        for line in &self.lines {
            let key = (
                line["suite"].as_str().unwrap_or_default().to_owned(),
                line["metric"].as_str().unwrap_or_default().to_owned(),
                line["contender"].as_str().unwrap_or_default().to_owned(),
            );
            match line["value"].as_f64() {
                Some(v) => {
                    let unit = line["unit"].as_str().unwrap_or_default().to_owned();
                    groups
                        .entry(key)
                        .or_insert_with(|| (Vec::new(), unit))
                        .0
                        .push(v);
                }
                None => {
                    let why = line["unavailable"]
                        .as_str()
                        .unwrap_or("no value")
                        .to_owned();
                    missing.insert(key, why);
                }
            }
        }
        let mut summary = BTreeMap::new();
        for (key, (values, unit)) in groups {
            let value = json!({
                "suite": key.0, "metric": key.1, "contender": key.2, "summary": "median",
                "value": median(&values), "unit": unit, "samples": values.len(),
                "min": values.iter().copied().fold(f64::INFINITY, f64::min),
                "max": values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            });
            summary.insert(key, value);
        }
        for (key, why) in missing {
            summary.entry(key.clone()).or_insert_with(|| {
                json!({"suite": key.0, "metric": key.1, "contender": key.2, "summary": "median",
                       "value": null, "unavailable": why})
            });
        }
        summary
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Which way a target goes.
#[derive(Clone, Copy)]
enum Bound {
    AtMost(f64),
    AtLeast(f64),
    Equal,
    /// No target: shown for reference.
    Reference,
}

/// A ratio between two contenders of the same round: median over rounds of the per-round ratio.
fn paired_ratio(
    results: &Results,
    (suite, metric): (&str, &str),
    ours: &str,
    theirs: &str,
) -> Option<(f64, Vec<f64>)> {
    let mine: BTreeMap<u64, f64> = results
        .values(suite, metric, ours)
        .into_iter()
        .filter_map(|(r, v)| Some((r?, v)))
        .collect();
    let per_round: Vec<f64> = results
        .values(suite, metric, theirs)
        .into_iter()
        .filter_map(|(r, v)| Some(mine.get(&r?)? / v))
        .filter(|r| r.is_finite())
        .collect();
    (!per_round.is_empty()).then(|| (median(&per_round), per_round))
}

fn ratios(results: &Results, summary: &BTreeMap<Key, Value>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut suite_ratio = |suite: &str, metric: &str, ours: &str, theirs: &str, bound: Bound| {
        let name = format!("ratio.{metric}.{ours}/{theirs}");
        out.push(match paired_ratio(results, (suite, metric), ours, theirs) {
            Some((value, rounds)) => verdict(suite, &name, value, bound, json!({"rounds": rounds})),
            None => unavailable_verdict(suite, &name, bound),
        });
    };
    // HTTP: void-ls run against httpyac's CLI and Hurl on the same requests (the issue's
    // targets), and against curl, the floor of one process sending them (no target).
    for metric in ["http_seq_rate", "sse_rate"] {
        suite_ratio("http", metric, "void-ls", "httpyac", Bound::AtLeast(2.0));
        suite_ratio("http", metric, "void-ls", "hurl", Bound::AtLeast(1.0));
        suite_ratio("http", metric, "void-ls", "curl", Bound::Reference);
    }
    let mut ratio = |metric: &str, ours: &str, theirs: &str, bound: Bound| {
        suite_ratio("engine", metric, ours, theirs, bound);
    };
    ratio("rtt_p50", "engine", "raw", Bound::AtMost(1.1));
    ratio("flood_rate", "engine", "raw", Bound::AtLeast(0.9));
    ratio("flood_rate", "engine", "node-ws", Bound::AtLeast(2.5));
    // void-ls serve against Node ws's echo server, driven by the same client.
    ratio(
        "flood_rate",
        "serve-void-ls",
        "serve-node-ws",
        Bound::AtLeast(1.0),
    );
    ratio("big_throughput", "engine", "raw", Bound::AtLeast(0.85));
    // Socket.IO: the engine against npm socket.io-client 4.8 on the same server.
    ratio(
        "rtt_p50",
        "engine-socketio",
        "node-socketio",
        Bound::AtMost(0.5),
    );
    ratio(
        "flood_rate",
        "engine-socketio",
        "node-socketio",
        Bound::AtLeast(3.0),
    );
    // The same ratios without the transcript, to show what the transcript costs.
    ratio("rtt_p50", "engine-no-transcript", "raw", Bound::AtMost(1.1));
    ratio(
        "flood_rate",
        "engine-no-transcript",
        "raw",
        Bound::AtLeast(0.9),
    );
    ratio(
        "big_throughput",
        "engine-no-transcript",
        "raw",
        Bound::AtLeast(0.85),
    );

    let get = |suite: &str, metric: &str, contender: &str| {
        summary
            .get(&(suite.to_owned(), metric.to_owned(), contender.to_owned()))
            .and_then(|v| v["value"].as_f64())
    };
    let mut absolute = |suite: &str, metric: &str, contender: &str, bound: Bound| {
        let name = format!("target.{metric}.{contender}");
        out.push(match get(suite, metric, contender) {
            Some(value) => verdict(suite, &name, value, bound, Value::Null),
            None => unavailable_verdict(suite, &name, bound),
        });
    };
    absolute(
        "engine",
        "idle_per_connection",
        "engine",
        Bound::AtMost(16_384.0),
    );
    absolute(
        "engine",
        "idle_per_connection",
        "engine-no-transcript",
        Bound::AtMost(16_384.0),
    );
    absolute("display", "peak_rss", "void-ls", Bound::AtMost(64e6));
    absolute("display", "refresh_rate", "void-ls", Bound::AtMost(5.0));
    absolute(
        "display",
        "refresh_busiest_second",
        "void-ls",
        Bound::AtMost(5.0),
    );
    absolute("display", "hover_p99", "void-ls", Bound::AtMost(16.0));
    // The workspace index (BENCHMARKS.md, Workspace index): milliseconds and bytes.
    absolute("index", "index_time", "void-ls", Bound::AtMost(2000.0));
    absolute("index", "index_memory", "void-ls", Bound::AtMost(100e6));
    absolute(
        "index",
        "workspace_symbol_p99",
        "void-ls",
        Bound::AtMost(50.0),
    );
    absolute("index", "references_p99", "void-ls", Bound::AtMost(50.0));
    let name = "target.transcript_in_events.void-ls";
    out.push(
        match (
            get("display", "transcript_in_events", "void-ls"),
            get("display", "frames_sent", "void-ls"),
        ) {
            (Some(events), Some(frames)) => verdict(
                "display",
                name,
                events - frames,
                Bound::Equal,
                json!({"events": events, "frames_sent": frames}),
            ),
            _ => unavailable_verdict("display", name, Bound::Equal),
        },
    );
    out
}

fn bound_text(bound: Bound) -> String {
    match bound {
        Bound::AtMost(t) => format!("<= {t}"),
        Bound::AtLeast(t) => format!(">= {t}"),
        Bound::Equal => "events - frames = 0".into(),
        Bound::Reference => "none (reference)".into(),
    }
}

fn verdict(suite: &str, name: &str, value: f64, bound: Bound, detail: Value) -> Value {
    let (pass, miss) = match bound {
        Bound::AtMost(t) => (value <= t, (value / t - 1.0).max(0.0)),
        Bound::AtLeast(t) => (value >= t, (1.0 - value / t).max(0.0)),
        Bound::Equal => (value == 0.0, value.abs()),
        Bound::Reference => {
            return json!({
                "suite": suite, "metric": name, "value": value, "target": bound_text(bound),
                "pass": null, "reference": true, "detail": detail,
            });
        }
    };
    json!({
        "suite": suite, "metric": name, "value": value, "target": bound_text(bound),
        "pass": pass, "miss_by": miss, "detail": detail,
    })
}

fn unavailable_verdict(suite: &str, name: &str, bound: Bound) -> Value {
    json!({"suite": suite, "metric": name, "value": null, "target": bound_text(bound),
           "pass": null, "unavailable": "a measurement it needs is not available"})
}

/// CPU model, cores, kernel, and tool versions, for the report.
fn machine_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let version = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "absent".into())
    };
    format!(
        "{cpu}, {cores} cores; {}; node {}",
        version("rustc", "--version"),
        version("node", "--version")
    )
}
