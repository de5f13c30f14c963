//! Running one WebSocket section headless: resolve its variables, build the session spec,
//! spawn the session, forward its status and live log to the console while it runs, wait for
//! the assertions to settle (or `runTimeout` / `idleTimeout`), and turn the final status into a
//! [`SectionReport`].
//!
//! The verdict on each row is the engine's; this module only copies it. It must not print
//! (events go to the console through the channel).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use void_session::section::SpecError;
use void_session::{
    EndedBy, Outcome, Session, SessionSettings, SessionSpec, SessionState, SettleReason, Status,
};
use void_syntax::model::{BlockKind, Document};
use void_syntax::variables::{self, Variables};

use void_session::project_files::{Limit, Project};
use void_session::sync::Unpoisoned;

use crate::cli::input;

use super::RunArgs;
use super::events::{LiveStatus, RunEvent, SectionId};
use super::model::{ConnectionReport, EndReason, RowReport, RowStatus, SectionReport};
use super::plan::{PlannedFile, PlannedSection};

/// What every section of a run shares: where variables come from and where transcripts go.
pub struct RunContext {
    /// `--env` files then `--env-var` values, in order (later wins).
    overrides: Vec<(String, String)>,
    environment: input::EnvironmentArgs,
    transcript_dir: Option<PathBuf>,
    /// Resolved variables per file path, with the environment files that were not read.
    cache: Mutex<HashMap<PathBuf, (Variables, Vec<String>)>>,
    /// Problems reading `--env` files (reported by every section, as they make it unusable).
    env_problems: Vec<String>,
    /// Values captured by `runtime-variables` rows, per file, in the order they were
    /// captured: `{{process.<name>}}` in the file's later sections.
    captured: Mutex<HashMap<PathBuf, Vec<void_session::http::capture::Captured>>>,
    /// One HTTP client for the whole run, so sections to the same server reuse connections.
    pub(super) http: void_session::http::client::HttpClient,
    /// `--proxy`: the proxy of every section whose options name none.
    proxy: Option<String>,
}

impl RunContext {
    pub fn new(args: &RunArgs) -> Self {
        let mut overrides = Vec::new();
        let mut env_problems = Vec::new();
        for file in &args.env_files {
            // Named by the user, so it may be anywhere; still a regular file of bounded size.
            match Project::unconfined().read_text(file, Limit::Environment) {
                Ok(text) => {
                    let is_yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
                    let pairs = if is_yaml {
                        variables::parse_env_yaml(&text, args.environment.env_name.as_deref())
                    } else {
                        variables::parse_dotenv(&text)
                    };
                    overrides.extend(pairs.into_iter().map(|(k, v, _)| (k, v)));
                }
                Err(e) => env_problems.push(format!("cannot read --env {e}")),
            }
        }
        overrides.extend(args.env_vars.iter().cloned());
        RunContext {
            overrides,
            environment: args.environment.clone(),
            transcript_dir: args.transcript.clone(),
            cache: Mutex::new(HashMap::new()),
            env_problems,
            captured: Mutex::new(HashMap::new()),
            http: void_session::http::client::HttpClient::new(std::sync::Arc::new(
                void_session::connect::NetworkConnector,
            )),
            proxy: args.proxy.clone(),
        }
    }

    /// `--transcript DIR`, when given.
    pub(super) fn transcript_dir(&self) -> Option<&Path> {
        self.transcript_dir.as_deref()
    }

    /// `spec` with the run's `--proxy` when its section names no proxy of its own.
    pub(super) fn with_run_proxy(&self, mut spec: SessionSpec) -> SessionSpec {
        if spec.options.proxy.is_none() {
            spec.options.proxy.clone_from(&self.proxy);
        }
        spec
    }

    /// Why the chosen app environment or profile cannot be used for `file` (it does not
    /// exist in the file's project), checked before any section runs.
    pub fn environment_problem(&self, file: &Path) -> Option<String> {
        let (vars, _) = self.variables_for(file);
        vars.environment_problem()
            .map(|p| format!("{}: {p}", file.display()))
    }

