//! Engine.IO v4 and Socket.IO v5 packets (the protocol of Socket.IO 4.x) as text: decoding
//! what a server sends and encoding what the client sends. Pure: no I/O, no session state.
//!
//! Over the WebSocket transport every Engine.IO packet is one frame. A text frame starts with
//! the Engine.IO type digit (`0` open, `1` close, `2` ping, `3` pong, `4` message, `6` noop); a
//! message carries a Socket.IO packet: `<type>[<attachments>-][<namespace>,][<id>][<json>]`,
//! type `0` connect, `1` disconnect, `2` event, `3` ack, `4` connect error, `5` binary event,
//! `6` binary ack. Binary attachments follow their packet as binary frames, as they are, and
//! the packet's JSON holds `{"_placeholder":true,"num":N}` where attachment `N` belongs.

use std::time::Duration;

use serde_json::Value;

/// Attachments one packet may announce at most (a bound on what a server can make us wait
/// for; Socket.IO's own parser allows 10).
pub const MAX_ATTACHMENTS: usize = 64;

/// What the server says in its Engine.IO open packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInfo {
    pub sid: String,
    /// The server pings this often...
    pub ping_interval: Duration,
    /// ...and the connection is dead when a ping is this much later than expected.
    pub ping_timeout: Duration,
    pub max_payload: Option<u64>,
}

/// An Engine.IO packet of a text frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnginePacket<'a> {
    Open(OpenInfo),
    Close,
    Ping,
    Pong,
    /// A Socket.IO packet, still as text.
    Message(&'a str),
    Upgrade,
    Noop,
}

/// The Socket.IO packet types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    Connect,
    Disconnect,
    Event,
    Ack,
    ConnectError,
    BinaryEvent,
    BinaryAck,
}

impl PacketKind {
    fn from_digit(c: u8) -> Option<Self> {
        Some(match c {
            b'0' => Self::Connect,
            b'1' => Self::Disconnect,
            b'2' => Self::Event,
            b'3' => Self::Ack,
            b'4' => Self::ConnectError,
            b'5' => Self::BinaryEvent,
            b'6' => Self::BinaryAck,
            _ => return None,
        })
    }

    fn digit(self) -> char {
        match self {
            Self::Connect => '0',
            Self::Disconnect => '1',
            Self::Event => '2',
            Self::Ack => '3',
            Self::ConnectError => '4',
            Self::BinaryEvent => '5',
            Self::BinaryAck => '6',
        }
    }
}

/// A decoded Socket.IO packet.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    pub kind: PacketKind,
    /// `/` when the packet names none.
    pub namespace: String,
    /// Binary attachments that follow as binary frames.
    pub attachments: usize,
    pub id: Option<u64>,
    pub data: Option<Value>,
}

/// Decodes a text frame as an Engine.IO packet. Errors say what is wrong in words.
pub fn decode_engine(text: &str) -> Result<EnginePacket<'_>, String> {
    let Some(&first) = text.as_bytes().first() else {
        return Err("an empty Engine.IO packet".into());
    };
    let rest = &text[1..];
    Ok(match first {
        b'0' => EnginePacket::Open(decode_open(rest)?),
        b'1' => EnginePacket::Close,
        b'2' => EnginePacket::Ping,
        b'3' => EnginePacket::Pong,
        b'4' => EnginePacket::Message(rest),
        b'5' => EnginePacket::Upgrade,
        b'6' => EnginePacket::Noop,
        _ => {
            return Err(format!(
                "`{}` is not an Engine.IO packet (is this a Socket.IO server?)",
                preview(text)
            ));
        }
    })
}

fn decode_open(json: &str) -> Result<OpenInfo, String> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| format!("the Engine.IO open packet is not JSON: {e}"))?;
    let sid = value
        .get("sid")
        .and_then(Value::as_str)
        .ok_or("the Engine.IO open packet has no `sid`")?
        .to_string();
    let millis = |key: &str, default: u64| {
        Duration::from_millis(value.get(key).and_then(Value::as_u64).unwrap_or(default))
    };
    Ok(OpenInfo {
        sid,
        ping_interval: millis("pingInterval", 25_000),
        ping_timeout: millis("pingTimeout", 20_000),
        max_payload: value.get("maxPayload").and_then(Value::as_u64),
    })
}

