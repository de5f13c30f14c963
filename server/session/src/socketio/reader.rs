//! Reading a Socket.IO connection frame by frame: Engine.IO packets, the namespace's packets
//! (other namespaces are ignored), binary packets put together with the attachments that follow
//! them. What comes out ([`Inbound`]) is in the engine's terms: the handshake, a ping to answer,
//! the namespace connected or refused, a received message. Pure: no I/O; acknowledgement ids
//! are looked up through the caller.

use std::time::Duration;

use serde_json::Value;
use tokio_tungstenite::tungstenite::Bytes;

use super::message::{EventKind, SocketEvent, attachment_value};
use super::packet::{
    EnginePacket, OpenInfo, Packet, PacketKind, decode_engine, decode_packet, replace_placeholders,
};

/// What a frame meant.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// The Engine.IO handshake: the client connects to its namespace next.
    Open(OpenInfo),
    /// The server's heartbeat: answered with a pong.
    Ping,
    /// The server closes the Engine.IO connection.
    Close,
    /// The namespace accepted this client (its socket id, when the server gave one).
    Connected(Option<String>),
    /// The namespace refused this client (the server's message).
    ConnectError(String),
    /// The server disconnected this client from the namespace.
    Disconnected,
    /// An event or acknowledgement.
    Message(SocketEvent),
    /// Nothing to do (a noop, a pong, another namespace's packet, an attachment still missing
    /// others).
    Nothing,
}

/// A binary packet waiting for its attachments.
#[derive(Debug)]
struct Pending {
    packet: Packet,
    parts: Vec<Bytes>,
}

/// Looks up the acknowledgement this client asked for with an id: the event's name and how
/// long ago it went out.
pub type AckLookup<'a> = &'a mut dyn FnMut(u64) -> Option<(String, Duration)>;

/// One connection's reading state.
#[derive(Debug)]
pub struct Reader {
    namespace: String,
    pending: Option<Pending>,
}

impl Reader {
    pub fn new(namespace: &str) -> Self {
        Reader {
            namespace: namespace.to_string(),
            pending: None,
        }
    }

    /// A text frame. An error is the server breaking the protocol, in words.
    pub fn text(&mut self, text: &str, acks: AckLookup<'_>) -> Result<Inbound, String> {
        if self.pending.is_some() {
            return Err("a text frame came while binary attachments were still expected".into());
        }
        Ok(match decode_engine(text)? {
            EnginePacket::Open(info) => Inbound::Open(info),
            EnginePacket::Ping => Inbound::Ping,
            EnginePacket::Close => Inbound::Close,
            EnginePacket::Pong | EnginePacket::Noop | EnginePacket::Upgrade => Inbound::Nothing,
            EnginePacket::Message(text) => {
                let packet = decode_packet(text)?;
                if packet.namespace != self.namespace {
                    return Ok(Inbound::Nothing);
                }
                if packet.attachments > 0 {
                    self.pending = Some(Pending {
                        parts: Vec::with_capacity(packet.attachments),
                        packet,
                    });
                    return Ok(Inbound::Nothing);
                }
                self.packet(packet, Vec::new(), acks)?
            }
        })
    }

    /// A binary frame: the next attachment of the packet before it.
    pub fn binary(&mut self, bytes: Bytes, acks: AckLookup<'_>) -> Result<Inbound, String> {
        let Some(pending) = self.pending.as_mut() else {
            return Err("a binary frame came that no packet announced".into());
        };
        pending.parts.push(bytes);
        if pending.parts.len() < pending.packet.attachments {
            return Ok(Inbound::Nothing);
        }
        let Some(Pending { packet, parts }) = self.pending.take() else {
            return Ok(Inbound::Nothing);
        };
        self.packet(packet, parts, acks)
    }

