//! The words of conversations (docs/format.md §4.4 and §4.5): the `when:` condition of a reply,
//! `capture:` lists, `times`, the `{{$msg...}}` values a reply takes from the message that
//! triggered it, and the Socket.IO attrs of a `ws-message` (`event`, `args`, `ack`).
//!
//! Like [`crate::vocab`], whose fields and operators it reuses, it is pure: parsing and static
//! checks only. The diagnostics, the language server (completion, hover) and the session
//! engine (which evaluates conditions and fills in values) all read these types, so a word
//! means the same thing everywhere.

use crate::vocab::{self, Accessor, Operator, Protocol};

/// A reply's `when:` condition: `<field> <operator> [<expected>]`, read on the message that
/// just arrived (`json.op equals ping`, `text contains hello`, `event equals joined`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: Accessor,
    pub operator: Operator,
    /// The expected value as written (trimmed); empty for operators that take none.
    pub expected: String,
}

impl Condition {
    /// Parses a condition. Errors say what is wrong in words.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err(
                "`when:` is empty; write `<field> <operator> <expected>`, e.g. `json.op equals ping`"
                    .into(),
            );
        }
        let (field_text, rest) = split_word(t);
        let field = vocab::parse_message_field(field_text)?;
        let (operator_text, expected) = split_word(rest);
        if operator_text.is_empty() {
            return Err(format!(
                "`when: {t}` has no operator; write `{field_text} <operator> <expected>` with one of {}",
                when_operators()
            ));
        }
        let operator = Operator::parse(operator_text).ok_or_else(|| {
            format!(
                "unknown operator `{operator_text}` in `when:`; use one of {}",
                when_operators()
            )
        })?;
        if operator == Operator::Within {
            return Err(
                "`within` is for assertion rows; a `when:` is checked on each message as it arrives"
                    .into(),
            );
        }
        let expected = expected.trim().to_string();
        if operator.takes_expected() && expected.is_empty() && operator != Operator::Equals {
            return Err(format!("`{operator_text}` needs a value after it"));
        }
        if !operator.takes_expected() && !expected.is_empty() {
            return Err(format!(
                "`{operator_text}` takes no value; remove `{expected}`"
            ));
        }
        if operator == Operator::Matches && !expected.contains("{{") {
            regex::Regex::new(&expected)
                .map_err(|e| format!("`{expected}` is not a valid regular expression: {e}"))?;
        }
        Ok(Condition {
            field,
            operator,
            expected,
        })
    }

    /// Why this condition can never hold for a message of a section speaking `protocol`, or
    /// `None` when it can. Only what is certain from the text alone is reported.
    pub fn never_matches(&self, protocol: Protocol) -> Option<String> {
        let field = vocab::message_field_text(&self.field);
        let numeric = || self.expected.parse::<f64>().ok();
        let has_vars = self.expected.contains("{{");
        if matches!(self.field, Accessor::Event | Accessor::Ack(_))
            && protocol == Protocol::WebSocket
        {
            return Some(format!(
                "a plain WebSocket message has no `{field}` (if the server speaks Socket.IO, add a `protocol` row with `socket.io` to the ws-options)"
            ));
        }
        let always_present = matches!(
            self.field,
            Accessor::Text | Accessor::Size | Accessor::Binary | Accessor::Whole
        );
        match self.operator {
            Operator::NotExists if always_present => {
                return Some(format!(
                    "every message has a `{field}`, so `notExists` never holds"
                ));
            }
            Operator::GreaterThan | Operator::LessThan if !has_vars && numeric().is_none() => {
                return Some(format!(
                    "`{}` compares numbers, and `{}` is not a number",
                    self.operator, self.expected
                ));
            }
            Operator::IsJson if matches!(self.field, Accessor::Size | Accessor::Binary) => {
                return Some(format!("`{field}` is never JSON text"));
            }
            _ => {}
        }
        if has_vars {
            return None;
        }
        match (&self.field, self.operator) {
            (Accessor::Binary, Operator::Equals)
                if !matches!(self.expected.as_str(), "true" | "false") =>
            {
                Some(format!(
                    "`binary` is `true` or `false`, never `{}`",
                    self.expected
                ))
            }
            (Accessor::Size, Operator::Equals) => match numeric() {
                Some(n) if n >= 0.0 && n.fract() == 0.0 => None,
                _ => Some(format!(
                    "`size` is a whole number of bytes, never `{}`",
                    self.expected
                )),
            },
            (Accessor::Size, Operator::LessThan) if numeric().is_some_and(|n| n <= 0.0) => {
                Some(format!("`size` is never less than {}", self.expected))
            }
            _ => None,
        }
    }

    /// The condition as written: `json.op equals ping`.
    pub fn text(&self) -> String {
        let mut s = format!(
            "{} {}",
            vocab::message_field_text(&self.field),
            self.operator
        );
        if !self.expected.is_empty() {
            s.push(' ');
            s.push_str(&self.expected);
        }
        s
    }
}

