//! Live evaluation of `ws-assertions` rows (docs/format.md §4.3) against what a session has seen.
//!
//! Memory stays bounded: instead of keeping every received message, the engine keeps the first
//! and last few ([`MessageStore`]) and folds each arriving message into the rows that read
//! `received[any]` / `received[all]` ([`Tracker::observe`]). A row passes, fails, or is pending
//! while the connection can still make it pass. Nothing here does I/O or knows about sockets.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};
use void_syntax::vocab::{Accessor, Field, FieldBase, JsonStep, Operator};

use crate::mask::Masker;
use crate::socketio::message::{EventKind, SocketEvent};
use crate::spec::AssertionSpec;
use crate::status::{AssertionCounts, AssertionResult, Outcome};

/// Messages kept from the start of the session (for `received[0]`, `received[1]`, ...).
pub const HEAD_KEPT: usize = 16;
/// Messages kept from the end (for `received[-1]`, ...).
pub const TAIL_KEPT: usize = 16;
/// Bytes of message payloads kept in the tail beyond the last message.
const TAIL_BYTES: usize = 4 * 1024 * 1024;
/// Larger messages are not kept in the head (except the first one).
const HEAD_MESSAGE_BYTES: usize = 256 * 1024;

/// A received message's payload, shared without copying.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Text(Utf8Bytes),
    Binary(Bytes),
    /// A Socket.IO event or acknowledgement (docs/format.md §4.5).
    Event(Arc<SocketEvent>),
}

impl Payload {
    /// A text payload holding a copy of `text`.
    pub fn text(text: &str) -> Self {
        Payload::Text(Utf8Bytes::from(text.to_string()))
    }

    pub fn len(&self) -> usize {
        match self {
            Payload::Text(t) => t.len(),
            Payload::Binary(b) => b.len(),
            Payload::Event(e) => e.size(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Payload::Text(t) => std::borrow::Cow::Borrowed(t.as_str()),
            Payload::Binary(b) => String::from_utf8_lossy(b),
            Payload::Event(e) => std::borrow::Cow::Borrowed(e.text.as_str()),
        }
    }
}

/// The first and last received messages.
#[derive(Debug, Default)]
pub struct MessageStore {
    head: Vec<Payload>,
    tail: VecDeque<Payload>,
    tail_bytes: usize,
    count: u64,
}

impl MessageStore {
    pub fn push(&mut self, payload: &Payload) {
        self.count += 1;
        if self.head.len() < HEAD_KEPT
            && (self.head.is_empty() || payload.len() <= HEAD_MESSAGE_BYTES)
        {
            self.head.push(payload.clone());
        }
        self.tail_bytes += payload.len();
        self.tail.push_back(payload.clone());
        while self.tail.len() > TAIL_KEPT || (self.tail.len() > 1 && self.tail_bytes > TAIL_BYTES) {
            if let Some(old) = self.tail.pop_front() {
                self.tail_bytes -= old.len();
            }
        }
    }

