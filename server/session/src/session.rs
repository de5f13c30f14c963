//! The public face of the engine: spawn a [`Session`] from a [`SessionSpec`], then send, pause,
//! resume, close, read its [`Status`] and live log, and wait for a headless run to settle.
//! [`test_connection`] connects once, reports the handshake and closes.
//!
//! Handles are cheap to clone and never block on the network: commands go to the session task
//! through a queue, and while the connection is open (and not closing) sends go straight to the
//! connection's outbox (`outbox.rs`), in call order; [`Session::send_when_ready`] waits while
//! the outbox is full. Observers subscribe to [`Session::changes`] and pull snapshots at their
//! own pace (status at most every 250 ms, log at most 5 times a second is what editors want).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use void_syntax::vocab::{BinaryEncoding, MessageFormat};

use crate::connect::{self, Connector, NetworkConnector};
use crate::connection::CLOSE_ANSWER_TIMEOUT;
use crate::control::{AutoReply, Command, Hooks, Incoming};
use crate::engine;
use crate::log::{LogText, ShownMessage, message_preview};
use crate::mask::{Masker, SessionMasker};
use crate::project_files::{FileError, Project};
use crate::queue;
use crate::shared::{HandleSend, Shared};
use crate::spec::{MessageSpec, Outgoing, SessionSpec, TranscriptTarget};
use crate::status::{SessionState, Status};
use crate::transcript::{Direction, Transcript};

/// How a session is run, beyond its spec.
#[derive(Clone, Default)]
pub struct SessionSettings {
    /// The session id; a fresh one is made when `None`.
    pub session_id: Option<String>,
    /// Directory for transcripts when the spec says nothing (`transcript` option unset).
    /// `None` means `<user cache dir>/void-ls/transcripts`.
    pub transcript_dir: Option<PathBuf>,
    /// A transcript file the caller (the user, e.g. `run --transcript DIR`) chose: it overrides
    /// the spec's `transcript` option and, being the user's choice, is not confined to the
    /// `.void` file's project. It is still never a pipe or a file that is not a transcript.
    pub transcript_file: Option<PathBuf>,
    /// Opens the byte stream; the real network when `None`. Unit tests inject peers here.
    pub connector: Option<Arc<dyn Connector>>,
    /// Receives every received message, in order, in batches (all the messages read from the
    /// socket together), with backpressure (the session waits while the tap is full). Used by the Autobahn client and by callers that react to messages.
    pub message_tap: Option<mpsc::Sender<Incoming>>,
    /// Answers a received message synchronously: the reply goes out through the normal send
    /// path (counted, logged, transcribed) before the next frame is read. The Autobahn client
    /// echoes with it; it is also how a caller scripts a strict request/response peer.
    pub auto_reply: Option<AutoReply>,
}

impl std::fmt::Debug for SessionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionSettings")
            .field("session_id", &self.session_id)
            .field("transcript_dir", &self.transcript_dir)
            .field("transcript_file", &self.transcript_file)
            .field("connector", &self.connector.is_some())
            .field("message_tap", &self.message_tap.is_some())
            .field("auto_reply", &self.auto_reply.is_some())
            .finish()
    }
}

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendRequest {
    /// A `ws-message` of the spec, by block uid.
    Message(String),
    /// An ad-hoc body in a format (binary bodies are base64).
    AdHoc { format: MessageFormat, body: String },
    /// A ready payload (sent as is).
    Raw(Outgoing),
    /// A message as the document says now (edits after connecting count), filled in with
    /// what the session has captured.
    AsWritten(Box<MessageSpec>),
}

/// Why a send was refused. The text is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("no ws-message with uid `{0}` in this section")]
    UnknownMessage(String),
    #[error("{0}")]
    InvalidBody(String),
    #[error("the session is {0}, not open")]
    NotOpen(SessionState),
}

