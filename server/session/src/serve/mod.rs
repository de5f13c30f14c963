//! The server side of a section's conversation (docs/format.md §4.4, `void-ls serve`): each
//! client that connects gets the section's `on-open` messages, and every message it sends is
//! answered by the section's `on-receive` replies (their `when:`, `times`, captures and
//! `{{$msg...}}` values), by the same rule engine a client session runs
//! ([`crate::conversation`]). Each client has its own conversation (its own captures and
//! counts). What happens is told line by line to the caller (`← ...`, `→ pong (reply to ← ping
//! #2) · ...`), with the section's secrets masked. When a client leaves, the section's
//! `ws-assertions` rows are judged on its conversation (`received` is what the client sent)
//! and told: a tally, then each row that did not pass. A section that names a `transcript`
//! path gets one per client, numbered.
//!
//! A plain WebSocket section is served here; a Socket.IO section (§4.5) by [`socketio`], which
//! speaks Engine.IO v4 on the WebSocket transport around the same replies.

mod socketio;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use void_syntax::variables::is_secret_name;
use void_syntax::vocab::{MessageFormat, Protocol, SendMode};

use crate::assertions::{Facts, MessageStore, Payload, Tracker};
use crate::conversation::Conversation;
use crate::log::message_preview;
use crate::mask::SessionMasker;
use crate::spec::{Outgoing, SessionSpec, TranscriptTarget};
use crate::status::Outcome;
use crate::template;
use crate::transcript::{Direction, Record, RecordBody, Transcript};

/// Where a served client's lines go: the client's number (from 1) and one line.
pub type ClientLines = Arc<dyn Fn(u64, &str) + Send + Sync>;

/// Accepts clients on `listener` until dropped, each served in its own task (dropping this
/// future ends them all); `say` gets each client's number and one line per event
/// (`⇄ connected · <peer>` first, `✕ closed` last).
pub async fn accept_clients(
    listener: tokio::net::TcpListener,
    spec: Arc<SessionSpec>,
    say: ClientLines,
) {
    let clients = AtomicU64::new(0);
    let mut serving = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Some(_) = serving.join_next() => continue,
        };
        let Ok((tcp, peer)) = accepted else {
            continue;
        };
        let n = clients.fetch_add(1, Ordering::Relaxed) + 1;
        let spec = spec.clone();
        let say = say.clone();
        serving.spawn(async move {
            let line = |text: &str| say(n, text);
            line(&format!("⇄ connected · {peer}"));
            match serve_connection(&spec, n, tcp, &line).await {
                Ok(()) => line("✕ closed"),
                Err(e) => line(&format!("✕ {e}")),
            }
        });
    }
}

/// Takes a client's connection: the WebSocket upgrade (for a Socket.IO section, only Engine.IO
/// v4 on the WebSocket transport), then the conversation. An upgrade that fails is said in
/// words.
pub async fn serve_connection<S>(
    spec: &SessionSpec,
    client: u64,
    stream: S,
    say: &(dyn Fn(&str) + Sync),
) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if spec.options.protocol == Protocol::SocketIo {
        let ws = tokio_tungstenite::accept_hdr_async(stream, socketio::engine_io_v4_only)
            .await
            .map_err(|e| socketio::refused_upgrade(&e))?;
        socketio::serve_client(Served::new(spec, client, say), ws).await;
        return Ok(());
    }
    let ws = tokio_tungstenite::accept_async(stream)
        .await
        .map_err(|e| format!("not a WebSocket upgrade: {e}"))?;
    serve_client(Served::new(spec, client, say), ws).await;
    Ok(())
}

/// Serves one plain WebSocket client until it leaves.
async fn serve_client<S>(mut served: Served<'_>, mut ws: WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let close = converse(&mut served, &mut ws).await;
    served
        .finish(
            close
                .as_ref()
                .map(|(code, reason)| (*code, reason.as_str())),
        )
        .await;
}

