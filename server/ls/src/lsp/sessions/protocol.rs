//! The wire shapes of the WebSocket session layer: command arguments and results, the
//! `void/sessionStatus` notification, `void/sectionAt`, the log-document requests, and the LSP
//! 3.18 `workspace/textDocumentContent` request and its refresh, which `ls-types` 0.0.6 does not
//! declare yet. The names are declared in `ext.rs`; the editor clients mirror these types once
//! each (`protocol.ts`, `protocol.lua`).
//!
//! Every argument type serializes as well as it deserializes: code lenses and code actions are
//! built from these types, never from JSON literals. Plain serde types only: no behaviour, no
//! session state.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::ls_types::{Position, TextDocumentIdentifier, Uri};

use crate::lsp::ext::{SESSION_STATUS, TEXT_DOCUMENT_CONTENT_REFRESH};

/// A section to act on: by its `socket-request` uid, or by a position inside it (in the
/// negotiated position encoding). `void.connect`, `void.testConnection`, `void.copyAsWebsocat`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SectionTarget {
    pub uri: Uri,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
}

/// `void.connect` result.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectResult {
    pub session_id: String,
    pub log_uri: String,
}

/// Result of `void.serve`: the served section's id (for `void.stopServe`), its log document,
/// and where clients connect (`ws://127.0.0.1:<port>`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServeResult {
    pub session_id: String,
    pub log_uri: String,
    pub url: String,
}

/// `void.send`: a `ws-message` by uid, or an ad-hoc body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SendArgs {
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// `void.pause`, `void.resume`: one session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionArgs {
    pub session_id: String,
}

/// `void.openLog`: a session id or the log URI itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OpenLogArgs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_uri: Option<String>,
}

/// `void.openLog` result.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenLogResult {
    pub log_uri: String,
}

/// `void.close` (code 1000 when absent).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CloseArgs {
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `void.exportTranscript`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportArgs {
    pub session_id: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub path: String,
    pub events: u64,
}

/// `void.send`, `void.pause`, `void.resume`, `void.close` result.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct OkResult {
    pub ok: bool,
}

impl OkResult {
    pub const OK: OkResult = OkResult { ok: true };
}

/// `void.testConnection` result.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    pub session_id: String,
    pub uri: Uri,
    pub block_uid: String,
    pub state: String,
    pub log_uri: String,
    /// The section's name for people (separator label, first heading, else the URL).
    pub label: String,
    /// When the session started (RFC 3339, milliseconds).
    pub started_at: String,
}

/// `void/sectionAt` parameters: the section under `position`, or the one whose
/// `socket-request` has `blockUid` (for a client that knows a session but not a position).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SectionAtParams {
    pub text_document: TextDocumentIdentifier,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_uid: Option<String>,
}

/// `void/sectionAt` result (`null` when there is no request in that section).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SectionInfo {
    /// The key sessions are filed under: the request's uid, or `#section-N` without one.
    pub section_key: String,
    /// A name for people: the separator label, else the first heading, else the URL.
    pub label: String,
    /// The uid of the section's request block (empty when it has none).
    pub block_uid: String,
    /// `websocket`, `grpc` or `http`.
    pub kind: String,
    /// The request URL, variables resolved when they can be, secrets masked.
    pub url: String,
    /// The section's `ws-message` blocks, in file order.
    pub messages: Vec<MessageInfo>,
    /// The section's newest session (live or ended), if any.
    pub session: Option<SessionRef>,
}

/// One `ws-message` of a [`SectionInfo`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MessageInfo {
    /// `None` for a message without a uid (it cannot be sent by reference).
    pub uid: Option<String>,
    pub name: Option<String>,
    pub format: String,
    pub send: String,
    /// The body on one line, cut (as written: variables not resolved).
    pub preview: String,
}

/// A session as [`SectionInfo`] names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SessionRef {
    pub session_id: String,
    pub state: String,
    pub log_uri: String,
}

/// `void/logMessage` parameters: a line of a log document (0-based, as the client shows it),
/// and that line's text when the client has it, so a view that moved meanwhile is detected.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogMessageParams {
    pub uri: String,
    pub line: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `void/logMessage` result (`null` when the line is not a message).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogMessageResult {
    /// `out` (sent) or `in` (received).
    pub direction: String,
    /// `text`, `json`, `xml` or `binary`.
    pub format: String,
    /// The payload size in bytes.
    pub size: u64,
    /// When it was sent or received (RFC 3339, milliseconds).
    pub at: String,
    /// The whole message, secrets masked: JSON pretty-printed, binary as base64. `None` when
    /// it is not kept (the transcript is off and only the preview is in memory).
    pub text: Option<String>,
    /// Why `text` is missing or shortened, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
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
    /// The section's name for people (as in [`SessionSummary`]).
    pub label: String,
    /// When the session started (RFC 3339, milliseconds).
    pub started_at: String,
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
    const METHOD: &'static str = SESSION_STATUS;
}