/// Decodes the Socket.IO packet of an Engine.IO message.
pub fn decode_packet(text: &str) -> Result<Packet, String> {
    let bytes = text.as_bytes();
    let kind = bytes
        .first()
        .and_then(|c| PacketKind::from_digit(*c))
        .ok_or_else(|| format!("`{}` is not a Socket.IO packet", preview(text)))?;
    let mut at = 1;
    let mut attachments = 0;
    if matches!(kind, PacketKind::BinaryEvent | PacketKind::BinaryAck) {
        let digits = bytes[at..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || bytes.get(at + digits) != Some(&b'-') {
            return Err(format!(
                "the binary packet `{}` does not say how many attachments follow",
                preview(text)
            ));
        }
        attachments = text[at..at + digits].parse::<usize>().unwrap_or(usize::MAX);
        if attachments > MAX_ATTACHMENTS {
            return Err(format!(
                "a packet announces {} binary attachments, more than the {MAX_ATTACHMENTS} this client takes",
                &text[at..at + digits]
            ));
        }
        at += digits + 1;
    }
    let mut namespace = "/".to_string();
    if bytes.get(at) == Some(&b'/') {
        let end = text[at..].find(',').map_or(text.len(), |i| at + i);
        namespace = text[at..end].to_string();
        at = (end + 1).min(text.len());
    }
    let digits = bytes[at..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let id = if digits > 0 {
        let id = text[at..at + digits]
            .parse::<u64>()
            .map_err(|_| format!("the packet id `{}` is too large", &text[at..at + digits]))?;
        at += digits;
        Some(id)
    } else {
        None
    };
    let data = if at < text.len() {
        Some(
            serde_json::from_str::<Value>(&text[at..])
                .map_err(|e| format!("the Socket.IO packet's data is not JSON: {e}"))?,
        )
    } else {
        None
    };
    Ok(Packet {
        kind,
        namespace,
        attachments,
        id,
        data,
    })
}

/// Encodes a Socket.IO packet as the text of an Engine.IO message frame (`4` first). `data`
/// is JSON text, written as it is.
pub fn encode_packet(
    kind: PacketKind,
    namespace: &str,
    attachments: usize,
    id: Option<u64>,
    data: Option<&str>,
) -> String {
    let mut out = String::with_capacity(8 + namespace.len() + data.map_or(0, str::len));
    out.push('4');
    out.push(kind.digit());
    if matches!(kind, PacketKind::BinaryEvent | PacketKind::BinaryAck) {
        out.push_str(&attachments.to_string());
        out.push('-');
    }
    if namespace != "/" {
        out.push_str(namespace);
        out.push(',');
    }
    if let Some(id) = id {
        out.push_str(&id.to_string());
    }
    if let Some(data) = data {
        out.push_str(data);
    }
    out
}

/// The placeholder that stands for attachment `num` in a binary packet's JSON.
pub fn placeholder(num: usize) -> Value {
    serde_json::json!({"_placeholder": true, "num": num})
}

/// The attachment number a JSON value stands for, when it is a placeholder.
pub fn placeholder_num(value: &Value) -> Option<usize> {
    let object = value.as_object()?;
    if object.get("_placeholder") != Some(&Value::Bool(true)) {
        return None;
    }
    usize::try_from(object.get("num")?.as_u64()?).ok()
}

/// Replaces every placeholder in `value` with what `fill` makes of its attachment number; an
/// error when a placeholder names no attachment.
pub fn replace_placeholders(
    value: &mut Value,
    fill: &mut dyn FnMut(usize) -> Option<Value>,
) -> Result<(), String> {
    if let Some(num) = placeholder_num(value) {
        *value = fill(num).ok_or_else(|| {
            format!("a binary placeholder names attachment {num}, which the packet does not have")
        })?;
        return Ok(());
    }
    match value {
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|item| replace_placeholders(item, fill)),
        Value::Object(map) => map
            .values_mut()
            .try_for_each(|item| replace_placeholders(item, fill)),
        _ => Ok(()),
    }
}

/// The start of a packet, for error messages.
fn preview(text: &str) -> String {
    let cut: String = text.chars().take(40).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn engine_packets_decode_by_their_digit() {
        let open = decode_engine(
            r#"0{"sid":"abc","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#,
        )
        .unwrap();
        assert_eq!(
            open,
            EnginePacket::Open(OpenInfo {
                sid: "abc".into(),
                ping_interval: Duration::from_millis(300),
                ping_timeout: Duration::from_millis(200),
                max_payload: Some(1_000_000),
            })
        );
        assert_eq!(decode_engine("2").unwrap(), EnginePacket::Ping);
        assert_eq!(decode_engine("3").unwrap(), EnginePacket::Pong);
        assert_eq!(decode_engine("1").unwrap(), EnginePacket::Close);
        assert_eq!(decode_engine("6").unwrap(), EnginePacket::Noop);
        assert_eq!(
            decode_engine("42[\"a\"]").unwrap(),
            EnginePacket::Message("2[\"a\"]")
        );
        let err = decode_engine("hello").unwrap_err();
        assert!(err.contains("not an Engine.IO packet"), "{err}");
        assert!(decode_engine("").is_err());
        let err = decode_engine("0{}").unwrap_err();
        assert!(err.contains("no `sid`"), "{err}");
        assert!(decode_engine("0nope").unwrap_err().contains("not JSON"));
    }

    #[test]
    fn socket_packets_decode_with_namespace_id_and_attachments() {
        let p = decode_packet(r#"2["chat",{"text":"hi"}]"#).unwrap();
        assert_eq!(p.kind, PacketKind::Event);
        assert_eq!(p.namespace, "/");
        assert_eq!(p.id, None);
        assert_eq!(p.data, Some(json!(["chat", {"text": "hi"}])));

        let p = decode_packet(r#"2/admin,12["x"]"#).unwrap();
        assert_eq!((p.namespace.as_str(), p.id), ("/admin", Some(12)));

        let p = decode_packet(r#"3/admin,7["ok"]"#).unwrap();
        assert_eq!(p.kind, PacketKind::Ack);
        assert_eq!(p.id, Some(7));

        let p = decode_packet(r#"51-/files,3["file",{"_placeholder":true,"num":0}]"#).unwrap();
        assert_eq!(p.kind, PacketKind::BinaryEvent);
        assert_eq!(
            (p.attachments, p.namespace.as_str(), p.id),
            (1, "/files", Some(3))
        );

        let p = decode_packet(r#"0{"sid":"s1"}"#).unwrap();
        assert_eq!(p.kind, PacketKind::Connect);
        assert_eq!(p.data, Some(json!({"sid": "s1"})));
        let p = decode_packet("1/admin,").unwrap();
        assert_eq!(
            (p.kind, p.namespace.as_str(), p.data),
            (PacketKind::Disconnect, "/admin", None)
        );
        let p = decode_packet(r#"4{"message":"not authorized"}"#).unwrap();
        assert_eq!(p.kind, PacketKind::ConnectError);

        assert!(
            decode_packet("9")
                .unwrap_err()
                .contains("not a Socket.IO packet")
        );
        assert!(
            decode_packet("5[\"a\"]")
                .unwrap_err()
                .contains("attachments")
        );
        assert!(
            decode_packet("5999-[\"a\"]")
                .unwrap_err()
                .contains("more than")
        );
        assert!(decode_packet("2[nope").unwrap_err().contains("not JSON"));
        assert!(
            decode_packet("299999999999999999999999[]")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn packets_encode_as_the_server_decodes_them() {
        assert_eq!(encode_packet(PacketKind::Connect, "/", 0, None, None), "40");
        assert_eq!(
            encode_packet(
                PacketKind::Connect,
                "/admin",
                0,
                None,
                Some(r#"{"token":"t"}"#)
            ),
            r#"40/admin,{"token":"t"}"#
        );
        assert_eq!(
            encode_packet(PacketKind::Event, "/", 0, Some(3), Some(r#"["hello",1]"#)),
            r#"423["hello",1]"#
        );
        assert_eq!(
            encode_packet(PacketKind::Ack, "/chat", 0, Some(9), Some("[]")),
            "43/chat,9[]"
        );
        assert_eq!(
            encode_packet(
                PacketKind::BinaryEvent,
                "/",
                1,
                None,
                Some(r#"["f",{"_placeholder":true,"num":0}]"#)
            ),
            r#"451-["f",{"_placeholder":true,"num":0}]"#
        );
        // What we encode, we decode back.
        let text = encode_packet(PacketKind::BinaryAck, "/x", 2, Some(4), Some("[1]"));
        let p = decode_packet(&text[1..]).unwrap();
        assert_eq!(
            (p.kind, p.attachments, p.namespace.as_str(), p.id),
            (PacketKind::BinaryAck, 2, "/x", Some(4))
        );
    }

    #[test]
    fn placeholders_are_replaced_and_a_missing_attachment_is_an_error() {
        let mut v = json!(["f", {"data": placeholder(0), "more": [placeholder(1)]}]);
        replace_placeholders(&mut v, &mut |n| Some(json!(format!("bin{n}")))).unwrap();
        assert_eq!(v, json!(["f", {"data": "bin0", "more": ["bin1"]}]));
        let mut v = json!([placeholder(2)]);
        let err = replace_placeholders(&mut v, &mut |_| None).unwrap_err();
        assert!(err.contains("attachment 2"), "{err}");
        assert_eq!(
            placeholder_num(&json!({"_placeholder": false, "num": 0})),
            None
        );
    }
}
