//! The state a session's task, its writer and its handles share: one [`Shared`] per session,
//! holding what observers read behind one lock. Nothing outside this module writes that state
//! field by field: every change is a named transition ([`Shared::opened`],
//! [`Shared::closing`], [`Shared::received`], [`Shared::connection_ended`], ...) that keeps the
//! fields that belong together consistent (a state and the outbox that follows it, a close
//! code and who ended the connection), bumps the version, and tells observers or leaves that to
//! the caller (the `_quiet` variants and the counting transitions: the task throttles those
//! to [`NOTIFY_INTERVAL`]).
//!
//! Observers never get a push per frame: they subscribe to the version and pull snapshots
//! ([`Shared::status`], [`Shared::log_text`]) at their own pace. The outbox inside the state
//! is where handles, the task and the writer meet (see [`crate::outbox`]). This module opens no
//! connection and must not hold its lock across an `.await`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::{Notify, watch};
use void_syntax::variables::is_secret_name;

use crate::assertions::{Facts, MessageStore, Payload, Tracker};
use crate::batch::Batch;
use crate::connect::ConnectError;
use crate::log::{EntryKind, LiveLog, LogEntry, LogText, ShownMessage};
use crate::mask::SessionMasker;
use crate::outbox::{Outbox, Taken, WriteJob};
use crate::socketio::acks::AckBook;
use crate::spec::{MessageSpec, Outgoing, SessionSpec};
use crate::status::{
    AssertionResult, EndedBy, Outcome, REPLY_FAILURES_KEPT, ReconnectWait, ReplyFailure,
    SessionState, Status,
};
use crate::sync::Unpoisoned;
use crate::template::{self, Captured, Context};
use crate::transcript::{Record, Transcript};

/// Observers are told about counter changes (messages in and out) at most this often; state
/// changes are told at once.
pub const NOTIFY_INTERVAL: Duration = Duration::from_millis(20);

/// Everything observers read, behind one lock; written only through [`Shared`]'s transitions.
#[derive(Debug)]
struct Inner {
    state: SessionState,
    paused: bool,
    sent: u64,
    http_status: Option<u16>,
    subprotocol: Option<String>,
    handshake_ms: Option<u64>,
    close_code: Option<u16>,
    close_reason: Option<String>,
    error: Option<String>,
    warnings: Vec<String>,
    /// Who ended the last connection (or attempt).
    ended_by: Option<EndedBy>,
    /// While waiting to reconnect: the attempt that comes next and when it starts.
    reconnect_at: Option<(u32, Instant)>,
    reconnects: u32,
    log: LiveLog,
    messages: MessageStore,
    tracker: Tracker,
    /// The outcome of each assertion row last written to the log (a line is written when a
    /// row leaves `pending` or changes outcome).
    logged_outcomes: Vec<Outcome>,
    connected_ever: bool,
    handshake_done: bool,
    handshake_headers: Vec<(String, String)>,
    /// Frames waiting for the connection's writer; handles queue here directly while it
    /// accepts (open, and neither side has started closing), else through the task.
    outbox: Outbox,
    opened_at: Option<Instant>,
    latency_first: Option<Duration>,
    last_traffic: Instant,
    /// Values the session's replies captured (what handles fill messages in from).
    captured: Captured,
    /// Replies that could not be sent: the first few, and how many in all.
    reply_failures: Vec<ReplyFailure>,
    reply_failure_count: u64,
    /// The task has ended: nothing will change any more.
    finished: bool,
    version: u64,
}

impl Inner {
    fn facts(&self, started: Instant) -> Facts<'_> {
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

    fn push_log(&mut self, kind: EntryKind, text: String) {
        self.log
            .push(LogEntry::new(Utc::now(), kind, LogText::Plain(text)));
    }
}

/// What [`Shared::received`] found in a batch of received messages.
pub(crate) struct Arrival {
    /// The number of the batch's first message among all received (from 1).
    pub first_number: u64,
    /// The `after:` messages the batch triggered: (message index, position in the batch of
    /// the message that triggered it).
    pub after_fired: Vec<(usize, usize)>,
}

/// What the handshake of an open connection said, for [`Shared::opened`].
pub(crate) struct Opened {
    pub http_status: u16,
    pub subprotocol: Option<String>,
    pub handshake_ms: u64,
    pub response_headers: Vec<(String, String)>,
}

/// How a connection ended, for [`Shared::connection_ended`].
pub(crate) struct Ended {
    pub code: u16,
    pub reason: String,
    pub error: Option<String>,
    pub by: EndedBy,
}

