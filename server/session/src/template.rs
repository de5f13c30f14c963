//! Filling in a message as it is sent (docs/format.md §4.4): the names the section's replies
//! capture (`{{SESSION_TOKEN}}`) and, in a message sent in answer to another, the values of
//! that message (`{{$msg.json.id}}`, `{{$msg.text}}`, `{{$msg.event}}`).
//!
//! The environment's variables were substituted when the spec was built (`crate::section`);
//! what is left in a body is filled in here, every time the message is sent, so a message sent
//! after a capture uses the captured value. A value that lands inside a JSON string of a
//! `json` body is escaped as JSON string content, so `{"echo": "{{$msg.text}}"}` stays valid
//! whatever the text holds. Pure: no I/O, no session state.

use std::borrow::Cow;

use serde_json::Value;
use void_syntax::conversation::{ArgsMode, msg_variable};
use void_syntax::vocab::{MessageFormat, Protocol};

use crate::assertions::{Payload, access, text_of};
use crate::socketio::message::{EmitAck, EventKind, SocketEmit};
use crate::spec::{MessageSpec, Outgoing, SessionSpec};

/// The values captured so far in a session (or, when serving, in one client's conversation),
/// by name; a later capture of a name replaces its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    values: Vec<(String, String)>,
}

impl Captured {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Stores a value; `true` when it is new or changed.
    pub fn set(&mut self, name: &str, value: String) -> bool {
        match self.values.iter_mut().find(|(n, _)| n == name) {
            Some((_, old)) if *old == value => false,
            Some((_, old)) => {
                *old = value;
                true
            }
            None => {
                self.values.push((name.to_string(), value));
                true
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// What a message is filled in from: the captured values, the environment's values of the
/// names the section captures (used until they are captured), and the message it answers.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub captured: &'a Captured,
    pub defaults: &'a [(String, String)],
    /// The message this one answers (a reply, or an `after:` message), if any.
    pub trigger: Option<&'a Payload>,
}

impl<'a> Context<'a> {
    /// A context with nothing captured and no message answered.
    pub fn empty() -> Context<'static> {
        static NOTHING: Captured = Captured { values: Vec::new() };
        Context {
            captured: &NOTHING,
            defaults: &[],
            trigger: None,
        }
    }

    /// The value of a name left in a body, in words when it has none.
    fn value(&self, name: &str) -> Result<Cow<'a, str>, String> {
        if let Some(field) = msg_variable(name) {
            let field = field?;
            let Some(trigger) = self.trigger else {
                return Err(format!(
                    "`{{{{{name}}}}}` takes a value from the message a reply answers, and this message answers none"
                ));
            };
            return match access(&field, trigger) {
                Some(Value::Null) | None => Err(format!(
                    "`{{{{{name}}}}}` has no value in the message it answers"
                )),
                Some(value) => Ok(Cow::Owned(text_of(&value))),
            };
        }
        if let Some(value) = self.captured.get(name) {
            return Ok(Cow::Owned(value.to_string()));
        }
        if let Some((_, value)) = self.defaults.iter().find(|(n, _)| n == name) {
            return Ok(Cow::Owned(value.clone()));
        }
        Err(format!(
            "`{{{{{name}}}}}` has no value yet: a reply captures it when its message arrives"
        ))
    }
}

/// Fills in what is left in `body` (see the module docs). In a `json` body a value inside a
/// JSON string is escaped as string content; elsewhere it is written as it is.
pub fn fill(body: &str, format: MessageFormat, context: &Context<'_>) -> Result<String, String> {
    if !body.contains("{{") {
        return Ok(body.to_string());
    }
    let json = format == MessageFormat::Json;
    let mut out = String::with_capacity(body.len() + 32);
    let mut in_string = false;
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        let literal = &rest[..open];
        out.push_str(literal);
        if json {
            in_string = json_string_state(literal, in_string);
        }
        let inner = &rest[open + 2..open + 2 + close];
        let name = inner.trim();
        let whole = &rest[open..open + 4 + close];
        rest = &rest[open + 4 + close..];
        if inner.contains(['{', '}', '\n', '|']) || name.is_empty() {
            out.push_str(whole);
            continue;
        }
        let value = context.value(name)?;
        if json && in_string {
            // A JSON string's quotes are already in the body: only its content goes in.
            let escaped = serde_json::to_string(value.as_ref()).unwrap_or_default();
            out.push_str(
                escaped
                    .get(1..escaped.len().saturating_sub(1))
                    .unwrap_or_default(),
            );
        } else {
            out.push_str(&value);
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether a JSON text is inside a string after `text`, when it was (`in_string`) before it.
fn json_string_state(text: &str, mut in_string: bool) -> bool {
    let mut escaped = false;
    for c in text.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_string = !in_string,
            _ => {}
        }
    }
    in_string
}

/// Whether `body` still holds a name to fill in (a captured name or a `{{$msg...}}` value).
pub fn needs_filling(body: &str) -> bool {
    body.contains("{{")
}

/// The message as it is sent now: its body filled in from `context`, checked against its
/// format and encoded. Errors are in words and name what is missing.
pub fn render(message: &MessageSpec, context: &Context<'_>) -> Result<Outgoing, String> {
    let body = if needs_filling(&message.body) {
        Cow::Owned(fill(&message.body, message.format, context)?)
    } else {
        Cow::Borrowed(message.body.as_str())
    };
    Outgoing::encode(message.format, message.encoding, &body)
}

/// The message as it is sent now in the section's protocol: [`render`], and on a Socket.IO
/// section the event it stands for (docs/format.md §4.5): attr `event` names it (`message`
/// when none does), a JSON body is its one argument (its argument list with `args: list`),
/// a text body a string argument, a binary body one attachment; `ack: true` waits for the
/// server's acknowledgement. A reply without `event` to an event that asks for an
/// acknowledgement sends that acknowledgement, its body as the arguments.
pub fn render_in(
    spec: &SessionSpec,
    message: &MessageSpec,
    context: &Context<'_>,
) -> Result<Outgoing, String> {
    let outgoing = render(message, context)?;
    if spec.options.protocol != Protocol::SocketIo {
        return Ok(outgoing);
    }
    let namespace = spec.options.namespace.as_str();
    let owed = match (&message.event, context.trigger) {
        (None, Some(Payload::Event(e))) if e.kind == EventKind::Event => e.id,
        _ => None,
    };
    let (name, ack) = match owed {
        Some(id) => (None, EmitAck::Answer(id)),
        None => (
            Some(message.event.clone().unwrap_or_else(|| "message".into())),
            if message.ack {
                EmitAck::Want
            } else {
                EmitAck::None
            },
        ),
    };
    let emit = match outgoing {
        Outgoing::Event(emit) => return Ok(Outgoing::Event(emit)),
        Outgoing::Binary(bytes) => SocketEmit::binary(namespace, name, ack, bytes),
        Outgoing::Text {
            format: MessageFormat::Json,
            text,
        } => {
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| format!("the body is not valid JSON: {e}"))?;
            let args = match (message.args, value) {
                (ArgsMode::List, Value::Array(items)) => items,
                (ArgsMode::List, _) => {
                    return Err(
                        "`args: list` needs a JSON list as the body (the event's arguments)".into(),
                    );
                }
                (ArgsMode::Single, value) => vec![value],
            };
            SocketEmit::new(namespace, name, ack, &args, Vec::new())
        }
        Outgoing::Text { text, .. } if text.is_empty() => {
            SocketEmit::new(namespace, name, ack, &[], Vec::new())
        }
        Outgoing::Text { text, .. } => SocketEmit::new(
            namespace,
            name,
            ack,
            &[Value::String(text.to_string())],
            Vec::new(),
        ),
    };
    Ok(Outgoing::Event(std::sync::Arc::new(emit)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn captured_values_win_over_defaults_and_msg_values_come_from_the_trigger() {
        let nothing = Captured::default();
        let defaults = vec![("TOKEN".to_string(), "from-env".to_string())];
        let trigger = Payload::text(r#"{"op":"ping","id":12,"who":"a \"b\""}"#);
        let context = Context {
            captured: &nothing,
            defaults: &defaults,
            trigger: Some(&trigger),
        };
        let body =
            r#"{"op":"pong","id":{{$msg.json.id}},"t":"{{TOKEN}}","who":"{{$msg.json.who}}"}"#;
        let filled = fill(body, MessageFormat::Json, &context).unwrap();
        assert_eq!(
            filled,
            r#"{"op":"pong","id":12,"t":"from-env","who":"a \"b\""}"#
        );
        serde_json::from_str::<Value>(&filled).unwrap();
        let mut captured = Captured::default();
        assert!(captured.set("TOKEN", "captured".into()));
        assert!(!captured.set("TOKEN", "captured".into()));
        let context = Context {
            captured: &captured,
            ..context
        };
        assert!(fill("{{TOKEN}}", MessageFormat::Text, &context).unwrap() == "captured");
        assert_eq!(
            fill("{{$msg.text}}", MessageFormat::Text, &context).unwrap(),
            trigger.as_text()
        );
    }

    #[test]
    fn missing_values_are_named() {
        let context = Context::empty();
        let e = fill("{{$msg.text}}", MessageFormat::Text, &context).unwrap_err();
        assert!(e.contains("answers none"), "{e}");
        let e = fill("{{TOKEN}}", MessageFormat::Text, &context).unwrap_err();
        assert!(e.contains("`{{TOKEN}}` has no value yet"), "{e}");
        let trigger = Payload::text("{}");
        let context = Context {
            trigger: Some(&trigger),
            ..Context::empty()
        };
        let e = fill("{{$msg.json.id}}", MessageFormat::Text, &context).unwrap_err();
        assert!(e.contains("no value in the message"), "{e}");
        assert_eq!(
            fill("plain", MessageFormat::Text, &context).unwrap(),
            "plain"
        );
    }
}
