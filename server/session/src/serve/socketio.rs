//! A Socket.IO section served (docs/format.md §4.5): the server's side of Engine.IO v4 on the
//! WebSocket transport around the section's replies. The handshake (`0{sid, pingInterval,
//! pingTimeout}`), the namespace connect (the section's `namespace`; its `auth`, when it has
//! one, is what a client must send), the server's pings and the client's pongs, events with
//! JSON arguments and binary attachments, and acknowledgements both ways: a client's event
//! that asks for one is answered by the first reply without `event` it triggers, and a reply
//! with `ack: true` waits for the client's. The log speaks in events, never in packet codes.
//!
//! The section's `pingInterval` is how often the server pings (25 s when it has none) and its
//! `pongTimeout` how long a client has to answer; a client that does not is disconnected.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

use super::Served;
use crate::assertions::Payload;
use crate::socketio::acks::AckBook;
use crate::socketio::message::EmitAck;
use crate::socketio::packet::{PacketKind, decode_packet, encode_packet};
use crate::socketio::reader::{Inbound, Reader};
use crate::spec::Outgoing;

/// How often the server pings when the section sets no `pingInterval` (Socket.IO's default).
const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(25);

/// Accepts the upgrade only for Engine.IO v4 on the WebSocket transport (`EIO=4&transport=
/// websocket` in the query); anything else gets a 400 that says what this server speaks.
#[allow(clippy::result_large_err)] // the signature tungstenite asks for
pub(super) fn engine_io_v4_only(
    request: &Request,
    response: Response,
) -> Result<Response, ErrorResponse> {
    let query = request.uri().query().unwrap_or_default();
    let has = |pair: &str| query.split('&').any(|p| p == pair);
    if has("EIO=4") && has("transport=websocket") {
        return Ok(response);
    }
    let mut refused = ErrorResponse::new(Some(
        "this server speaks Socket.IO v4 (Engine.IO v4, EIO=4) on the WebSocket transport only: \
         connect with transports: ['websocket']\n"
            .to_string(),
    ));
    *refused.status_mut() = StatusCode::BAD_REQUEST;
    Err(refused)
}

/// Why a client's request was not taken, in words: a plain HTTP request is most likely
/// socket.io-client's default polling transport, which this server does not speak.
pub(super) fn refused_upgrade(error: &tokio_tungstenite::tungstenite::Error) -> String {
    use tokio_tungstenite::tungstenite::Error;
    use tokio_tungstenite::tungstenite::error::ProtocolError;
    match error {
        Error::Protocol(
            ProtocolError::MissingConnectionUpgradeHeader
            | ProtocolError::MissingUpgradeWebSocketHeader,
        ) => "a plain HTTP request, not a WebSocket upgrade (socket.io-client's default polling \
              transport?): this server speaks Socket.IO on the WebSocket transport only, so \
              connect with transports: ['websocket']"
            .into(),
        Error::Http(response) => format!(
            "refused with {}: this server speaks Socket.IO v4 (EIO=4) on the WebSocket \
             transport only",
            response.status()
        ),
        other => format!("not a Socket.IO (Engine.IO v4 WebSocket) upgrade: {other}"),
    }
}

/// A session id for the Engine.IO handshake and the namespace connect: unique in this process.
fn session_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("void{n:x}{nanos:08x}")
}

/// What happens next on the connection.
enum Step {
    Continue,
    /// The client left or broke the protocol: the connection closes.
    End,
}

/// One Socket.IO client's connection.
struct Client<'a, S> {
    ws: WebSocketStream<S>,
    served: Served<'a>,
    reader: Reader,
    acks: AckBook,
    sid: String,
    /// The client is connected to the section's namespace.
    connected: bool,
}

/// Serves one Socket.IO client until it leaves; `say` gets one line per event, secrets masked.
pub(super) async fn serve_client<S>(served: Served<'_>, ws: WebSocketStream<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let spec = served.spec;
    let ping_every = spec.options.ping_interval.unwrap_or(DEFAULT_PING_INTERVAL);
    let ping_timeout = spec.options.pong_timeout;
    let mut client = Client {
        ws,
        served,
        reader: Reader::new(&spec.options.namespace),
        acks: AckBook::default(),
        sid: session_id(),
        connected: false,
    };
    let open = serde_json::json!({
        "sid": client.sid,
        "upgrades": [],
        "pingInterval": ping_every.as_millis() as u64,
        "pingTimeout": ping_timeout.as_millis() as u64,
        "maxPayload": spec.options.max_message_size,
    });
    if matches!(client.send_text(format!("0{open}")).await, Step::End) {
        return;
    }
    client.served.say(&format!(
        "Engine.IO open · session {} · pings every {} ms (timeout {} ms)",
        client.sid,
        ping_every.as_millis(),
        ping_timeout.as_millis()
    ));
    let start = tokio::time::Instant::now();
    let mut pings = tokio::time::interval_at(start + ping_every, ping_every);
    pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pong_due: Option<tokio::time::Instant> = None;
    loop {
        let deadline = pong_due.unwrap_or(start);
        let step = tokio::select! {
            _ = pings.tick(), if pong_due.is_none() => {
                pong_due = Some(tokio::time::Instant::now() + ping_timeout);
                client.send_text("2".into()).await
            }
            () = tokio::time::sleep_until(deadline), if pong_due.is_some() => {
                client.served.say(&format!(
                    "✕ the client did not answer the ping within {} ms: disconnected",
                    ping_timeout.as_millis()
                ));
                Step::End
            }
            frame = client.ws.next() => match frame {
                Some(Ok(Message::Text(text))) if text.as_str() == "3" => {
                    pong_due = None;
                    Step::Continue
                }
                Some(Ok(Message::Text(text))) => client.on_text(&text).await,
                Some(Ok(Message::Binary(bytes))) => {
                    let inbound = client.reader.binary(bytes, &mut |id| client.acks.take(id));
                    client.on_inbound(inbound).await
                }
                Some(Ok(Message::Close(_))) | None => Step::End,
                Some(Ok(_)) => Step::Continue,
                Some(Err(e)) => {
                    client.served.say(&format!("✕ {e}"));
                    Step::End
                }
            },
        };
        if matches!(step, Step::End) {
            let _ = client.ws.close(None).await;
            client.served.finish(None).await;
            return;
        }
    }
}

