//! The `/socket.io/` route's side of Socket.IO v4 (Engine.IO v4 on the WebSocket transport),
//! as small as a demo needs: the open packet, any namespace connect accepted (with a
//! `welcome` event), every event sent back as it came (attachments too), an event that asks for
//! an acknowledgement acknowledged with `{"ok":true,"event":<name>}`, and `bye` answered by
//! disconnecting the client from its namespace. Pure functions of the packet text; the
//! connection in `lib.rs` does the I/O and the pings.

use serde_json::{Value, json};

/// How often the route pings (the client must answer within [`PING_TIMEOUT_MS`]).
pub(crate) const PING_INTERVAL_MS: u64 = 25_000;
pub(crate) const PING_TIMEOUT_MS: u64 = 20_000;

/// The Engine.IO open packet for session `sid`.
pub(crate) fn open_packet(sid: &str) -> String {
    let open = json!({
        "sid": sid,
        "upgrades": [],
        "pingInterval": PING_INTERVAL_MS,
        "pingTimeout": PING_TIMEOUT_MS,
        "maxPayload": 1_000_000,
    });
    format!("0{open}")
}

/// What the route does with one text frame from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    /// Text frames to send at once.
    pub now: Vec<String>,
    /// Binary frames of the client's packet that follow and are sent back as they come.
    pub attachments: usize,
    /// Text frames to send once those attachments have been sent back.
    pub after_attachments: Vec<String>,
}

impl Answer {
    fn send(now: Vec<String>) -> Self {
        Answer {
            now,
            attachments: 0,
            after_attachments: Vec::new(),
        }
    }
}

/// A client packet's parts: type digit, attachments, namespace (`/` when none), id, data.
struct Parts<'a> {
    kind: u8,
    attachments: usize,
    namespace: &'a str,
    id: Option<&'a str>,
    data: &'a str,
}

fn parts(packet: &str) -> Option<Parts<'_>> {
    let kind = *packet.as_bytes().first()?;
    let mut rest = &packet[1..];
    let mut attachments = 0;
    if matches!(kind, b'5' | b'6') {
        let (count, after) = rest.split_once('-')?;
        attachments = count.parse().ok()?;
        rest = after;
    }
    let mut namespace = "/";
    if rest.starts_with('/') {
        let end = rest.find(',').unwrap_or(rest.len());
        namespace = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = (digits > 0).then(|| &rest[..digits]);
    Some(Parts {
        kind,
        attachments,
        namespace,
        id,
        data: &rest[digits..],
    })
}

/// `namespace,` as a packet writes it (nothing for `/`).
fn prefix(namespace: &str) -> String {
    if namespace == "/" {
        String::new()
    } else {
        format!("{namespace},")
    }
}

/// The route's answer to a text frame of connection `sid`.
pub(crate) fn answer(text: &str, sid: &str) -> Answer {
    let Some(packet) = text.strip_prefix('4') else {
        // Pongs, and anything that is not a message, need no answer.
        return Answer::send(Vec::new());
    };
    let Some(p) = parts(packet) else {
        return Answer::send(Vec::new());
    };
    let ns = prefix(p.namespace);
    match p.kind {
        b'0' => Answer::send(vec![
            format!("40{ns}{}", json!({"sid": sid})),
            format!("42{ns}{}", json!(["welcome", {"namespace": p.namespace}])),
        ]),
        b'2' | b'5' => {
            let name = serde_json::from_str::<Value>(p.data)
                .ok()
                .and_then(|d| d.get(0).and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default();
            let ack =
                p.id.map(|id| format!("43{ns}{id}{}", json!([{"ok": true, "event": name}])));
            if name == "bye" {
                let mut now: Vec<String> = ack.into_iter().collect();
                now.push(format!("41{ns}"));
                return Answer::send(now);
            }
            let head = if p.kind == b'5' {
                format!("45{}-{ns}{}", p.attachments, p.data)
            } else {
                format!("42{ns}{}", p.data)
            };
            let ack: Vec<String> = ack.into_iter().collect();
            if p.attachments == 0 {
                let mut now = vec![head];
                now.extend(ack);
                Answer::send(now)
            } else {
                Answer {
                    now: vec![head],
                    attachments: p.attachments,
                    after_attachments: ack,
                }
            }
        }
        _ => Answer::send(Vec::new()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_connect_and_events_come_back() {
        assert!(open_packet("s1").starts_with(r#"0{"sid":"s1""#));
        assert_eq!(
            answer(r#"40/chat,{"token":"x"}"#, "s1").now,
            [
                r#"40/chat,{"sid":"s1"}"#,
                r#"42/chat,["welcome",{"namespace":"/chat"}]"#
            ]
        );
        assert_eq!(answer(r#"42["say","hi"]"#, "s1").now, [r#"42["say","hi"]"#]);
        assert_eq!(
            answer(r#"42/chat,7["say",{"a":1}]"#, "s1").now,
            [
                r#"42/chat,["say",{"a":1}]"#,
                r#"43/chat,7[{"ok":true,"event":"say"}]"#
            ]
        );
        assert_eq!(answer(r#"423["bye"]"#, "s1").now.last().unwrap(), "41");
        assert!(answer("3", "s1").now.is_empty());
        assert!(answer("4x", "s1").now.is_empty());
    }

    #[test]
    fn binary_events_come_back_with_their_attachments_then_the_ack() {
        let a = answer(r#"451-2["file",{"_placeholder":true,"num":0}]"#, "s1");
        assert_eq!(a.now, [r#"451-["file",{"_placeholder":true,"num":0}]"#]);
        assert_eq!(a.attachments, 1);
        assert_eq!(a.after_attachments, [r#"432[{"ok":true,"event":"file"}]"#]);
    }
}
