//! The void-session engine as a benchmark contender: the same workloads as the raw client, run
//! through the engine's public API (spawn a session, send through its handle, observe received
//! messages), so the comparison shows what the engine adds on top of tokio-tungstenite.
//!
//! Only public engine API is used here; nothing in this module may reach into the engine's
//! internals.

use crate::workload::{Outcome, Workload};

/// Runs `workload` through one engine session connected to `url`.
pub async fn run(_url: &str, _workload: Workload) -> anyhow::Result<Outcome> {
    anyhow::bail!("not available yet: void-session exposes no session API")
}

/// Opens `n` idle engine sessions to `url`; dropping the result closes them.
pub async fn open_idle(_url: &str, _n: usize) -> anyhow::Result<Box<dyn std::any::Any>> {
    anyhow::bail!("not available yet: void-session exposes no session API")
}
