//! The server side of a section's conversation (docs/format.md §4.4, `void-ls serve`): each
//! client that connects gets the section's `on-open` messages, and every message it sends is
//! answered by the section's `on-receive` replies (their `when:`, `times`, captures and
//! `{{$msg...}}` values), by the same rule engine a client session runs
//! ([`crate::conversation`]). Each client has its own conversation (its own captures and
//! counts). What happens is told line by line to the caller (`← ...`, `→ pong (reply to ← ping
//! #2) · ...`), with the section's secrets masked.
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

use crate::assertions::Payload;
use crate::conversation::Conversation;
use crate::log::message_preview;
use crate::mask::Masker;
use crate::spec::{Outgoing, SessionSpec};
use crate::template;

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
            match serve_connection(&spec, tcp, &line).await {
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
    stream: S,
    say: &(dyn Fn(&str) + Sync),
) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if spec.options.protocol == Protocol::SocketIo {
        let ws = tokio_tungstenite::accept_hdr_async(stream, socketio::engine_io_v4_only)
            .await
            .map_err(|e| format!("not a Socket.IO (Engine.IO v4 WebSocket) upgrade: {e}"))?;
        socketio::serve_client(spec, ws, say).await;
        return Ok(());
    }
    let ws = tokio_tungstenite::accept_async(stream)
        .await
        .map_err(|e| format!("not a WebSocket upgrade: {e}"))?;
    serve_client(spec, ws, say).await;
    Ok(())
}

/// Serves one plain WebSocket client until it leaves; `say` gets one line per event, secrets
/// masked.
pub async fn serve_client<S>(
    spec: &SessionSpec,
    mut ws: WebSocketStream<S>,
    say: &(dyn Fn(&str) + Sync),
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut served = Served::new(spec, say);
    for outgoing in served.greetings() {
        if ws.send(frame(outgoing)).await.is_err() {
            return;
        }
    }
    while let Some(Ok(message)) = ws.next().await {
        let payload = match message {
            Message::Text(text) => Payload::Text(text),
            Message::Binary(bytes) => Payload::Binary(bytes),
            Message::Close(_) => break,
            _ => continue,
        };
        let shown = message_preview(&payload.as_text(), MessageFormat::Text);
        for outgoing in served.receive(&payload, &shown) {
            if ws.send(frame(outgoing)).await.is_err() {
                return;
            }
        }
    }
}

/// One client's side of a served conversation, whatever the protocol: its replies, captures
/// and masked log lines.
struct Served<'a> {
    spec: &'a SessionSpec,
    secrets: Vec<String>,
    masker: Masker,
    conversation: Conversation,
    /// Messages received so far (a reply's note names the trigger's number).
    received: u64,
    say: &'a (dyn Fn(&str) + Sync),
}

impl<'a> Served<'a> {
    fn new(spec: &'a SessionSpec, say: &'a (dyn Fn(&str) + Sync)) -> Self {
        Served {
            spec,
            secrets: spec.secrets.clone(),
            masker: Masker::new(&spec.secrets),
            conversation: Conversation::new(spec),
            received: 0,
            say,
        }
    }

    /// Tells one line, the section's secrets masked.
    fn say(&self, line: &str) {
        (self.say)(&self.masker.mask(line));
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
        self.say(&format!("← {shown_as}"));
        let mut out = Vec::new();
        for reaction in self.conversation.react(self.spec, payload, number) {
            for (name, value) in &reaction.captured {
                // A captured secret is masked from now on, like the session's own.
                if is_secret_name(name) && !self.secrets.contains(value) {
                    self.secrets.push(value.clone());
                    self.masker = Masker::new(&self.secrets);
                }
                self.say(&format!("captured {name} = {value} from ← #{number}"));
            }
            match reaction.send {
                Some(Ok((outgoing, note))) => {
                    self.say(&format!("→ {note} · {}", shown(&outgoing)));
                    out.push(outgoing);
                }
                Some(Err(failure)) => self.say(&format!("✕ {}", failure.sentence())),
                None => {}
            }
        }
        out
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
