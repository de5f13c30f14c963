//! The plain result model of a headless run: files, their WebSocket sections, and each section's
//! assertion rows with expected and actual values.
//!
//! Every reporter (pretty, JSON, JUnit) reads only this model, so reporters can be tested with
//! hand-built values and never need a live connection. This module must not do I/O or know how
//! a section is run; it only describes what happened and derives verdicts and counts from it.

use std::path::PathBuf;
use std::time::Duration;

/// The outcome of one whole `void-ls run`.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub files: Vec<FileReport>,
    /// Wall-clock time of the whole run.
    pub duration: Duration,
    /// When the run started, RFC 3339 with milliseconds (for JUnit `timestamp`).
    pub started_at: String,
}

/// One `.void` file and the WebSocket sections that ran from it.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// The path as the user gave it (shown in every report).
    pub path: String,
    pub sections: Vec<SectionReport>,
}

/// One WebSocket section: how the connection went and what each assertion row concluded.
#[derive(Debug, Clone, Default)]
pub struct SectionReport {
    /// The section's `request-separator` label, or the file's first heading, or `WebSocket`.
    pub label: String,
    /// The `socket-request` block's uid, when it has one.
    pub block_uid: Option<String>,
    /// The URL with secrets masked (never the clear value of a secret).
    pub url: String,
    pub connection: ConnectionReport,
    pub sent: u64,
    pub received: u64,
    pub duration: Duration,
    pub ended_by: EndReason,
    pub rows: Vec<RowReport>,
    /// The transcript file written for this section, when one was kept.
    pub transcript: Option<PathBuf>,
    /// Number of events written to the transcript.
    pub transcript_events: Option<u64>,
    /// Things a person must know even when the section passes: TLS certificate checks are off
    /// (`insecure: true`), an environment file was not read.
    pub warnings: Vec<String>,
    /// Replies that were due and could not be sent (docs/format.md §4.4), the first few of
    /// them; each names its rule and the message it answered.
    pub reply_failures: Vec<void_session::ReplyFailure>,
    /// Every reply that could not be sent, listed or not.
    pub reply_failure_count: u64,
    /// A GraphQL subscription: a server that ends the connection with an error (refusing
    /// `connection_init`, closing with a 44xx code) fails the section.
    pub server_error_fails: bool,
}

/// How the connection went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionReport {
    /// Whether the WebSocket connection opened at least once.
    pub opened: bool,
    pub http_status: Option<u16>,
    pub subprotocol: Option<String>,
    pub handshake_ms: Option<u64>,
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
    /// A person-readable error: refused, TLS, upgrade rejected, unresolved variable, ...
    pub error: Option<String>,
}

/// Why a section's run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EndReason {
    /// Every assertion row reached a final verdict (or there were none and on-open sends were
    /// done and answered).
    #[default]
    Settled,
    /// `runTimeout` elapsed.
    RunTimeout,
    /// `idleTimeout` elapsed without traffic.
    IdleTimeout,
    /// The server closed the connection.
    PeerClosed,
    /// This client closed the connection because of what the server did (a message over
    /// `maxMessageSize`, invalid UTF-8, a protocol error, no pong in time).
    ClientClosed,
    /// The connection dropped without a close frame.
    Dropped,
    /// The connection never opened.
    ConnectFailed,
    /// The section could not start (unresolved variable, invalid message, ...).
    NotStarted,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Settled => "settled",
            Self::RunTimeout => "runTimeout",
            Self::IdleTimeout => "idleTimeout",
            Self::PeerClosed => "peerClosed",
            Self::ClientClosed => "clientClosed",
            Self::Dropped => "dropped",
            Self::ConnectFailed => "connectFailed",
            Self::NotStarted => "notStarted",
        }
    }

    /// Words for a person.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Settled => "all assertions settled",
            Self::RunTimeout => "run timeout reached",
            Self::IdleTimeout => "idle timeout reached",
            Self::PeerClosed => "the server closed the connection",
            Self::ClientClosed => "the client closed the connection",
            Self::Dropped => "the connection dropped",
            Self::ConnectFailed => "the connection failed",
            Self::NotStarted => "the section could not start",
        }
    }
}

/// One `ws-assertions` row and its verdict at the end of the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowReport {
    pub description: String,
    pub field: String,
    pub operator: String,
    pub expected: String,
    pub status: RowStatus,
    /// The value the field had when the verdict was taken (`None`: it had no value).
    pub actual: Option<String>,
    /// Extra words on a failure (an invalid regex, "still pending when the run ended", ...).
    pub detail: Option<String>,
}

impl RowReport {
    /// What a person calls this row: its description, or `field operator expected`.
    pub fn title(&self) -> String {
        if self.description.trim().is_empty() {
            let mut t = format!("{} {}", self.field, self.operator);
            if !self.expected.is_empty() {
                t.push(' ');
                t.push_str(&self.expected);
            }
            t
        } else {
            self.description.clone()
        }
    }

