//! The observable state of a session: the connection state machine and the status snapshot
//! that callers (the LSP layer, the `run` command) pull and show.
//!
//! Plain data only; the engine fills it in. Nothing here talks to the network.

use std::fmt;

/// Where a session is in its life. `Closed` and `Failed` are terminal. With `reconnect: on`, a
/// connection that ended or failed is followed by `Reconnecting` (waiting out the backoff; see
/// [`Status::reconnect`]) and then `Connecting` again, until a Close ends the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    Connecting,
    Open,
    Closing,
    Closed,
    Failed,
    /// Waiting to try again after a connection ended or failed.
    Reconnecting,
}

impl SessionState {
    /// The protocol word (`connecting`, `open`, `closing`, `closed`, `failed`, `reconnecting`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Open => "open",
            Self::Closing => "closing",
            Self::Closed => "closed",
            Self::Failed => "failed",
            Self::Reconnecting => "reconnecting",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Closed | Self::Failed)
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who ended a connection (protocol `detail.endedBy`). A close this client started (the user's
/// Close, a message over `maxMessageSize` (1009), invalid UTF-8 (1007), a protocol error
/// (1002), no pong in time) is `Client`, never the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndedBy {
    Client,
    Server,
    /// The connection dropped, or could not be made, without either side closing it.
    Network,
}

impl EndedBy {
    /// The protocol word (`client`, `server`, `network`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
            Self::Network => "network",
        }
    }
}

/// A reconnect being waited for (state [`SessionState::Reconnecting`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectWait {
    /// Which attempt comes next (1 for the first reconnect).
    pub attempt: u32,
    /// Milliseconds until it starts.
    pub retry_in_ms: u64,
}

/// The result of one assertion row at this moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Pass,
    Fail,
    /// The connection can still make it pass.
    Pending,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Pending => "pending",
        }
    }
}

/// One assertion row's result with the value it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionResult {
    /// The row's position among the section's enabled rows.
    pub index: usize,
    pub description: String,
    /// The field as written (`received[-1].json.ok`).
    pub field: String,
    pub operator: String,
    pub expected: String,
    pub outcome: Outcome,
    /// The actual value, masked, when there is one.
    pub actual: Option<String>,
    /// Why it failed or what it waits for, in words.
    pub message: String,
}

/// A reply that was due and could not be sent (docs/format.md §4.4): which reply, its rule,
/// the message it answered, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyFailure {
    /// The reply's name (`reply` when it has none).
    pub reply: String,
    /// Its `when:` condition as written, when it has one.
    pub when: Option<String>,
    /// The message it answered, as the log names it: `← ping #12`.
    pub trigger: String,
    /// Why it was not sent, in words (secrets masked in a status).
    pub error: String,
}

impl ReplyFailure {
    /// One sentence: `reply pong (when json.op equals ping) to ← ping #12 was not sent: ...`.
    pub fn sentence(&self) -> String {
        let rule = match &self.when {
            Some(when) => format!(" (when {when})"),
            None => String::new(),
        };
        format!(
            "reply {}{rule} to {} was not sent: {}",
            self.reply, self.trigger, self.error
        )
    }
}

/// Counts of assertion outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssertionCounts {
    pub passed: usize,
    pub failed: usize,
    pub pending: usize,
}

/// A snapshot of everything a caller shows about a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub session_id: String,
    pub state: SessionState,
    pub paused: bool,
    /// Messages sent (data frames, not control frames).
    pub sent: u64,
    pub received: u64,
    /// The URL with secrets masked.
    pub url: String,
    pub http_status: Option<u16>,
    pub subprotocol: Option<String>,
    /// Milliseconds for TCP, TLS and the upgrade of the current (or last) connection.
    pub handshake_ms: Option<u64>,
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
    /// What went wrong, in words (also set for a drop, a timeout, or an error close code).
    pub error: Option<String>,
    /// Who ended the last connection (or its attempt), once it has ended.
    pub ended_by: Option<EndedBy>,
    /// Set while waiting to reconnect.
    pub reconnect: Option<ReconnectWait>,
    /// Warnings to show (e.g. TLS certificate checks are off).
    pub warnings: Vec<String>,
    /// How many times the engine reconnected.
    pub reconnects: u32,
    pub assertions: AssertionCounts,
    pub assertion_results: Vec<AssertionResult>,
    /// Replies that were due and could not be sent, the first [`REPLY_FAILURES_KEPT`] of them.
    pub reply_failures: Vec<ReplyFailure>,
    /// Every reply that could not be sent, kept or not.
    pub reply_failure_count: u64,
    /// Milliseconds since the session started.
    pub elapsed_ms: u64,
}

/// Reply failures a status carries at most (the log and the transcript have every one).
pub const REPLY_FAILURES_KEPT: usize = 20;
