//! The rule engine of conversations (docs/format.md §4.4): which replies an arriving message
//! triggers, what they capture, and what they send. One engine for both sides of a
//! conversation: a client session runs it on what the server sends, `void-ls serve` on what
//! each client sends.
//!
//! For every arriving message, every `send: on-receive` message of the section whose `when:`
//! holds (all of them when it has no `when:`) and that has not yet been sent `times` times
//! fires, in file order: its captures are stored first, then its body is filled in (captured
//! values, `{{$msg...}}` values of the arriving message) and it is sent. Each reply carries a
//! note for the log that says why it was sent (`pong (reply to ← ping #12)`). A reply whose
//! body cannot be filled in (a `{{$msg.json.id}}` the message does not have) is not sent, and
//! the failure names the reply, its rule and the message. Pure bookkeeping: no I/O, no locks.

use std::sync::Arc;

use serde_json::Value;
use void_syntax::vocab::{self, Accessor, SendMode};

use crate::assertions::{Payload, access, condition, text_of};
use crate::log::text_preview;
use crate::spec::{MessageSpec, Outgoing, SessionSpec};
use crate::status::ReplyFailure;
use crate::template::{self, Captured, Context};

/// Characters of the arriving message named in a reply's note.
const TRIGGER_CHARS: usize = 32;

/// The replies of one conversation and what they have done so far.
#[derive(Debug, Clone)]
pub(crate) struct Conversation {
    /// Indexes of the reply messages in the spec, in file order.
    rules: Vec<usize>,
    /// How often each rule has fired (same order as `rules`).
    fired: Vec<u32>,
    captured: Captured,
}

/// What one reply did for one arriving message.
#[derive(Debug)]
pub(crate) struct Reaction {
    /// Values it captured (name, value), in order.
    pub captured: Vec<(String, String)>,
    /// What it sends: the message and the note for the log, or why it could not be sent;
    /// `None` for a reply that only captures.
    pub send: Option<Result<(Outgoing, Arc<str>), ReplyFailure>>,
}

impl Conversation {
    pub(crate) fn new(spec: &SessionSpec) -> Self {
        let rules: Vec<usize> = spec
            .messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.send == SendMode::OnReceive)
            .map(|(i, _)| i)
            .collect();
        Conversation {
            fired: vec![0; rules.len()],
            rules,
            captured: Captured::default(),
        }
    }

    /// Whether the section has replies at all (an arriving message costs nothing otherwise).
    pub(crate) fn has_rules(&self) -> bool {
        !self.rules.is_empty()
    }

    /// What a message of this conversation is filled in from.
    pub(crate) fn context<'a>(
        &'a self,
        spec: &'a SessionSpec,
        trigger: Option<&'a Payload>,
    ) -> Context<'a> {
        Context {
            captured: &self.captured,
            defaults: &spec.capture_defaults,
            trigger,
        }
    }

    /// The replies `payload` (the `number`th message received, from 1) triggers.
    pub(crate) fn react(
        &mut self,
        spec: &SessionSpec,
        payload: &Payload,
        number: u64,
    ) -> Vec<Reaction> {
        let mut reactions = Vec::new();
        for slot in 0..self.rules.len() {
            let message = &spec.messages[self.rules[slot]];
            if message.times.is_some_and(|times| self.fired[slot] >= times)
                || !self.matches(spec, message, payload)
            {
                continue;
            }
            self.fired[slot] += 1;
            let mut captured = Vec::new();
            for capture in &message.captures {
                if let Some(value) = access(&capture.field, payload).filter(|v| !v.is_null()) {
                    let value = text_of(&value);
                    if self.captured.set(&capture.name, value.clone()) {
                        captured.push((capture.name.clone(), value));
                    }
                }
            }
            let send = message.has_body.then(|| {
                let trigger = trigger_words(message, payload, number);
                let context = self.context(spec, Some(payload));
                template::render_in(spec, message, &context)
                    .map(|outgoing| {
                        let note = format!("{} (reply to {trigger})", message_label(message));
                        (outgoing, Arc::from(note))
                    })
                    .map_err(|error| ReplyFailure {
                        reply: message_label(message).to_string(),
                        when: message.when.as_ref().map(|w| w.text()),
                        trigger,
                        error,
                    })
            });
            reactions.push(Reaction { captured, send });
        }
        reactions
    }

    /// Whether a reply's `when:` holds for `payload` (its expected value filled in from the
    /// captured values when it names one).
    fn matches(&self, spec: &SessionSpec, message: &MessageSpec, payload: &Payload) -> bool {
        let Some(when) = &message.when else {
            return true;
        };
        let actual = access(&when.field, payload);
        if template::needs_filling(&when.expected) {
            let context = self.context(spec, Some(payload));
            match template::fill(&when.expected, vocab::MessageFormat::Text, &context) {
                Ok(expected) => condition(when.operator, actual.as_ref(), &expected),
                Err(_) => false,
            }
        } else {
            condition(when.operator, actual.as_ref(), &when.expected)
        }
    }
}