    /// Whether the row counts as a failure in the final verdict (a row still pending when the
    /// run ends could not be shown to hold, so it fails).
    pub fn is_failure(&self) -> bool {
        !matches!(self.status, RowStatus::Passed)
    }

    /// The one-line reason for a failing row, with expected and actual values.
    pub fn failure_message(&self) -> String {
        let actual = self.actual.as_deref().unwrap_or("(no value)");
        let mut msg = match self.status {
            RowStatus::Passed => String::from("passed"),
            RowStatus::Failed => format!(
                "{} {} {}: actual {}",
                self.field,
                self.operator,
                shown_expected(&self.expected),
                actual
            ),
            RowStatus::Pending => format!(
                "still pending when the run ended: {} {} {}; actual {}",
                self.field,
                self.operator,
                shown_expected(&self.expected),
                actual
            ),
        };
        if let Some(detail) = &self.detail {
            msg.push_str(" (");
            msg.push_str(detail);
            msg.push(')');
        }
        msg
    }
}

fn shown_expected(expected: &str) -> String {
    if expected.is_empty() {
        String::from("(none)")
    } else {
        expected.to_string()
    }
}

/// The verdict on one row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RowStatus {
    Passed,
    Failed,
    /// Still undecided when the run ended.
    #[default]
    Pending,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Pending => "pending",
        }
    }
}

/// The verdict on a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionVerdict {
    Passed,
    /// At least one assertion row failed or was still pending, or a reply could not be sent.
    Failed,
    /// The connection could not be made (or the section could not start) and no assertion row
    /// expected that.
    Error,
}

impl SectionVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Error => "error",
        }
    }
}

impl SectionReport {
    /// Whether a row about the connection itself (`connected`, `handshake.status`) passed: the
    /// section expected the connection to fail (a refused upgrade, say), so it is judged by its
    /// rows. A row that wanted the connection to open and failed does not count: that is the
    /// connection error itself, reported once.
    fn rows_judge_connection(&self) -> bool {
        self.rows.iter().any(|r| {
            (r.field == "connected" || r.field == "handshake.status")
                && r.status == RowStatus::Passed
        })
    }

    /// Whether the section's result is its connection error (verdict [`SectionVerdict::Error`]):
    /// its rows were never checked against a live connection.
    pub fn is_error(&self) -> bool {
        self.verdict() == SectionVerdict::Error
    }

    /// What to do about a refused connection, when that is what happened: `program` is how the
    /// person runs this tool (see `cli::invocation`).
    pub fn hint(&self, program: &str) -> Option<String> {
        let error = self.connection.error.as_deref()?.to_ascii_lowercase();
        // A refused TCP connection; not a refused upgrade or a proxy refusing CONNECT.
        let refused = error.contains("connection refused")
            || (error.contains("refused")
                && !error.contains("upgrade")
                && !error.contains("connect to"));
        (!self.connection.opened && refused).then(|| {
            format!(
                "nothing is listening there: start the server, or for the examples run with \
                 --echo-server (or keep one up with `{program} echo-server`)"
            )
        })
    }

    pub fn verdict(&self) -> SectionVerdict {
        let rows_failed = self.rows.iter().any(RowReport::is_failure);
        let connection_failed = !self.connection.opened
            || matches!(
                self.ended_by,
                EndReason::ConnectFailed | EndReason::NotStarted
            );
        if connection_failed && !self.rows_judge_connection() {
            return SectionVerdict::Error;
        }
        // A connection that ended in an error (this client had to close it, or it dropped)
        // fails the section, unless a row is about how it closed; so does a reply that could
        // not be sent.
        let ended_in_error =
            (matches!(self.ended_by, EndReason::ClientClosed | EndReason::Dropped)
                || (self.server_error_fails && self.ended_by == EndReason::PeerClosed))
                && self.connection.error.is_some()
                && !self.rows.iter().any(|r| r.field.starts_with("close."));
        if rows_failed || ended_in_error || self.reply_failure_count > 0 {
            SectionVerdict::Failed
        } else {
            SectionVerdict::Passed
        }
    }

    pub fn rows_passed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.status == RowStatus::Passed)
            .count()
    }

    pub fn rows_failed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.status == RowStatus::Failed)
            .count()
    }

    pub fn rows_pending(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.status == RowStatus::Pending)
            .count()
    }
}

/// Counts over a whole run, as every reporter shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub files: usize,
    pub sections: usize,
    pub sections_passed: usize,
    pub sections_failed: usize,
    pub sections_errored: usize,
    pub rows: usize,
    pub rows_passed: usize,
    pub rows_failed: usize,
    pub rows_pending: usize,
    /// Rows of sections that ended in error (the connection never opened): not checked.
    pub rows_unchecked: usize,
    pub sent: u64,
    pub received: u64,
}