    /// Adds messages that arrived together. Only the last [`TAIL_KEPT`] can stay in the tail,
    /// so only those are copied there: the result is the same as pushing each in turn.
    pub fn push_all(&mut self, payloads: &[Payload]) {
        let tail_from = payloads.len().saturating_sub(TAIL_KEPT);
        for (index, payload) in payloads.iter().enumerate() {
            if index >= tail_from {
                self.push(payload);
            } else {
                self.count += 1;
                if self.head.len() < HEAD_KEPT
                    && (self.head.is_empty() || payload.len() <= HEAD_MESSAGE_BYTES)
                {
                    self.head.push(payload.clone());
                }
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// `received[n]`: from the start when `n >= 0`, from the end when negative. `None` when
    /// that message has not arrived or is no longer kept.
    pub fn get(&self, n: i64) -> Option<&Payload> {
        if n >= 0 {
            let i = usize::try_from(n).ok()?;
            if let Some(p) = self.head.get(i) {
                return Some(p);
            }
            let from_end = self.count.checked_sub(i as u64 + 1)?;
            self.tail.iter().rev().nth(usize::try_from(from_end).ok()?)
        } else {
            let back = usize::try_from(n.unsigned_abs()).ok()? - 1;
            if let Some(p) = self.tail.iter().rev().nth(back) {
                return Some(p);
            }
            let index = self.count.checked_sub(back as u64 + 1)?;
            self.head.get(usize::try_from(index).ok()?)
        }
    }

    /// Dotted JSON key paths seen in the kept messages (for `.json.` completion).
    pub fn json_keys(&self) -> Vec<String> {
        let mut keys = BTreeSet::new();
        for p in self.head.iter().chain(self.tail.iter()) {
            if let Payload::Text(t) = p
                && let Ok(v) = serde_json::from_str::<Value>(t)
            {
                collect_keys(&v, String::new(), &mut keys, 0);
            }
        }
        keys.into_iter().collect()
    }
}

fn collect_keys(v: &Value, prefix: String, keys: &mut BTreeSet<String>, depth: usize) {
    if depth > 8 || keys.len() > 500 {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                keys.insert(path.clone());
                collect_keys(child, path, keys, depth + 1);
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                collect_keys(first, format!("{prefix}[0]"), keys, depth + 1);
            }
        }
        _ => {}
    }
}

/// What the session knows right now, for evaluating rows.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Whether a connection has opened.
    pub connected: bool,
    /// Whether the handshake has finished (accepted or refused) at least once.
    pub handshake_done: bool,
    pub handshake_status: Option<u16>,
    pub handshake_headers: &'a [(String, String)],
    pub subprotocol: Option<&'a str>,
    pub sent: u64,
    pub messages: &'a MessageStore,
    pub close_code: Option<u16>,
    pub close_reason: Option<&'a str>,
    pub latency_first_ms: Option<u64>,
    /// Time since the session started.
    pub elapsed: Duration,
    /// The session has ended for good: nothing can change any more.
    pub terminal: bool,
}

#[derive(Debug, Clone, Default)]
struct RowState {
    any_hit: bool,
    any_actual: Option<String>,
    all_failed: bool,
    all_actual: Option<String>,
}

/// The rows of a session and what they folded from the messages seen so far.
#[derive(Debug, Default)]
pub struct Tracker {
    rows: Vec<AssertionSpec>,
    state: Vec<RowState>,
    /// Indexes of rows that read `received[any]`/`received[all]`.
    folding: Vec<usize>,
}

impl Tracker {
    pub fn new(rows: Vec<AssertionSpec>) -> Self {
        let folding = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                matches!(
                    r.field.base,
                    FieldBase::ReceivedAny | FieldBase::ReceivedAll
                )
            })
            .map(|(i, _)| i)
            .collect();
        let state = vec![RowState::default(); rows.len()];
        Tracker {
            rows,
            state,
            folding,
        }
    }

    pub fn rows(&self) -> &[AssertionSpec] {
        &self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Folds one received message into the `any`/`all` rows. Cheap when there are none.
    pub fn observe(&mut self, payload: &Payload) {
        for &i in &self.folding {
            let row = &self.rows[i];
            let st = &mut self.state[i];
            let actual = access(&row.field.accessor, payload);
            let ok = holds(row.operator, actual.as_ref(), &row.expected);
            match row.field.base {
                FieldBase::ReceivedAny if ok && !st.any_hit => {
                    st.any_hit = true;
                    st.any_actual = actual.map(|v| display(&v));
                }
                FieldBase::ReceivedAll if !ok && !st.all_failed => {
                    st.all_failed = true;
                    st.all_actual = Some(
                        actual
                            .map(|v| display(&v))
                            .unwrap_or_else(|| "(none)".into()),
                    );
                }
                _ => {}
            }
        }
    }

    /// Forgets what was folded (a reconnect keeps counting; only an explicit reset calls this).
    pub fn reset(&mut self) {
        self.state.iter_mut().for_each(|s| *s = RowState::default());
    }

    /// Whether the row called `name` holds for this one message (for `send: after: <name>`).
    pub fn row_matches_message(&self, name: &str, payload: &Payload, facts: &Facts<'_>) -> bool {
        let Some(row) = self.rows.iter().find(|r| r.description == name) else {
            return false;
        };
        if row.field.is_message() {
            let actual = access(&row.field.accessor, payload);
            condition(row.operator, actual.as_ref(), &row.expected)
        } else {
            let (actual, _) = scalar(&row.field, facts);
            condition(row.operator, actual.as_ref(), &row.expected)
        }
    }

    /// Every row's result now.
    pub fn evaluate(
        &self,
        facts: &Facts<'_>,
        masker: &Masker,
    ) -> (AssertionCounts, Vec<AssertionResult>) {
        let mut counts = AssertionCounts::default();
        let results = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let r = self.evaluate_row(i, row, facts, masker);
                match r.outcome {
                    Outcome::Pass => counts.passed += 1,
                    Outcome::Fail => counts.failed += 1,
                    Outcome::Pending => counts.pending += 1,
                }
                r
            })
            .collect();
        (counts, results)
    }

    fn evaluate_row(
        &self,
        index: usize,
        row: &AssertionSpec,
        facts: &Facts<'_>,
        masker: &Masker,
    ) -> AssertionResult {
        let st = &self.state[index];
        let (ok, actual, fixed): (bool, Option<String>, bool) = match row.field.base {
            FieldBase::ReceivedAny => (st.any_hit, st.any_actual.clone(), false),
            FieldBase::ReceivedAll => {
                let some = facts.messages.count() > 0;
                (some && !st.all_failed, st.all_actual.clone(), false)
            }
            FieldBase::Received(n) => match facts.messages.get(n) {
                Some(p) => {
                    let actual = access(&row.field.accessor, p);
                    let ok = condition(row.operator, actual.as_ref(), &row.expected);
                    // received[k] for k >= 0 never changes once it has arrived.
                    (ok, actual.map(|v| display(&v)), n >= 0)
                }
                None => (false, None, false),
            },
            _ => {
                let (actual, fixed) = scalar(&row.field, facts);
                let ok = condition(row.operator, actual.as_ref(), &row.expected);
                (ok, actual.map(|v| display(&v)), fixed)
            }
        };
        let deadline = (row.operator == Operator::Within)
            .then(|| void_syntax::vocab::parse_duration(&row.expected).ok())
            .flatten();
        let outcome = if ok {
            Outcome::Pass
        } else if facts.terminal || fixed || deadline.is_some_and(|d| facts.elapsed > d) {
            Outcome::Fail
        } else {
            Outcome::Pending
        };
        let message = match outcome {
            Outcome::Pass => "passed".to_string(),
            Outcome::Pending => match deadline {
                Some(d) => format!("waiting up to {} ms", d.as_millis()),
                None => "waiting".to_string(),
            },
            Outcome::Fail => match (&actual, deadline) {
                (None, Some(d)) => format!("no value within {} ms", d.as_millis()),
                (None, None) => "no value".to_string(),
                (Some(a), _) => {
                    if row.operator.takes_expected() && row.operator != Operator::Within {
                        format!(
                            "expected {} {}, got {}",
                            row.operator,
                            row.expected.trim(),
                            a
                        )
                    } else {
                        format!("{} does not hold for {}", row.operator, a)
                    }
                }
            },
        };
        AssertionResult {
            index,
            description: row.description.clone(),
            field: field_text(&row.field),
            operator: row.operator.as_str().to_string(),
            expected: masker.mask(&row.expected).into_owned(),
            outcome,
            actual: actual.map(|a| masker.mask(&a).into_owned()),
            message: masker.mask(&message).into_owned(),
        }
    }
}

