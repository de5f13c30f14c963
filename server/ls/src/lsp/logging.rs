//! The server's own log: `tracing` to stderr (stdout carries JSON-RPC and must never be written
//! to). The level comes from `VOID_LS_LOG` (a tracing filter, default `info`) and can be changed
//! at run time by the `logLevel` setting. This module only configures logging.

use std::sync::OnceLock;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

static RELOAD: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

/// Installs the stderr subscriber once per process; later calls do nothing.
pub fn init() {
    let filter = EnvFilter::try_from_env("VOID_LS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, handle) = reload::Layer::new(filter);
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .with_target(false),
        )
        .try_init();
    if installed.is_ok() {
        let _ = RELOAD.set(handle);
    }
}

/// Applies a `logLevel` setting. Does nothing when logging was not installed by [`init`]
/// (the in-process tests install their own).
pub fn set_level(level: &str) {
    let Some(handle) = RELOAD.get() else { return };
    match EnvFilter::try_new(level) {
        Ok(filter) => {
            if let Err(e) = handle.reload(filter) {
                tracing::warn!("could not change the log level: {e}");
            }
        }
        Err(e) => tracing::warn!("invalid log level `{level}`: {e}"),
    }
}
