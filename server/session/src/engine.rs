//! The session task: one tokio task per session that connects, runs the connection, sends the
//! automatic and requested messages, keeps the counters, live log and assertion state, and
//! reconnects when asked to.
//!
//! Observers never get a push per frame: the task updates [`Inner`] under a short lock and bumps
//! a `watch` version; callers pull snapshots at their own pace. An open connection is split:
//! this task reads (a batch of buffered frames at a time, applied under one lock) and handles
//! commands and timers, while [`crate::writer`] owns the sending half, so a write that waits
//! never stops reading. The transcript is written by the process's shared writer thread (see
//! [`crate::transcript`]). Nothing in this module panics on what a server sends.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::{Interval, MissedTickBehavior, Sleep};
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};
use void_syntax::vocab::{MessageFormat, SendMode};

use crate::assertions::{Facts, MessageStore, Payload, Tracker};
use crate::connect::{self, ConnectError, Connected, Connector};
use crate::log::{EntryKind, LiveLog, LogEntry, LogText};
use crate::mask::{LogSecretsRegistration, Masker, log_secrets};
use crate::outbox::{Outbox, Taken};
use crate::queue;
use crate::run::Run;
use crate::spec::{Outgoing, SessionSpec};
use crate::status::{AssertionResult, EndedBy, Outcome, ReconnectWait, SessionState, Status};
use crate::sync::Unpoisoned;
use crate::transcript::{Record, Transcript};
use crate::writer::{self, WriteJob};

/// How long a close we started waits for the server's answer before the socket is dropped.
pub const CLOSE_ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// First reconnect delay; doubles per failed attempt up to [`RECONNECT_MAX_DELAY`].
pub const RECONNECT_FIRST_DELAY: Duration = Duration::from_millis(500);
pub const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(30);
/// Observers are told about counter changes (messages in and out) at most this often; state
/// changes are told at once.
pub const NOTIFY_INTERVAL: Duration = Duration::from_millis(20);
/// Frames (and commands) handled per wake-up when more are already buffered.
const FRAME_BATCH: usize = 256;
/// How long a connection that ended waits for its writer to put out what was queued.
const WRITER_DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

/// A request from a handle to the task.
#[derive(Debug)]
pub(crate) enum Command {
    Send { outgoing: Outgoing },
    Close { code: u16, reason: String },
}

/// A synchronous answer to a received message, sent before the next frame is read (see
/// `SessionSettings::auto_reply`).
pub type AutoReply = std::sync::Arc<dyn Fn(&Payload) -> Option<Outgoing> + Send + Sync>;

/// What the task hands received messages to.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub tap: Option<mpsc::Sender<Incoming>>,
    pub auto_reply: Option<AutoReply>,
}

/// Received messages handed to a tap (see `SessionSettings::message_tap`): every message
/// read from the socket in one go, in arrival order, never empty. Handing over a batch costs
/// one channel operation however many messages it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// Shared with the session's log and transcript: handing them over copies nothing.
    pub payloads: Arc<[Payload]>,
}

/// Everything observers read, behind one lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub state: SessionState,
    pub paused: bool,
    pub sent: u64,
    pub http_status: Option<u16>,
    pub subprotocol: Option<String>,
    pub handshake_ms: Option<u64>,
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
    pub error: Option<String>,
    pub warnings: Vec<String>,
    /// Who ended the last connection (or attempt).
    pub ended_by: Option<EndedBy>,
    /// While waiting to reconnect: the attempt that comes next and when it starts.
    pub reconnect_at: Option<(u32, Instant)>,
    pub reconnects: u32,
    pub log: LiveLog,
    pub messages: MessageStore,
    pub tracker: Tracker,
    /// The outcome of each assertion row last written to the log (a line is written when a
    /// row leaves `pending` or changes outcome).
    pub logged_outcomes: Vec<Outcome>,
    pub connected_ever: bool,
    pub handshake_done: bool,
    pub handshake_headers: Vec<(String, String)>,
    /// Frames waiting for the connection's writer; handles queue here directly while it
    /// accepts (open, and neither side has started closing), else through the task.
    pub(crate) outbox: Outbox,
    pub opened_at: Option<Instant>,
    pub latency_first: Option<Duration>,
    pub last_traffic: Instant,
    /// The task has ended: nothing will change any more.
    pub finished: bool,
    pub version: u64,
}

impl Inner {
    pub(crate) fn facts(&self, started: Instant) -> Facts<'_> {
        Facts {
            connected: self.connected_ever,
            handshake_done: self.handshake_done,
            handshake_status: self.http_status,
            handshake_headers: &self.handshake_headers,
            subprotocol: self.subprotocol.as_deref(),
            sent: self.sent,
            messages: &self.messages,
            close_code: self.close_code,
            close_reason: self.close_reason.as_deref(),
            latency_first_ms: self.latency_first.map(|d| d.as_millis() as u64),
            elapsed: started.elapsed(),
            terminal: self.finished,
        }
    }
}

