//! The wire shapes of the WebSocket session layer (docs/lsp-extensions.md): command arguments and
//! results, the `void/sessionStatus` notification, the log-document requests, and the LSP 3.18
//! `workspace/textDocumentContent` request and its refresh, which `ls-types` 0.0.6 does not declare
//! yet. Names that other modules already declare (`ext.rs`) are reused, not repeated.
//!
//! Plain serde types only: no behaviour, no session state.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::ls_types::{Position, Uri};

/// Client -> server (LSP 3.18): the text of a document whose scheme the server declared.
pub const TEXT_DOCUMENT_CONTENT: &str = "workspace/textDocumentContent";
/// Server -> client (LSP 3.18): a declared document's text changed; the client asks again.
pub const TEXT_DOCUMENT_CONTENT_REFRESH: &str = "workspace/textDocumentContent/refresh";
/// Command a code lens runs to open a session's log (an addition to the command table; the server
/// answers it with `window/showDocument`; the editor clients may run it themselves).
pub const OPEN_LOG: &str = "void.openLog";
/// The URI scheme of the live log documents.
pub const LOG_SCHEME: &str = "void-session";

/// `void.connect`: by block uid, or by a position inside the section.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectArgs {
    pub uri: Uri,
    #[serde(default)]
    pub block_uid: Option<String>,
    #[serde(default)]
    pub position: Option<Position>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectResult {
    pub session_id: String,
    pub log_uri: String,
}

/// `void.send`: a `ws-message` by uid, or an ad-hoc body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendArgs {
    pub session_id: String,
    #[serde(default)]
    pub message_uid: Option<String>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
}

/// `void.pause`, `void.resume`, `void.openLog`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionArgs {
    pub session_id: String,
}

/// `void.openLog`: a session id or the log URI itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenLogArgs {
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub log_uri: Option<String>,
}

/// `void.close`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseArgs {
    pub session_id: String,
    #[serde(default)]
    pub code: Option<u16>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `void.testConnection`, `void.copyAsWebsocat`: a section by its socket-request uid (or a
/// position inside it, as for `void.connect`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SectionArgs {
    pub uri: Uri,
    #[serde(default)]
    pub block_uid: Option<String>,
    #[serde(default)]
    pub position: Option<Position>,
}

/// `void.exportTranscript`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportArgs {
    pub session_id: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub path: String,
    pub events: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestConnectionAnswer {
    pub ok: bool,
    pub http_status: Option<u16>,
    pub subprotocol: Option<String>,
    pub handshake_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One entry of `void.sessions`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    pub session_id: String,
    pub uri: Uri,
    pub block_uid: String,
    pub state: String,
    pub log_uri: String,
}

/// `void/sessionStatus` parameters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionStatusParams {
    pub session_id: String,
    pub uri: Uri,
    pub block_uid: String,
    /// Secrets masked.
    pub url: String,
    pub state: String,
    pub paused: bool,
    pub sent: u64,
    pub received: u64,
    pub log_uri: String,
    pub detail: StatusDetail,
}

/// `detail` of [`SessionStatusParams`]; absent values are left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subprotocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Who ended the connection, once it ended: `client`, `server` or `network`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
    /// While `reconnecting`: the attempt that comes next (1 for the first reconnect).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// While `reconnecting`: milliseconds until that attempt starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<u64>,
    pub assertions: AssertionTally,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AssertionTally {
    pub passed: usize,
    pub failed: usize,
    pub pending: usize,
}

/// `void/sessionLogText` and `workspace/textDocumentContent` parameters.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LogTextParams {
    pub uri: String,
}

/// `void/sessionLogText` result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogTextResult {
    pub text: String,
    pub version: u64,
}

/// `workspace/textDocumentContent` result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextDocumentContentResult {
    pub text: String,
}

/// Reads the single object argument of a command (`arguments: [ {...} ]`).
pub fn single_argument<T: serde::de::DeserializeOwned>(
    command: &str,
    arguments: &[Value],
) -> Result<T, String> {
    let Some(first) = arguments.first() else {
        return Err(format!(
            "`{command}` needs one object argument; none was given"
        ));
    };
    T::deserialize(first).map_err(|e| format!("`{command}`: bad argument {first}: {e}"))
}

/// The `workspace/textDocumentContent/refresh` request type.
pub enum TextDocumentContentRefresh {}

impl tower_lsp_server::ls_types::request::Request for TextDocumentContentRefresh {
    type Params = LogTextParams;
    type Result = Value;
    const METHOD: &'static str = TEXT_DOCUMENT_CONTENT_REFRESH;
}

/// The `void/sessionStatus` notification type.
pub enum SessionStatusNotification {}

impl tower_lsp_server::ls_types::notification::Notification for SessionStatusNotification {
    type Params = SessionStatusParams;
    const METHOD: &'static str = crate::lsp::ext::SESSION_STATUS;
}
