//! The app's `assertions-table` rows, checked on a response as the app's Simple Assertions
//! plugin checks them, so a file passes or fails the same in both.
//!
//! Fields: `status` (`statusCode`), `statusText`, `responseTime` (`duration`), `header.<name>`
//! / `headers.<name>` (any case; `headers.set-cookie` is the cookies the server set, by name,
//! each with `value` and its attributes), `requestHeader.<name>`, `body` and a path into it
//! (`body.items[0].id`, `body["a-key"]`; a field that names none of these is a path into the
//! body), `response.<path>`. Values compare as JavaScript does: `equals` compares the text of
//! the value (`200` equals `"200"`), the numeric operators need two numbers, a missing value
//! never equals, contains or matches anything. Paths may end in `.length` (arrays and text),
//! as in JavaScript.
//!
//! On a Server-Sent Events stream the body is the list of events (`{event, id, data, json}`,
//! `json` when the data parses), and rows read them as the WebSocket rows read messages:
//! `events.count`, `events[n]` (`[-1]` the last), `events[any]` (some event holds) and
//! `events[all]` (every event holds, and there is one), then `.event`, `.id`, `.data` or
//! `.json.<path>`.
//!
//! No I/O; the engine hands the response in.

use std::borrow::Cow;

use serde_json::Value;
use void_syntax::http::HttpOperator;

use super::client::{ResponseHead, SentRequest};
use super::spec::HttpCheck;
use super::sse::SseEvent;
use crate::status::{AssertionResult, Outcome};

/// What a row is read on.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    pub head: &'a ResponseHead,
    /// The body as kept (parsed when it is JSON); not read on an event stream.
    pub body: &'a Value,
    /// Milliseconds from sending to the end of the body.
    pub time_ms: u64,
    pub request: &'a SentRequest,
    /// A Server-Sent Events stream's events, as decoded text: the body rows read is then the
    /// array of their values ([`event_value`]), built only for the events (or the rows) that
    /// read it, so `events.count` parses nothing and `events[-1].json.n` parses one event.
    pub events: Option<&'a [SseEvent]>,
}

/// An event as rows and captures read it: `{event, id, data, json}` (`json` when the data
/// parses as JSON).
pub fn event_value(event: &SseEvent) -> Value {
    let mut object = serde_json::Map::with_capacity(4);
    object.insert("event".into(), Value::String(event.event.clone()));
    object.insert(
        "id".into(),
        event.id.clone().map_or(Value::Null, Value::String),
    );
    object.insert("data".into(), Value::String(event.data.clone()));
    if let Ok(json) = serde_json::from_str::<Value>(&event.data) {
        object.insert("json".into(), json);
    }
    Value::Object(object)
}

/// Every event of a stream as the array rows read as its body.
pub fn events_value(events: &[SseEvent]) -> Value {
    Value::Array(events.iter().map(event_value).collect())
}

/// The body rows read: the kept body, or on an event stream the array of its events (built
/// here, for the rare row that reads the whole list).
fn body_of<'a>(r: &Response<'a>) -> Cow<'a, Value> {
    match r.events {
        Some(events) => Cow::Owned(events_value(events)),
        None => Cow::Borrowed(r.body),
    }
}

/// `path` on one event as [`event_value`] would hold it, building only the member it reads:
/// the data is parsed when the path reads `json` (or the whole event), not otherwise.
fn event_at_path(event: &SseEvent, path: &str) -> Option<Value> {
    let trimmed = path.trim_start_matches('.');
    let end = trimmed.find(['.', '[']).unwrap_or(trimmed.len());
    let (root, rest) = trimmed.split_at(end);
    let member = match root {
        "event" => Value::String(event.event.clone()),
        "id" => event.id.clone().map_or(Value::Null, Value::String),
        "data" => Value::String(event.data.clone()),
        "json" => serde_json::from_str::<Value>(&event.data).ok()?,
        _ => return at_path(&event_value(event), path),
    };
    at_path(&member, rest)
}

/// The body as the app's rows see it: parsed JSON when the text is JSON, else the text.
pub fn body_value(bytes: &[u8]) -> Value {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim_start();
    if trimmed.starts_with(['{', '[', '"']) || trimmed.parse::<f64>().is_ok() {
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            return v;
        }
    }
    Value::String(text.into_owned())
}