/// The state shared by the task and every handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub id: String,
    pub spec: Arc<SessionSpec>,
    pub masker: Masker,
    pub masked_url: String,
    pub started: Instant,
    pub transcript: Transcript,
    pub inner: Mutex<Inner>,
    pub changes: watch::Sender<u64>,
    /// Wakes the writer when the outbox goes from empty to not empty, or is finished.
    pub(crate) writer_wake: Notify,
    /// Wakes senders waiting for room in the outbox (`Session::send_when_ready`).
    pub(crate) room: Notify,
    /// Keeps this session's secrets out of the process's own log while it exists.
    _log_secrets: LogSecretsRegistration,
}

impl Shared {
    pub(crate) fn new(id: String, spec: Arc<SessionSpec>, transcript: Transcript) -> Self {
        let masker = Masker::new(&spec.secrets);
        let masked_url = masker.mask(&spec.url).into_owned();
        let log_secrets = log_secrets().register(&spec.secrets);
        let mut warnings = Vec::new();
        if spec.options.insecure && spec.url.trim_start().starts_with("wss:") {
            warnings.push("TLS certificate checks are off (insecure: true)".to_string());
        }
        let inner = Inner {
            state: SessionState::Connecting,
            paused: false,
            sent: 0,
            http_status: None,
            subprotocol: None,
            handshake_ms: None,
            close_code: None,
            close_reason: None,
            error: None,
            warnings,
            ended_by: None,
            reconnect_at: None,
            reconnects: 0,
            log: LiveLog::new(spec.options.log_mode, spec.options.log_limit),
            messages: MessageStore::default(),
            tracker: Tracker::new(spec.assertions.clone()),
            logged_outcomes: vec![Outcome::Pending; spec.assertions.len()],
            connected_ever: false,
            handshake_done: false,
            handshake_headers: Vec::new(),
            outbox: Outbox::default(),
            opened_at: None,
            latency_first: None,
            last_traffic: Instant::now(),
            finished: false,
            version: 0,
        };
        Shared {
            id,
            spec,
            masker,
            masked_url,
            started: Instant::now(),
            transcript,
            inner: Mutex::new(inner),
            changes: watch::channel(0).0,
            writer_wake: Notify::new(),
            room: Notify::new(),
            _log_secrets: log_secrets,
        }
    }

    /// Queues a job of the session task's own (automatic sends, pings, replies, the close
    /// frame); `false` when no writer is attached any more.
    pub(crate) fn queue_write(&self, job: WriteJob) -> bool {
        let pushed = self.lock().outbox.push(job);
        match pushed {
            Ok(wake) => {
                if wake {
                    self.writer_wake.notify_one();
                }
                true
            }
            Err(_) => false,
        }
    }

    /// For the writer: waits until jobs are queued and moves them to `out`; `false` once the
    /// outbox is finished (or detached) and empty.
    pub(crate) async fn next_jobs(&self, out: &mut VecDeque<WriteJob>) -> bool {
        loop {
            let woken = self.writer_wake.notified();
            let taken = self.lock().outbox.take_all(out);
            match taken {
                Taken::Jobs { wake_senders } => {
                    self.wake_room_waiters(wake_senders);
                    return true;
                }
                Taken::Finished => return false,
                Taken::Empty => woken.await,
            }
        }
    }

    /// Handles' sends go through the task from now on (the caller sets the state that says
    /// why); senders waiting for room are woken to see it.
    pub(crate) fn wake_room_waiters(&self, waiting: bool) {
        if waiting {
            self.room.notify_waiters();
        }
    }

    /// The writer is gone: the outbox drops what is left and refuses jobs.
    pub(crate) fn detach_writer(&self) {
        let waiting = self.lock().outbox.detach();
        self.wake_room_waiters(waiting);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unpoisoned()
    }