/// The value of a non-message field, and whether it can no longer change.
fn scalar(field: &Field, f: &Facts<'_>) -> (Option<Value>, bool) {
    let hs_fixed = f.handshake_done || f.terminal;
    match &field.base {
        FieldBase::Connected => (Some(Value::Bool(f.connected)), f.connected),
        FieldBase::HandshakeStatus => (f.handshake_status.map(Value::from), hs_fixed),
        FieldBase::HandshakeHeader(name) => (
            f.handshake_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| Value::String(v.clone())),
            hs_fixed,
        ),
        FieldBase::Subprotocol => (
            f.subprotocol.map(|s| Value::String(s.to_string())),
            hs_fixed,
        ),
        FieldBase::ReceivedCount => (Some(Value::from(f.messages.count())), false),
        FieldBase::SentCount => (Some(Value::from(f.sent)), false),
        FieldBase::CloseCode => (f.close_code.map(Value::from), false),
        FieldBase::CloseReason => (f.close_reason.map(|s| Value::String(s.to_string())), false),
        FieldBase::LatencyFirst => (
            f.latency_first_ms.map(Value::from),
            f.latency_first_ms.is_some(),
        ),
        FieldBase::Duration => (Some(Value::from(f.elapsed.as_millis() as u64)), false),
        FieldBase::Received(_) | FieldBase::ReceivedAny | FieldBase::ReceivedAll => (None, false),
    }
}

