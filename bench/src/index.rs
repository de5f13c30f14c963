//! The workspace-index benchmark: a generated project of FILES `.void` files (about 5 KB each,
//! 10 MB for 2,000) in nested folders with `.env` files at two levels, opened by `void-ls` as
//! an editor opens a folder. It measures, in one run:
//! - the floor: reading every file and parsing it with pulldown-cmark alone (what any Markdown
//!   tool must do at least), in this process;
//! - time to index: `initialized` sent to the answer of a `workspace/symbol` request sent right
//!   after it (project-wide requests wait for the first indexing);
//! - memory held: the server's `VmRSS` after indexing, less its `VmRSS` right after
//!   `initialize` (and both);
//! - `workspace/symbol` latency (queries that match a few, dozens and thousands of symbols)
//!   and `textDocument/references` latency on a `{{variable}}` used in every file, p50/p99.
//!
//! It only measures and reports (one JSON line per metric, `report`); `cargo xtask bench`
//! compares the figures with the targets.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::display::{LspServer, file_uri};
use crate::report::{self, Metric, proc_status_bytes, quantile};

/// Command-line settings of the index benchmark.
#[derive(clap::Args)]
pub struct IndexArgs {
    /// The `void-ls` binary (release build).
    #[arg(long)]
    pub ls: PathBuf,
    /// How many `.void` files the generated project has.
    #[arg(long, default_value_t = 2000)]
    pub files: usize,
    /// Requests of each kind timed.
    #[arg(long, default_value_t = 200)]
    pub queries: usize,
    /// Where the project is generated (emptied first).
    #[arg(long)]
    pub work_dir: PathBuf,
}

const SUITE: &str = "index";
const TIMEOUT: Duration = Duration::from_secs(120);
/// Files per folder of the generated project.
const PER_FOLDER: usize = 100;