/// Why [`Session::spawn`] could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpawnError {
    #[error("{0}")]
    InvalidUrl(String),
    /// The transcript cannot be written where the file (or the caller) says.
    #[error("transcript refused: {0}")]
    Transcript(FileError),
}

/// Why a headless run stopped waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleReason {
    /// Every assertion row passed or failed.
    AssertionsSettled,
    /// `runTimeout` elapsed.
    RunTimeout,
    /// No traffic for `idleTimeout`.
    IdleTimeout,
    /// The connection ended by itself (closed by the server, dropped, or failed).
    Ended,
}

/// A handle to a running session. Clones share the session; dropping every handle closes it.
#[derive(Clone, Debug)]
pub struct Session {
    shared: Arc<Shared>,
    commands: queue::Sender<Command>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn fresh_id() -> String {
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    format!("ws-{stamp}-{}-{n}", std::process::id())
}

/// The default transcript directory: `<user cache dir>/void-ls/transcripts`.
pub fn default_transcript_dir() -> PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("void-ls")
        .join("transcripts")
}

impl Session {
    /// Starts a session task on the current tokio runtime. It connects at once.
    pub fn spawn(spec: SessionSpec, settings: SessionSettings) -> Result<Session, SpawnError> {
        connect::parse_ws_url(&spec.url).map_err(|e| {
            SpawnError::InvalidUrl(Masker::new(&spec.secrets).mask(&e).into_owned())
        })?;
        let mut spec = spec;
        if spec.options.protocol == void_syntax::vocab::Protocol::SocketIo {
            spec.url = crate::socketio::engine_url(&spec.url).map_err(|e| {
                SpawnError::InvalidUrl(Masker::new(&spec.secrets).mask(&e).into_owned())
            })?;
        }
        let id = settings.session_id.clone().unwrap_or_else(fresh_id);
        let masker = SessionMasker::new(&spec.secrets);
        // A path the file names stays in its project; one the user or the caller chose does
        // not have to.
        let transcript_path = match (&settings.transcript_file, &spec.options.transcript) {
            (Some(file), _) => Some((Project::unconfined(), file.clone())),
            (None, TranscriptTarget::Off) => None,
            (None, TranscriptTarget::Path(p)) => Some((spec.project(), spec.relative_to_file(p))),
            (None, TranscriptTarget::Default) => Some((
                Project::unconfined(),
                settings
                    .transcript_dir
                    .clone()
                    .unwrap_or_else(default_transcript_dir)
                    .join(format!("{id}.jsonl")),
            )),
        };
        let transcript = match transcript_path {
            None => Transcript::off(),
            Some((project, path)) => Transcript::create(&project, &path, masker.clone())
                .map_err(SpawnError::Transcript)?,
        };
        let shared = Arc::new(Shared::new(id, Arc::new(spec), transcript, masker));
        let (tx, rx) = queue::queue();
        let connector = settings
            .connector
            .clone()
            .unwrap_or_else(|| Arc::new(NetworkConnector));
        let hooks = Hooks {
            tap: settings.message_tap.clone(),
            auto_reply: settings.auto_reply.clone(),
        };
        tokio::spawn(engine::session_task(shared.clone(), rx, connector, hooks));
        Ok(Session {
            shared,
            commands: tx,
        })
    }

    pub fn id(&self) -> &str {
        &self.shared.id
    }

    pub fn spec(&self) -> &SessionSpec {
        &self.shared.spec
    }

    /// Queues a send. Bodies are checked now (JSON/XML syntax, base64/hex); the session must be
    /// open. Write errors later show in the log and status. It never waits: the queue to the
    /// connection takes the message whatever it already holds (see [`Session::send_when_ready`]
    /// for a sender that must not outrun the connection).
    pub fn send(&self, request: SendRequest) -> Result<(), SendError> {
        let outgoing = self.outgoing(request)?;
        match self.shared.send_now(outgoing) {
            HandleSend::Queued => Ok(()),
            HandleSend::NotOpen(state) => Err(SendError::NotOpen(state)),
            HandleSend::ThroughTask(outgoing) => self.send_through_task(outgoing),
        }
    }