impl<S> Client<'_, S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    async fn send_text(&mut self, text: String) -> Step {
        match self.ws.send(Message::text(text)).await {
            Ok(()) => Step::Continue,
            Err(_) => Step::End,
        }
    }

    /// A text frame: a namespace connect, or a packet for the reader.
    async fn on_text(&mut self, text: &str) -> Step {
        if let Some(connect) = text.strip_prefix('4').filter(|p| p.starts_with('0')) {
            return self.on_connect(connect).await;
        }
        let inbound = self.reader.text(text, &mut |id| self.acks.take(id));
        self.on_inbound(inbound).await
    }

    /// A client's namespace connect: accepted when it names the section's namespace and
    /// brings what the section's `auth` asks for, refused in words otherwise.
    async fn on_connect(&mut self, packet: &str) -> Step {
        let packet = match decode_packet(packet) {
            Ok(packet) => packet,
            Err(e) => return self.broken(&e),
        };
        let ours = self.served.spec.options.namespace.clone();
        let refusal = if packet.namespace != ours {
            Some((
                "Invalid namespace".to_string(),
                format!("this section serves namespace {ours}"),
            ))
        } else {
            self.auth_refusal(packet.data.as_ref())
        };
        let shown_auth = packet
            .data
            .as_ref()
            .map(|auth| format!(" with auth {auth}"))
            .unwrap_or_default();
        if let Some((message, why)) = refusal {
            self.served.say(&format!(
                "✕ refused namespace {}{shown_auth}: {why}",
                packet.namespace
            ));
            let data = serde_json::json!({ "message": message }).to_string();
            let error = encode_packet(
                PacketKind::ConnectError,
                &packet.namespace,
                0,
                None,
                Some(&data),
            );
            return self.send_text(error).await;
        }
        let data = serde_json::json!({ "sid": self.sid }).to_string();
        let accept = encode_packet(PacketKind::Connect, &ours, 0, None, Some(&data));
        if matches!(self.send_text(accept).await, Step::End) {
            return Step::End;
        }
        self.connected = true;
        self.served
            .say(&format!("connected to namespace {ours}{shown_auth}"));
        let greetings = self.served.greetings();
        self.emit_all(greetings).await
    }

    /// Why a client's `auth` is refused: every key of the section's `auth` must be there
    /// with the same value. `None` when it is accepted.
    fn auth_refusal(&self, auth: Option<&Value>) -> Option<(String, String)> {
        let wanted = self.served.spec.options.auth.as_deref()?;
        let wanted: Value = serde_json::from_str(wanted).ok()?;
        let Value::Object(wanted) = wanted else {
            return None;
        };
        let missing = wanted
            .iter()
            .find(|(key, value)| auth.and_then(|a| a.get(key.as_str())) != Some(value))?;
        Some((
            "not authorized".into(),
            format!("its auth does not have the section's `{}`", missing.0),
        ))
    }

    /// What the reader made of a frame.
    async fn on_inbound(&mut self, inbound: Result<Inbound, String>) -> Step {
        match inbound {
            Err(e) => self.broken(&e),
            Ok(Inbound::Message(event)) if self.connected => {
                let shown = event.line.to_string();
                let payload = Payload::Event(Arc::new(event));
                let replies = self.served.receive(&payload, &shown);
                self.emit_all(replies).await
            }
            Ok(Inbound::Message(_)) => self.broken("an event came before the namespace connect"),
            Ok(Inbound::Ping) => self.send_text("3".into()).await,
            Ok(Inbound::Disconnected) => {
                self.connected = false;
                self.served.say(&format!(
                    "the client left namespace {}",
                    self.served.spec.options.namespace
                ));
                Step::Continue
            }
            Ok(Inbound::Close) => {
                self.served
                    .say("the client closed the Engine.IO connection");
                Step::End
            }
            Ok(
                Inbound::Nothing
                | Inbound::Open(_)
                | Inbound::Connected(_)
                | Inbound::ConnectError(_),
            ) => Step::Continue,
        }
    }

    /// The client broke the protocol: said in words, and the connection ends.
    fn broken(&self, why: &str) -> Step {
        self.served.say(&format!("✕ {why}: disconnected"));
        Step::End
    }

    /// Sends events and acknowledgements in order, each as its packet and its attachments,
    /// then writes their transcript records.
    async fn emit_all(&mut self, outgoing: Vec<Outgoing>) -> Step {
        let step = self.emit_each(outgoing).await;
        self.served.write_records().await;
        step
    }

    async fn emit_each(&mut self, outgoing: Vec<Outgoing>) -> Step {
        for message in outgoing {
            let Outgoing::Event(emit) = message else {
                continue;
            };
            let id = (emit.ack == EmitAck::Want).then(|| {
                self.acks
                    .register(emit.name.as_deref().unwrap_or("message"))
            });
            if matches!(self.send_text(emit.packet(id)).await, Step::End) {
                return Step::End;
            }
            for attachment in &emit.attachments {
                if self
                    .ws
                    .send(Message::Binary(attachment.clone()))
                    .await
                    .is_err()
                {
                    return Step::End;
                }
            }
        }
        Step::Continue
    }
}