/// Checks every row; `index` in each result is the row's position in `checks`.
pub fn evaluate(checks: &[HttpCheck], response: &Response<'_>) -> Vec<AssertionResult> {
    checks
        .iter()
        .enumerate()
        .map(|(index, check)| {
            let (actual, outcome) = match event_quantifier(&check.field, response) {
                Some((all, path, events)) => judge_events(check, events, all, path),
                None => {
                    let actual = field_value(&check.field, response);
                    let outcome = holds(check.operator, actual.as_ref(), &check.expected);
                    (actual, outcome)
                }
            };
            let passed = outcome == Ok(true);
            let message = match outcome {
                Ok(true) => String::new(),
                Ok(false) => format!(
                    "expected {} {} {}, got {}",
                    check.field,
                    check.operator_text,
                    check.expected,
                    actual.as_ref().map_or_else(|| "nothing".to_string(), shown)
                ),
                Err(e) => e,
            };
            AssertionResult {
                index,
                description: check.description.clone(),
                field: check.field.clone(),
                operator: check.operator_text.clone(),
                expected: check.expected.clone(),
                outcome: if passed { Outcome::Pass } else { Outcome::Fail },
                actual: actual.as_ref().map(shown),
                message,
            }
        })
        .collect()
}

/// A value as a report shows it: text as it is, anything else as JSON.
pub fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `events[any].<path>` / `events[all].<path>` on an event stream: whether it is `all`, the
/// path after the brackets, and the events.
fn event_quantifier<'f, 'r>(
    field: &'f str,
    r: &Response<'r>,
) -> Option<(bool, &'f str, &'r [SseEvent])> {
    let events = r.events?;
    let rest = field.trim().strip_prefix("events[")?;
    let (which, path) = rest.split_once(']')?;
    let all = match which.trim() {
        "any" => false,
        "all" => true,
        _ => return None,
    };
    Some((all, path.strip_prefix('.').unwrap_or(path), events))
}

/// A row over every event: `any` holds when one event's value holds (its value is the
/// actual one), `all` when every event's does and there is one (the first that does not is
/// the actual one).
fn judge_events(
    check: &HttpCheck,
    events: &[SseEvent],
    all: bool,
    path: &str,
) -> (Option<Value>, Result<bool, String>) {
    let mut last = None;
    for event in events {
        let value = event_at_path(event, path);
        let held = holds(check.operator, value.as_ref(), &check.expected);
        match (all, held) {
            (_, Err(e)) => return (value, Err(e)),
            (false, Ok(true)) => return (value, Ok(true)),
            (true, Ok(false)) => return (value, Ok(false)),
            _ => last = value,
        }
    }
    (last, Ok(all && !events.is_empty()))
}

/// A field on the events of a stream: `events.count`, `events[n].<path>` (`-1` the last).
fn event_field(f: &str, list: &[SseEvent]) -> Option<Option<Value>> {
    if f == "events.count" || f == "events.length" {
        return Some(Some(Value::from(list.len())));
    }
    let rest = f.strip_prefix("events[")?;
    let (index, path) = rest.split_once(']')?;
    let index: i64 = index.trim().parse().ok()?;
    let at = if index < 0 {
        list.len().checked_sub(index.unsigned_abs() as usize)
    } else {
        Some(index as usize)
    };
    let event = at.and_then(|i| list.get(i));
    let path = path.strip_prefix('.').unwrap_or(path);
    Some(event.and_then(|e| event_at_path(e, path)))
}