/// What became of a handle's send offered straight to the outbox ([`Shared::send_now`]).
pub(crate) enum HandleSend {
    /// In the outbox, in call order.
    Queued,
    /// The session is not open.
    NotOpen(SessionState),
    /// Open, but closing has begun: the task decides (it refuses it in the log).
    ThroughTask(Outgoing),
}

/// The state shared by the task, its writer and every handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub id: String,
    pub spec: Arc<SessionSpec>,
    /// Grows when a reply captures a secret.
    pub masker: SessionMasker,
    pub masked_url: String,
    pub started: Instant,
    pub transcript: Transcript,
    /// Socket.IO: the acknowledgements the session waits for (the writer and the reader meet
    /// here; empty for plain WebSocket).
    pub acks: AckBook,
    inner: Mutex<Inner>,
    changes: watch::Sender<u64>,
    /// Wakes the writer when the outbox goes from empty to not empty, or is finished.
    writer_wake: Notify,
    /// Wakes senders waiting for room in the outbox (`Session::send_when_ready`).
    room: Notify,
}

impl Shared {
    /// The state of a new session; `masker` holds the spec's secrets (and keeps them out of the
    /// process's own log while the session exists).
    pub(crate) fn new(
        id: String,
        spec: Arc<SessionSpec>,
        transcript: Transcript,
        masker: SessionMasker,
    ) -> Self {
        let masked_url = masker.mask(&spec.url).into_owned();
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
            captured: Captured::default(),
            reply_failures: Vec::new(),
            reply_failure_count: 0,
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
            acks: AckBook::default(),
            inner: Mutex::new(inner),
            changes: watch::channel(0).0,
            writer_wake: Notify::new(),
            room: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unpoisoned()
    }