/// The name a reply is known by in the log: its `name`, else `reply`.
fn message_label(message: &MessageSpec) -> &str {
    message.name.as_deref().unwrap_or("reply")
}

/// The arriving message as a reply's note names it: `← ping #12`, where `ping` is what its
/// `when:` read (the event name, a JSON value) or else the start of the message, and `#12` its
/// place among the messages received. A Socket.IO event is always named (`← chat 7 #3` when
/// the `when:` read a value of its arguments, `← chat {"id":7} #3` without one), so a failure
/// says which event it answered.
fn trigger_words(message: &MessageSpec, payload: &Payload, number: u64) -> String {
    let read = message.when.as_ref().and_then(|when| match &when.field {
        Accessor::Json(_) | Accessor::Event | Accessor::Ack(_) => {
            access(&when.field, payload).map(|value| (value, when.field == Accessor::Event))
        }
        _ => None,
    });
    let event = match payload {
        Payload::Event(event) => Some(event),
        _ => None,
    };
    let words = match (read, event) {
        (Some((value, true)), _) => text_of(&value),
        (Some((Value::Object(_) | Value::Array(_), _)) | None, Some(event)) => {
            text_preview(&event.line)
        }
        (Some((Value::Object(_) | Value::Array(_), _)) | None, None) => {
            text_preview(&payload.as_text())
        }
        (Some((value, false)), Some(event)) => format!(
            "{} {}",
            event.name.as_deref().unwrap_or("ack"),
            text_of(&value)
        ),
        (Some((value, false)), None) => text_of(&value),
    };
    let cut: String = words.chars().take(TRIGGER_CHARS).collect();
    let ellipsis = if words.chars().count() > TRIGGER_CHARS {
        "…"
    } else {
        ""
    };
    format!("← {cut}{ellipsis} #{number}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use void_syntax::conversation::{Condition, parse_captures};
    use void_syntax::vocab::MessageFormat;

    fn reply(name: &str, when: Option<&str>, body: Option<&str>) -> MessageSpec {
        MessageSpec {
            name: Some(name.into()),
            format: MessageFormat::Json,
            send: SendMode::OnReceive,
            when: when.map(|w| Condition::parse(w).unwrap()),
            has_body: body.is_some(),
            body: body.unwrap_or_default().into(),
            ..MessageSpec::default()
        }
    }

    fn sent_text(reaction: &Reaction) -> (String, String) {
        match reaction.send.as_ref().unwrap().as_ref().unwrap() {
            (Outgoing::Text { text, .. }, note) => (text.to_string(), note.to_string()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn replies_fire_in_file_order_capture_first_and_stop_after_times() {
        let mut spec = SessionSpec::new("ws://h/");
        let mut login = reply("welcome", Some("json.op equals welcome"), None);
        login.captures = parse_captures("SESSION_TOKEN = json.token").unwrap();
        spec.messages.push(login);
        let mut pong = reply(
            "pong",
            Some("json.op equals ping"),
            Some(r#"{"op":"pong","id":{{$msg.json.id}},"t":"{{SESSION_TOKEN}}"}"#),
        );
        pong.times = Some(2);
        spec.messages.push(pong);
        spec.messages
            .push(MessageSpec::text("manual", "not a reply"));
        let mut conversation = Conversation::new(&spec);
        assert!(conversation.has_rules());

        let r = conversation.react(
            &spec,
            &Payload::text(r#"{"op":"welcome","token":"t-123"}"#),
            1,
        );
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].captured,
            [("SESSION_TOKEN".to_string(), "t-123".to_string())]
        );
        assert!(r[0].send.is_none());

        for (id, number) in [(7, 2), (8, 3)] {
            let r = conversation.react(
                &spec,
                &Payload::text(&format!(r#"{{"op":"ping","id":{id}}}"#)),
                number,
            );
            let (body, note) = sent_text(&r[0]);
            assert_eq!(body, format!(r#"{{"op":"pong","id":{id},"t":"t-123"}}"#));
            assert_eq!(note, format!("pong (reply to ← ping #{number})"));
        }
        assert!(
            conversation
                .react(&spec, &Payload::text(r#"{"op":"ping","id":9}"#), 4)
                .is_empty()
        );
    }

    #[test]
    fn a_reply_that_cannot_be_filled_in_names_itself_and_the_message() {
        let mut spec = SessionSpec::new("ws://h/");
        spec.messages.push(reply(
            "pong",
            Some("json.op equals ping"),
            Some(r#"{"id":{{$msg.json.id}}}"#),
        ));
        let mut conversation = Conversation::new(&spec);
        let r = conversation.react(&spec, &Payload::text(r#"{"op":"ping"}"#), 12);
        let failure = r[0].send.as_ref().unwrap().as_ref().unwrap_err();
        assert_eq!(failure.reply, "pong");
        assert_eq!(failure.when.as_deref(), Some("json.op equals ping"));
        assert_eq!(failure.trigger, "← ping #12");
        assert!(
            failure.error.contains("{{$msg.json.id}}"),
            "{}",
            failure.error
        );
    }

    #[test]
    fn a_reply_to_a_socketio_event_names_the_event_it_answers() {
        use crate::socketio::message::{EventKind, SocketEvent};
        let event = |args: Vec<Value>| {
            Payload::Event(Arc::new(SocketEvent::new(
                EventKind::Event,
                Some("chat".into()),
                None,
                args,
                vec![],
                None,
            )))
        };
        let mut spec = SessionSpec::new("ws://h/");
        spec.options.protocol = void_syntax::vocab::Protocol::SocketIo;
        spec.messages.push(reply(
            "by-id",
            Some("json.id equals 7"),
            Some("{{$msg.json.x}}"),
        ));
        spec.messages
            .push(reply("any", None, Some("{{$msg.json.x}}")));
        spec.messages.push(reply(
            "by-event",
            Some("event equals chat"),
            Some("{{$msg.json.x}}"),
        ));
        let mut conversation = Conversation::new(&spec);
        let r = conversation.react(&spec, &event(vec![serde_json::json!({"id": 7})]), 3);
        let triggers: Vec<String> = r
            .iter()
            .map(|r| {
                r.send
                    .as_ref()
                    .unwrap()
                    .as_ref()
                    .unwrap_err()
                    .trigger
                    .clone()
            })
            .collect();
        assert_eq!(
            triggers,
            ["← chat 7 #3", "← chat {\"id\":7} #3", "← chat #3"]
        );
    }

    #[test]
    fn a_reply_without_when_answers_every_message() {
        let mut spec = SessionSpec::new("ws://h/");
        let mut echo = reply("echo", None, Some("{{$msg.text}}"));
        echo.format = MessageFormat::Text;
        spec.messages.push(echo);
        let mut conversation = Conversation::new(&spec);
        let r = conversation.react(&spec, &Payload::text("hello there"), 1);
        assert_eq!(
            sent_text(&r[0]),
            (
                "hello there".into(),
                "echo (reply to ← hello there #1)".into()
            )
        );
    }
}