/// Runs the index benchmark and prints its metrics.
pub fn run(args: IndexArgs) -> anyhow::Result<()> {
    let project = args.work_dir.join("project");
    let _ = std::fs::remove_dir_all(&project);
    let (paths, bytes) = generate(&project, args.files)?;
    emit("files", paths.len() as f64, "count", None)?;
    emit("bytes", bytes as f64, "B", None)?;

    // The floor, twice (the first read warms the page cache for the server too); the second
    // is kept.
    floor(&paths)?;
    let floor = floor(&paths)?;
    emit("floor_read_parse", ms(floor), "ms", None)?;

    let server = LspServer::start(&args.ls, &args.work_dir.join("void-ls.stderr"))?;
    let pid = server.pid.to_string();
    let root = file_uri(&std::path::absolute(&project)?);
    server.request(
        "initialize",
        json!({
            "processId": std::process::id(),
            "rootUri": root,
            "workspaceFolders": [{"uri": root, "name": "bench"}],
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "workspace": {"workspaceFolders": true, "symbol": {}},
                "textDocument": {"synchronization": {"dynamicRegistration": false}}
            },
            "clientInfo": {"name": "void-bench index harness"}
        }),
        TIMEOUT,
    )?;
    let rss_before = proc_status_bytes(&pid, "VmRSS").unwrap_or(0);
    let started = Instant::now();
    server.notify("initialized", json!({}))?;
    server.request(
        "workspace/symbol",
        json!({"query": "no-such-symbol-anywhere"}),
        TIMEOUT,
    )?;
    let indexed = started.elapsed();
    let rss_after = proc_status_bytes(&pid, "VmRSS").unwrap_or(0);
    emit(
        "index_time",
        ms(indexed),
        "ms",
        Some(
            json!({ "floor_ms": ms(floor), "ratio_to_floor": ms(indexed) / ms(floor).max(0.001) }),
        ),
    )?;
    emit(
        "index_memory",
        rss_after.saturating_sub(rss_before) as f64,
        "B",
        Some(json!({ "rss_after_initialize": rss_before, "rss_after_index": rss_after })),
    )?;

    let queries = ["ping", "section 7", "orders", "wss", "zzz-none"];
    let mut symbol_times = Vec::new();
    let mut by_query: Vec<Vec<u64>> = vec![Vec::new(); queries.len()];
    let mut found = vec![0; queries.len()];
    for i in 0..args.queries {
        let query = queries[i % queries.len()];
        let started = Instant::now();
        let answer = server.request("workspace/symbol", json!({ "query": query }), TIMEOUT)?;
        let took = started.elapsed().as_micros() as u64;
        symbol_times.push(took);
        by_query[i % queries.len()].push(took);
        found[i % queries.len()] = answer.as_array().map_or(0, Vec::len);
    }
    let per_query: Vec<Value> = queries
        .iter()
        .zip(by_query.iter_mut())
        .zip(&found)
        .map(|((query, times), found)| {
            json!({ "query": query, "answers": found, "p50_ms": quantile(times, 0.5) as f64 / 1000.0 })
        })
        .collect();
    latency(
        "workspace_symbol",
        &mut symbol_times,
        json!({ "queries": per_query }),
    )?;

    let first = &paths[0];
    let text = std::fs::read_to_string(first)?;
    let uri = file_uri(&std::path::absolute(first)?);
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "void", "version": 1, "text": text}}),
    )?;
    let (line, character) = position_of(&text, "{{SHARED_HOST}}").unwrap_or((0, 0));
    let mut reference_times = Vec::new();
    let mut read_times = Vec::new();
    let mut parse_times = Vec::new();
    let mut locations = 0;
    for _ in 0..args.queries {
        let started = Instant::now();
        let answer = server.request_timed(
            "textDocument/references",
            json!({
                "textDocument": {"uri": uri},
                "position": {"line": line, "character": character + 2},
                "context": {"includeDeclaration": true}
            }),
            TIMEOUT,
        )?;
        reference_times.push(started.elapsed().as_micros() as u64);
        read_times.push(answer.read_at.duration_since(started).as_micros() as u64);
        parse_times.push(answer.parse.as_micros() as u64);
        let result = answer
            .result
            .map_err(|e| anyhow::anyhow!("textDocument/references: {e}"))?;
        locations = result.as_array().map_or(0, Vec::len);
    }
    latency(
        "references",
        &mut reference_times,
        json!({ "locations": locations }),
    )?;
    // The same requests split: written to the answer's last byte read (the server and the
    // pipe), and the bench's own parse of the answer into a `serde_json::Value`.
    latency("references_read", &mut read_times, json!({}))?;
    latency("references_client_parse", &mut parse_times, json!({}))?;
    server.shutdown();
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn emit(metric: &str, value: f64, unit: &str, detail: Option<Value>) -> anyhow::Result<()> {
    Metric {
        suite: SUITE,
        metric,
        contender: "void-ls",
        value,
        unit,
        detail,
    }
    .emit()
}

/// Emits the p50 and p99 of latencies in microseconds, as milliseconds.
fn latency(name: &str, micros: &mut [u64], detail: Value) -> anyhow::Result<()> {
    let samples = micros.len();
    let p50 = quantile(micros, 0.5) as f64 / 1000.0;
    let p99 = quantile(micros, 0.99) as f64 / 1000.0;
    emit(&format!("{name}_p50"), p50, "ms", None)?;
    emit(
        &format!("{name}_p99"),
        p99,
        "ms",
        Some(json!({ "samples": samples, "detail": detail })),
    )?;
    report::emit(
        SUITE,
        &format!("{name}_samples"),
        "void-ls",
        samples as f64,
        "count",
    )
}

/// Reads every file and parses it with pulldown-cmark alone, consuming every event.
fn floor(paths: &[PathBuf]) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut events = 0usize;
    for path in paths {
        let text = std::fs::read_to_string(path)?;
        events += pulldown_cmark::Parser::new(&text).count();
    }
    let took = started.elapsed();
    anyhow::ensure!(events > 0, "pulldown-cmark saw no events");
    Ok(took)
}

/// The (line, UTF-16 column) of the first `needle` in `text`.
fn position_of(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(line, l)| {
        l.find(needle)
            .map(|byte| (line, l[..byte].encode_utf16().count()))
    })
}