/// The operators a `when:` takes, in words.
fn when_operators() -> String {
    Operator::ALL
        .iter()
        .filter(|o| **o != Operator::Within)
        .map(|o| o.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first word of `text` and the rest after the spaces that follow it.
fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim_start()),
        None => (text, ""),
    }
}

/// One `capture: NAME = <field>`: a value of the matching message stored as `{{NAME}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub name: String,
    pub field: Accessor,
}

/// Parses a `capture:` value: one or more `NAME = <field>`, separated by `;` or line breaks.
pub fn parse_captures(text: &str) -> Result<Vec<Capture>, String> {
    let mut captures: Vec<Capture> = Vec::new();
    for part in text
        .split([';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((name, field)) = part.split_once('=') else {
            return Err(format!(
                "`{part}` is not a capture; write `NAME = <field>`, e.g. `TOKEN = json.token`"
            ));
        };
        let name = name.trim();
        check_capture_name(name)?;
        if captures.iter().any(|c| c.name == name) {
            return Err(format!("`{name}` is captured twice in one message"));
        }
        let field = vocab::parse_message_field(field)?;
        captures.push(Capture {
            name: name.to_string(),
            field,
        });
    }
    if captures.is_empty() {
        return Err(
            "`capture:` is empty; write `NAME = <field>`, e.g. `TOKEN = json.token`".into(),
        );
    }
    Ok(captures)
}

/// A capture name is a variable name: a letter or `_`, then letters, digits, `_`, `-` or `.`;
/// not a runtime name (`process.*`, `$...`).
pub fn check_capture_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if name.is_empty() {
        return Err("a capture needs a name before `=`".into());
    }
    if !first_ok || !rest_ok {
        return Err(format!(
            "`{name}` is not a variable name (a letter or `_`, then letters, digits, `_`, `-` or `.`)"
        ));
    }
    if name.starts_with("process.") {
        return Err(format!(
            "`{name}` is the app's runtime name space; capture into a plain name such as `{}`",
            name.trim_start_matches("process.")
        ));
    }
    Ok(())
}

/// Parses `times`: how often a reply may be sent at most (a whole number from 1).
pub fn parse_times(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "`times` is a whole number from 1 (how often the reply is sent at most), not `{}`",
            text.trim()
        )),
    }
}

/// How a Socket.IO message's JSON body becomes the event's arguments (attr `args`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArgsMode {
    /// The body is the one argument (default).
    #[default]
    Single,
    /// The body is a JSON array: the argument list.
    List,
}

impl ArgsMode {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "single" | "" => Ok(Self::Single),
            "list" => Ok(Self::List),
            other => Err(format!(
                "`args: {other}` is not known; use `list` (the body is the argument list) or `single` (the default: the body is the one argument)"
            )),
        }
    }
}

/// The prefix of the values a reply takes from its triggering message.
pub const MSG_PREFIX: &str = "$msg.";

/// Whether `name` (as written between the braces) is a `{{$msg...}}` value, well formed or not.
pub fn is_msg_value(name: &str) -> bool {
    name == "$msg" || name.starts_with(MSG_PREFIX)
}

/// For a `{{$msg.<field>}}` name: the field it reads (`None` when the name is not a `$msg`
/// value, an error when its field is not one).
pub fn msg_variable(name: &str) -> Option<Result<Accessor, String>> {
    let name = name.trim();
    if name == "$msg" {
        return Some(Err(
            "`{{$msg}}` needs a field: `{{$msg.text}}`, `{{$msg.json.<path>}}` or `{{$msg.event}}`"
                .into(),
        ));
    }
    let field = name.strip_prefix(MSG_PREFIX)?;
    Some(vocab::parse_message_field(field).map_err(|e| format!("`{{{{{name}}}}}`: {e}")))
}

