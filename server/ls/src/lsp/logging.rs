//! The server's own log: `tracing` to stderr (stdout carries JSON-RPC and must never be written
//! to). The level comes from `VOID_LS_LOG` (a tracing filter, default `info`) and can be changed
//! at run time by the `logLevel` setting. Every line goes through the secrets of the live
//! sessions (`void_session::mask::log_secrets`) before it is written, at every level: at
//! `trace`, libraries print whole handshakes. This module only configures logging.

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
                .with_writer(MaskedStderr)
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

/// Hands the log a writer per event that masks secrets before the event reaches stderr.
struct MaskedStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for MaskedStderr {
    type Writer = MaskedEvent;

    fn make_writer(&'a self) -> MaskedEvent {
        MaskedEvent(Vec::new())
    }
}

/// One event's text, masked and written to stderr in one piece when the event is done.
struct MaskedEvent(Vec<u8>);

impl std::io::Write for MaskedEvent {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for MaskedEvent {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.0);
        let masked = void_session::mask::log_secrets().mask(&text);
        let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), masked.as_bytes());
    }
}
