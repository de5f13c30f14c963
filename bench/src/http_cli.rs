//! The HTTP workloads, run by command-line tools as a user runs them: `void-ls run` on a
//! `.void` file, and the peers on their own files of the same requests (curl with a config
//! file, httpyac's CLI on a `.http` file, Hurl on a `.hurl` file).
//!
//! - `seq`: N sequential `GET /api/items/<i>` of the embedded server (N = 1,000, 200 with
//!   `--quick`), each checked for status 200 and `id == i` (curl checks only the status).
//! - `sse`: one `GET /events?count=N` (N = 10,000, 2,000 with `--quick`), a Server-Sent Events
//!   stream the server ends after its last event, checked for status 200 and for the last event.
//!
//! The clock runs from starting the tool to its exit, so start-up is part of every figure (the
//! tools are compared as one command each). A run that fails or whose checks do not pass is
//! reported as unavailable with the tail of its output, never as a number.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Context as _;

use crate::report::{Metric, emit_unavailable};

/// Settings of one `void-bench http-cli` process.
pub struct HttpCliArgs<'a> {
    pub tool: &'a str,
    /// The tool's executable.
    pub bin: &'a Path,
    pub workload: &'a str,
    /// The server's base, `http://127.0.0.1:<port>`.
    pub base: &'a str,
    pub quick: bool,
    pub work_dir: &'a Path,
}

/// How many requests (`seq`) or events (`sse`) a workload has.
pub fn count(workload: &str, quick: bool) -> anyhow::Result<u64> {
    Ok(match (workload, quick) {
        ("seq", false) => 1_000,
        ("seq", true) => 200,
        ("sse", false) => 10_000,
        ("sse", true) => 2_000,
        _ => anyhow::bail!("unknown HTTP workload {workload:?} (seq or sse)"),
    })
}

/// Runs the tool on the workload once and prints its rate.
pub fn run(args: &HttpCliArgs<'_>) -> anyhow::Result<()> {
    let n = count(args.workload, args.quick)?;
    std::fs::create_dir_all(args.work_dir)?;
    let (metric, unit) = match args.workload {
        "seq" => ("http_seq_rate", "req/s"),
        _ => ("sse_rate", "events/s"),
    };
    let mut command = command(args, n)?;
    let output = args
        .work_dir
        .join(format!("{}-{}.out", args.tool, args.workload));
    let log = std::fs::File::create(&output)?;
    command
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let started = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("starting {}", args.bin.display()))?;
    let elapsed = started.elapsed();
    if let Err(why) = verify(args, n, status.success(), &output) {
        let text = std::fs::read_to_string(&output).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(3).collect();
        return emit_unavailable(
            "http",
            metric,
            args.tool,
            &format!(
                "{why}: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ),
        );
    }
    Metric {
        suite: "http",
        metric,
        contender: args.tool,
        value: n as f64 / elapsed.as_secs_f64(),
        unit,
        detail: Some(serde_json::json!({"count": n, "seconds": elapsed.as_secs_f64()})),
    }
    .emit()
}

