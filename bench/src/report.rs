//! How every benchmark process reports what it measured: one JSON object per metric, one per
//! line on stdout, so `cargo xtask bench` (or any script) can collect, compare and keep runs.
//! Also the small statistics and `/proc` helpers the measurements share.
//!
//! This module only formats and summarises numbers; it must not decide whether a target is met
//! (that is the driver's job, which sees every contender of the same run).

use std::io::Write as _;

use serde::Serialize;

/// One measured value, as printed on stdout (one JSON object per line).
#[derive(Debug, Clone, Serialize)]
pub struct Metric<'a> {
    /// The group of measurements: `engine` (the WebSocket engine suite) or `display`.
    pub suite: &'a str,
    /// What was measured, e.g. `rtt_p50`, `flood_rate`, `big_throughput`, `idle_per_connection`.
    pub metric: &'a str,
    /// Who was measured: `raw`, `engine`, `node-ws`, `websocat`, `void-ls`, ...
    pub contender: &'a str,
    /// The value in `unit`.
    pub value: f64,
    /// `us`, `msg/s`, `B/s`, `B`, `count`, `refresh/s`, `ms`.
    pub unit: &'a str,
    /// Free-form details worth keeping next to the number (sample counts, settings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

impl Metric<'_> {
    /// Prints the metric as one JSON line on stdout and flushes, so a reading driver sees it at once.
    pub fn emit(&self) -> anyhow::Result<()> {
        let line = serde_json::to_string(self)?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
        Ok(())
    }
}

/// Builds and prints a metric without details.
pub fn emit(
    suite: &str,
    metric: &str,
    contender: &str,
    value: f64,
    unit: &str,
) -> anyhow::Result<()> {
    Metric {
        suite,
        metric,
        contender,
        value,
        unit,
        detail: None,
    }
    .emit()
}

/// Prints a metric that says a measurement could not be made, with the reason; never a number.
pub fn emit_unavailable(
    suite: &str,
    metric: &str,
    contender: &str,
    why: &str,
) -> anyhow::Result<()> {
    let line = serde_json::json!({
        "suite": suite,
        "metric": metric,
        "contender": contender,
        "value": null,
        "unavailable": why,
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

/// The value at quantile `q` (0.0..=1.0) of `samples`, nearest-rank; sorts in place.
/// Returns 0 for an empty slice.
pub fn quantile(samples: &mut [u64], q: f64) -> u64 {
    if samples.is_empty() {
        return 0;
    }
    samples.sort_unstable();
    let rank = (q * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

/// A field of `/proc/<pid>/status` in bytes (`VmRSS`, `VmHWM`, ...), `None` when unreadable.
pub fn proc_status_bytes(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        let kib: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kib * 1024)
    })
}

/// This process's resident set size in bytes (0 when `/proc` is unavailable).
pub fn own_rss_bytes() -> u64 {
    proc_status_bytes("self", "VmRSS").unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_uses_nearest_rank() {
        let mut samples: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&mut samples, 0.5), 50);
        assert_eq!(quantile(&mut samples, 0.99), 99);
        assert_eq!(quantile(&mut samples, 1.0), 100);
        assert_eq!(quantile(&mut [], 0.5), 0);
        assert_eq!(quantile(&mut [7], 0.99), 7);
    }

    #[test]
    fn own_rss_is_readable_on_linux() {
        assert!(own_rss_bytes() > 0);
    }
}