    /// Runs `f` under the lock and tells observers that something changed.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.lock();
        let r = f(&mut inner);
        inner.version += 1;
        let version = inner.version;
        drop(inner);
        self.changes.send_replace(version);
        r
    }

    /// Like [`Shared::update`] without telling observers (the engine batches that).
    pub(crate) fn update_quiet<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.lock();
        let r = f(&mut inner);
        inner.version += 1;
        r
    }

    /// Tells observers the current version.
    pub(crate) fn notify(&self) {
        let version = self.lock().version;
        self.changes.send_replace(version);
    }

    fn push_log(inner: &mut Inner, kind: EntryKind, text: String) {
        inner.log.push(LogEntry {
            at: Utc::now(),
            kind,
            text: LogText::Plain(text),
        });
    }

    /// Like [`Shared::event`] without telling observers (the caller notifies).
    pub(crate) fn event_quiet(&self, kind: EntryKind, transcript_kind: &'static str, text: String) {
        self.transcript
            .try_record(Record::event(transcript_kind, text.clone()));
        self.update_quiet(|inner| Self::push_log(inner, kind, text));
    }

    /// Adds an event line to the log and the transcript.
    pub(crate) fn event(&self, kind: EntryKind, transcript_kind: &'static str, text: String) {
        self.transcript
            .try_record(Record::event(transcript_kind, text.clone()));
        self.update(|inner| Self::push_log(inner, kind, text));
    }

    pub(crate) fn status(&self) -> Status {
        let mut inner = self.lock();
        let (assertions, assertion_results) = inner
            .tracker
            .evaluate(&inner.facts(self.started), &self.masker);
        let settled = Self::log_settled(&mut inner, &assertion_results);
        let status = Status {
            session_id: self.id.clone(),
            state: inner.state,
            paused: inner.paused,
            sent: inner.sent,
            received: inner.messages.count(),
            url: self.masked_url.clone(),
            http_status: inner.http_status,
            subprotocol: inner.subprotocol.clone(),
            handshake_ms: inner.handshake_ms,
            close_code: inner.close_code,
            close_reason: inner
                .close_reason
                .as_ref()
                .map(|r| self.masker.mask(r).into_owned()),
            error: inner
                .error
                .as_ref()
                .map(|e| self.masker.mask(e).into_owned()),
            warnings: inner.warnings.clone(),
            ended_by: inner.ended_by,
            reconnect: inner.reconnect_at.map(|(attempt, at)| ReconnectWait {
                attempt,
                retry_in_ms: at.saturating_duration_since(Instant::now()).as_millis() as u64,
            }),
            reconnects: inner.reconnects,
            assertions,
            assertion_results,
            elapsed_ms: self.started.elapsed().as_millis() as u64,
        };
        if !settled.is_empty() {
            inner.version += 1;
            let version = inner.version;
            drop(inner);
            for line in settled {
                self.transcript.try_record(Record::event("assertion", line));
            }
            self.changes.send_replace(version);
        }
        status
    }

    /// Writes a log line for each assertion row whose outcome settled (left `pending`, or
    /// changed) since the last look; returns the lines for the transcript. Rows are evaluated
    /// whenever a status is taken, so a settled row shows within one status interval.
    fn log_settled(inner: &mut Inner, results: &[AssertionResult]) -> Vec<String> {
        let mut lines = Vec::new();
        for result in results {
            let Some(logged) = inner.logged_outcomes.get_mut(result.index) else {
                continue;
            };
            if *logged == result.outcome {
                continue;
            }
            *logged = result.outcome;
            let passed = match result.outcome {
                Outcome::Pending => continue,
                Outcome::Pass => true,
                Outcome::Fail => false,
            };
            let line = assertion_line(result);
            Self::push_log(inner, EntryKind::Assertion { passed }, line.clone());
            lines.push(line);
        }
        lines
    }

    pub(crate) fn log_text(&self) -> String {
        let inner = self.lock();
        let mut out = String::with_capacity(256 + inner.log.len() * 64);
        out.push_str("# ");
        out.push_str(&self.masked_url);
        out.push_str(" · ");
        out.push_str(inner.state.as_str());
        if let Some(sub) = &inner.subprotocol {
            out.push_str(" · subprotocol ");
            out.push_str(sub);
        }
        out.push_str(&format!(
            " · {} sent · {} received",
            inner.sent,
            inner.messages.count()
        ));
        if inner.paused {
            out.push_str(" · paused");
        }
        for warning in &inner.warnings {
            out.push_str(" · ⚠ ");
            out.push_str(warning);
        }
        out.push('\n');
        inner.log.render_lines(&self.masker, &mut out);
        out
    }
}

/// How one connection ended.
enum End {
    /// The user (or the last handle) closed the session.
    UserClosed,
    /// The server closed, the connection dropped, or an error closed it.
    Remote,
    /// No connection was made.
    Failed { permanent: bool },
}