/// The `ws-message` attrs this project defines, in the order they are documented.
pub const MESSAGE_ATTRS: &[&str] = &[
    "name", "format", "encoding", "send", "delay", "when", "times", "capture", "event", "args",
    "ack", "body",
];

/// Attrs any block may carry: the uid, and the app's plugin bookkeeping.
pub const COMMON_ATTRS: &[&str] = &["uid", "pluginId", "pluginVersion"];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::vocab::JsonStep;

    #[test]
    fn conditions_read_field_operator_and_value() {
        let c = Condition::parse("json.op equals ping").unwrap();
        assert_eq!(c.field, Accessor::Json(vec![JsonStep::Key("op".into())]));
        assert_eq!(c.operator, Operator::Equals);
        assert_eq!(c.expected, "ping");
        assert_eq!(c.text(), "json.op equals ping");
        let c = Condition::parse("  text contains hello world ").unwrap();
        assert_eq!(c.expected, "hello world");
        assert_eq!(Condition::parse("json.id exists").unwrap().expected, "");
        assert!(Condition::parse("").is_err());
        assert!(
            Condition::parse("jsn.op equals x")
                .unwrap_err()
                .contains("unknown message field")
        );
        assert!(
            Condition::parse("text")
                .unwrap_err()
                .contains("no operator")
        );
        assert!(
            Condition::parse("text is x")
                .unwrap_err()
                .contains("unknown operator")
        );
        assert!(
            Condition::parse("text within 1s")
                .unwrap_err()
                .contains("assertion rows")
        );
        assert!(
            Condition::parse("text exists yes")
                .unwrap_err()
                .contains("takes no value")
        );
        assert!(Condition::parse("text matches (").is_err());
    }

    #[test]
    fn conditions_that_can_never_hold_are_found() {
        let never = |text: &str, protocol| Condition::parse(text).unwrap().never_matches(protocol);
        assert!(never("event equals joined", Protocol::WebSocket).is_some());
        assert!(never("event equals joined", Protocol::SocketIo).is_none());
        assert!(never("text notExists", Protocol::WebSocket).is_some());
        assert!(never("size greaterThan big", Protocol::WebSocket).is_some());
        assert!(never("size lessThan 0", Protocol::WebSocket).is_some());
        assert!(never("binary equals yes", Protocol::WebSocket).is_some());
        assert!(never("size isJson", Protocol::WebSocket).is_some());
        assert!(never("json.n greaterThan {{MIN}}", Protocol::WebSocket).is_none());
        assert!(never("json.op equals ping", Protocol::WebSocket).is_none());
        assert!(never("size equals 12", Protocol::WebSocket).is_none());
    }

    #[test]
    fn captures_are_name_equals_field_lists() {
        let c = parse_captures("TOKEN = json.token; USER=json.user.id").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].name, "TOKEN");
        assert_eq!(
            c[1].field,
            Accessor::Json(vec![
                JsonStep::Key("user".into()),
                JsonStep::Key("id".into())
            ])
        );
        assert!(parse_captures("TOKEN json.token").is_err());
        assert!(parse_captures("9X = text").is_err());
        assert!(parse_captures("A = text; A = size").is_err());
        assert!(parse_captures("process.t = text").is_err());
        assert!(parse_captures("A = nope").is_err());
        assert!(parse_captures(" ").is_err());
    }

    #[test]
    fn msg_variables_name_a_message_field() {
        assert_eq!(msg_variable("$msg.text"), Some(Ok(Accessor::Text)));
        assert_eq!(msg_variable("$msg.event"), Some(Ok(Accessor::Event)));
        assert!(matches!(
            msg_variable("$msg.json.id"),
            Some(Ok(Accessor::Json(_)))
        ));
        assert!(matches!(msg_variable("$msg"), Some(Err(_))));
        assert!(matches!(msg_variable("$msg.nope"), Some(Err(_))));
        assert_eq!(msg_variable("TOKEN"), None);
    }

    #[test]
    fn times_and_args() {
        assert_eq!(parse_times("3"), Ok(3));
        assert!(parse_times("0").is_err());
        assert!(parse_times("often").is_err());
        assert_eq!(ArgsMode::parse("list"), Ok(ArgsMode::List));
        assert!(ArgsMode::parse("many").is_err());
    }
}
