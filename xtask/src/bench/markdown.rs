//! Writes the latest numbers of `cargo xtask bench` into BENCHMARKS.md, between the markers
//! `<!-- bench:NAME:begin -->` / `<!-- bench:NAME:end -->` of each suite the run measured
//! (`engine`, `http`, `display`, `index`). Everything outside the markers
//! (the method, the analysis, other people's sections) is kept byte for byte; when a marker pair
//! is missing, its section is appended with a heading.
//!
//! Only formatting here: no measuring, no judging beyond what the ratio lines already say.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::Key;

/// What the generated text says about the run itself.
pub struct RunContext {
    pub quick: bool,
    pub rounds: usize,
    pub machine: String,
    pub results_path: String,
}

/// Replaces the generated parts of `path` (creating the file when absent).
/// Only the tables named in `blocks` (`engine`, `http`, `display`) are rewritten: a run of one
/// suite leaves the others' last numbers in place.
pub fn update(
    path: &Path,
    context: &RunContext,
    (summary, ratios): (&BTreeMap<Key, Value>, &[Value]),
    blocks: &[&str],
) -> anyhow::Result<()> {
    let mut text = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".into());
    if blocks.contains(&"engine") {
        let engine = engine_block(context, summary, ratios);
        text = replace_block(&text, "engine", "## WebSocket engine", &engine);
    }
    if blocks.contains(&"http") {
        let http = http_block(context, summary, ratios);
        text = replace_block(&text, "http", "## HTTP and Server-Sent Events", &http);
    }
    if blocks.contains(&"display") {
        let display = display_block(context, summary, ratios);
        text = replace_block(&text, "display", "## Display path", &display);
    }
    if blocks.contains(&"index") {
        let index = index_block(context, summary, ratios);
        text = replace_block(&text, "index", "## Workspace index", &index);
    }
    std::fs::write(path, text)?;
    Ok(())
}

fn replace_block(text: &str, name: &str, heading: &str, block: &str) -> String {
    let begin = format!("<!-- bench:{name}:begin -->");
    let end = format!("<!-- bench:{name}:end -->");
    if let (Some(b), Some(e)) = (text.find(&begin), text.find(&end))
        && b < e
    {
        let mut out = String::with_capacity(text.len() + block.len());
        out.push_str(&text[..b + begin.len()]);
        out.push('\n');
        out.push_str(block);
        out.push_str(&text[e..]);
        return out;
    }
    let mut out = text.trim_end().to_owned();
    let _ = write!(out, "\n\n{heading}\n\n{begin}\n{block}{end}\n");
    out
}

fn header(context: &RunContext) -> String {
    format!(
        "_Latest run: {} mode, {} rounds, on {}. Raw lines: `{}` (git-ignored)._\n\n",
        if context.quick { "`--quick`" } else { "full" },
        context.rounds,
        context.machine,
        context.results_path
    )
}

const ENGINE_CONTENDERS: &[&str] = &[
    "raw",
    "engine",
    "engine-no-transcript",
    "node-ws",
    "websocat",
    "tcp",
    "raw-small",
    "engine-socketio",
    "node-socketio",
    "serve-void-ls",
    "serve-node-ws",
];

const ENGINE_METRICS: &[(&str, &str)] = &[
    ("rtt_p50", "16 B round trip p50"),
    ("rtt_p99", "16 B round trip p99"),
    ("flood_rate", "16 B flood"),
    ("big_throughput", "1 MiB messages, each way"),
    ("idle_per_connection", "idle memory per connection"),
];

fn engine_block(context: &RunContext, summary: &BTreeMap<Key, Value>, ratios: &[Value]) -> String {
    let value = |metric: &str, contender: &str| {
        summary
            .get(&("engine".to_owned(), metric.to_owned(), contender.to_owned()))
            .and_then(|v| v["value"].as_f64())
    };
    let present: Vec<&str> = ENGINE_CONTENDERS
        .iter()
        .copied()
        .filter(|c| ENGINE_METRICS.iter().any(|(m, _)| value(m, c).is_some()))
        .collect();
    let mut out = header(context);
    out.push_str(
        "Medians over the rounds (idle memory: one measurement of 1,000 connections).\n\n",
    );
    let _ = writeln!(out, "| metric | {} |", present.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(present.len()));
    for (metric, label) in ENGINE_METRICS {
        let cells: Vec<String> = present
            .iter()
            .map(|c| value(metric, c).map_or("—".into(), |v| human(metric, v)))
            .collect();
        let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
    }
    out.push('\n');
    targets_table(&mut out, ratios, "engine");
    unavailable_notes(&mut out, summary, "engine");
    out
}