/// The value of a field on the response (`None`: it has none, JavaScript's `undefined`).
pub fn field_value(field: &str, r: &Response<'_>) -> Option<Value> {
    let f = field.trim();
    if let Some(events) = r.events
        && let Some(value) = event_field(f, events)
    {
        return value;
    }
    match f {
        "status" | "statusCode" => return Some(Value::from(r.head.status)),
        "statusText" => return Some(Value::String(r.head.reason.clone())),
        "responseTime" | "duration" => return Some(Value::from(r.time_ms)),
        "body" | "response.body" => return Some(body_of(r).into_owned()),
        _ => {}
    }
    for prefix in ["requestHeader.", "requestHeaders."] {
        if let Some(name) = f.strip_prefix(prefix) {
            let name = name.split('.').next().unwrap_or_default();
            return header(&r.request.headers, name).map(Value::String);
        }
    }
    for prefix in ["header.", "headers."] {
        if let Some(rest) = f.strip_prefix(prefix) {
            let (name, path) = rest.split_once('.').unwrap_or((rest, ""));
            if name.eq_ignore_ascii_case("set-cookie") {
                let cookies = set_cookies(&r.head.headers);
                return if path.is_empty() {
                    Some(cookies)
                } else {
                    at_path(&cookies, path)
                };
            }
            return header(&r.head.headers, name).map(Value::String);
        }
    }
    for prefix in ["response.body", "body"] {
        if let Some(rest) = f.strip_prefix(prefix)
            && (rest.starts_with('.') || rest.starts_with('['))
        {
            return at_path(&body_of(r), rest.strip_prefix('.').unwrap_or(rest));
        }
    }
    if let Some(path) = f.strip_prefix("response.") {
        return at_path(&response_object(r), path);
    }
    at_path(&body_of(r), f)
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// The response as the app's `response.<path>` fields see it.
fn response_object(r: &Response<'_>) -> Value {
    serde_json::json!({
        "status": r.head.status,
        "statusText": r.head.reason,
        "headers": r.head.headers.iter().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "body": body_of(r),
        "contentType": r.head.header("content-type"),
        "timing": {"duration": r.time_ms},
    })
}

/// The cookies a response set: `{name: {value, <attribute>: value-or-true}}`.
pub fn set_cookies(headers: &[(String, String)]) -> Value {
    let mut out = serde_json::Map::new();
    for (_, v) in headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
    {
        let mut parts = v.split(';').map(str::trim);
        let Some(first) = parts.next().filter(|p| !p.is_empty()) else {
            continue;
        };
        let (name, value) = first.split_once('=').unwrap_or((first, ""));
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let mut attrs = serde_json::Map::new();
        attrs.insert("value".into(), Value::String(value.trim().to_string()));
        for part in parts.filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((k, v)) => attrs.insert(k.trim().to_string(), Value::String(v.trim().into())),
                None => attrs.insert(part.to_string(), Value::Bool(true)),
            };
        }
        out.insert(name.to_string(), Value::Object(attrs));
    }
    Value::Object(out)
}

/// A path into a value: keys split at `.` and `[`, `["quoted keys"]`, numeric indexes, and
/// `length` of arrays and text (as in JavaScript).
/// Only the value found is copied, not the values it was found in.
pub fn at_path(root: &Value, path: &str) -> Option<Value> {
    let mut current = Cow::Borrowed(root);
    for raw in path.split(['.', '[']) {
        let part = raw.strip_suffix(']').unwrap_or(raw);
        let part = strip_quotes(part);
        if part.is_empty() {
            continue;
        }
        current = match current {
            Cow::Borrowed(value) => step(value, part)?,
            Cow::Owned(value) => Cow::Owned(step(&value, part)?.into_owned()),
        };
    }
    Some(current.into_owned())
}

/// One step of [`at_path`]: a member, an item, a character, or a `length`.
fn step<'v>(value: &'v Value, part: &str) -> Option<Cow<'v, Value>> {
    Some(match value {
        Value::Array(items) => match part.parse::<usize>() {
            Ok(i) => Cow::Borrowed(items.get(i)?),
            Err(_) if part == "length" => Cow::Owned(Value::from(items.len())),
            Err(_) => return None,
        },
        Value::Object(map) => Cow::Borrowed(map.get(part)?),
        Value::String(s) => match part.parse::<usize>() {
            Ok(i) => Cow::Owned(Value::String(s.chars().nth(i)?.to_string())),
            Err(_) if part == "length" => Cow::Owned(Value::from(s.encode_utf16().count())),
            Err(_) => return None,
        },
        _ => return None,
    })
}

fn strip_quotes(part: &str) -> &str {
    for q in ['"', '\''] {
        if part.len() >= 2 && part.starts_with(q) && part.ends_with(q) {
            return &part[1..part.len() - 1];
        }
    }
    part
}