/// A plain WebSocket client's conversation until it leaves: its close code and reason when it
/// sent a close frame.
async fn converse<S>(served: &mut Served<'_>, ws: &mut WebSocketStream<S>) -> Option<(u16, String)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    for outgoing in served.greetings() {
        ws.send(frame(outgoing)).await.ok()?;
    }
    served.write_records().await;
    while let Some(Ok(message)) = ws.next().await {
        let payload = match message {
            Message::Text(text) => Payload::Text(text),
            Message::Binary(bytes) => Payload::Binary(bytes),
            Message::Close(frame) => {
                return Some(frame.map_or((1005, String::new()), |f| {
                    (u16::from(f.code), f.reason.to_string())
                }));
            }
            _ => continue,
        };
        let shown = message_preview(&payload.as_text(), MessageFormat::Text);
        for outgoing in served.receive(&payload, &shown) {
            ws.send(frame(outgoing)).await.ok()?;
        }
        served.write_records().await;
    }
    None
}

/// One client's side of a served conversation, whatever the protocol: its replies, captures
/// and masked log lines.
struct Served<'a> {
    spec: &'a SessionSpec,
    /// The section's secrets, and the secret values this client's conversation captured.
    masker: SessionMasker,
    /// This client's transcript (off unless the section names a `transcript` path), and its
    /// records waiting to be written.
    transcript: Transcript,
    records: Vec<Record>,
    conversation: Conversation,
    /// Messages received so far (a reply's note names the trigger's number).
    received: u64,
    /// Messages sent so far.
    sent: u64,
    /// The section's `ws-assertions` rows, judged on what this client sent.
    tracker: Tracker,
    messages: MessageStore,
    started: std::time::Instant,
    say: &'a (dyn Fn(&str) + Sync),
}

impl<'a> Served<'a> {
    fn new(spec: &'a SessionSpec, client: u64, say: &'a (dyn Fn(&str) + Sync)) -> Self {
        let masker = SessionMasker::new(&spec.secrets);
        let transcript = match client_transcript(spec, client, &masker) {
            Ok(transcript) => transcript,
            Err(e) => {
                say(&masker.mask(&format!("✕ no transcript: {e}")));
                Transcript::off()
            }
        };
        Served {
            spec,
            masker,
            transcript,
            records: vec![Record::event("open", format!("client #{client} connected"))],
            conversation: Conversation::new(spec),
            received: 0,
            sent: 0,
            tracker: Tracker::new(spec.assertions.clone()),
            messages: MessageStore::default(),
            started: std::time::Instant::now(),
            say,
        }
    }

    /// The client has gone (with its close code and reason when it sent a close frame): the
    /// section's assertion rows are judged on its conversation, as `void-ls run` judges a
    /// client's (`received` is what this client sent), and told: a tally, then each row that
    /// did not pass with its actual value.
    async fn finish(&mut self, close: Option<(u16, &str)>) {
        let ended = match close {
            Some((code, reason)) => format!("the client closed ({code} {reason})"),
            None => "the client left".to_string(),
        };
        self.records.push(Record::event("close", ended.trim_end()));
        self.write_records().await;
        self.transcript.flush().await;
        if self.tracker.is_empty() {
            return;
        }
        let facts = Facts {
            connected: true,
            handshake_done: true,
            handshake_status: Some(101),
            handshake_headers: &[],
            subprotocol: None,
            sent: self.sent,
            messages: &self.messages,
            close_code: close.map(|(code, _)| code),
            close_reason: close.map(|(_, reason)| reason),
            latency_first_ms: None,
            elapsed: self.started.elapsed(),
            terminal: true,
        };
        let (counts, results) = self.tracker.evaluate(&facts, &self.masker.current());
        self.say(&format!(
            "assertions: ✓{} ✗{}",
            counts.passed,
            counts.failed + counts.pending
        ));
        for row in results.iter().filter(|r| r.outcome != Outcome::Pass) {
            let expected = if row.expected.is_empty() {
                String::new()
            } else {
                format!(" {}", row.expected)
            };
            self.say(&format!(
                "✗ {}: {} {}{expected}: actual {}",
                row.description,
                row.field,
                row.operator,
                row.actual.as_deref().unwrap_or("(no value)")
            ));
        }
    }

    /// Tells one line, the section's secrets masked.
    fn say(&self, line: &str) {
        (self.say)(&self.masker.mask(line));
    }

    /// Writes the records waiting for the transcript (waiting while its queue is full).
    async fn write_records(&mut self) {
        for record in self.records.drain(..) {
            self.transcript.record(record).await;
        }
    }