    /// Runs `f` under the lock and tells observers that something changed.
    fn update<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.lock();
        let r = f(&mut inner);
        inner.version += 1;
        let version = inner.version;
        drop(inner);
        self.changes.send_replace(version);
        r
    }

    /// Like [`Shared::update`] without telling observers (the caller notifies, or batches).
    fn update_quiet<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
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

    /// A receiver of the version number, which goes up on every change.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    // ----- Reading -----

    pub(crate) fn state(&self) -> SessionState {
        self.lock().state
    }

    /// Whether the task has ended (no reconnect will follow).
    pub(crate) fn is_finished(&self) -> bool {
        self.lock().finished
    }

    pub(crate) fn warnings(&self) -> Vec<String> {
        self.lock().warnings.clone()
    }

    /// Reconnects made so far.
    pub(crate) fn reconnects(&self) -> u32 {
        self.lock().reconnects
    }

    /// The state, whether the task has ended, and how long since the last message in or out
    /// (what a headless run waits on).
    pub(crate) fn activity(&self) -> (SessionState, bool, Duration) {
        let inner = self.lock();
        (inner.state, inner.finished, inner.last_traffic.elapsed())
    }

    /// JSON key paths seen in received messages.
    pub(crate) fn json_keys(&self) -> Vec<String> {
        self.lock().messages.json_keys()
    }

    /// The message shown on `line` of the log text.
    pub(crate) fn message_at_line(
        &self,
        line: usize,
        expected: Option<&str>,
    ) -> Option<ShownMessage> {
        self.lock()
            .log
            .message_at(line, expected, &self.masker.current())
    }

    // ----- Log lines -----

    /// Like [`Shared::event`] without telling observers (the caller notifies).
    pub(crate) fn event_quiet(&self, kind: EntryKind, transcript_kind: &'static str, text: String) {
        self.transcript
            .try_record(Record::event(transcript_kind, text.clone()));
        self.update_quiet(|inner| inner.push_log(kind, text));
    }

    /// Adds an event line to the log and the transcript.
    pub(crate) fn event(&self, kind: EntryKind, transcript_kind: &'static str, text: String) {
        self.transcript
            .try_record(Record::event(transcript_kind, text.clone()));
        self.update(|inner| inner.push_log(kind, text));
    }

    /// A send the task refuses, said in the log.
    pub(crate) fn refuse_send(&self, why: &str) {
        self.event(EntryKind::End, "error", format!("not sent: {why}"));
    }

    /// Logs a handshake's request or status line (`GET /p HTTP/1.1`, `HTTP/1.1 101 Switching
    /// Protocols`) and its header lines (`name: value`): one log entry per line, all sharing one
    /// text buffer (an idle session keeps them for its whole life), one transcript record per
    /// line.
    pub(crate) fn log_handshake(
        &self,
        arrow: &str,
        first: Option<&str>,
        headers: &[(String, String)],
    ) {
        if headers.is_empty() && first.is_none() {
            return;
        }
        let mut block = String::new();
        let mut ends = Vec::with_capacity(headers.len() + 1);
        if let Some(line) = first {
            let start = block.len();
            block.push_str(arrow);
            block.push(' ');
            block.push_str(&self.masker.mask(line));
            self.transcript
                .try_record(Record::event("handshake", &block[start..]));
            ends.push((start, block.len()));
        }
        let masker = self.masker.current();
        for (name, value) in headers {
            let shown = masker.header_value(name, value);
            let start = block.len();
            block.push_str(arrow);
            block.push(' ');
            block.push_str(name);
            block.push_str(": ");
            block.push_str(&shown);
            self.transcript
                .try_record(Record::event("handshake", &block[start..]));
            ends.push((start, block.len()));
        }
        let block: Arc<str> = Arc::from(block);
        let at = Utc::now();
        self.update(|inner| {
            for (start, end) in ends {
                inner.log.push(LogEntry::new(
                    at,
                    EntryKind::Event,
                    LogText::slice(&block, start, end),
                ));
            }
        });
    }

    // ----- The session's life -----

    /// A connection attempt starts.
    pub(crate) fn begin_connecting(&self) {
        self.update(|inner| {
            inner.state = SessionState::Connecting;
            inner.handshake_headers.clear();
        });
    }

    /// A Close while connecting cancelled the attempt (quiet: [`Shared::finish`] tells).
    pub(crate) fn cancelled_while_connecting(&self, words: String) {
        self.update_quiet(|inner| {
            inner.error = Some(words.clone());
            inner.ended_by = Some(EndedBy::Client);
        });
        self.event_quiet(EntryKind::End, "close", format!("closed · {words}"));
    }

    /// The attempt failed (quiet: the caller sets the state next). A refusal over HTTP counts
    /// as a handshake the server answered.
    pub(crate) fn connect_failed(&self, error: &ConnectError) {
        let message = error.message.clone();
        self.update_quiet(|inner| {
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
        self.event_quiet(EntryKind::End, "error", format!("failed · {message}"));
    }

    /// The connection is open: a new writer takes the outbox, and handles may send straight to
    /// it from now on.
    pub(crate) fn opened(&self, opened: Opened) {
        self.update(|inner| {
            inner.state = SessionState::Open;
            inner.http_status = Some(opened.http_status);
            inner.subprotocol = opened.subprotocol;
            inner.handshake_ms = Some(opened.handshake_ms);
            inner.close_code = None;
            inner.close_reason = None;
            inner.error = None;
            inner.connected_ever = true;
            inner.handshake_done = true;
            inner.handshake_headers = opened.response_headers;
            inner.opened_at = Some(Instant::now());
            inner.last_traffic = Instant::now();
        });
    }

    /// Closing has begun (the user's Close, or the server's close frame): handles' sends go
    /// through the task, which refuses them; senders waiting for room are woken to see it.
    pub(crate) fn closing(&self) {
        let waiting = self.update(|inner| {
            inner.state = SessionState::Closing;
            inner.outbox.stop_accepting()
        });
        self.wake_room_waiters(waiting);
    }

    /// A batch of received messages (`batch` holds `payloads`): counted, logged and folded into
    /// the assertions under one lock (quiet: the task throttles notifications). Says which
    /// number the first of them has and which `after:` messages they trigger (`after`: message
    /// index, target name, already fired).
    pub(crate) fn received(
        &self,
        batch: &Batch,
        payloads: &[Payload],
        after: &mut [(usize, String, bool)],
        now: Instant,
    ) -> Arrival {
        let spec = &self.spec;
        self.update_quiet(|inner| {
            if inner.latency_first.is_none()
                && let Some(opened) = inner.opened_at
            {
                inner.latency_first = Some(now.duration_since(opened));
            }
            inner.last_traffic = now;
            let first_number = inner.messages.count() + 1;
            inner.messages.push_all(payloads);
            inner.log.push_batch(batch.clone());
            let mut after_fired = Vec::new();
            for (position, payload) in payloads.iter().enumerate() {
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
                            &inner.facts(self.started),
                        ),
                    };
                    if hit {
                        *done = true;
                        after_fired.push((*index, position));
                    }
                }
            }
            Arrival {
                first_number,
                after_fired,
            }
        })
    }

    /// A reply captured `name` (quiet: the task notifies): kept for the messages handles send,
    /// masked from now on when its name says it is a secret, and said in the log.
    pub(crate) fn captured(&self, name: &str, value: &str, words: String) {
        if is_secret_name(name) {
            self.masker.add(value);
        }
        self.update_quiet(|inner| {
            inner.captured.set(name, value.to_string());
        });
        self.event_quiet(EntryKind::Event, "capture", words);
    }

    /// A reply that was due could not be sent (quiet: the task notifies): kept for the status
    /// and said in the log.
    pub(crate) fn reply_failed(&self, failure: ReplyFailure) {
        let line = format!("not sent: {}", failure.sentence());
        self.update_quiet(|inner| {
            inner.reply_failure_count += 1;
            if inner.reply_failures.len() < REPLY_FAILURES_KEPT {
                inner.reply_failures.push(failure);
            }
        });
        self.event_quiet(EntryKind::End, "error", line);
    }

    /// A message of the spec as it would be sent now by a handle: filled in from the values
    /// captured so far (docs/format.md §4.4).
    pub(crate) fn render(&self, message: &MessageSpec) -> Result<Outgoing, String> {
        if !template::needs_filling(&message.body) {
            return template::render_in(&self.spec, message, &Context::empty());
        }
        let inner = self.lock();
        let context = Context {
            captured: &inner.captured,
            defaults: &self.spec.capture_defaults,
            trigger: None,
        };
        template::render_in(&self.spec, message, &context)
    }

    /// A batch of messages went out (quiet: the writer throttles notifications).
    pub(crate) fn sent(&self, count: u64, batch: Batch) {
        self.update_quiet(|inner| {
            inner.sent += count;
            inner.last_traffic = Instant::now();
            inner.log.push_batch(batch);
        });
    }

    /// How the connection ended (quiet: the caller sets the state next, so observers see the
    /// end together with the session finishing or the reconnect).
    pub(crate) fn connection_ended(&self, ended: Ended, line: String) {
        self.update_quiet(|inner| {
            inner.close_code = Some(ended.code);
            inner.close_reason = Some(ended.reason);
            inner.error = ended.error;
            inner.ended_by = Some(ended.by);
        });
        self.event_quiet(EntryKind::End, "close", line);
    }

    /// The session stops reconnecting after its limit (quiet: [`Shared::finish`] tells).
    pub(crate) fn stop_reconnecting(&self, message: String) {
        self.update_quiet(|inner| {
            if inner.error.is_none() {
                inner.error = Some(message.clone());
            }
        });
        self.event_quiet(EntryKind::End, "reconnect", message);
    }

    /// Waiting to reconnect: attempt `attempt` starts at `at`. One change: observers see the
    /// end of the connection and the wait together.
    pub(crate) fn wait_to_reconnect(&self, attempt: u32, at: Instant) {
        self.update(|inner| {
            inner.state = SessionState::Reconnecting;
            inner.reconnect_at = Some((attempt, at));
        });
    }

    /// A Close ended the wait: the session is closed, by the client (quiet: [`Shared::finish`]
    /// tells).
    pub(crate) fn reconnect_cancelled(&self) {
        self.update_quiet(|inner| {
            inner.reconnect_at = None;
            inner.ended_by = Some(EndedBy::Client);
        });
        self.event_quiet(
            EntryKind::End,
            "close",
            "closed · reconnect cancelled by Close".into(),
        );
    }

    /// The wait is over: the next attempt is a reconnect.
    pub(crate) fn reconnect_started(&self) {
        self.update(|inner| {
            inner.reconnect_at = None;
            inner.reconnects += 1;
        });
    }

    /// The task ends in `state`: nothing will change any more.
    pub(crate) fn finish(&self, state: SessionState) {
        self.update(|inner| {
            inner.state = state;
            inner.finished = true;
        });
    }

    /// Stops or lets the live view move; `false` when it already was so.
    pub(crate) fn set_paused(&self, paused: bool) -> bool {
        let changed = self.update(|inner| {
            let changed = inner.paused != paused;
            inner.paused = paused;
            inner.log.set_paused(paused);
            changed
        });
        if changed {
            let (kind, what) = if paused {
                ("pause", "paused")
            } else {
                ("resume", "resumed")
            };
            self.transcript.try_record(Record::event(kind, what));
        }
        changed
    }

    // ----- The outbox -----

    /// Offers a handle's message to the outbox (the session must be open, and not closing).
    pub(crate) fn send_now(&self, outgoing: Outgoing) -> HandleSend {
        let mut inner = self.lock();
        if inner.state != SessionState::Open {
            return HandleSend::NotOpen(inner.state);
        }
        match inner.outbox.push_message(outgoing) {
            Ok(wake) => {
                drop(inner);
                if wake {
                    self.writer_wake.notify_one();
                }
                HandleSend::Queued
            }
            Err(outgoing) => HandleSend::ThroughTask(outgoing),
        }
    }

    /// Queues a handle's message once the outbox has room; `Err` with the state to report when
    /// the session is not open or begins closing (also during the wait).
    pub(crate) async fn send_when_room(&self, outgoing: Outgoing) -> Result<(), SessionState> {
        loop {
            // Made before the check, so a wake-up between the check and the wait is kept.
            let room = self.room.notified();
            {
                let mut inner = self.lock();
                if inner.state != SessionState::Open {
                    return Err(inner.state);
                }
                // Open but not accepting happens only once closing has begun (close() was
                // called, or a close frame came); the task would refuse the send then.
                if !inner.outbox.is_accepting() {
                    return Err(SessionState::Closing);
                }
                if inner.outbox.has_room() {
                    if inner.outbox.push_message(outgoing) == Ok(true) {
                        self.writer_wake.notify_one();
                    }
                    return Ok(());
                }
                inner.outbox.note_waiting_sender();
            }
            room.await;
        }
    }

    /// Handles' sends go through the task from now on (a Close was asked for).
    pub(crate) fn stop_accepting_sends(&self) {
        let waiting = self.lock().outbox.stop_accepting();
        self.wake_room_waiters(waiting);
    }

    /// A new connection's writer takes the outbox (before it starts, so it never finds the
    /// outbox detached); what an earlier connection left is dropped.
    pub(crate) fn attach_writer(&self) {
        self.update_quiet(|inner| inner.outbox.attach());
    }

    /// Queues jobs of the session task's own in order (the replies to one batch of messages)
    /// under one lock; `false` when no writer is attached any more.
    pub(crate) fn queue_writes(&self, jobs: Vec<WriteJob>) -> bool {
        let mut wake = false;
        {
            let mut inner = self.lock();
            for job in jobs {
                match inner.outbox.push(job) {
                    Ok(woken) => wake |= woken,
                    Err(_) => return false,
                }
            }
        }
        if wake {
            self.writer_wake.notify_one();
        }
        true
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

    /// The connection is over: the writer puts out what is queued and stops; nothing more is
    /// accepted.
    pub(crate) fn finish_writer(&self) {
        let waiting = self.update_quiet(|inner| {
            inner.outbox.finish();
            inner.outbox.stop_accepting()
        });
        self.wake_room_waiters(waiting);
        self.writer_wake.notify_one();
    }

    /// The writer is gone: the outbox drops what is left and refuses jobs.
    pub(crate) fn detach_writer(&self) {
        let waiting = self.lock().outbox.detach();
        self.wake_room_waiters(waiting);
    }

    fn wake_room_waiters(&self, waiting: bool) {
        if waiting {
            self.room.notify_waiters();
        }
    }

    // ----- Snapshots -----

    pub(crate) fn status(&self) -> Status {
        let masker = self.masker.current();
        let mut inner = self.lock();
        let (assertions, assertion_results) =
            inner.tracker.evaluate(&inner.facts(self.started), &masker);
        let settled = log_settled(&mut inner, &assertion_results);
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
                .map(|r| masker.mask(r).into_owned()),
            error: inner.error.as_ref().map(|e| masker.mask(e).into_owned()),
            warnings: inner.warnings.clone(),
            ended_by: inner.ended_by,
            reconnect: inner.reconnect_at.map(|(attempt, at)| ReconnectWait {
                attempt,
                retry_in_ms: at.saturating_duration_since(Instant::now()).as_millis() as u64,
            }),
            reconnects: inner.reconnects,
            assertions,
            assertion_results,
            reply_failures: inner
                .reply_failures
                .iter()
                .map(|f| ReplyFailure {
                    error: masker.mask(&f.error).into_owned(),
                    trigger: masker.mask(&f.trigger).into_owned(),
                    ..f.clone()
                })
                .collect(),
            reply_failure_count: inner.reply_failure_count,
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
        inner.log.render_lines(&self.masker.current(), &mut out);
        out
    }
}

/// Writes a log line for each assertion row whose outcome settled (left `pending`, or changed)
/// since the last look; returns the lines for the transcript. Rows are evaluated whenever a
/// status is taken, so a settled row shows within one status interval.
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
        inner.push_log(EntryKind::Assertion { passed }, line.clone());
        lines.push(line);
    }
    lines
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