/// `String(value)` in JavaScript.
pub fn js_string(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => js_number_text(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::Null => String::new(),
                other => js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

fn js_number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{}", f as i128),
        Some(f) => format!("{f}"),
        None => n.to_string(),
    }
}

/// `Number(value)` in JavaScript (`None` for NaN).
pub fn js_number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Null => Some(0.0),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                Some(0.0)
            } else if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                u64::from_str_radix(hex, 16).ok().map(|n| n as f64)
            } else {
                t.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() || t.contains("Infinity"))
            }
        }
        Value::Array(items) if items.is_empty() => Some(0.0),
        Value::Array(items) if items.len() == 1 => js_number(items.first()),
        _ => None,
    }
}

/// JavaScript truthiness.
fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// Whether `actual <op> expected` holds; an error (an invalid regular expression) in words.
pub fn holds(op: HttpOperator, actual: Option<&Value>, expected: &str) -> Result<bool, String> {
    let present = actual.filter(|v| !v.is_null());
    let text = || present.map(js_string);
    let numbers = || {
        Some((
            js_number(actual)?,
            js_number(Some(&Value::String(expected.into())))?,
        ))
    };
    Ok(match op {
        HttpOperator::Equals => text().is_some_and(|t| t == expected),
        HttpOperator::NotEquals => text().is_some_and(|t| t != expected),
        HttpOperator::Contains => text().is_some_and(|t| t.contains(expected)),
        HttpOperator::NotContains => text().is_some_and(|t| !t.contains(expected)),
        HttpOperator::StartsWith => text().is_some_and(|t| t.starts_with(expected)),
        HttpOperator::EndsWith => text().is_some_and(|t| t.ends_with(expected)),
        HttpOperator::Matches => {
            let re = regex::Regex::new(expected)
                .map_err(|e| format!("`{expected}` is not a valid regular expression: {e}"))?;
            text().is_some_and(|t| re.is_match(&t))
        }
        HttpOperator::Exists => present.is_some(),
        HttpOperator::NotExists => present.is_none(),
        HttpOperator::GreaterThan => numbers().is_some_and(|(a, b)| a > b),
        HttpOperator::LessThan => numbers().is_some_and(|(a, b)| a < b),
        HttpOperator::GreaterEqual => numbers().is_some_and(|(a, b)| a >= b),
        HttpOperator::LessEqual => numbers().is_some_and(|(a, b)| a <= b),
        HttpOperator::IsEmpty => match present {
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::String(s)) => s.is_empty(),
            Some(Value::Object(o)) => o.is_empty(),
            _ => false,
        },
        HttpOperator::NotEmpty => match present {
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            Some(_) => true,
            None => false,
        },
        HttpOperator::Truthy => truthy(actual),
        HttpOperator::Falsy => !truthy(actual),
        HttpOperator::TypeIs => {
            let kind = match actual {
                None => "undefined",
                Some(Value::Null | Value::Array(_) | Value::Object(_)) => "object",
                Some(Value::Bool(_)) => "boolean",
                Some(Value::Number(_)) => "number",
                Some(Value::String(_)) => "string",
            };
            kind == expected.trim().to_ascii_lowercase()
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn check(field: &str, op: &str, expected: &str) -> HttpCheck {
        let (field, operator) = void_syntax::http::split_assertion_field(field, op);
        HttpCheck {
            description: String::new(),
            field: field.to_string(),
            operator: operator.unwrap(),
            operator_text: op.to_string(),
            expected: expected.to_string(),
        }
    }

    fn every_row_is(rows: &[HttpCheck], r: &Response<'_>, outcome: Outcome) {
        for (i, result) in evaluate(rows, r).iter().enumerate() {
            assert_eq!(result.outcome, outcome, "row {i}: {result:?}");
        }
    }

    #[test]
    fn rows_read_the_response_as_the_app_does() {
        let head = ResponseHead {
            version: "HTTP/1.1".into(),
            status: 201,
            reason: "Created".into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("set-cookie".into(), "sid=abc; Path=/; HttpOnly".into()),
            ],
        };
        let body = body_value(br#"{"user":{"id":7,"tags":["a","b"]},"a-key":true,"n":"12"}"#);
        let request = SentRequest {
            headers: vec![("Authorization".into(), "Bearer t".into())],
            ..Default::default()
        };
        let r = Response {
            head: &head,
            body: &body,
            time_ms: 42,
            request: &request,
            events: None,
        };
        let rows = [
            check("status", "equals", "201"),
            check("status equals", "", "201"),
            check("statusText", "equals", "Created"),
            check("headers.content-type", "contains", "json"),
            check("header.set-cookie.sid.value", "equals", "abc"),
            check("header.set-cookie.sid.HttpOnly", "is-truthy", ""),
            check("requestHeader.authorization", "starts-with", "Bearer"),
            check("body.user.id", "equals", "7"),
            check("body.user.tags", "contains", "b"),
            check("body.user.tags.length", "greaterThan", "1"),
            check("body[\"a-key\"]", "is-truthy", ""),
            check("body.n", "gte", "12"),
            check("user.id", "type-is", "number"),
            check("body.missing", "not-exists", ""),
            check("responseTime", "less-than", "1000"),
        ];
        every_row_is(&rows, &r, Outcome::Pass);
        let failing = [
            check("body.missing", "equals", "undefined"),
            check("body.missing", "not-equals", "x"),
            check("body.user", "greater-than", "1"),
            check("status", "matches", "("),
        ];
        let results = evaluate(&failing, &r);
        assert!(results.iter().all(|r| r.outcome == Outcome::Fail));
        assert!(
            results[3]
                .message
                .contains("not a valid regular expression")
        );
        assert_eq!(
            results[0].message,
            "expected body.missing equals undefined, got nothing"
        );
    }

    #[test]
    fn rows_read_the_events_of_a_stream_as_values_built_when_read() {
        let head = ResponseHead {
            version: "HTTP/1.1".into(),
            status: 200,
            reason: "OK".into(),
            headers: vec![("Content-Type".into(), "text/event-stream".into())],
        };
        let event = |id: Option<&str>, data: &str| SseEvent {
            event: "tick".into(),
            id: id.map(str::to_string),
            data: data.into(),
        };
        let events = [
            event(None, "hello"),
            event(Some("2"), r#"{"n": 2, "tags": ["a"]}"#),
        ];
        let request = SentRequest::default();
        let r = Response {
            head: &head,
            body: &Value::Null,
            time_ms: 1,
            request: &request,
            events: Some(&events),
        };
        // (field, operator, expected), every one holding on the two events.
        let rows = [
            ("events.count", "equals", "2"),
            ("events.length", "equals", "2"),
            ("events[-1].json.n", "equals", "2"),
            ("events[1].json.tags[0]", "equals", "a"),
            ("events[1][\"json\"].n", "equals", "2"),
            ("events[0].id", "not-exists", ""),
            ("events[0].json", "not-exists", ""),
            ("events[0].data.length", "equals", "5"),
            ("events[0]", "type-is", "object"),
            ("events[any].data", "contains", "hell"),
            ("events[all].event", "equals", "tick"),
            ("events[any].json.n", "greater-than", "1"),
            ("body.length", "equals", "2"),
            ("body[1].id", "equals", "2"),
            ("status", "equals", "200"),
        ]
        .map(|(field, operator, expected)| check(field, operator, expected));
        every_row_is(&rows, &r, Outcome::Pass);
        let failing = [
            check("events[all].json.n", "exists", ""),
            check("events[5].data", "exists", ""),
        ];
        every_row_is(&failing, &r, Outcome::Fail);
        assert_eq!(
            event_value(&events[1]),
            serde_json::json!({"event": "tick", "id": "2", "data": events[1].data, "json": {"n": 2, "tags": ["a"]}})
        );
    }

    #[test]
    fn javascript_text_of_values() {
        assert_eq!(js_string(&serde_json::json!(200)), "200");
        assert_eq!(js_string(&serde_json::json!(1.5)), "1.5");
        assert_eq!(js_string(&serde_json::json!([1, null, "x"])), "1,,x");
        assert_eq!(js_string(&serde_json::json!({"a": 1})), "[object Object]");
        assert_eq!(js_number(Some(&serde_json::json!(" 0x10 "))), Some(16.0));
        assert_eq!(js_number(Some(&serde_json::json!("abc"))), None);
    }
}
