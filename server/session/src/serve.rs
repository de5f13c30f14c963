//! The server side of a section's conversation (docs/format.md §4.4, `void-ls serve`): each
//! client that connects gets the section's `on-open` messages, and every message it sends is
//! answered by the section's `on-receive` replies (their `when:`, `times`, captures and
//! `{{$msg...}}` values), by the same rule engine a client session runs
//! ([`crate::conversation`]). Each client has its own conversation (its own captures and
//! counts). What happens is told line by line to the caller (`← ...`, `→ pong (reply to ← ping
//! #2) · ...`), with the section's secrets masked.
//!
//! This first slice serves plain WebSocket only; the caller refuses a Socket.IO section.

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use void_syntax::variables::is_secret_name;
use void_syntax::vocab::{MessageFormat, SendMode};

use crate::assertions::Payload;
use crate::conversation::Conversation;
use crate::log::message_preview;
use crate::mask::Masker;
use crate::spec::{Outgoing, SessionSpec};
use crate::template;

/// Takes a client's connection: the WebSocket upgrade, then [`serve_client`]. An upgrade that
/// fails is said in words.
pub async fn serve_connection<S>(
    spec: &SessionSpec,
    stream: S,
    say: &(dyn Fn(&str) + Sync),
) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let ws = tokio_tungstenite::accept_async(stream)
        .await
        .map_err(|e| format!("not a WebSocket upgrade: {e}"))?;
    serve_client(spec, ws, say).await;
    Ok(())
}

/// Serves one client until it leaves; `say` gets one line per event, secrets masked.
pub async fn serve_client<S>(
    spec: &SessionSpec,
    mut ws: WebSocketStream<S>,
    say: &(dyn Fn(&str) + Sync),
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut secrets = spec.secrets.clone();
    let mut masker = Masker::new(&secrets);
    let mut conversation = Conversation::new(spec);
    for message in spec.messages.iter().filter(|m| m.send == SendMode::OnOpen) {
        let context = conversation.context(spec, None);
        match template::render_in(spec, message, &context) {
            Ok(outgoing) => {
                say(&masker.mask(&format!("→ {}", shown(&outgoing))));
                if ws.send(frame(outgoing)).await.is_err() {
                    return;
                }
            }
            Err(e) => say(&masker.mask(&format!("✕ not sent: {}: {e}", message.label()))),
        }
    }
    let mut received = 0u64;
    while let Some(Ok(message)) = ws.next().await {
        let payload = match message {
            Message::Text(text) => Payload::Text(text),
            Message::Binary(bytes) => Payload::Binary(bytes),
            Message::Close(_) => break,
            _ => continue,
        };
        received += 1;
        let preview = message_preview(&payload.as_text(), MessageFormat::Text);
        say(&masker.mask(&format!("← {preview}")));
        for reaction in conversation.react(spec, &payload, received) {
            for (name, value) in &reaction.captured {
                // A captured secret is masked from now on, like the session's own.
                if is_secret_name(name) && !secrets.contains(value) {
                    secrets.push(value.clone());
                    masker = Masker::new(&secrets);
                }
                say(&masker.mask(&format!("captured {name} = {value} from ← #{received}")));
            }
            match reaction.send {
                Some(Ok((outgoing, note))) => {
                    say(&masker.mask(&format!("→ {note} · {}", shown(&outgoing))));
                    if ws.send(frame(outgoing)).await.is_err() {
                        return;
                    }
                }
                Some(Err(failure)) => say(&masker.mask(&format!("✕ {}", failure.sentence()))),
                None => {}
            }
        }
    }
}

/// The frame of a message (a Socket.IO event is never served here: see the module docs).
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