const HTTP_CONTENDERS: &[&str] = &["void-ls", "curl", "httpyac", "hurl"];

const HTTP_METRICS: &[(&str, &str)] = &[
    ("http_seq_rate", "1,000 sequential requests"),
    ("sse_rate", "10,000-event stream"),
];

fn http_block(context: &RunContext, summary: &BTreeMap<Key, Value>, ratios: &[Value]) -> String {
    let value = |metric: &str, contender: &str| {
        summary
            .get(&("http".to_owned(), metric.to_owned(), contender.to_owned()))
            .and_then(|v| v["value"].as_f64())
    };
    let mut out = header(context);
    out.push_str(
        "Medians over the rounds, each the whole command from start to exit (start-up included).\n\n",
    );
    let _ = writeln!(out, "| workload | {} |", HTTP_CONTENDERS.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(HTTP_CONTENDERS.len()));
    for (metric, label) in HTTP_METRICS {
        let cells: Vec<String> = HTTP_CONTENDERS
            .iter()
            .map(|c| value(metric, c).map_or("—".into(), |v| human(metric, v)))
            .collect();
        let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
    }
    out.push('\n');
    targets_table(&mut out, ratios, "http");
    unavailable_notes(&mut out, summary, "http");
    out
}

fn display_block(context: &RunContext, summary: &BTreeMap<Key, Value>, ratios: &[Value]) -> String {
    let mut out = header(context);
    let rows: Vec<&Value> = summary
        .values()
        .filter(|v| v["suite"] == "display")
        .collect();
    if rows.iter().all(|v| v["value"].is_null()) {
        let why = rows
            .iter()
            .find_map(|v| v["unavailable"].as_str())
            .unwrap_or("the display benchmark did not run (`--no-display`)");
        let _ = writeln!(out, "**Not available yet**: {why}\n");
        return out;
    }
    out.push_str("| metric | value |\n|---|---:|\n");
    for row in rows {
        let metric = row["metric"].as_str().unwrap_or_default();
        let cell = row["value"]
            .as_f64()
            .map_or("—".into(), |v| human(metric, v));
        let _ = writeln!(out, "| {metric} | {cell} |");
    }
    out.push('\n');
    targets_table(&mut out, ratios, "display");
    out
}

/// The index suite's figures in the order BENCHMARKS.md explains them, then its targets.
const INDEX_METRICS: &[(&str, &str)] = &[
    ("files", "`.void` files generated"),
    ("bytes", "bytes generated"),
    (
        "floor_read_parse",
        "floor: read + pulldown-cmark parse of every file",
    ),
    ("index_time", "time to index"),
    ("index_memory", "memory held by the index"),
    ("workspace_symbol_p50", "`workspace/symbol` p50"),
    ("workspace_symbol_p99", "`workspace/symbol` p99"),
    (
        "references_p50",
        "`textDocument/references` p50 (answer parsed)",
    ),
    (
        "references_p99",
        "`textDocument/references` p99 (answer parsed)",
    ),
    (
        "references_read_p50",
        "references p50, to the answer's last byte read",
    ),
    (
        "references_read_p99",
        "references p99, to the answer's last byte read",
    ),
    (
        "references_client_parse_p50",
        "the bench's parse of the answer, p50",
    ),
    (
        "references_client_parse_p99",
        "the bench's parse of the answer, p99",
    ),
];

fn index_block(context: &RunContext, summary: &BTreeMap<Key, Value>, ratios: &[Value]) -> String {
    let mut out = header(context);
    let value = |metric: &str| {
        summary
            .get(&("index".to_owned(), metric.to_owned(), "void-ls".to_owned()))
            .and_then(|v| v["value"].as_f64())
    };
    if INDEX_METRICS.iter().all(|(m, _)| value(m).is_none()) {
        out.push_str("**Not available**: the index benchmark did not run.\n\n");
        return out;
    }
    out.push_str("| metric | value |\n|---|---:|\n");
    for (metric, label) in INDEX_METRICS {
        let cell = value(metric).map_or("—".into(), |v| human(metric, v));
        let _ = writeln!(out, "| {label} | {cell} |");
    }
    out.push('\n');
    targets_table(&mut out, ratios, "index");
    unavailable_notes(&mut out, summary, "index");
    out
}

