//! Socket.IO messages as the rest of the engine sees them: a received event or acknowledgement
//! ([`SocketEvent`], a [`Payload`](crate::assertions::Payload) of its own) and an event or
//! acknowledgement to send ([`SocketEmit`], an [`Outgoing`](crate::spec::Outgoing) of its own).
//! Both carry the one line the live log shows (`chat {"text":"hi"}`, `ack of hello · "ok"`), so
//! the log speaks in events, never in packet codes. Pure data.

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

use super::packet::{PacketKind, encode_packet, placeholder};

/// What a received Socket.IO message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// An event the server emitted.
    Event,
    /// The server's acknowledgement of an event this client emitted with `ack: true`.
    Ack,
}

/// A received event or acknowledgement.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketEvent {
    pub kind: EventKind,
    /// The event's name; for an acknowledgement, the name of the event it acknowledges (when
    /// this client asked for it).
    pub name: Option<String>,
    /// An event: the acknowledgement the server asks for; an acknowledgement: its id.
    pub id: Option<u64>,
    /// The arguments as the message's JSON: one argument as itself, several as a list, none as
    /// `null`. A binary attachment is its base64 text.
    pub value: Value,
    /// [`SocketEvent::value`] as JSON text (`text`, `json` fields and `{{$msg.text}}` read it).
    pub text: Utf8Bytes,
    /// The binary attachments, in order.
    pub attachments: Vec<Bytes>,
    /// What the live log shows.
    pub line: Utf8Bytes,
}

impl SocketEvent {
    /// A message from its arguments; `round_trip` is how long an acknowledgement took.
    pub fn new(
        kind: EventKind,
        name: Option<String>,
        id: Option<u64>,
        mut args: Vec<Value>,
        attachments: Vec<Bytes>,
        round_trip: Option<Duration>,
    ) -> Self {
        let value = match args.len() {
            0 => Value::Null,
            1 => args.pop().unwrap_or(Value::Null),
            _ => Value::Array(args),
        };
        let text = serde_json::to_string(&value).unwrap_or_default();
        let shown = if value.is_null() { "" } else { text.as_str() };
        let binary = match attachments.len() {
            0 => String::new(),
            1 => " · 1 binary attachment".into(),
            n => format!(" · {n} binary attachments"),
        };
        let line = match kind {
            EventKind::Event => {
                let asks = id
                    .map(|id| format!(" · asks ack #{id}"))
                    .unwrap_or_default();
                let name = name.as_deref().unwrap_or("?");
                format!("{name} {shown}{binary}{asks}")
            }
            EventKind::Ack => {
                let of = match (&name, id) {
                    (Some(name), _) => format!("ack of {name}"),
                    (None, Some(id)) => format!("ack #{id} (not asked for)"),
                    (None, None) => "ack".into(),
                };
                let took = round_trip
                    .map(|t| format!(" · {} ms", t.as_millis()))
                    .unwrap_or_default();
                format!("{of} · {shown}{binary}{took}")
            }
        };
        SocketEvent {
            kind,
            name,
            id,
            value,
            text: Utf8Bytes::from(text),
            attachments,
            line: Utf8Bytes::from(line.trim_end().to_string()),
        }
    }

    /// Payload bytes: the arguments' JSON and the attachments.
    pub fn size(&self) -> usize {
        self.text.len() + self.attachments.iter().map(Bytes::len).sum::<usize>()
    }
}

/// Whether an emitted event waits for an acknowledgement, or is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitAck {
    /// A plain event.
    None,
    /// An event that asks for the server's acknowledgement (`ack: true`); the id is given as
    /// it is written.
    Want,
    /// The acknowledgement of the server's event with this id.
    Answer(u64),
}

/// An event or acknowledgement to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketEmit {
    pub namespace: String,
    /// The event's name; `None` for an acknowledgement.
    pub name: Option<String>,
    pub ack: EmitAck,
    /// The arguments, JSON text each (placeholders where attachments go).
    pub args: Vec<String>,
    pub attachments: Vec<Bytes>,
    /// What the live log shows.
    pub line: Utf8Bytes,
}

impl SocketEmit {
    /// An event (or, with `name` `None` and `ack` [`EmitAck::Answer`], an acknowledgement)
    /// from its arguments as JSON values.
    pub fn new(
        namespace: &str,
        name: Option<String>,
        ack: EmitAck,
        args: &[Value],
        attachments: Vec<Bytes>,
    ) -> Self {
        let args: Vec<String> = args
            .iter()
            .map(|a| serde_json::to_string(a).unwrap_or_default())
            .collect();
        let shown = match args.len() {
            0 => String::new(),
            1 => args[0].clone(),
            _ => format!("[{}]", args.join(",")),
        };
        let binary = match attachments.len() {
            0 => String::new(),
            1 => " · 1 binary attachment".into(),
            n => format!(" · {n} binary attachments"),
        };
        let line = match (&name, ack) {
            (None, EmitAck::Answer(id)) => format!("ack #{id} · {shown}{binary}"),
            (name, ack) => {
                let wants = if ack == EmitAck::Want {
                    " · waits for ack"
                } else {
                    ""
                };
                format!(
                    "{} {shown}{binary}{wants}",
                    name.as_deref().unwrap_or("message")
                )
            }
        };
        SocketEmit {
            namespace: namespace.to_string(),
            name,
            ack,
            args,
            attachments,
            line: Utf8Bytes::from(line.trim_end().to_string()),
        }
    }