/// Reads an accessor from a message.
pub fn access(accessor: &Accessor, payload: &Payload) -> Option<Value> {
    if let Payload::Event(event) = payload {
        return access_event(accessor, event);
    }
    match accessor {
        Accessor::Whole | Accessor::Text => Some(Value::String(match (accessor, payload) {
            (Accessor::Whole, Payload::Binary(b)) => b.iter().map(|x| format!("{x:02x}")).collect(),
            _ => payload.as_text().into_owned(),
        })),
        Accessor::Size => Some(Value::from(payload.len() as u64)),
        Accessor::Binary => Some(Value::Bool(matches!(payload, Payload::Binary(_)))),
        Accessor::Json(path) => {
            let root: Value = serde_json::from_str(&payload.as_text()).ok()?;
            json_at(&root, path).cloned()
        }
        // Plain WebSocket messages are not events (Socket.IO and Server-Sent Events are read
        // by their own modules).
        Accessor::Event | Accessor::Id | Accessor::Ack(_) => None,
    }
}

/// Reads an accessor from a Socket.IO message: its arguments stand for the message's JSON
/// and text, `.event` is its name, `.ack` the arguments of an acknowledgement.
fn access_event(accessor: &Accessor, event: &SocketEvent) -> Option<Value> {
    match accessor {
        Accessor::Whole | Accessor::Text => Some(Value::String(event.text.to_string())),
        Accessor::Size => Some(Value::from(event.size() as u64)),
        Accessor::Binary => Some(Value::Bool(!event.attachments.is_empty())),
        Accessor::Json(path) => json_at(&event.value, path).cloned(),
        Accessor::Event => event.name.clone().map(Value::String),
        Accessor::Ack(path) if event.kind == EventKind::Ack => json_at(&event.value, path).cloned(),
        Accessor::Ack(_) | Accessor::Id => None,
    }
}

/// The value at `path` inside `root`.
pub fn json_at<'v>(root: &'v Value, path: &[JsonStep]) -> Option<&'v Value> {
    let mut cur = root;
    for step in path {
        cur = match step {
            JsonStep::Key(k) => cur.get(k)?,
            JsonStep::Index(i) => {
                let arr = cur.as_array()?;
                let idx = if *i < 0 {
                    arr.len().checked_sub(i.unsigned_abs() as usize)?
                } else {
                    usize::try_from(*i).ok()?
                };
                arr.get(idx)?
            }
        };
    }
    Some(cur)
}