fn targets_table(out: &mut String, ratios: &[Value], suite: &str) {
    out.push_str("| target | required | measured | verdict |\n|---|---|---:|---|\n");
    for ratio in ratios.iter().filter(|r| r["suite"] == suite) {
        let name = ratio["metric"].as_str().unwrap_or_default();
        let target = ratio["target"].as_str().unwrap_or_default();
        let (measured, verdict) = match (ratio["value"].as_f64(), ratio["pass"].as_bool()) {
            (Some(v), _) if ratio["reference"] == true => {
                (format!("{v:.3}"), "reference".to_owned())
            }
            (Some(v), Some(true)) => (format!("{v:.3}"), "met".to_owned()),
            (Some(v), Some(false)) => {
                let miss = ratio["miss_by"].as_f64().unwrap_or(0.0);
                let by = if target.contains('=') && !target.contains('<') && !target.contains('>') {
                    format!("{miss:.0} events")
                } else {
                    format!("{:.0} %", miss * 100.0)
                };
                (format!("{v:.3}"), format!("**missed by {by}**"))
            }
            _ => ("—".into(), "not available".into()),
        };
        let _ = writeln!(out, "| `{name}` | {target} | {measured} | {verdict} |");
    }
    out.push('\n');
}

fn unavailable_notes(out: &mut String, summary: &BTreeMap<Key, Value>, suite: &str) {
    for row in summary
        .values()
        .filter(|v| v["suite"] == suite && v["value"].is_null())
    {
        let _ = writeln!(
            out,
            "- `{}` {}: not available: {}",
            row["contender"].as_str().unwrap_or_default(),
            row["metric"].as_str().unwrap_or_default(),
            row["unavailable"].as_str().unwrap_or_default()
        );
    }
}

/// Formats a value in the unit a reader expects for that metric.
fn human(metric: &str, value: f64) -> String {
    match metric {
        "rtt_p50" | "rtt_p99" => format!("{value:.1} µs"),
        "flood_rate" => format!("{:.0} k msg/s", value / 1e3),
        "big_throughput" => format!("{:.0} MB/s", value / 1e6),
        "idle_per_connection" => format!("{:.1} KiB", value / 1024.0),
        "peak_rss" => format!("{:.1} MB", value / 1e6),
        "refresh_rate" => format!("{value:.2} /s"),
        "hover_p99" | "hover_p50" => format!("{value:.2} ms"),
        "http_seq_rate" => format!("{value:.0} req/s"),
        "sse_rate" => format!("{:.1} k events/s", value / 1e3),
        "index_memory" => format!("{:.1} MB", value / 1e6),
        "bytes" => format!("{:.1} MB", value / 1e6),
        m if m.ends_with("_p50") || m.ends_with("_p99") || m == "floor_read_parse" => {
            format!("{value:.1} ms")
        }
        "index_time" => format!("{value:.0} ms"),
        _ => format!("{value:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_between_markers() {
        let text =
            "# B\n\nkeep\n<!-- bench:engine:begin -->\nold\n<!-- bench:engine:end -->\ntail\n";
        let out = replace_block(text, "engine", "## WebSocket engine", "new\n");
        assert_eq!(
            out,
            "# B\n\nkeep\n<!-- bench:engine:begin -->\nnew\n<!-- bench:engine:end -->\ntail\n"
        );
    }

    /// The index block names each figure in its unit and checks the targets.
    #[test]
    fn the_index_block_shows_the_figures_and_the_targets() {
        let key = |m: &str| ("index".to_owned(), m.to_owned(), "void-ls".to_owned());
        let summary = BTreeMap::from([
            (key("index_time"), serde_json::json!({ "value": 152.6 })),
            (key("index_memory"), serde_json::json!({ "value": 15.7e6 })),
            (key("references_p99"), serde_json::json!({ "value": 28.0 })),
        ]);
        let ratios = [serde_json::json!({
            "suite": "index", "metric": "target.references_p99.void-ls", "value": 28.0,
            "target": "<= 50", "pass": true,
        })];
        let context = RunContext {
            quick: false,
            rounds: 1,
            machine: "m".into(),
            results_path: "r.jsonl".into(),
        };
        let out = index_block(&context, &summary, &ratios);
        for line in [
            "| time to index | 153 ms |",
            "| memory held by the index | 15.7 MB |",
            "| `textDocument/references` p99 (answer parsed) | 28.0 ms |",
            "| `workspace/symbol` p50 | — |",
            "| `target.references_p99.void-ls` | <= 50 | 28.000 | met |",
        ] {
            assert!(out.contains(line), "no {line:?} in:\n{out}");
        }
    }

    #[test]
    fn appends_a_section_when_markers_are_missing() {
        let out = replace_block("# B\n", "display", "## Display path", "x\n");
        assert_eq!(
            out,
            "# B\n\n## Display path\n\n<!-- bench:display:begin -->\nx\n<!-- bench:display:end -->\n"
        );
    }
}