    /// A binary body as the one argument: one attachment and its placeholder (the log shows
    /// the attachment's size, not the placeholder).
    pub fn binary(namespace: &str, name: Option<String>, ack: EmitAck, bytes: Bytes) -> Self {
        let size = bytes.len();
        let mut emit = Self::new(namespace, name, ack, &[placeholder(0)], vec![bytes]);
        let shown = emit
            .line
            .replacen(&emit.args[0], &format!("<binary, {size} B>"), 1);
        emit.line = Utf8Bytes::from(shown);
        emit
    }

    /// The text frame of the packet, with `id` as the acknowledgement id this client asks for
    /// (for [`EmitAck::Want`]); the attachments follow it as binary frames.
    pub fn packet(&self, id: Option<u64>) -> String {
        let mut data = String::with_capacity(
            4 + self.name.as_ref().map_or(0, String::len)
                + self.args.iter().map(String::len).sum::<usize>(),
        );
        data.push('[');
        if let Some(name) = &self.name {
            data.push_str(&serde_json::to_string(name).unwrap_or_default());
        }
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 || self.name.is_some() {
                data.push(',');
            }
            data.push_str(arg);
        }
        data.push(']');
        let binary = !self.attachments.is_empty();
        let (kind, id) = match self.ack {
            EmitAck::Answer(answered) => (
                if binary {
                    PacketKind::BinaryAck
                } else {
                    PacketKind::Ack
                },
                Some(answered),
            ),
            EmitAck::Want | EmitAck::None => (
                if binary {
                    PacketKind::BinaryEvent
                } else {
                    PacketKind::Event
                },
                id.filter(|_| self.ack == EmitAck::Want),
            ),
        };
        encode_packet(
            kind,
            &self.namespace,
            self.attachments.len(),
            id,
            Some(&data),
        )
    }

    /// Payload bytes: the arguments' JSON and the attachments.
    pub fn size(&self) -> usize {
        self.args.iter().map(String::len).sum::<usize>()
            + self.attachments.iter().map(Bytes::len).sum::<usize>()
    }
}

/// A received attachment as a JSON value: its base64 text.
pub fn attachment_value(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn received_messages_read_as_events_in_the_log() {
        let e = SocketEvent::new(
            EventKind::Event,
            Some("chat".into()),
            None,
            vec![json!({"text": "hi"})],
            vec![],
            None,
        );
        assert_eq!(&*e.line, r#"chat {"text":"hi"}"#);
        assert_eq!(&*e.text, r#"{"text":"hi"}"#);
        let e = SocketEvent::new(
            EventKind::Event,
            Some("sum".into()),
            Some(4),
            vec![json!(1), json!(2)],
            vec![],
            None,
        );
        assert_eq!(&*e.line, "sum [1,2] · asks ack #4");
        assert_eq!(e.value, json!([1, 2]));
        let e = SocketEvent::new(
            EventKind::Ack,
            Some("hello".into()),
            Some(0),
            vec![json!("ok")],
            vec![],
            Some(Duration::from_millis(12)),
        );
        assert_eq!(&*e.line, r#"ack of hello · "ok" · 12 ms"#);
        let e = SocketEvent::new(
            EventKind::Event,
            Some("ping".into()),
            None,
            vec![],
            vec![],
            None,
        );
        assert_eq!((&*e.line, e.value.clone()), ("ping", Value::Null));
    }

    #[test]
    fn emits_encode_events_acks_and_attachments() {
        let e = SocketEmit::new(
            "/",
            Some("hello".into()),
            EmitAck::Want,
            &[json!({"a": 1})],
            vec![],
        );
        assert_eq!(e.packet(Some(3)), r#"423["hello",{"a":1}]"#);
        assert_eq!(&*e.line, r#"hello {"a":1} · waits for ack"#);
        let e = SocketEmit::new("/chat", Some("x".into()), EmitAck::None, &[], vec![]);
        assert_eq!(e.packet(Some(3)), r#"42/chat,["x"]"#);
        let e = SocketEmit::new(
            "/",
            None,
            EmitAck::Answer(7),
            &[json!("ok"), json!(2)],
            vec![],
        );
        assert_eq!(e.packet(None), r#"437["ok",2]"#);
        assert_eq!(&*e.line, r#"ack #7 · ["ok",2]"#);
        let e = SocketEmit::binary(
            "/",
            Some("file".into()),
            EmitAck::None,
            Bytes::from_static(b"\x00\x01"),
        );
        assert_eq!(
            e.packet(None),
            r#"451-["file",{"_placeholder":true,"num":0}]"#
        );
        assert_eq!(&*e.line, "file <binary, 2 B> · 1 binary attachment");
        assert_eq!(e.size(), 2 + e.args[0].len());
        assert_eq!(attachment_value(b"\x00\x01"), json!("AAE="));
    }
}