/// The session task.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut commands: queue::Receiver<Command>,
    connector: Arc<dyn Connector>,
    hooks: Hooks,
) {
    let spec = shared.spec.clone();
    let mut attempt: u32 = 0;
    // The state shown once the task ends; set together with `finished` after the transcript
    // is flushed, so no observer sees a closed session that is still finishing.
    let mut final_state;
    // Warnings (TLS checks off) go to the log and the transcript before anything else, so no
    // record of the session lacks them.
    let warnings = shared.lock().warnings.clone();
    for warning in warnings {
        shared.event(EntryKind::Event, "warning", format!("⚠ {warning}"));
    }
    'session: loop {
        shared.update(|inner| {
            inner.state = SessionState::Connecting;
            inner.handshake_headers.clear();
        });
        shared.event(
            EntryKind::Event,
            "connecting",
            format!("connecting · {}", shared.masked_url),
        );
        // Boxed and scoped: the connect future (large, and holding the handshake's buffers)
        // is freed as soon as it is done instead of living as long as the connection.
        let outcome = {
            let mut connecting = Box::pin(tokio::time::timeout(
                spec.options.connect_timeout,
                connect::establish(&spec, &connector),
            ));
            loop {
                tokio::select! {
                    result = &mut connecting => break Ok(result),
                    command = commands.recv() => match command {
                        Some(Command::Send { .. }) => refuse_send(&shared, "not connected yet"),
                        Some(Command::Close { reason, .. }) => break Err(reason),
                        None => break Err(String::new()),
                    },
                }
            }
        };
        let end = match outcome {
            Err(reason) => {
                // A Close while connecting cancels the attempt; its reason (a headless run's
                // `runTimeout`, say) is part of the words.
                final_state = SessionState::Closed;
                let words = if reason.is_empty() {
                    "cancelled while connecting".to_string()
                } else {
                    format!("cancelled while connecting: {reason}")
                };
                shared.update_quiet(|inner| {
                    inner.error = Some(words.clone());
                    inner.ended_by = Some(EndedBy::Client);
                });
                shared.event_quiet(EntryKind::End, "close", format!("closed · {words}"));
                break 'session;
            }
            Ok(Err(_elapsed)) => {
                let secs = spec.options.connect_timeout.as_secs_f64();
                connect_failed(
                    &shared,
                    ConnectError::new(format!(
                        "timed out after {secs} s while connecting (connectTimeout)"
                    )),
                )
                .await
            }
            Ok(Ok(Err(error))) => connect_failed(&shared, error).await,
            Ok(Ok(Ok(connected))) => {
                attempt = 0;
                run_open(&shared, connected, &mut commands, &hooks).await
            }
        };
        final_state = match end {
            End::Failed { .. } => SessionState::Failed,
            _ => SessionState::Closed,
        };
        match end {
            End::UserClosed | End::Failed { permanent: true } => break,
            _ if !spec.options.reconnect => break,
            _ => {}
        }
        // `attempt` counts failures in a row (it sets the backoff); `reconnects` counts every
        // reconnect of the session (it is what people read, and what the limit applies to).
        attempt = attempt.saturating_add(1);
        let reconnects = shared.lock().reconnects;
        let limit = spec.options.reconnect_limit;
        if reconnects >= limit {
            let message = format!(
                "stopped reconnecting after {reconnects} attempt{} (reconnectLimit {limit})",
                if reconnects == 1 { "" } else { "s" }
            );
            shared.update_quiet(|inner| {
                if inner.error.is_none() {
                    inner.error = Some(message.clone());
                }
            });
            shared.event_quiet(EntryKind::End, "reconnect", message);
            break;
        }
        let delay = RECONNECT_FIRST_DELAY
            .saturating_mul(1u32 << (attempt - 1).min(10))
            .min(RECONNECT_MAX_DELAY);
        // One change: observers see the end of this connection and the wait together. The
        // attempt people see counts every reconnect of the session, like the log line.
        shared.update(|inner| {
            inner.state = SessionState::Reconnecting;
            inner.reconnect_at = Some((reconnects + 1, Instant::now() + delay));
        });
        shared.event(
            EntryKind::Event,
            "reconnect",
            format!(
                "reconnecting in {} ms (attempt {} of {limit})",
                delay.as_millis(),
                reconnects + 1
            ),
        );
        let wait = tokio::time::sleep(delay);
        tokio::pin!(wait);
        loop {
            tokio::select! {
                _ = &mut wait => break,
                command = commands.recv() => match command {
                    Some(Command::Send { .. }) => refuse_send(&shared, "not connected (waiting to reconnect)"),
                    Some(Command::Close { .. }) | None => {
                        // Close ends the wait: the session is closed, by the client.
                        final_state = SessionState::Closed;
                        shared.update_quiet(|inner| {
                            inner.reconnect_at = None;
                            inner.ended_by = Some(EndedBy::Client);
                        });
                        shared.event_quiet(EntryKind::End, "close", "closed · reconnect cancelled by Close".into());
                        break 'session;
                    }
                },
            }
        }
        shared.update(|inner| {
            inner.reconnect_at = None;
            inner.reconnects += 1;
        });
    }
    shared.transcript.flush().await;
    shared.update(|inner| {
        inner.state = final_state;
        inner.finished = true;
    });
}

fn refuse_send(shared: &Shared, why: &str) {
    shared.event(EntryKind::End, "error", format!("not sent: {why}"));
}

async fn connect_failed(shared: &Shared, error: ConnectError) -> End {
    // Only what was really sent is logged as sent: a connection that never opened sent nothing.
    if let Some(line) = &error.request_line {
        log_handshake(shared, "→", Some(line), &error.request_headers);
    }
    if let Some(status) = error.http_status {
        let reason = tokio_tungstenite::tungstenite::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let line = format!("HTTP/1.1 {status} {reason}");
        log_handshake(shared, "←", Some(line.trim_end()), &error.response_headers);
    }
    let message = error.message.clone();
    // Quiet, and the state is set by the caller (see `finish_connection`).
    shared.update_quiet(|inner| {
        inner.error = Some(message.clone());
        inner.ended_by = Some(if error.http_status.is_some() {
            EndedBy::Server
        } else {
            EndedBy::Network
        });
        if error.http_status.is_some() {
            inner.http_status = error.http_status;
            inner.handshake_done = true;
            inner.handshake_headers = error.response_headers.clone();
        }
    });
    shared.event_quiet(EntryKind::End, "error", format!("failed · {message}"));
    End::Failed {
        permanent: error.permanent,
    }
}

