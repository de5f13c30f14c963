//! Node `ws` as a contender: starts `bench/peers/ws-client.js` with the exact counts of the
//! workload, reads its one-line JSON outcome and reports it through the same code as every other
//! contender (so percentiles and rates are computed identically).
//!
//! The script measures inside Node (process.hrtime), so Node's start-up is not charged.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

use crate::workload::{BIG_SIZE, Outcome, Workload};

/// Where the script and the `ws` package are.
pub struct NodePeer<'a> {
    pub node: &'a str,
    pub script: &'a str,
    pub modules: &'a str,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum ScriptOutcome {
    Rtt {
        samples_ns: Vec<u64>,
    },
    Flood {
        messages: u64,
        elapsed_ns: u64,
    },
    Big {
        messages: u64,
        elapsed_ns: u64,
        size: u64,
    },
    Idle {
        rss_before: u64,
        rss_after: u64,
    },
}

fn run_script(peer: &NodePeer<'_>, args: &[String]) -> anyhow::Result<ScriptOutcome> {
    let output = Command::new(peer.node)
        .arg(peer.script)
        .args(args)
        .env(
            "VOID_BENCH_NODE_MODULES",
            std::path::absolute(peer.modules)?,
        )
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("starting {} {}", peer.node, peer.script))?;
    anyhow::ensure!(
        output.status.success(),
        "node ws client failed: {}",
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .last()
        .context("node ws client printed nothing")?;
    serde_json::from_str(line).with_context(|| format!("reading node ws client output {line:?}"))
}

/// Runs `workload` in Node `ws` against `url`.
pub fn run(peer: &NodePeer<'_>, url: &str, workload: Workload) -> anyhow::Result<Outcome> {
    let args: Vec<String> = match workload {
        Workload::RoundTrip { warmup, iterations } => {
            vec![
                "rtt".into(),
                url.into(),
                warmup.to_string(),
                iterations.to_string(),
            ]
        }
        Workload::Flood { messages } => vec!["flood".into(), url.into(), messages.to_string()],
        Workload::Big { messages } => {
            vec![
                "big".into(),
                url.into(),
                messages.to_string(),
                BIG_SIZE.to_string(),
            ]
        }
    };
    Ok(match run_script(peer, &args)? {
        ScriptOutcome::Rtt { samples_ns } => Outcome::RoundTrip(samples_ns),
        ScriptOutcome::Flood {
            messages,
            elapsed_ns,
        } => Outcome::Flood {
            messages,
            elapsed: Duration::from_nanos(elapsed_ns),
        },
        ScriptOutcome::Big {
            messages,
            elapsed_ns,
            size,
        } => Outcome::Big {
            bytes: messages * size,
            elapsed: Duration::from_nanos(elapsed_ns),
        },
        ScriptOutcome::Idle { .. } => anyhow::bail!("node ws client answered the wrong workload"),
    })
}

/// Opens `connections` idle Node `ws` clients in one Node process; returns (before, after) RSS.
pub fn idle(peer: &NodePeer<'_>, url: &str, connections: usize) -> anyhow::Result<(u64, u64)> {
    let args = vec!["idle".into(), url.into(), connections.to_string()];
    match run_script(peer, &args)? {
        ScriptOutcome::Idle {
            rss_before,
            rss_after,
        } => Ok((rss_before, rss_after)),
        _ => anyhow::bail!("node ws client answered the wrong workload"),
    }
}