    /// Problems with the `--env` files, checked before any section runs.
    pub fn env_problems(&self) -> &[String] {
        &self.env_problems
    }

    /// The variables of `file` (its environment, then the values earlier sections of the file
    /// captured), and the environment files of its project that exist but were not read (as
    /// sentences).
    /// The report of section `planned` of `file` before it runs (with the warnings of its
    /// variables' sources) and the variables it resolves with.
    pub(super) fn unstarted(
        &self,
        file: &PlannedFile,
        planned: &PlannedSection,
    ) -> (SectionReport, Variables) {
        let (vars, unread) = self.variables_for(&file.path);
        let mut report = unstarted_report(planned);
        report.warnings.extend(unread);
        (report, vars)
    }

    pub(super) fn variables_for(&self, file: &Path) -> (Variables, Vec<String>) {
        let (mut vars, unread) = self.file_variables(file);
        let captured = self.captured.lock().unpoisoned();
        if let Some(captured) = captured.get(file) {
            void_session::http::capture::add_to_variables(&mut vars, captured);
        }
        (vars, unread)
    }

    /// Remembers what a section of `file` captured, for the sections after it.
    pub(super) fn remember_captures(
        &self,
        file: &Path,
        captured: &[void_session::http::capture::Captured],
    ) {
        self.captured
            .lock()
            .unpoisoned()
            .entry(file.to_path_buf())
            .or_default()
            .extend(captured.iter().filter(|c| c.value.is_some()).cloned());
    }

    /// The variables of `file` from its environment, cached per file.
    fn file_variables(&self, file: &Path) -> (Variables, Vec<String>) {
        let mut cache = self.cache.lock().unpoisoned();
        if let Some(v) = cache.get(file) {
            return v.clone();
        }
        let opts = input::env_options(file, &self.environment, self.overrides.clone());
        let (vars, unread) = input::resolve_variables(&opts);
        let unread: Vec<String> = unread
            .iter()
            .map(|e| format!("environment file not read: {e}"))
            .chain(
                vars.file_problems()
                    .iter()
                    .map(|p| format!("environment file not read: {p}")),
            )
            .collect();
        cache.insert(file.to_path_buf(), (vars.clone(), unread.clone()));
        (vars, unread)
    }
}

/// A file name for the transcript of a section: `<file stem>--<label>.jsonl`, made safe.
pub(super) fn transcript_name(file: &str, label: &str, id: SectionId) -> String {
    let stem = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug = |t: &str| -> String {
        let s: String = t
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let s = s.trim_matches('-').to_string();
        if s.is_empty() {
            "section".into()
        } else {
            s.chars().take(60).collect()
        }
    };
    format!("{:03}-{}--{}.jsonl", id + 1, slug(&stem), slug(label))
}

pub async fn run_section(
    id: SectionId,
    file: &PlannedFile,
    planned: &PlannedSection,
    context: &RunContext,
    events: &UnboundedSender<RunEvent>,
) -> SectionReport {
    let started = Instant::now();
    let (mut report, vars) = context.unstarted(file, planned);
    if let BlockKind::SocketRequest(r) = &file.document.blocks[planned.request_block].kind {
        let raw = r
            .url
            .as_ref()
            .map(|u| u.value.trim().to_string())
            .unwrap_or_default();
        report.url = vars.mask(&vars.substitute_url(&raw).unwrap_or(raw));
    }
    report.rows = rows_from_document(&file.document, planned.section_index);
    let built = SessionSpec::from_section(
        &file.document,
        planned.section_index,
        &vars,
        file_dir(&file.path),
    );
    let spec = match built {
        Ok(spec) => context.with_run_proxy(spec),
        Err(e) => return not_started(report, started, spec_error(&e, &vars, file, planned)),
    };
    run_spec(id, file, planned, context, events, spec, report, started).await
}

/// The report of `planned` before anything ran: its label and block, ended by not starting.
fn unstarted_report(planned: &PlannedSection) -> SectionReport {
    SectionReport {
        label: planned.label.clone(),
        block_uid: planned.block_uid.clone(),
        ended_by: EndReason::NotStarted,
        ..SectionReport::default()
    }
}