/// Writes the project: `FILES` `.void` files, [`PER_FOLDER`] to a folder, in folders two
/// levels deep, a `.env` at the root and one in every top folder. Returns the `.void` paths
/// and their total size.
fn generate(project: &Path, files: usize) -> anyhow::Result<(Vec<PathBuf>, u64)> {
    std::fs::create_dir_all(project)?;
    let mut root_env = String::from("SHARED_HOST=api.example.com\nAPI_TOKEN=bench-secret\n");
    for k in 0..50 {
        root_env.push_str(&format!("VAR_{k}=value-{k}\n"));
    }
    std::fs::write(project.join(".env"), root_env)?;
    let mut paths = Vec::with_capacity(files);
    let mut bytes = 0u64;
    for i in 0..files {
        let folder = i / PER_FOLDER;
        let dir = project
            .join(format!("area-{}", folder / 5))
            .join(format!("group-{folder}"));
        if i % PER_FOLDER == 0 {
            std::fs::create_dir_all(&dir)?;
            if folder % 5 == 0 {
                std::fs::write(
                    dir.parent().unwrap_or(&dir).join(".env"),
                    format!("REGION=region-{folder}\n"),
                )?;
            }
        }
        let path = dir.join(format!("requests-{i}.void"));
        let text = void_file(i);
        bytes += text.len() as u64;
        std::fs::write(&path, text)?;
        paths.push(path);
    }
    Ok((paths, bytes))
}

/// One generated `.void` file of about 5 KB: four WebSocket sections (separator, request,
/// two messages, prose).
fn void_file(i: usize) -> String {
    let mut out = format!(
        "---\nversion: 0.20.1\ngeneratedBy: void-bench\n---\n\n# Requests {i}\n\nA generated file of the index benchmark.\n"
    );
    for s in 0..4 {
        let n = i * 4 + s;
        let uid = |k: usize| format!("{:08x}-0000-4000-8000-{:012x}", n, k);
        out.push_str(&format!(
            r#"
```void
---
type: request-separator
attrs:
  uid: {sep}
  label: Section {s} of file {i}
---
```

```void
---
type: socket-request
attrs:
  uid: {req}
content:
  - type: smethod
    attrs:
      uid: {method}
      method: WSS
    content: WSS
  - type: surl
    attrs:
      uid: {url}
    content: wss://{{{{SHARED_HOST}}}}/orders/{i}/{s}?token={{{{API_TOKEN}}}}
---
```

```void
---
type: ws-message
attrs:
  uid: {hello}
  name: hello-{s}
  format: text
  send: on-open
  body: hello from {{{{REGION}}}} with {{{{VAR_{v}}}}}
---
```

```void
---
type: ws-message
attrs:
  uid: {ping}
  name: ping-{s}
  format: json
  send: "after: hello-{s}"
  body: '{{"op": "ping", "n": {n}, "value": "{{{{VAR_{w}}}}}"}}'
---
```

Section {s} sends a greeting and then a ping once the greeting is out. The text around the
blocks is prose, as people write it between requests, with a [link](https://example.com/{n}).
The reply is checked by hand for now; a later version of this file will add assertions on the
greeting and on the ping's echo, and a note on what the server sends when it is busy.
"#,
            sep = uid(1),
            req = uid(2),
            method = uid(3),
            url = uid(4),
            hello = uid(5),
            ping = uid(6),
            v = n % 50,
            w = (n + 7) % 50,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_are_about_five_kilobytes_and_parse_cleanly() {
        let text = void_file(12);
        assert!((4_500..6_500).contains(&text.len()), "{}", text.len());
        let model = void_syntax::parse(&text);
        assert!(
            model
                .diagnostics
                .iter()
                .all(|d| d.severity != void_syntax::Severity::Error),
            "{:?}",
            model.diagnostics
        );
        assert_eq!(model.sections.len(), 4, "one section per separator");
        assert!(text.contains("{{SHARED_HOST}}"));
    }

    #[test]
    fn positions_are_utf16_columns() {
        assert_eq!(position_of("a\nxé{{X}}", "{{X}}"), Some((1, 2)));
    }
}