/// `holds` for every operator but `within`, whose condition is "the field exists".
pub fn condition(op: Operator, actual: Option<&Value>, expected: &str) -> bool {
    holds(op, actual, expected)
}

/// Whether `actual <op> expected` holds.
pub fn holds(op: Operator, actual: Option<&Value>, expected: &str) -> bool {
    let expected_t = expected.trim();
    match op {
        Operator::Exists | Operator::Within => actual.is_some_and(|v| !v.is_null()),
        Operator::NotExists => actual.is_none_or(Value::is_null),
        Operator::Equals => actual.is_some_and(|a| equals(a, expected_t)),
        Operator::NotEquals => !actual.is_some_and(|a| equals(a, expected_t)),
        Operator::Contains => actual.is_some_and(|a| text_of(a).contains(expected)),
        Operator::NotContains => !actual.is_some_and(|a| text_of(a).contains(expected)),
        Operator::Matches => actual.is_some_and(|a| {
            regex::Regex::new(expected)
                .map(|re| re.is_match(&text_of(a)))
                .unwrap_or(false)
        }),
        Operator::GreaterThan | Operator::LessThan => {
            let (Some(a), Ok(e)) = (actual.and_then(number_of), expected_t.parse::<f64>()) else {
                return false;
            };
            if op == Operator::GreaterThan {
                a > e
            } else {
                a < e
            }
        }
        Operator::IsJson => actual.is_some_and(|a| match a {
            Value::String(s) => serde_json::from_str::<Value>(s).is_ok(),
            Value::Object(_) | Value::Array(_) => true,
            _ => false,
        }),
    }
}