/// `report` closed as a section that could not start, for the reason `error`.
pub(super) fn not_started(
    mut report: SectionReport,
    started: Instant,
    error: String,
) -> SectionReport {
    report.connection.error = Some(error);
    report.duration = started.elapsed();
    report
}

/// The folder relative paths in the file at `path` are read from (`.` for a bare file name).
pub(super) fn file_dir(path: &Path) -> Option<&Path> {
    path.parent().map(|d| {
        if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        }
    })
}

/// Why the section `planned` of `file` could not be built, in words, secrets masked; an
/// unresolved variable says where to define it, and which tool parameter binds it if one does.
pub(super) fn spec_error(
    e: &SpecError,
    vars: &Variables,
    file: &PlannedFile,
    planned: &PlannedSection,
) -> String {
    let mut message = vars.mask(&e.to_string());
    if let SpecError::Unresolved { names, .. } = e {
        message.push_str(": define it in .env, or pass --env FILE or --env-var NAME=VALUE");
        for why in
            void_syntax::mcp_tools::unresolved_bound(&file.document, planned.section_index, names)
        {
            message.push_str(&format!(" ({why})"));
        }
    }
    message
}

/// Runs a built session spec (a WebSocket section, or a GraphQL subscription) to its end and
/// reports it into `report`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn run_spec(
    id: SectionId,
    file: &PlannedFile,
    planned: &PlannedSection,
    context: &RunContext,
    events: &UnboundedSender<RunEvent>,
    spec: SessionSpec,
    report: SectionReport,
    started: Instant,
) -> SectionReport {
    let mut report = report;
    let mut settings = SessionSettings::default();
    if let Some(dir) = &context.transcript_dir {
        if let Err(e) = std::fs::create_dir_all(dir) {
            return not_started(
                report,
                started,
                format!(
                    "cannot create the transcript directory {}: {e}",
                    dir.display()
                ),
            );
        }
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
        settings.transcript_file =
            Some(dir.join(transcript_name(&file.display, &planned.label, id)));
        settings.transcript_dir = Some(dir);
    }

    let options = spec.options.clone();
    let has_rows = !spec.assertions.is_empty();
    let session = match Session::spawn(spec, settings) {
        Ok(s) => s,
        Err(e) => return not_started(report, started, e.to_string()),
    };
    report.url = session.status().url;
    let _ = events.send(RunEvent::Started {
        id,
        file: file.display.clone(),
        label: planned.label.clone(),
        url: report.url.clone(),
    });

    let watcher = tokio::spawn(forward_progress(id, session.clone(), events.clone()));
    let (reason, before_close) = settle(&session, &options, has_rows).await;
    let _ = tokio::time::timeout(Duration::from_secs(7), session.finished()).await;
    let transcript_events = if session.transcript_path().is_some() {
        Some(session.flush_transcript().await)
    } else {
        None
    };
    let status = session.status();
    // The watcher stops by itself once the session has finished; give it time to forward the
    // last log lines.
    let abort = watcher.abort_handle();
    if tokio::time::timeout(Duration::from_millis(500), watcher)
        .await
        .is_err()
    {
        abort.abort();
    }

    fill_from_status(
        &mut report,
        &status,
        reason,
        before_close.as_ref(),
        options.run_timeout,
    );
    report.transcript = session.transcript_path();
    report.transcript_events = transcript_events;
    report.duration = started.elapsed();
    report
}

/// The enabled assertion rows as written, all pending: what a section that never started
/// reports.
fn rows_from_document(doc: &Document, section_index: usize) -> Vec<RowReport> {
    let cell = |c: &Option<void_syntax::model::Spanned<void_syntax::CompactString>>| {
        c.as_ref().map(|s| s.value.to_string()).unwrap_or_default()
    };
    doc.sections[section_index]
        .blocks
        .iter()
        .filter_map(|&b| match &doc.blocks[b].kind {
            BlockKind::WsAssertions(a) => Some(a),
            _ => None,
        })
        .flat_map(|a| a.rows.iter().filter(|r| !r.row.disabled))
        .map(|r| RowReport {
            description: cell(&r.description),
            field: cell(&r.field),
            operator: cell(&r.operator),
            expected: cell(&r.expected),
            status: RowStatus::Pending,
            actual: None,
            detail: Some("not evaluated: the section did not start".into()),
        })
        .collect()
}