    /// Like [`Session::send`], but first waits while the connection's outgoing queue is full
    /// ([`SEND_QUEUE_MESSAGES`](crate::SEND_QUEUE_MESSAGES) messages or
    /// [`SEND_QUEUE_BYTES`](crate::SEND_QUEUE_BYTES) payload bytes), as a socket write
    /// waits for buffer space. A program that sends in bulk uses it to keep memory bounded and
    /// to let the writer put many messages into one system call. It is refused if the session
    /// is not open or has begun closing, also when that happens during the wait.
    pub async fn send_when_ready(&self, request: SendRequest) -> Result<(), SendError> {
        let outgoing = self.outgoing(request)?;
        self.shared
            .send_when_room(outgoing)
            .await
            .map_err(SendError::NotOpen)
    }

    /// The payload a request stands for, with its body checked.
    fn outgoing(&self, request: SendRequest) -> Result<Outgoing, SendError> {
        match request {
            SendRequest::Message(uid) => {
                let message = self
                    .shared
                    .spec
                    .message_by_uid(&uid)
                    .ok_or(SendError::UnknownMessage(uid.clone()))?;
                self.shared.render(message).map_err(SendError::InvalidBody)
            }
            SendRequest::AdHoc { format, body } => {
                Outgoing::encode(format, BinaryEncoding::Base64, &body)
                    .map_err(SendError::InvalidBody)
            }
            SendRequest::Raw(outgoing) => Ok(outgoing),
            SendRequest::AsWritten(message) => {
                self.shared.render(&message).map_err(SendError::InvalidBody)
            }
        }
    }

    /// Hands a send to the session task, which refuses it (in the log) when it is closing.
    fn send_through_task(&self, outgoing: Outgoing) -> Result<(), SendError> {
        self.commands
            .send(Command::Send { outgoing })
            .map_err(|_| SendError::NotOpen(SessionState::Closed))
    }

    /// Stops the live view from moving; messages are still received, counted and kept.
    pub fn pause(&self) {
        self.set_paused(true);
    }

    /// Shows everything that arrived while paused and lets the view move again.
    pub fn resume(&self) {
        self.set_paused(false);
    }

    fn set_paused(&self, paused: bool) {
        self.shared.set_paused(paused);
    }

    /// Closes with a code and reason (1000 is normal). While connecting it cancels the attempt;
    /// while waiting to reconnect it stops reconnecting.
    pub fn close(&self, code: u16, reason: impl Into<String>) {
        let code = if CloseCode::from(code).is_allowed() {
            code
        } else {
            1000
        };
        // Sends after this call go through the task, which refuses them once it is closing.
        self.shared.stop_accepting_sends();
        let _ = self.commands.send(Command::Close {
            code,
            reason: reason.into(),
        });
    }

    /// A status snapshot (assertions evaluated now).
    pub fn status(&self) -> Status {
        self.shared.status()
    }

    pub fn state(&self) -> SessionState {
        self.shared.state()
    }

    /// Whether the session task has ended (no reconnect will follow).
    pub fn is_finished(&self) -> bool {
        self.shared.is_finished()
    }

    /// The live log document text (docs/lsp-extensions.md): header line and one line per event.
    pub fn log_text(&self) -> String {
        self.shared.log_text()
    }

    /// The message shown on `line` of [`Session::log_text`] (see [`LiveLog::message_at`]).
    ///
    /// [`LiveLog::message_at`]: crate::log::LiveLog::message_at
    pub fn message_at_line(&self, line: usize, expected: Option<&str>) -> Option<ShownMessage> {
        self.shared.message_at_line(line, expected)
    }