/// The tool's command on the workload's input, written into the work directory.
fn command(args: &HttpCliArgs<'_>, n: u64) -> anyhow::Result<Command> {
    let dir = args.work_dir;
    let urls: Vec<String> = match args.workload {
        "seq" => (1..=n)
            .map(|i| format!("{}/api/items/{i}", args.base))
            .collect(),
        _ => vec![format!("{}/events?count={n}", args.base)],
    };
    let sse = args.workload == "sse";
    let mut command = Command::new(args.bin);
    // httpyac takes only files under its working directory.
    command.current_dir(dir);
    match args.tool {
        "void-ls" => {
            let file = dir.join(format!("{}.void", args.workload));
            std::fs::write(&file, void_file(&urls, sse, n))?;
            command
                .arg("run")
                .arg(&file)
                .args(["--color", "never", "--reporter", "json", "-o"])
                .arg(dir.join("void-ls-report.json"));
        }
        "curl" => {
            let mut config = String::new();
            for url in &urls {
                let output = if sse {
                    path_text(&dir.join("curl-events.txt"))
                } else {
                    "/dev/null".to_string()
                };
                let _ = writeln!(config, "url = \"{url}\"\noutput = \"{output}\"");
            }
            let file = dir.join(format!("{}.curl", args.workload));
            std::fs::write(&file, config)?;
            command
                .args(["--silent", "--show-error", "--fail", "--no-buffer"])
                .args(["--write-out", "%{http_code}\\n", "--config"])
                .arg(&file);
        }
        "httpyac" => {
            let name = format!("{}.http", args.workload);
            std::fs::write(dir.join(&name), httpyac_file(&urls, sse, n))?;
            command
                .arg("send")
                .arg(&name)
                .args(["--all", "--output", "none"]);
        }
        "hurl" => {
            let file = dir.join(format!("{}.hurl", args.workload));
            std::fs::write(&file, hurl_file(&urls, sse, n))?;
            command.arg("--test").arg(&file);
        }
        other => anyhow::bail!("unknown HTTP tool {other:?} (void-ls, curl, httpyac, hurl)"),
    }
    Ok(command)
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

/// The last event of an `/events?count=n` stream, as its bytes on the wire.
fn last_event(n: u64) -> String {
    format!("id: {n}\nevent: tick\ndata: {{\"n\": {n}}}")
}

/// One `.void` section per URL, as the app writes them, each with its rows.
fn void_file(urls: &[String], sse: bool, n: u64) -> String {
    let mut out = String::from("---\nversion: 0.20.1\ngeneratedBy: Voiden app\n---\n\n");
    for (i, url) in urls.iter().enumerate() {
        let uid = |k: usize| format!("00000000-0000-4000-8000-{:012}", i * 8 + k);
        let rows: Vec<[String; 3]> = if sse {
            vec![
                ["status".into(), "equals".into(), "200".into()],
                ["events.count".into(), "equals".into(), n.to_string()],
                ["events[-1].json.n".into(), "equals".into(), n.to_string()],
            ]
        } else {
            vec![
                ["status".into(), "equals".into(), "200".into()],
                ["body.id".into(), "equals".into(), (i + 1).to_string()],
            ]
        };
        let _ = write!(
            out,
            "```void\n---\ntype: request-separator\nattrs:\n  uid: {}\n  label: Request {}\n---\n```\n\n```void\n---\ntype: request\nattrs:\n  uid: {}\ncontent:\n  - type: method\n    attrs:\n      uid: {}\n    content: GET\n  - type: url\n    attrs:\n      uid: {}\n    content: \"{url}\"\n---\n```\n\n```void\n---\ntype: assertions-table\nattrs:\n  uid: {}\ncontent:\n  - type: table\n    rows:\n",
            uid(0),
            i + 1,
            uid(1),
            uid(2),
            uid(3),
            uid(4),
        );
        for [field, operator, expected] in rows {
            let _ = write!(
                out,
                "      - attrs:\n          disabled: false\n        row:\n          - \"\"\n          - \"{field}\"\n          - \"{operator}\"\n          - \"{expected}\"\n"
            );
        }
        out.push_str("---\n```\n\n");
    }
    out
}

fn httpyac_file(urls: &[String], sse: bool, n: u64) -> String {
    let mut out = String::new();
    for (i, url) in urls.iter().enumerate() {
        let _ = write!(out, "GET {url}\n\n?? status == 200\n");
        if sse {
            let _ = writeln!(out, "?? body contains id: {n}\n");
        } else {
            let _ = writeln!(out, "?? body id == {}\n", i + 1);
        }
        out.push_str("###\n\n");
    }
    out
}

fn hurl_file(urls: &[String], sse: bool, n: u64) -> String {
    let mut out = String::new();
    for (i, url) in urls.iter().enumerate() {
        let _ = write!(out, "GET {url}\nHTTP 200\n[Asserts]\n");
        if sse {
            let _ = writeln!(out, "body contains \"id: {n}\\n\"\n");
        } else {
            let _ = writeln!(out, "jsonpath \"$.id\" == {}\n", i + 1);
        }
    }
    out
}

/// Whether the run did the whole workload and its checks passed.
fn verify(args: &HttpCliArgs<'_>, n: u64, success: bool, output: &Path) -> Result<(), String> {
    if !success {
        return Err(format!("{} exited with a failure", args.tool));
    }
    match args.tool {
        "void-ls" => {
            let report: PathBuf = args.work_dir.join("void-ls-report.json");
            let text = std::fs::read_to_string(&report).map_err(|e| e.to_string())?;
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| e.to_string())?;
            let sections = value["summary"]["sectionsPassed"].as_u64().unwrap_or(0);
            let expected = if args.workload == "seq" { n } else { 1 };
            if value["passed"] != true || sections != expected {
                return Err(format!("void-ls passed {sections} sections of {expected}"));
            }
        }
        "curl" => {
            let text = std::fs::read_to_string(output).map_err(|e| e.to_string())?;
            let ok = text.lines().filter(|l| *l == "200").count() as u64;
            let expected = if args.workload == "seq" { n } else { 1 };
            if ok != expected {
                return Err(format!("curl got {ok} answers 200 of {expected}"));
            }
            if args.workload == "sse" {
                let events = std::fs::read_to_string(args.work_dir.join("curl-events.txt"))
                    .map_err(|e| e.to_string())?;
                if !events.contains(&last_event(n)) {
                    return Err("curl's stream lacks the last event".into());
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_void_file_has_one_section_per_url_and_its_rows() {
        let urls = vec![
            "http://h/api/items/1".to_string(),
            "http://h/api/items/2".into(),
        ];
        let text = void_file(&urls, false, 2);
        assert_eq!(text.matches("type: request\n").count(), 2);
        assert!(text.contains("- \"body.id\"\n          - \"equals\"\n          - \"2\""));
        let parsed = void_syntax::parse(&text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    }
}