/// Waits until the section is done: every assertion row settled, `runTimeout`, `idleTimeout`
/// (no message sent or received for that long while open), or the connection ended by itself.
/// Then closes with 1000. Returns why, and the status just before our close (in which rows
/// that could still pass are `Pending`; the engine fails them once the connection is closed).
async fn settle(
    session: &Session,
    options: &void_session::SessionOptions,
    has_rows: bool,
) -> (SettleReason, Option<Status>) {
    let started = tokio::time::Instant::now();
    let run_deadline = started + options.run_timeout;
    let mut changes = session.changes();
    let mut counts = (0, 0);
    let mut last_traffic = started;
    let mut was_open = false;
    let reason = loop {
        if session.is_finished() {
            return (SettleReason::Ended, None);
        }
        let status = session.status();
        let now = tokio::time::Instant::now();
        if (status.sent, status.received) != counts {
            counts = (status.sent, status.received);
            last_traffic = now;
        }
        let open = status.state == SessionState::Open;
        if open && !was_open {
            // Idle time counts from the moment the connection (re)opens.
            last_traffic = now;
        }
        was_open = open;
        let terminal = status.state.is_terminal() && !options.reconnect;
        let outcome = if terminal {
            None
        } else if has_rows && open && status.assertions.pending == 0 {
            Some(SettleReason::AssertionsSettled)
        } else if now >= run_deadline {
            Some(SettleReason::RunTimeout)
        } else if open && now.duration_since(last_traffic) >= options.idle_timeout {
            Some(SettleReason::IdleTimeout)
        } else {
            None
        };
        if let Some(reason) = outcome {
            break (reason, status);
        }
        let idle_left = options
            .idle_timeout
            .saturating_sub(now.duration_since(last_traffic));
        let wake = now + idle_left.clamp(Duration::from_millis(10), Duration::from_millis(100));
        let _ = tokio::time::timeout_at(
            wake.min(run_deadline.max(now + Duration::from_millis(10))),
            changes.changed(),
        )
        .await;
    };
    let (reason, status) = reason;
    let why = match reason {
        SettleReason::AssertionsSettled => "assertions settled",
        SettleReason::RunTimeout => "runTimeout",
        _ => "idleTimeout",
    };
    session.close(1000, why);
    (reason, Some(status))
}

fn fill_from_status(
    report: &mut SectionReport,
    status: &Status,
    reason: SettleReason,
    before_close: Option<&Status>,
    run_timeout: Duration,
) {
    report.sent = status.sent;
    report.received = status.received;
    for warning in &status.warnings {
        if !report.warnings.contains(warning) {
            report.warnings.push(warning.clone());
        }
    }
    report.connection = ConnectionReport {
        opened: status.handshake_ms.is_some() && status.http_status == Some(101),
        http_status: status.http_status,
        subprotocol: status.subprotocol.clone(),
        handshake_ms: status.handshake_ms,
        close_code: status.close_code,
        close_reason: status.close_reason.clone().filter(|r| !r.is_empty()),
        error: status.error.clone(),
    };
    report.ended_by = match reason {
        SettleReason::AssertionsSettled => EndReason::Settled,
        SettleReason::RunTimeout => EndReason::RunTimeout,
        SettleReason::IdleTimeout => EndReason::IdleTimeout,
        SettleReason::Ended if !report.connection.opened => EndReason::ConnectFailed,
        // Who ended it decides the words: a close this client started (1009, 1007, no pong)
        // is never "the server closed the connection".
        SettleReason::Ended => match status.ended_by {
            Some(EndedBy::Client) => EndReason::ClientClosed,
            Some(EndedBy::Network) => EndReason::Dropped,
            Some(EndedBy::Server) | None => EndReason::PeerClosed,
        },
    };
    if reason == SettleReason::RunTimeout && !report.connection.opened {
        report.connection.error = Some(timed_out_connecting(
            run_timeout,
            before_close.unwrap_or(status),
        ));
    }
    // Our own close at the end of a run is not an error to report.
    if report.connection.opened
        && matches!(
            report.ended_by,
            EndReason::Settled | EndReason::RunTimeout | EndReason::IdleTimeout
        )
        && status.close_code == Some(1000)
    {
        report.connection.error = None;
    }
    report.reply_failures = status.reply_failures.clone();
    report.reply_failure_count = status.reply_failure_count;
    report.rows = status
        .assertion_results
        .iter()
        .map(|r| {
            // A row still pending when we closed stays pending in the report: it did not
            // fail, the run ended before it could pass.
            let pending_at_close = before_close
                .and_then(|b| b.assertion_results.iter().find(|x| x.index == r.index))
                .is_some_and(|x| x.outcome == Outcome::Pending);
            let status = match r.outcome {
                Outcome::Pass => RowStatus::Passed,
                Outcome::Fail if pending_at_close => RowStatus::Pending,
                Outcome::Fail => RowStatus::Failed,
                Outcome::Pending => RowStatus::Pending,
            };
            row_report(r, status)
        })
        .collect();
}