/// Logs a handshake's request or status line (`GET /p HTTP/1.1`, `HTTP/1.1 101 Switching
/// Protocols`) and its header lines (`name: value`): one log entry per line, all sharing one
/// text buffer (an idle session keeps them for its whole life), one transcript record per line.
fn log_handshake(shared: &Shared, arrow: &str, first: Option<&str>, headers: &[(String, String)]) {
    if headers.is_empty() && first.is_none() {
        return;
    }
    let mut block = String::new();
    let mut ends = Vec::with_capacity(headers.len() + 1);
    if let Some(line) = first {
        let start = block.len();
        block.push_str(arrow);
        block.push(' ');
        block.push_str(&shared.masker.mask(line));
        shared
            .transcript
            .try_record(Record::event("handshake", &block[start..]));
        ends.push((start, block.len()));
    }
    for (name, value) in headers {
        let shown = shared.masker.header_value(name, value);
        let start = block.len();
        block.push_str(arrow);
        block.push(' ');
        block.push_str(name);
        block.push_str(": ");
        block.push_str(&shown);
        shared
            .transcript
            .try_record(Record::event("handshake", &block[start..]));
        ends.push((start, block.len()));
    }
    let block: Arc<str> = Arc::from(block);
    let at = Utc::now();
    shared.update(|inner| {
        for (start, end) in ends {
            inner.log.push(LogEntry {
                at,
                kind: EntryKind::Event,
                text: LogText::slice(&block, start, end),
            });
        }
    });
}

/// Words for a close code.
pub fn close_code_words(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1005 => "no status code",
        1006 => "abnormal closure",
        1007 => "invalid payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "missing extension",
        1011 => "internal server error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake failure",
        _ => "application-defined code",
    }
}

struct Timers {
    due: std::pin::Pin<Box<Sleep>>,
    notify: std::pin::Pin<Box<Sleep>>,
    pong: std::pin::Pin<Box<Sleep>>,
    close: std::pin::Pin<Box<Sleep>>,
    ping: Option<Interval>,
    heartbeat: Option<Interval>,
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}

