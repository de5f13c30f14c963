//! The workloads every contender runs, defined once so each contender does exactly the same
//! work: the same payloads, the same counts, the same clock boundaries.
//!
//! - Round trip: `warmup` unmeasured then `iterations` measured sequential echoes of a 16-byte
//!   text message; each sample is send-to-echo-received.
//! - Flood: `messages` 16-byte text messages sent as fast as the client can while it reads the
//!   echoes concurrently; the rate is messages / (first send .. last echo received).
//! - Big: `messages` 1 MiB binary messages, sent and echoed concurrently; the throughput each way
//!   is bytes / (first send .. last echo received).
//!
//! This module holds no I/O.

use std::time::Duration;

/// The 16-byte text payload of the round-trip and flood workloads.
pub const SMALL_PAYLOAD: &str = "0123456789abcdef";

/// Size of the big-message payload.
pub const BIG_SIZE: usize = 1 << 20;

/// What to measure, with its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Sequential 16-byte echoes.
    RoundTrip { warmup: u32, iterations: u32 },
    /// Pipelined 16-byte messages.
    Flood { messages: u64 },
    /// Pipelined 1 MiB binary messages.
    Big { messages: u64 },
}

impl Workload {
    /// Parses `rtt`, `flood` or `big` with the counts for a quick or a full run.
    pub fn named(name: &str, quick: bool) -> anyhow::Result<Self> {
        Ok(match name {
            "rtt" if quick => Self::RoundTrip {
                warmup: 500,
                iterations: 3_000,
            },
            "rtt" => Self::RoundTrip {
                warmup: 2_000,
                iterations: 20_000,
            },
            "flood" if quick => Self::Flood { messages: 50_000 },
            "flood" => Self::Flood { messages: 300_000 },
            "big" if quick => Self::Big { messages: 64 },
            "big" => Self::Big { messages: 512 },
            other => anyhow::bail!("unknown workload {other:?}; known: rtt, flood, big"),
        })
    }
}

/// The outcome of one workload run by one contender.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Round-trip samples in nanoseconds.
    RoundTrip(Vec<u64>),
    /// Messages echoed and the time it took.
    Flood { messages: u64, elapsed: Duration },
    /// Bytes sent (= echoed back) and the time it took.
    Big { bytes: u64, elapsed: Duration },
}

impl Outcome {
    /// Prints the outcome as metrics of the `engine` suite for `contender`.
    pub fn emit(self, contender: &str) -> anyhow::Result<()> {
        use crate::report::{emit, quantile};
        match self {
            Self::RoundTrip(mut samples) => {
                let p50 = quantile(&mut samples, 0.50) as f64 / 1000.0;
                let p99 = quantile(&mut samples, 0.99) as f64 / 1000.0;
                emit("engine", "rtt_p50", contender, p50, "us")?;
                emit("engine", "rtt_p99", contender, p99, "us")?;
            }
            Self::Flood { messages, elapsed } => {
                emit(
                    "engine",
                    "flood_rate",
                    contender,
                    per_second(messages, elapsed),
                    "msg/s",
                )?;
            }
            Self::Big { bytes, elapsed } => {
                emit(
                    "engine",
                    "big_throughput",
                    contender,
                    per_second(bytes, elapsed),
                    "B/s",
                )?;
            }
        }
        Ok(())
    }
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}