/// A row's verdict as reported: the engine's result with `status` decided by the caller.
pub(super) fn row_report(r: &void_session::AssertionResult, status: RowStatus) -> RowReport {
    RowReport {
        description: r.description.clone(),
        field: r.field.clone(),
        operator: r.operator.clone(),
        expected: r.expected.clone(),
        status,
        actual: r.actual.clone(),
        // The engine's "expected X, got Y" repeats the row; keep only other words.
        detail: (status == RowStatus::Failed
            && !r.message.is_empty()
            && !r.message.starts_with("expected "))
        .then(|| r.message.clone()),
    }
}

/// Sends status and new log lines to the console while the session runs.
async fn forward_progress(id: SectionId, session: Session, events: UnboundedSender<RunEvent>) {
    let mut changes = session.changes();
    let mut printed = LogCursor::default();
    loop {
        let status = session.status();
        let _ = events.send(RunEvent::Status {
            id,
            status: LiveStatus {
                state: status.state.as_str().to_string(),
                sent: status.sent,
                received: status.received,
                passed: status.assertions.passed,
                failed: status.assertions.failed,
                pending: status.assertions.pending,
            },
        });
        for line in printed.new_lines(&session.log_text()) {
            let _ = events.send(RunEvent::Log { id, line });
        }
        if session.is_finished() || changes.changed().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// Remembers which live-log lines were already forwarded.
#[derive(Default)]
struct LogCursor {
    last: Option<String>,
}

impl LogCursor {
    /// The lines of `text` (header excluded) after the last one already seen.
    fn new_lines(&mut self, text: &str) -> Vec<String> {
        let lines: Vec<&str> = text.lines().skip(1).collect();
        let start = match &self.last {
            None => 0,
            Some(last) => lines.iter().rposition(|l| l == last).map_or(0, |i| i + 1),
        };
        let new: Vec<String> = lines[start..].iter().map(|l| l.to_string()).collect();
        if let Some(l) = new.last() {
            self.last = Some(l.clone());
        }
        new
    }
}

/// The run ended while still connecting: it was runTimeout, not a cancel. A section that
/// reconnects may have failed many attempts by then; the last one's error says why (a refused
/// connection keeps its words, so the report gives its hint).
fn timed_out_connecting(run_timeout: Duration, status: &Status) -> String {
    let timed_out = format!(
        "runTimeout ({}) passed while connecting: the connection never opened",
        void_syntax::vocab::human_seconds(run_timeout)
    );
    match status.error.as_deref() {
        Some(last) if status.reconnects > 0 => format!(
            "{timed_out} ({} attempts; the last error: {last})",
            status.reconnects + 1
        ),
        Some(last) => format!("{timed_out} ({last})"),
        None => timed_out,
    }
}