async fn tick(interval: &mut Option<Interval>) {
    match interval {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// Runs one open connection until it ends.
async fn run_open(
    shared: &Arc<Shared>,
    connected: Connected,
    commands: &mut queue::Receiver<Command>,
    hooks: &Hooks,
) -> End {
    let spec = shared.spec.clone();
    let Connected {
        ws,
        http_status,
        reason,
        request_line,
        request_headers,
        response_headers,
        subprotocol,
        handshake_time,
    } = connected;
    log_handshake(shared, "→", Some(&request_line), &request_headers);
    let status_line = format!("HTTP/1.1 {http_status} {reason}");
    log_handshake(shared, "←", Some(status_line.trim_end()), &response_headers);
    let handshake_ms = handshake_time.as_millis() as u64;
    // The writing half runs in its own task, fed in order through the outbox; reading goes on
    // while a write waits. Handles may send straight to it from the moment the state is Open.
    let (sink, mut stream) = ws.split();
    // Attached before the writer starts, so it never finds the outbox detached.
    shared.update_quiet(|inner| inner.outbox.attach());
    let mut writer = tokio::spawn(writer::run(shared.clone(), sink));
    let mut writer_ended = false;
    shared.update(|inner| {
        inner.state = SessionState::Open;
        inner.http_status = Some(http_status);
        inner.subprotocol = subprotocol.clone();
        inner.handshake_ms = Some(handshake_ms);
        inner.close_code = None;
        inner.close_reason = None;
        inner.error = None;
        inner.connected_ever = true;
        inner.handshake_done = true;
        inner.handshake_headers = response_headers.clone();
        inner.opened_at = Some(Instant::now());
        inner.last_traffic = Instant::now();
    });
    let mut open_line = format!("open · {http_status} {reason} · {handshake_ms} ms");
    if let Some(sub) = &subprotocol {
        open_line.push_str(&format!(" · subprotocol {sub}"));
    }
    shared.event(EntryKind::Event, "open", open_line);

    // Automatic sends: (due time, message index), in file order for equal times.
    let now = tokio::time::Instant::now();
    let mut scheduled: Vec<(tokio::time::Instant, usize)> = spec
        .messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.send == SendMode::OnOpen)
        .map(|(i, m)| (now + m.delay.unwrap_or_default(), i))
        .collect();
    let mut after_fired: Vec<(usize, String, bool)> = spec
        .messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match &m.send {
            SendMode::After(name) => Some((i, name.clone(), false)),
            _ => None,
        })
        .collect();

    let interval = |period: Duration| {
        let mut i = tokio::time::interval_at(now + period, period);
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    };
    let mut timers = Timers {
        due: Box::pin(tokio::time::sleep_until(far_future())),
        notify: Box::pin(tokio::time::sleep_until(far_future())),
        pong: Box::pin(tokio::time::sleep_until(far_future())),
        close: Box::pin(tokio::time::sleep_until(far_future())),
        ping: spec
            .options
            .ping_interval
            .filter(|d| !d.is_zero())
            .map(interval),
        heartbeat: spec.options.heartbeat.as_ref().map(|_| {
            interval(
                spec.options
                    .heartbeat_interval
                    .max(Duration::from_millis(10)),
            )
        }),
    };
    let mut awaiting_pong = false;
    let mut user_close: Option<(u16, String)> = None;
    let mut server_close: Option<(u16, String)> = None;
    let mut local_error: Option<LocalEnd> = None;

    macro_rules! reschedule {
        () => {
            match scheduled.iter().map(|(t, _)| *t).min() {
                Some(t) => timers.due.as_mut().reset(t),
                None => timers.due.as_mut().reset(far_future()),
            }
        };
    }
    reschedule!();

    // Observers hear about counter changes at most every NOTIFY_INTERVAL.
    let mut notify_armed = false;
    macro_rules! mark_changed {
        () => {
            if !notify_armed {
                notify_armed = true;
                timers
                    .notify
                    .as_mut()
                    .reset(tokio::time::Instant::now() + NOTIFY_INTERVAL);
            }
        };
    }

    // Queues a message for the writer; if the writer is gone the connection is over.
    macro_rules! send_or_end {
        ($label:lifetime, $job:expr) => {{
            if !shared.queue_write($job) {
                local_error
                    .get_or_insert(LocalEnd::network("sending failed: the connection is gone"));
                break $label;
            }
        }};
    }

    // Data messages of one batch of buffered frames, applied together.
    let mut arrived_batch: Vec<Payload> = Vec::new();

    'conn: loop {
        tokio::select! {
            frame = stream.next() => {
                // Handle what is already buffered in one go (bounded), so a flood costs one
                // select, one lock and one transcript job per batch instead of per frame.
                let mut frame = frame;
                let mut budget = FRAME_BATCH;
                let mut ended = false;
                // Frames of one batch were already buffered together: one clock read for all.
                let arrived = (Instant::now(), Utc::now());
                loop {
                    match frame {
                        Some(Ok(Message::Text(text))) => arrived_batch.push(Payload::Text(text)),
                        Some(Ok(Message::Binary(bytes))) => arrived_batch.push(Payload::Binary(bytes)),
                        Some(Ok(Message::Ping(_))) | Some(Ok(Message::Frame(_))) => {}
                        Some(Ok(Message::Pong(_))) => {
                            awaiting_pong = false;
                            timers.pong.as_mut().reset(far_future());
                        }
                        Some(Ok(Message::Close(frame))) => {
                            let (code, reason) = frame
                                .map(|f| (u16::from(f.code), f.reason.to_string()))
                                .unwrap_or((1005, String::new()));
                            server_close.get_or_insert((code, reason));
                            let waiting = shared.update(|inner| {
                                inner.state = SessionState::Closing;
                                inner.outbox.stop_accepting()
                            });
                            shared.wake_room_waiters(waiting);
                            if user_close.is_none() {
                                timers.close.as_mut().reset(tokio::time::Instant::now() + CLOSE_ANSWER_TIMEOUT);
                            }
                        }
                        Some(Err(error)) => {
                            if server_close.is_none() && user_close.is_none() {
                                local_error = Some(classify_read_error(&error, &spec));
                                if let Some(LocalEnd { code, .. }) = local_error.as_ref().filter(|end| end.code != 1006) {
                                    let frame = CloseFrame { code: CloseCode::from(*code), reason: close_reason_for(*code).into() };
                                    let _ = shared.queue_write(WriteJob::Close(Some(frame)));
                                }
                            }
                            ended = true;
                        }
                        None => ended = true,
                    }
                    budget -= 1;
                    if ended || budget == 0 {
                        break;
                    }
                    match stream.next().now_or_never() {
                        Some(next) => frame = next,
                        None => break,
                    }
                }
                if !arrived_batch.is_empty() {
                    // One shared list for the log, the assertion store, the transcript and
                    // the tap.
                    let payloads: Arc<[Payload]> = arrived_batch.drain(..).collect();
                    let run = Run::Received { at: arrived.1, payloads: payloads.clone() };
                    let fired = on_received(shared, &run, &payloads, &mut after_fired, arrived.0);
                    mark_changed!();
                    if !fired.is_empty() {
                        let now = tokio::time::Instant::now();
                        for i in fired {
                            scheduled.push((now + spec.messages[i].delay.unwrap_or_default(), i));
                        }
                        reschedule!();
                    }
                    shared.transcript.record_run(run).await;
                    for payload in payloads.iter() {
                        if let Some(reply) = hooks.auto_reply.as_ref().and_then(|reply| reply(payload))
                            && user_close.is_none()
                            && server_close.is_none()
                            && !shared.queue_write(WriteJob::Message(reply))
                        {
                            local_error.get_or_insert(LocalEnd::network("sending failed: the connection is gone"));
                            ended = true;
                        }
                    }
                    if let Some(tap) = &hooks.tap {
                        // One hand-over per batch read, not per message.
                        let _ = tap.send(Incoming { payloads }).await;
                    }
                }
                if ended {
                    break 'conn;
                }
            }
            command = commands.recv() => {
                // Take every command already queued: sends go to the writer as one batch.
                let mut command = command;
                let mut budget = FRAME_BATCH;
                loop {
                    match command {
                        Some(Command::Send { outgoing }) => {
                            if user_close.is_some() || server_close.is_some() {
                                refuse_send(shared, "the connection is closing");
                            } else {
                                send_or_end!('conn, WriteJob::Message(outgoing));
                            }
                        }
                        Some(Command::Close { code, reason }) => {
                            if user_close.is_none() {
                                user_close = Some((code, reason.clone()));
                                let waiting = shared.update(|inner| {
                                    inner.state = SessionState::Closing;
                                    inner.outbox.stop_accepting()
                                });
                                shared.wake_room_waiters(waiting);
                                shared.event(EntryKind::Event, "closing", close_line("closing", code, &reason, None));
                                timers.close.as_mut().reset(tokio::time::Instant::now() + CLOSE_ANSWER_TIMEOUT);
                                if server_close.is_none() {
                                    let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                                    send_or_end!('conn, WriteJob::Close(Some(frame)));
                                }
                            }
                        }
                        None => {
                            if user_close.is_none() {
                                user_close = Some((1000, String::new()));
                                timers.close.as_mut().reset(tokio::time::Instant::now() + CLOSE_ANSWER_TIMEOUT);
                                send_or_end!('conn, WriteJob::Close(None));
                            }
                            break;
                        }
                    }
                    budget -= 1;
                    if budget == 0 {
                        break;
                    }
                    match commands.try_recv() {
                        Some(next) => command = Some(next),
                        None => break,
                    }
                }
            }
            result = &mut writer, if !writer_ended => {
                writer_ended = true;
                match result {
                    Ok(Ok(())) => {}
                    Ok(Err(message)) => {
                        if server_close.is_none() {
                            local_error.get_or_insert(LocalEnd::network(message));
                        }
                        break;
                    }
                    Err(_) => {
                        local_error.get_or_insert(LocalEnd::network("sending failed: the writer stopped"));
                        break;
                    }
                }
            }
            _ = &mut timers.due, if !scheduled.is_empty() => {
                let now = tokio::time::Instant::now();
                let mut due: Vec<(tokio::time::Instant, usize)> = Vec::new();
                scheduled.retain(|entry| {
                    if entry.0 <= now { due.push(*entry); false } else { true }
                });
                due.sort_by_key(|(t, i)| (*t, *i));
                reschedule!();
                if user_close.is_some() || server_close.is_some() {
                    continue;
                }
                for (_, i) in due {
                    let message = &spec.messages[i];
                    match message.payload() {
                        Ok(outgoing) => send_or_end!('conn, WriteJob::Message(outgoing)),
                        Err(e) => shared.event(EntryKind::End, "error", format!("not sent: {}: {e}", message.label())),
                    }
                }
            }
            _ = tick(&mut timers.ping) => {
                if !awaiting_pong && user_close.is_none() && server_close.is_none() {
                    send_or_end!('conn, WriteJob::Ping(Bytes::from_static(b"void-ls")));
                    awaiting_pong = true;
                    timers.pong.as_mut().reset(tokio::time::Instant::now() + spec.options.pong_timeout);
                }
            }
            _ = &mut timers.pong, if awaiting_pong => {
                let ms = spec.options.pong_timeout.as_millis();
                local_error = Some(LocalEnd {
                    code: 1006,
                    message: format!("timed out: no pong within {ms} ms of a ping (pongTimeout); the client dropped the connection"),
                    by: EndedBy::Client,
                });
                break;
            }
            _ = tick(&mut timers.heartbeat) => {
                if user_close.is_none() && server_close.is_none()
                    && let Some(text) = spec.options.heartbeat.clone()
                {
                    send_or_end!('conn, WriteJob::Message(Outgoing::Text { format: MessageFormat::Text, text: text.into() }));
                }
            }
            _ = &mut timers.notify, if notify_armed => {
                notify_armed = false;
                shared.notify();
            }
            _ = &mut timers.close, if user_close.is_some() || server_close.is_some() => {
                if server_close.is_none() {
                    local_error = Some(LocalEnd {
                        code: 1006,
                        message: "the server did not answer the client's close frame in time; the client dropped the connection".into(),
                        by: EndedBy::Client,
                    });
                }
                break;
            }
        }
    }
    // Let the writer put out what is queued (a close frame, replies), briefly, then stop it.
    let waiting = shared.update_quiet(|inner| {
        inner.outbox.finish();
        inner.outbox.stop_accepting()
    });
    shared.wake_room_waiters(waiting);
    shared.writer_wake.notify_one();
    if !writer_ended
        && tokio::time::timeout(WRITER_DRAIN_TIMEOUT, &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
    shared.detach_writer();
    drop(stream);
    if notify_armed {
        shared.notify();
    }
    finish_connection(shared, user_close, server_close, local_error)
}

fn close_reason_for(code: u16) -> &'static str {
    match code {
        1007 => "invalid UTF-8 in a text message",
        1009 => "message too big",
        1002 => "protocol error",
        _ => "",
    }
}

/// A connection this side ended (or saw drop): the close code reported, a sentence, and who
/// ended it.
struct LocalEnd {
    code: u16,
    message: String,
    by: EndedBy,
}

impl LocalEnd {
    /// The connection dropped (1006) under this client.
    fn network(message: impl Into<String>) -> Self {
        LocalEnd {
            code: 1006,
            message: message.into(),
            by: EndedBy::Network,
        }
    }

    /// This client closes with `code` because of what the server sent.
    fn client(code: u16, message: String) -> Self {
        LocalEnd {
            code,
            message,
            by: EndedBy::Client,
        }
    }
}

/// Maps a read error to the close code the client reports, a sentence, and who ended it.
fn classify_read_error(error: &WsError, spec: &SessionSpec) -> LocalEnd {
    match error {
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => LocalEnd::client(
            1009,
            format!(
                "the server sent a message of {} ({size} bytes), over maxMessageSize {} ({max_size} bytes); the client closed the connection with 1009 (message too big)",
                void_syntax::vocab::human_size(*size as u64),
                void_syntax::vocab::human_size(spec.options.max_message_size)
            ),
        ),
        WsError::Capacity(other) => LocalEnd::client(
            1009,
            format!(
                "the server sent too much: {other}; the client closed the connection with 1009 (message too big)"
            ),
        ),
        WsError::Utf8(_) => LocalEnd::client(
            1007,
            "the server sent invalid UTF-8 in a text message; the client closed the connection with 1007 (invalid payload data)".into(),
        ),
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            LocalEnd::network("the connection dropped without a close frame (1006)")
        }
        WsError::Protocol(p) => LocalEnd::client(
            1002,
            format!(
                "the server broke the WebSocket protocol ({p}); the client closed the connection with 1002 (protocol error)"
            ),
        ),
        WsError::Io(e) => LocalEnd::network(format!(
            "the connection dropped without a close frame (1006): {e}"
        )),
        other => LocalEnd::network(format!(
            "the connection ended abnormally (1006): {other}"
        )),
    }
}

fn finish_connection(
    shared: &Shared,
    user_close: Option<(u16, String)>,
    server_close: Option<(u16, String)>,
    local_error: Option<LocalEnd>,
) -> End {
    let (code, reason, error, end, by) = match (local_error, &user_close, server_close) {
        (Some(LocalEnd { code, message, by }), user, _) => {
            let (end, by) = if user.is_some() {
                // The user's Close started the end, whatever happened after.
                (End::UserClosed, EndedBy::Client)
            } else {
                (End::Remote, by)
            };
            (code, String::new(), Some(message), end, by)
        }
        (None, Some((code, reason)), server) => {
            let (code, reason) = server.unwrap_or((*code, reason.clone()));
            (code, reason, None, End::UserClosed, EndedBy::Client)
        }
        (None, None, Some((code, reason))) => {
            let error = match code {
                1000 | 1001 | 1005 => None,
                _ => Some(format!(
                    "the server closed the connection with {code} ({}){}",
                    close_code_words(code),
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {reason}")
                    }
                )),
            };
            (code, reason, error, End::Remote, EndedBy::Server)
        }
        (None, None, None) => (
            1006,
            String::new(),
            Some("the connection dropped without a close frame (1006)".into()),
            End::Remote,
            EndedBy::Network,
        ),
    };
    let line = close_line("closed", code, &reason, error.as_deref());
    // Quiet, and the state is set by the caller: observers see the end together with
    // `finished` (or the reconnect), never a closed session that is still finishing.
    shared.update_quiet(|inner| {
        inner.close_code = Some(code);
        inner.close_reason = Some(reason.clone());
        inner.error = error.clone();
        inner.ended_by = Some(by);
    });
    shared.event_quiet(EntryKind::End, "close", line);
    end
}

/// The log line of a settled assertion row: `The reply is quick · latency.first lessThan
/// 1000 · passed`, or with `· actual 1500` / `· no value` when it failed.
fn assertion_line(result: &AssertionResult) -> String {
    let what = if result.description.trim().is_empty() {
        String::new()
    } else {
        format!("{} · ", result.description.trim())
    };
    let check = format!("{} {} {}", result.field, result.operator, result.expected)
        .trim_end()
        .to_string();
    match (result.outcome, &result.actual) {
        (Outcome::Pass, _) => format!("{what}{check} · passed"),
        (_, Some(actual)) => format!("{what}{check} · failed, actual {actual}"),
        (_, None) => format!("{what}{check} · failed: {}", result.message),
    }
}

/// A `closing`/`closed` log line: `closed · 1000 · normal closure`, `closed · 1000 · "bye"`,
/// `closed · 1006 · <what went wrong>`. An empty reason is told by the code's words, never
/// shown as `""`.
fn close_line(what: &str, code: u16, reason: &str, error: Option<&str>) -> String {
    match error {
        Some(e) => format!("{what} · {code} · {e}"),
        None if reason.is_empty() => format!("{what} · {code} · {}", close_code_words(code)),
        None => format!("{what} · {code} · {reason:?}"),
    }
}

/// Counts, logs and folds a batch of received messages (`run` holds `payloads`) under one
/// lock; returns the `after:` messages they trigger.
fn on_received(
    shared: &Shared,
    run: &Run,
    payloads: &[Payload],
    after: &mut [(usize, String, bool)],
    now: Instant,
) -> Vec<usize> {
    let spec = &shared.spec;
    shared.update_quiet(|inner| {
        if inner.latency_first.is_none()
            && let Some(opened) = inner.opened_at
        {
            inner.latency_first = Some(now.duration_since(opened));
        }
        inner.last_traffic = now;
        inner.messages.push_all(payloads);
        inner.log.push_run(run.clone());
        let mut fired = Vec::new();
        for payload in payloads {
            inner.tracker.observe(payload);
            for (index, target, done) in after.iter_mut() {
                if *done {
                    continue;
                }
                let hit = match spec.message_by_name(target) {
                    Some(message) => payload.as_text().trim() == message.body.trim(),
                    None => inner.tracker.row_matches_message(
                        target,
                        payload,
                        &inner.facts(shared.started),
                    ),
                };
                if hit {
                    *done = true;
                    fired.push(*index);
                }
            }
        }
        fired
    })
}