    /// The whole text of a message the log shows (secrets masked; binary as base64): from the
    /// view when it still holds the payload, else read back from the transcript. `Ok(None)`
    /// when neither has it (the transcript is off and the view keeps only a preview).
    pub async fn whole_message(&self, message: &ShownMessage) -> Result<Option<String>, String> {
        use base64::Engine as _;
        match &message.whole {
            Some(LogText::Text(text)) => {
                return Ok(Some(self.shared.masker.mask(text.as_str()).into_owned()));
            }
            Some(LogText::Binary(bytes)) => {
                return Ok(Some(
                    base64::engine::general_purpose::STANDARD.encode(bytes.as_ref()),
                ));
            }
            _ => {}
        }
        let Some(path) = self.transcript_path() else {
            return Ok(None);
        };
        self.shared.transcript.flush().await;
        let (at, size, format) = (message.at, message.size, message.format);
        let dir = if message.sent {
            Direction::Out
        } else {
            Direction::In
        };
        // Several messages of one batch may share time and size: prefer the one whose preview
        // is the line's.
        let line = message.line.clone();
        let masker = self.shared.masker.clone();
        let found = tokio::task::spawn_blocking(move || {
            crate::transcript::find_message(&path, &at, dir, size, |found| {
                !found.is_base64
                    && line.contains(masker.mask(&message_preview(&found.text, format)).as_ref())
            })
        })
        .await
        .map_err(|e| format!("reading the transcript failed: {e}"))?
        .map_err(|e| format!("cannot read the transcript: {e}"))?;
        Ok(found.map(|f| f.text))
    }

    /// A version number that goes up on every change. Throttle on the caller's side.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.shared.subscribe()
    }

    /// JSON key paths seen in received messages (for `.json.` completion in assertions).
    pub fn json_keys(&self) -> Vec<String> {
        self.shared.json_keys()
    }

    /// The transcript file, unless transcripts are off.
    pub fn transcript_path(&self) -> Option<PathBuf> {
        self.shared.transcript.path().map(Path::to_path_buf)
    }

    /// Waits until every event so far is in the transcript file; returns how many it holds.
    pub async fn flush_transcript(&self) -> u64 {
        self.shared.transcript.flush().await;
        self.shared.transcript.events()
    }

    /// Copies the transcript to `dest` (after flushing); returns the number of events.
    pub async fn export_transcript(&self, dest: &Path) -> Result<u64, String> {
        let events = self.flush_transcript().await;
        let Some(src) = self.transcript_path() else {
            return Err("this session has no transcript (transcript: off)".into());
        };
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::copy(&src, dest)
            .map_err(|e| format!("cannot copy the transcript to {}: {e}", dest.display()))?;
        Ok(events)
    }

    /// Waits until the session task has ended.
    pub async fn finished(&self) {
        let mut changes = self.changes();
        while !self.is_finished() {
            if changes.changed().await.is_err() {
                return;
            }
        }
    }

    /// Waits until `pred` holds for the status, or `timeout` passes. Returns the last status.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&Status) -> bool,
    ) -> Result<Status, Status> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.changes();
        loop {
            let status = self.status();
            if pred(&status) {
                return Ok(status);
            }
            let wake = tokio::time::Instant::now() + Duration::from_millis(50);
            if tokio::time::Instant::now() >= deadline {
                return Err(status);
            }
            let _ = tokio::time::timeout_at(wake.min(deadline), changes.changed()).await;
        }
    }

    /// Headless run: waits until the assertions settle, `runTimeout` or `idleTimeout` pass, or
    /// the connection ends by itself; then closes (1000) and waits for the end. Returns why it
    /// stopped and the final status.
    pub async fn run_to_completion(&self) -> (SettleReason, Status) {
        let options = &self.shared.spec.options;
        let run_deadline = tokio::time::Instant::now() + options.run_timeout;
        let has_rows = !self.shared.spec.assertions.is_empty();
        let mut changes = self.changes();
        let reason = loop {
            let (state, finished, idle_for) = self.shared.activity();
            if finished {
                break SettleReason::Ended;
            }
            if state.is_terminal() && !options.reconnect {
                // The task is finishing (flushing the transcript).
                let _ = tokio::time::timeout(Duration::from_millis(50), changes.changed()).await;
                continue;
            }
            if has_rows && state == SessionState::Open && self.status().assertions.pending == 0 {
                break SettleReason::AssertionsSettled;
            }
            if tokio::time::Instant::now() >= run_deadline {
                break SettleReason::RunTimeout;
            }
            if state == SessionState::Open && idle_for >= options.idle_timeout {
                break SettleReason::IdleTimeout;
            }
            let idle_left = options.idle_timeout.saturating_sub(idle_for);
            let wake = tokio::time::Instant::now()
                + idle_left.clamp(Duration::from_millis(10), Duration::from_millis(100));
            let _ = tokio::time::timeout_at(wake.min(run_deadline), changes.changed()).await;
        };
        if reason != SettleReason::Ended {
            let why = match reason {
                SettleReason::AssertionsSettled => "assertions settled",
                SettleReason::RunTimeout => "runTimeout",
                _ => "idleTimeout",
            };
            self.close(1000, why);
            let _ = tokio::time::timeout(
                CLOSE_ANSWER_TIMEOUT + Duration::from_secs(1),
                self.finished(),
            )
            .await;
        }
        (reason, self.status())
    }
}

