//! Every method, notification and command name this server adds to LSP, declared once.
//! docs/lsp-extensions.md documents these names, which are fixed. Handlers elsewhere refer
//! to the constants here, never to string literals.

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::Uri;

/// Server -> client notification: a WebSocket session changed state (session layer).
pub const SESSION_STATUS: &str = "void/sessionStatus";
/// Client -> server request: the text of a `void-session:` log document (session layer).
pub const SESSION_LOG_TEXT: &str = "void/sessionLogText";
/// Client -> server request: the server's copy of an open document (version and text), for
/// tests and for diagnosing sync problems. Read-only.
pub const DEBUG_DOCUMENT: &str = "void/debugDocument";

/// Parameters of [`DEBUG_DOCUMENT`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DebugDocumentParams {
    pub uri: Uri,
}

/// Result of [`DEBUG_DOCUMENT`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugDocumentResult {
    pub version: i32,
    pub text: String,
    pub line_count: usize,
    /// `utf-8` or `utf-16`: the negotiated position encoding.
    pub position_encoding: String,
}

/// The `workspace/executeCommand` names (docs/lsp-extensions.md, "Commands").
pub mod commands {
    pub const CONNECT: &str = "void.connect";
    pub const SEND: &str = "void.send";
    pub const TEST_CONNECTION: &str = "void.testConnection";
    pub const PAUSE: &str = "void.pause";
    pub const RESUME: &str = "void.resume";
    pub const CLOSE: &str = "void.close";
    pub const SESSIONS: &str = "void.sessions";
    pub const EXPORT_TRANSCRIPT: &str = "void.exportTranscript";
    pub const COPY_AS_WEBSOCAT: &str = "void.copyAsWebsocat";
}