    /// The section's `on-open` messages for a client that just connected, each told; one that
    /// cannot be filled in is told and skipped.
    fn greetings(&mut self) -> Vec<Outgoing> {
        let mut out = Vec::new();
        for message in self
            .spec
            .messages
            .iter()
            .filter(|m| m.send == SendMode::OnOpen)
        {
            let context = self.conversation.context(self.spec, None);
            match template::render_in(self.spec, message, &context) {
                Ok(outgoing) => {
                    self.say(&format!("→ {}", shown(&outgoing)));
                    self.sent += 1;
                    self.records.push(record(Direction::Out, &outgoing));
                    out.push(outgoing);
                }
                Err(e) => self.say(&format!("✕ not sent: {}: {e}", message.label())),
            }
        }
        out
    }

    /// A client's message (`shown` as the log shows it): told, then the replies it triggers,
    /// each told, in the order they go out.
    fn receive(&mut self, payload: &Payload, shown_as: &str) -> Vec<Outgoing> {
        self.received += 1;
        let number = self.received;
        self.messages.push(payload);
        self.tracker.observe(payload);
        self.records.push(received_record(payload));
        let reactions = self.conversation.react(self.spec, payload, number);
        // A captured secret is masked from now on, like a session's own, in the very message
        // that brought it too.
        for (name, value) in reactions.iter().flat_map(|r| &r.captured) {
            if is_secret_name(name) {
                self.masker.add(value);
            }
        }
        self.say(&format!("← {shown_as}"));
        let mut out = Vec::new();
        for reaction in reactions {
            for (name, value) in &reaction.captured {
                self.say(&format!("captured {name} = {value} from ← #{number}"));
            }
            match reaction.send {
                Some(Ok((outgoing, note))) => {
                    self.say(&format!("→ {note} · {}", shown(&outgoing)));
                    self.sent += 1;
                    self.records.push(record(Direction::Out, &outgoing));
                    out.push(outgoing);
                }
                Some(Err(failure)) => self.say(&format!("✕ {}", failure.sentence())),
                None => {}
            }
        }
        out
    }
}

/// Client `n`'s transcript: the section's `transcript` path with the client's number before
/// its extension (`served.jsonl` -> `served-1.jsonl`), under the same rules as a session's
/// (inside the project, never through a symlink out of it); off unless the section names a
/// path (a mock writes nothing to the cache directory of its own accord).
fn client_transcript(
    spec: &SessionSpec,
    n: u64,
    masker: &SessionMasker,
) -> Result<Transcript, String> {
    let TranscriptTarget::Path(path) = &spec.options.transcript else {
        return Ok(Transcript::off());
    };
    let path = spec.relative_to_file(path);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "transcript".into());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    let path = path.with_file_name(name);
    Transcript::create(&spec.project(), &path, masker.clone()).map_err(|e| e.to_string())
}

/// A message sent, as a transcript record.
fn record(dir: Direction, outgoing: &Outgoing) -> Record {
    let (kind, body) = match outgoing {
        Outgoing::Text { format, text } => (format.as_str(), RecordBody::Text(text.clone())),
        Outgoing::Binary(bytes) => ("binary", RecordBody::Binary(bytes.clone())),
        Outgoing::Event(event) => ("text", RecordBody::Text(event.line.clone())),
    };
    Record {
        t: chrono::Utc::now(),
        dir,
        kind,
        body,
    }
}

/// A message received, as a transcript record (a Socket.IO event as the log shows it).
fn received_record(payload: &Payload) -> Record {
    let (kind, body) = match payload {
        Payload::Text(text) => ("text", RecordBody::Text(text.clone())),
        Payload::Binary(bytes) => ("binary", RecordBody::Binary(bytes.clone())),
        Payload::Event(event) => ("text", RecordBody::Text(event.line.clone())),
    };
    Record {
        t: chrono::Utc::now(),
        dir: Direction::In,
        kind,
        body,
    }
}

/// The frame of a plain WebSocket message (a Socket.IO event goes out as packets, see
/// [`socketio`]).
fn frame(outgoing: Outgoing) -> Message {
    match outgoing {
        Outgoing::Text { text, .. } => Message::Text(text),
        Outgoing::Binary(bytes) => Message::Binary(bytes),
        Outgoing::Event(event) => Message::text(event.line.to_string()),
    }
}

/// A message as a log line shows it.
fn shown(outgoing: &Outgoing) -> String {
    match outgoing {
        Outgoing::Text { format, text } => message_preview(text, *format),
        Outgoing::Binary(bytes) => format!("({} B binary)", bytes.len()),
        Outgoing::Event(event) => event.line.to_string(),
    }
}