impl RunReport {
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            files: self.files.len(),
            ..Totals::default()
        };
        for section in self.files.iter().flat_map(|f| &f.sections) {
            t.sections += 1;
            match section.verdict() {
                SectionVerdict::Passed => t.sections_passed += 1,
                SectionVerdict::Failed => t.sections_failed += 1,
                SectionVerdict::Error => t.sections_errored += 1,
            }
            t.rows += section.rows.len();
            if section.is_error() {
                t.rows_unchecked += section.rows.len();
            } else {
                t.rows_passed += section.rows_passed();
                t.rows_failed += section.rows_failed();
                t.rows_pending += section.rows_pending();
            }
            t.sent += section.sent;
            t.received += section.received;
        }
        t
    }

    /// True when every section passed.
    pub fn all_passed(&self) -> bool {
        let t = self.totals();
        t.sections_failed == 0 && t.sections_errored == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(field: &str, status: RowStatus) -> RowReport {
        RowReport {
            field: field.into(),
            operator: "equals".into(),
            expected: "1".into(),
            status,
            ..RowReport::default()
        }
    }

    fn opened() -> ConnectionReport {
        ConnectionReport {
            opened: true,
            http_status: Some(101),
            ..ConnectionReport::default()
        }
    }

    #[test]
    fn a_section_passes_only_when_every_row_passed() {
        let mut s = SectionReport {
            connection: opened(),
            ..SectionReport::default()
        };
        s.rows = vec![row("received.count", RowStatus::Passed)];
        assert_eq!(s.verdict(), SectionVerdict::Passed);
        s.rows.push(row("sent.count", RowStatus::Pending));
        assert_eq!(s.verdict(), SectionVerdict::Failed);
        s.rows[1].status = RowStatus::Failed;
        assert_eq!(s.verdict(), SectionVerdict::Failed);
    }

    #[test]
    fn a_refused_connection_is_an_error_unless_a_row_expects_it() {
        let mut s = SectionReport {
            ended_by: EndReason::ConnectFailed,
            connection: ConnectionReport {
                error: Some("connection refused".into()),
                ..ConnectionReport::default()
            },
            ..SectionReport::default()
        };
        assert_eq!(s.verdict(), SectionVerdict::Error);
        s.rows = vec![row("connected", RowStatus::Passed)];
        assert_eq!(s.verdict(), SectionVerdict::Passed);
        // A row that wanted the connection is the same error, not a second failure.
        s.rows = vec![
            row("connected", RowStatus::Failed),
            row("received[0]", RowStatus::Failed),
        ];
        assert_eq!(s.verdict(), SectionVerdict::Error);
    }

    #[test]
    fn a_refused_connection_gets_a_hint_and_other_errors_do_not() {
        let mut s = SectionReport {
            ended_by: EndReason::ConnectFailed,
            connection: ConnectionReport {
                error: Some(
                    "cannot connect to 127.0.0.1:8765: Connection refused (os error 111)".into(),
                ),
                ..ConnectionReport::default()
            },
            ..SectionReport::default()
        };
        let hint = s.hint("void-ls").unwrap_or_default();
        assert!(
            hint.contains("--echo-server") && hint.contains("`void-ls echo-server`"),
            "{hint}"
        );
        s.connection.error = Some("the server refused the upgrade: HTTP 403 Forbidden".into());
        assert_eq!(s.hint("void-ls"), None);
    }

    #[test]
    fn failure_messages_name_expected_and_actual() {
        let mut r = row("received[0].json.id", RowStatus::Failed);
        r.actual = Some("2".into());
        assert_eq!(
            r.failure_message(),
            "received[0].json.id equals 1: actual 2"
        );
        r.status = RowStatus::Pending;
        r.actual = None;
        assert_eq!(
            r.failure_message(),
            "still pending when the run ended: received[0].json.id equals 1; actual (no value)"
        );
        assert_eq!(r.title(), "received[0].json.id equals 1");
    }

    #[test]
    fn totals_add_up() {
        let mut ok = SectionReport {
            connection: opened(),
            sent: 2,
            received: 3,
            ..SectionReport::default()
        };
        ok.rows = vec![row("a", RowStatus::Passed), row("b", RowStatus::Passed)];
        let mut bad = ok.clone();
        bad.rows[1].status = RowStatus::Pending;
        let report = RunReport {
            files: vec![FileReport {
                path: "a.void".into(),
                sections: vec![ok, bad],
            }],
            ..RunReport::default()
        };
        let t = report.totals();
        assert_eq!(
            (t.sections, t.sections_passed, t.sections_failed),
            (2, 1, 1)
        );
        assert_eq!((t.rows, t.rows_passed, t.rows_pending), (4, 3, 1));
        assert_eq!((t.sent, t.received), (4, 6));
        assert!(!report.all_passed());
    }
}
