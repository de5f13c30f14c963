//! Every name this server adds to LSP, declared once: custom requests and notifications, the
//! LSP 3.18 methods `ls-types` does not declare yet, the log document URI scheme, and the
//! `workspace/executeCommand` names with the one table that lists them. docs/lsp-extensions.md
//! documents them; the editor clients mirror them once each (`vscode-extension/src/protocol.ts`,
//! `nvim-plugin/lua/void/protocol.lua`). Handlers elsewhere refer to the constants here, never to
//! string literals. The wire types of the session methods are in `sessions::protocol`.

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::Uri;

/// Server -> client notification: a WebSocket session changed state (session layer).
pub const SESSION_STATUS: &str = "void/sessionStatus";
/// Client -> server request: the text of a `void-session:` log document (session layer).
pub const SESSION_LOG_TEXT: &str = "void/sessionLogText";
/// Client -> server request: what a client needs to run, send, label and pick the section at a
/// position (session layer). Clients never parse `.void` text themselves.
pub const SECTION_AT: &str = "void/sectionAt";
/// Client -> server request: the whole message behind one line of a log document, pretty-printed
/// when it is JSON (session layer).
pub const LOG_MESSAGE: &str = "void/logMessage";
/// Client -> server request: the server's copy of an open document (version and text), for
/// tests and for diagnosing sync problems. Read-only.
pub const DEBUG_DOCUMENT: &str = "void/debugDocument";

/// Client -> server (LSP 3.18): the text of a document whose scheme the server declared.
pub const TEXT_DOCUMENT_CONTENT: &str = "workspace/textDocumentContent";
/// Server -> client (LSP 3.18): a declared document's text changed; the client asks again.
pub const TEXT_DOCUMENT_CONTENT_REFRESH: &str = "workspace/textDocumentContent/refresh";

/// The URI scheme of the live log documents (`void-session:/<sessionId>/<name>.wslog`).
pub const LOG_SCHEME: &str = "void-session";

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

/// Client -> server request: the app environments of a document's project (its profiles, the
/// profile's environments, which are in force) and, with `select`, picks another profile or
/// environment for that project. Answers the state after the pick.
pub const ENVIRONMENT: &str = "void/environment";

/// Parameters of [`ENVIRONMENT`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentParams {
    /// A document of the project (a `file:` URI).
    pub uri: Uri,
    /// Picks a profile and environment for the project; absent: only asks.
    #[serde(default)]
    pub select: Option<EnvironmentSelection>,
}

/// A pick: `profile` null for `default`, `envName` null for the profile's first environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSelection {
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub env_name: Option<String>,
}

/// Result of [`ENVIRONMENT`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentResult {
    /// The project root the environments belong to.
    pub project_root: String,
    /// The profile in force, and every profile of the project (`default` first).
    pub profile: String,
    pub profiles: Vec<String>,
    /// The environment in force (dotted name), or null when the project has none.
    pub environment: Option<String>,
    /// Whether it was picked (in the editor or the settings) rather than the first one.
    pub chosen: bool,
    /// The environments that can be picked in the profile, in file order.
    pub environments: Vec<EnvironmentEntry>,
    /// Why the picked profile or environment cannot be used, in words.
    pub problem: Option<String>,
}

/// One environment that can be picked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentEntry {
    pub name: String,
    pub display_name: Option<String>,
}

/// The `workspace/executeCommand` names, and [`ALL`](commands::ALL): the one list that
/// `initialize` advertises and the router serves.
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
    /// Shows a session's log (`window/showDocument`); code lenses run it.
    pub const OPEN_LOG: &str = "void.openLog";
    /// Serves a section's server side on loopback (the `▶ Serve` lens).
    pub const SERVE: &str = "void.serve";
    /// Stops a served section.
    pub const STOP_SERVE: &str = "void.stopServe";

    /// Every command the server accepts, advertised in `executeCommandProvider`.
    pub const ALL: &[&str] = &[
        CONNECT,
        SEND,
        TEST_CONNECTION,
        PAUSE,
        RESUME,
        CLOSE,
        SESSIONS,
        EXPORT_TRANSCRIPT,
        COPY_AS_WEBSOCAT,
        OPEN_LOG,
        SERVE,
        STOP_SERVE,
    ];
}