    /// A complete packet of the namespace.
    fn packet(
        &self,
        packet: Packet,
        attachments: Vec<Bytes>,
        acks: AckLookup<'_>,
    ) -> Result<Inbound, String> {
        Ok(match packet.kind {
            PacketKind::Connect => Inbound::Connected(
                packet
                    .data
                    .as_ref()
                    .and_then(|d| d.get("sid"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
            PacketKind::ConnectError => Inbound::ConnectError(match &packet.data {
                Some(Value::Object(o)) => match o.get("message") {
                    Some(Value::String(s)) => s.clone(),
                    _ => Value::Object(o.clone()).to_string(),
                },
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => "no reason given".into(),
            }),
            PacketKind::Disconnect => Inbound::Disconnected,
            PacketKind::Event | PacketKind::BinaryEvent => {
                let mut args = arguments(packet.data, &attachments)?;
                if args.is_empty() {
                    return Err("an event packet without an event name".into());
                }
                let Value::String(name) = args.remove(0) else {
                    return Err("an event packet whose name is not a string".into());
                };
                Inbound::Message(SocketEvent::new(
                    EventKind::Event,
                    Some(name),
                    packet.id,
                    args,
                    attachments,
                    None,
                ))
            }
            PacketKind::Ack | PacketKind::BinaryAck => {
                let args = arguments(packet.data, &attachments)?;
                let asked = packet.id.and_then(&mut *acks);
                let (name, took) = match asked {
                    Some((name, took)) => (Some(name), Some(took)),
                    None => (None, None),
                };
                Inbound::Message(SocketEvent::new(
                    EventKind::Ack,
                    name,
                    packet.id,
                    args,
                    attachments,
                    took,
                ))
            }
        })
    }
}

/// A packet's argument list with its placeholders filled in.
fn arguments(data: Option<Value>, attachments: &[Bytes]) -> Result<Vec<Value>, String> {
    let mut data = match data {
        Some(Value::Array(items)) => Value::Array(items),
        None => return Ok(Vec::new()),
        Some(_) => return Err("an event or ack packet whose data is not a list".into()),
    };
    if !attachments.is_empty() {
        replace_placeholders(&mut data, &mut |n| {
            attachments.get(n).map(|b| attachment_value(b))
        })?;
    }
    match data {
        Value::Array(items) => Ok(items),
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_acks() -> impl FnMut(u64) -> Option<(String, Duration)> {
        |_| None
    }

    #[test]
    fn a_connection_reads_as_handshake_namespace_and_events() {
        let mut r = Reader::new("/chat");
        let mut acks = no_acks();
        assert!(matches!(
            r.text(
                r#"0{"sid":"e1","pingInterval":25000,"pingTimeout":20000}"#,
                &mut acks
            )
            .unwrap(),
            Inbound::Open(_)
        ));
        assert_eq!(r.text("2", &mut acks).unwrap(), Inbound::Ping);
        assert_eq!(
            r.text(r#"40/chat,{"sid":"s1"}"#, &mut acks).unwrap(),
            Inbound::Connected(Some("s1".into()))
        );
        // The default namespace's packets are not this connection's.
        assert_eq!(r.text(r#"42["x"]"#, &mut acks).unwrap(), Inbound::Nothing);
        let Inbound::Message(e) = r.text(r#"42/chat,5["say","hi",1]"#, &mut acks).unwrap() else {
            panic!()
        };
        assert_eq!(
            (e.name.as_deref(), e.id, e.value.clone()),
            (Some("say"), Some(5), json!(["hi", 1]))
        );
        assert_eq!(
            r.text("41/chat,", &mut acks).unwrap(),
            Inbound::Disconnected
        );
        assert_eq!(
            r.text(r#"44/chat,{"message":"not authorized"}"#, &mut acks)
                .unwrap(),
            Inbound::ConnectError("not authorized".into())
        );
        assert_eq!(r.text("1", &mut acks).unwrap(), Inbound::Close);
    }

    #[test]
    fn acknowledgements_name_the_event_they_answer() {
        let mut r = Reader::new("/");
        let mut acks = |id: u64| (id == 0).then(|| ("hello".to_string(), Duration::from_millis(3)));
        let Inbound::Message(e) = r.text(r#"430["ok"]"#, &mut acks).unwrap() else {
            panic!()
        };
        assert_eq!(
            (e.kind, e.name.as_deref(), e.value.clone()),
            (EventKind::Ack, Some("hello"), json!("ok"))
        );
        assert_eq!(&*e.line, r#"ack of hello · "ok" · 3 ms"#);
        let Inbound::Message(e) = r.text("439[]", &mut acks).unwrap() else {
            panic!()
        };
        assert_eq!(e.name, None);
        assert_eq!(&*e.line, "ack #9 (not asked for) ·");
    }

    #[test]
    fn binary_packets_wait_for_their_attachments() {
        let mut r = Reader::new("/");
        let mut acks = no_acks();
        let head =
            r#"452-["file",{"a":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]"#;
        assert_eq!(r.text(head, &mut acks).unwrap(), Inbound::Nothing);
        assert_eq!(
            r.binary(Bytes::from_static(b"\x01"), &mut acks).unwrap(),
            Inbound::Nothing
        );
        let Inbound::Message(e) = r
            .binary(Bytes::from_static(b"\x02\x03"), &mut acks)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(e.value, json!([{"a": "AQ=="}, "AgM="]));
        assert_eq!(e.attachments.len(), 2);
        assert_eq!(e.size(), e.text.len() + 3);
        // Out of order frames are the server breaking the protocol.
        assert!(
            r.binary(Bytes::new(), &mut acks)
                .unwrap_err()
                .contains("no packet announced")
        );
        r.text(r#"451-["f",{"_placeholder":true,"num":0}]"#, &mut acks)
            .unwrap();
        assert!(r.text("2", &mut acks).unwrap_err().contains("attachments"));
    }

    #[test]
    fn broken_packets_are_errors_in_words() {
        let mut r = Reader::new("/");
        let mut acks = no_acks();
        assert!(
            r.text("42{}", &mut acks)
                .unwrap_err()
                .contains("not a list")
        );
        assert!(
            r.text("42[]", &mut acks)
                .unwrap_err()
                .contains("without an event name")
        );
        assert!(
            r.text("42[1]", &mut acks)
                .unwrap_err()
                .contains("not a string")
        );
        assert!(r.text("x", &mut acks).unwrap_err().contains("Engine.IO"));
    }
}