fn equals(actual: &Value, expected: &str) -> bool {
    match actual {
        Value::String(s) => s == expected || s.trim() == expected,
        Value::Number(_) => number_of(actual)
            .zip(expected.parse::<f64>().ok())
            .is_some_and(|(a, e)| (a - e).abs() < 1e-9),
        Value::Bool(b) => expected == if *b { "true" } else { "false" },
        Value::Null => expected == "null",
        Value::Object(_) | Value::Array(_) => {
            serde_json::from_str::<Value>(expected).is_ok_and(|e| &e == actual)
        }
    }
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value as text: a string as itself, anything else as JSON.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value for display, cut to a readable length.
pub fn display(v: &Value) -> String {
    let s = text_of(v);
    if s.chars().count() > 200 {
        let cut: String = s.chars().take(200).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// The field as a user writes it.
pub fn field_text(field: &Field) -> String {
    let base = match &field.base {
        FieldBase::Connected => "connected".to_string(),
        FieldBase::HandshakeStatus => "handshake.status".to_string(),
        FieldBase::HandshakeHeader(h) => format!("handshake.headers.{h}"),
        FieldBase::Subprotocol => "subprotocol".to_string(),
        FieldBase::ReceivedCount => "received.count".to_string(),
        FieldBase::SentCount => "sent.count".to_string(),
        FieldBase::Received(n) => format!("received[{n}]"),
        FieldBase::ReceivedAny => "received[any]".to_string(),
        FieldBase::ReceivedAll => "received[all]".to_string(),
        FieldBase::CloseCode => "close.code".to_string(),
        FieldBase::CloseReason => "close.reason".to_string(),
        FieldBase::LatencyFirst => "latency.first".to_string(),
        FieldBase::Duration => "duration".to_string(),
    };
    let accessor = match &field.accessor {
        Accessor::Whole => String::new(),
        other => format!(".{}", void_syntax::vocab::message_field_text(other)),
    };
    base + &accessor
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pushing_a_batch_keeps_what_pushing_each_message_keeps() {
        for sizes in [
            vec![3usize; 5],
            vec![2; 40],
            vec![1 << 20; 20],
            vec![5; 300],
        ] {
            let batch: Vec<Payload> = sizes
                .iter()
                .enumerate()
                .map(|(i, n)| Payload::Binary(Bytes::from(vec![i as u8; *n])))
                .collect();
            let (mut one_by_one, mut together) = (MessageStore::default(), MessageStore::default());
            for p in [Payload::text("before"), Payload::text("earlier")] {
                one_by_one.push(&p);
                together.push(&p);
            }
            batch.iter().for_each(|p| one_by_one.push(p));
            together.push_all(&batch);
            assert_eq!(together.count(), one_by_one.count());
            for n in -40..40 {
                assert_eq!(together.get(n), one_by_one.get(n), "received[{n}]");
            }
        }
    }

    fn facts<'a>(store: &'a MessageStore, terminal: bool) -> Facts<'a> {
        Facts {
            connected: true,
            handshake_done: true,
            handshake_status: Some(101),
            handshake_headers: &[],
            subprotocol: Some("chat"),
            sent: 1,
            messages: store,
            close_code: None,
            close_reason: None,
            latency_first_ms: None,
            elapsed: Duration::from_millis(10),
            terminal,
        }
    }

    fn row(field: &str, op: &str, expected: &str) -> AssertionSpec {
        AssertionSpec::parse("r", field, op, expected).unwrap()
    }

    #[test]
    fn store_keeps_head_and_tail() {
        let mut s = MessageStore::default();
        for i in 0..100 {
            s.push(&Payload::text(&i.to_string()));
        }
        assert_eq!(s.get(0), Some(&Payload::text("0")));
        assert_eq!(s.get(15), Some(&Payload::text("15")));
        assert_eq!(s.get(50), None);
        assert_eq!(s.get(99), Some(&Payload::text("99")));
        assert_eq!(s.get(-1), Some(&Payload::text("99")));
        assert_eq!(s.get(-16), Some(&Payload::text("84")));
        assert_eq!(s.get(-17), None);
        assert_eq!(s.get(100), None);
    }

    #[test]
    fn rows_pass_fail_and_wait() {
        let mut store = MessageStore::default();
        let rows = vec![
            row("received[-1].json.ok", "equals", "true"),
            row("received[any].text", "contains", "world"),
            row("received[all].json", "isJson", ""),
            row("subprotocol", "equals", "chat"),
            row("handshake.status", "equals", "200"),
            row("received.count", "greaterThan", "1"),
        ];
        let mut tracker = Tracker::new(rows);
        let (c, _) = tracker.evaluate(&facts(&store, false), &Masker::default());
        assert_eq!((c.passed, c.failed, c.pending), (1, 1, 4));

        for m in ["{\"ok\":false}", "{\"hello\":\"world\",\"ok\":true}"] {
            let p = Payload::text(m);
            store.push(&p);
            tracker.observe(&p);
        }
        let (c, results) = tracker.evaluate(&facts(&store, false), &Masker::default());
        assert_eq!((c.passed, c.failed, c.pending), (5, 1, 0), "{results:#?}");
        assert_eq!(results[4].actual.as_deref(), Some("101"));
        assert!(results[4].message.contains("expected equals 200, got 101"));

        let p = Payload::text("not json");
        store.push(&p);
        tracker.observe(&p);
        let (_, results) = tracker.evaluate(&facts(&store, true), &Masker::default());
        assert_eq!(results[0].outcome, Outcome::Fail);
        assert_eq!(results[2].outcome, Outcome::Fail);
        assert_eq!(results[2].actual.as_deref(), Some("(none)"));
        assert_eq!(
            store.json_keys(),
            vec!["hello".to_string(), "ok".to_string()]
        );
    }

    #[test]
    fn within_fails_after_its_deadline() {
        let store = MessageStore::default();
        let tracker = Tracker::new(vec![row("received[0]", "within", "5ms")]);
        let (c, r) = tracker.evaluate(&facts(&store, false), &Masker::default());
        assert_eq!(c.failed, 1, "{r:?}");
        assert!(r[0].message.contains("within 5 ms"));
    }
}
