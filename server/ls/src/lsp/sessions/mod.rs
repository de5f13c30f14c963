//! WebSocket sessions from the editor (docs/lsp-extensions.md): the sessions registry held in the
//! server state, the session commands, the `void/sessionStatus` notifications, the `void-session:`
//! log documents (`workspace/textDocumentContent` with refresh, `void/sessionLogText` as the
//! fallback), and what sessions add to code lenses, hovers, code actions and completion.
//!
//! The engine is `void-session`; this tree only glues it to LSP. It must never open a
//! connection or listen without an explicit command (`void.connect`, `void.testConnection`,
//! `void.serve`), never await a request to the client inside a handler (spawned tasks do
//! that), and never hold a lock across an `.await`.
//!
//! - [`manager`]: the registry, keyed by document URI and `socket-request` uid; shutdown.
//! - [`lookup`]: section under a uid or position -> engine spec, through the current model.
//! - [`commands`]: `void.connect`, `void.send`, ... `void.openLog`, `void.serve`, `void.stopServe`.
//! - [`notifier`]: one task per session: throttled status, log refresh, progress, failures.
//! - [`log_document`]: log URIs, their text, and the whole message behind a line.
//! - [`section_at`]: `void/sectionAt`, the section under a position for editor clients.
//! - [`editor`]: lenses, hover, code actions; [`completion`]: `.json.` paths.
//! - [`http_editor`]: Run lenses, code actions and row verdicts of HTTP sections.
//! - [`http_runs`]: HTTP and GraphQL sections run once, their response documents and captures.
//! - [`serves`]: sections served on loopback from the editor (`void.serve`), their log documents.
//! - [`protocol`]: wire types.

pub mod commands;
pub mod completion;
pub mod editor;
pub mod http_editor;
pub mod http_runs;
pub mod log_document;
pub mod lookup;
pub mod manager;
pub mod notifier;
pub mod protocol;
pub mod section_at;
pub mod serves;

use tower_lsp_server::jsonrpc::{Error, Result};

use super::server::Backend;
pub use manager::SessionManager;
use protocol::{
    LogMessageParams, LogMessageResult, LogTextParams, LogTextResult, SectionAtParams, SectionInfo,
    TextDocumentContentResult,
};

/// `void/sessionLogText {uri}` -> `{text, version}`.
pub async fn session_log_text(backend: &Backend, params: LogTextParams) -> Result<LogTextResult> {
    log_document::text_for(&backend.state.sessions, &params.uri).map_err(Error::invalid_params)
}

/// `void/sectionAt {textDocument, position}` -> the section there, or `null`.
pub async fn section_at(backend: &Backend, params: SectionAtParams) -> Result<Option<SectionInfo>> {
    section_at::section_at(&backend.state, params)
}

/// `void/logMessage {uri, line, text?}` -> the whole message on that log line, or `null`.
pub async fn log_message(
    backend: &Backend,
    params: LogMessageParams,
) -> Result<Option<LogMessageResult>> {
    log_document::log_message(&backend.state.sessions, &params)
        .await
        .map_err(Error::invalid_params)
}

/// `workspace/textDocumentContent {uri}` -> `{text}` (LSP 3.18); the document is looked at
/// again shortly after (see [`notifier::recheck_served`]).
pub async fn text_document_content(
    backend: &Backend,
    params: LogTextParams,
) -> Result<TextDocumentContentResult> {
    let served = log_document::text_for(&backend.state.sessions, &params.uri)
        .map_err(Error::invalid_params)?;
    notifier::recheck_served(&backend.state.sessions, params.uri, served.version);
    Ok(TextDocumentContentResult { text: served.text })
}