/// The answer of [`test_connection`] (the `void.testConnection` command, docs/lsp-extensions.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestConnectionResult {
    pub ok: bool,
    pub http_status: Option<u16>,
    pub subprotocol: Option<String>,
    pub handshake_ms: Option<u64>,
    /// Response headers of the upgrade (secrets masked).
    pub response_headers: Vec<(String, String)>,
    pub error: Option<String>,
}

/// Connects (within `connectTimeout`), reports the handshake, and closes with 1000.
pub async fn test_connection(
    spec: &SessionSpec,
    connector: Option<Arc<dyn Connector>>,
) -> TestConnectionResult {
    let masker = Masker::new(&spec.secrets);
    let connector = connector.unwrap_or_else(|| Arc::new(NetworkConnector));
    // A Socket.IO section is tested where its session would connect (the Engine.IO path).
    let engine_spec;
    let spec = match crate::socketio::engine_url(&spec.url) {
        Ok(url) if spec.options.protocol == void_syntax::vocab::Protocol::SocketIo => {
            engine_spec = SessionSpec {
                url,
                ..spec.clone()
            };
            &engine_spec
        }
        _ => spec,
    };
    let started = Instant::now();
    let attempt = tokio::time::timeout(
        spec.options.connect_timeout,
        connect::establish(spec, &connector),
    )
    .await;
    let mask_headers = |headers: &[(String, String)]| {
        headers
            .iter()
            .map(|(k, v)| (k.clone(), masker.header_value(k, v).into_owned()))
            .collect()
    };
    match attempt {
        Ok(Ok(mut connected)) => {
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                use futures_util::StreamExt;
                if connected.ws.close(None).await.is_ok() {
                    while let Some(Ok(_)) = connected.ws.next().await {}
                }
            })
            .await;
            TestConnectionResult {
                ok: true,
                http_status: Some(connected.http_status),
                subprotocol: connected.subprotocol.clone(),
                handshake_ms: Some(connected.handshake_time.as_millis() as u64),
                response_headers: mask_headers(&connected.response_headers),
                error: None,
            }
        }
        Ok(Err(e)) => TestConnectionResult {
            ok: false,
            http_status: e.http_status,
            subprotocol: None,
            handshake_ms: None,
            response_headers: mask_headers(&e.response_headers),
            error: Some(masker.mask(&e.message).into_owned()),
        },
        Err(_) => TestConnectionResult {
            ok: false,
            http_status: None,
            subprotocol: None,
            handshake_ms: None,
            response_headers: Vec::new(),
            error: Some(format!(
                "timed out after {} ms while connecting (connectTimeout)",
                started.elapsed().as_millis()
            )),
        },
    }
}
