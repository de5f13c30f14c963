//! The live log: a bounded view of the session's events, rendered as the text of the
//! `.wslog` virtual document (docs/lsp-extensions.md, "Log documents").
//!
//! The view keeps at most `logLimit` entries and cuts long payloads; the transcript keeps
//! everything. While paused the visible part stops moving and new entries wait (bounded too) to
//! be shown on resume. It must not block or allocate per message more than a short preview.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Local, Utc};
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};
use void_syntax::vocab::{LogMode, MessageFormat, human_size};

use crate::batch::{Batch, BodyRef};
use crate::mask::Masker;

/// Characters of a payload shown in the view before it is cut.
pub const PREVIEW_CHARS: usize = 120;
/// Bytes of a payload copied into a log entry (enough for [`PREVIEW_CHARS`] characters).
const PREVIEW_BYTES: usize = PREVIEW_CHARS * 4;
/// Column where the format/size detail starts, counted in characters after the marker.
const DETAIL_COLUMN: usize = 34;

/// What a log line shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// `→` a message the session sent.
    Sent { format: MessageFormat, size: usize },
    /// `←` a message the session received.
    Received { format: MessageFormat, size: usize },
    /// `⇄` a connection event (connecting, handshake lines, open, ping timeouts, ...).
    Event,
    /// `✕` the end of a connection (closed, failed, dropped) or a refused send.
    End,
    /// `✓` an assertion row that passed, `✗` one that failed, when its outcome settles.
    Assertion { passed: bool },
}

/// One line of the live log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
    /// The text shown after the marker (secrets not yet masked).
    pub text: LogText,
    /// Why a message was sent, shown before it (`pong (reply to ← ping #12) · {...}`).
    pub note: Option<Arc<str>>,
}

impl LogEntry {
    /// An entry with no note.
    pub fn new(at: DateTime<Utc>, kind: EntryKind, text: LogText) -> Self {
        LogEntry {
            at,
            kind,
            text,
            note: None,
        }
    }
}

/// Payloads up to this size are kept as they are (sharing the frame's buffer) and previewed
/// only when the log is rendered; larger ones get their preview made at once, so the view never
/// holds a large payload.
const LAZY_PREVIEW_BYTES: usize = 256;

/// What a log line shows after its marker. Small payloads are kept as received and turned into
/// a preview only when the log is rendered (a few times a second at most), not per frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogText {
    /// Ready text: events, and the previews of large payloads.
    Plain(String),
    /// A small text payload, shown through [`message_preview`].
    Text(Utf8Bytes),
    /// A small binary payload, shown through [`binary_preview`].
    Binary(Bytes),
    /// A part of a text shared by several entries (the handshake header lines).
    Slice {
        text: Arc<str>,
        start: u32,
        end: u32,
    },
}

impl LogText {
    /// The log text of a text payload written in `format`.
    pub fn text(text: &Utf8Bytes, format: MessageFormat) -> Self {
        if text.len() <= LAZY_PREVIEW_BYTES {
            LogText::Text(text.clone())
        } else {
            LogText::Plain(message_preview(text, format))
        }
    }

    /// The log text of a binary payload.
    pub fn binary(bytes: &Bytes) -> Self {
        if bytes.len() <= LAZY_PREVIEW_BYTES {
            LogText::Binary(bytes.clone())
        } else {
            LogText::Plain(binary_preview(bytes))
        }
    }

    /// `text[start..end]` without copying (both must be on character boundaries, or the
    /// whole text is shown).
    pub fn slice(text: &Arc<str>, start: usize, end: usize) -> Self {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(start), Ok(end)) if text.get(start as usize..end as usize).is_some() => {
                LogText::Slice {
                    text: text.clone(),
                    start,
                    end,
                }
            }
            _ => LogText::Plain(text.to_string()),
        }
    }

    /// The text shown for a payload written in `format` (secrets not yet masked).
    pub fn shown(&self, format: MessageFormat) -> Cow<'_, str> {
        match self {
            LogText::Plain(text) => Cow::Borrowed(text),
            LogText::Text(text) => Cow::Owned(message_preview(text, format)),
            LogText::Binary(bytes) => Cow::Owned(binary_preview(bytes)),
            LogText::Slice { text, start, end } => {
                Cow::Borrowed(text.get(*start as usize..*end as usize).unwrap_or_default())
            }
        }
    }
}

impl From<String> for LogText {
    fn from(text: String) -> Self {
        LogText::Plain(text)
    }
}

/// A short one-line preview of a text payload: newlines shown as `⏎`, cut at
/// [`PREVIEW_CHARS`] characters with `…`.
pub fn text_preview(text: &str) -> String {
    message_preview(text, MessageFormat::Text)
}

/// A short one-line preview of a payload written in `format`. JSON loses its line breaks and
/// indentation (they mean nothing there), so pretty-printed JSON reads as compact JSON; other
/// text shows each newline as `⏎`. Cut at [`PREVIEW_CHARS`] characters with `…`.
pub fn message_preview(text: &str, format: MessageFormat) -> String {
    if text.len() <= PREVIEW_CHARS && text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return text.to_string();
    }
    let json = format == MessageFormat::Json;
    // Indentation takes room that the preview does not show: look further into JSON.
    let look = if json {
        PREVIEW_BYTES * 4
    } else {
        PREVIEW_BYTES
    };
    let head = if text.len() > look {
        let mut end = look;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    } else {
        text
    };
    let mut out = String::with_capacity(head.len().min(PREVIEW_CHARS + 8));
    let mut count = 0;
    let mut chars = head.chars().peekable();
    while let Some(c) = chars.next() {
        if count == PREVIEW_CHARS {
            out.push('…');
            return out;
        }
        match c {
            '\n' if json => {
                while chars.next_if(|c| c.is_whitespace()).is_some() {}
                let opens = out.ends_with(['{', '[']) || out.is_empty();
                let closes = chars.peek().is_none_or(|c| matches!(c, '}' | ']'));
                if opens || closes {
                    continue;
                }
                out.push(' ');
            }
            '\n' => out.push('⏎'),
            '\r' => continue,
            '\t' => out.push(' '),
            c if c.is_control() => out.push('·'),
            c => out.push(c),
        }
        count += 1;
    }
    if head.len() < text.len() {
        out.push('…');
    }
    out
}

/// A preview of a binary payload: the first bytes in hex.
pub fn binary_preview(bytes: &[u8]) -> String {
    let shown = bytes.len().min(16);
    let mut out = String::with_capacity(shown * 2 + 12);
    for b in &bytes[..shown] {
        let _ = write!(out, "{b:02x}");
    }
    if bytes.len() > shown {
        out.push('…');
    }
    out.push_str(" (binary)");
    out
}

/// A place in the view: one entry, or the messages of a [`Batch`] from `first` on (the ones
/// before it fell out of the view).
#[derive(Debug)]
enum Slot {
    Entry(LogEntry),
    Batch { batch: Batch, first: usize },
}

impl Slot {
    fn len(&self) -> usize {
        match self {
            Slot::Entry(_) => 1,
            Slot::Batch { batch, first } => batch.len() - first,
        }
    }
}

/// The entry a batch's message is shown as.
fn batch_entry(batch: &Batch, index: usize) -> LogEntry {
    let message = batch.get(index);
    let size = message.body.len();
    let format = message.format;
    LogEntry {
        at: batch.at(),
        kind: if batch.is_sent() {
            EntryKind::Sent { format, size }
        } else {
            EntryKind::Received { format, size }
        },
        text: match message.body {
            BodyRef::Text(text) => LogText::text(text, format),
            BodyRef::Binary(bytes) => LogText::binary(bytes),
        },
        note: message.note.cloned(),
    }
}

/// Entries in order, at most `limit` of them: the oldest fall out first.
#[derive(Debug, Default)]
struct Lines {
    slots: VecDeque<Slot>,
    /// Entries in `slots` (a batch counts its messages).
    count: usize,
}

impl Lines {
    /// Adds a slot and drops the oldest entries beyond `limit`; returns how many fell out.
    fn push(&mut self, slot: Slot, limit: usize) -> u64 {
        self.count += slot.len();
        self.slots.push_back(slot);
        let mut dropped = 0;
        while self.count > limit {
            let excess = self.count - limit;
            let Some(front) = self.slots.front_mut() else {
                break;
            };
            let gone = match front {
                Slot::Batch { batch, first } if batch.len() - *first > excess => {
                    *first += excess;
                    excess
                }
                whole => {
                    let n = whole.len();
                    self.slots.pop_front();
                    n
                }
            };
            self.count -= gone;
            dropped += gone as u64;
        }
        dropped
    }

    /// Every entry, oldest first (or newest first when `newest_first`).
    fn for_each(&self, newest_first: bool, mut f: impl FnMut(&LogEntry)) {
        let mut visit = |slot: &Slot| match slot {
            Slot::Entry(entry) => f(entry),
            Slot::Batch { batch, first } => {
                if newest_first {
                    (*first..batch.len())
                        .rev()
                        .for_each(|i| f(&batch_entry(batch, i)));
                } else {
                    (*first..batch.len()).for_each(|i| f(&batch_entry(batch, i)));
                }
            }
        };
        if newest_first {
            self.slots.iter().rev().for_each(&mut visit);
        } else {
            self.slots.iter().for_each(&mut visit);
        }
    }
}

/// The bounded live view.
#[derive(Debug)]
pub struct LiveLog {
    mode: LogMode,
    limit: usize,
    visible: Lines,
    /// Entries that arrived while paused, shown on resume (bounded by `limit` as well).
    held: Lines,
    paused: bool,
    /// The latest received message (kept in `snapshot` mode only).
    latest_received: Option<LogEntry>,
    /// Entries that fell out of the view (still in the transcript).
    dropped: u64,
}

impl LiveLog {
    pub fn new(mode: LogMode, limit: usize) -> Self {
        LiveLog {
            mode,
            limit: limit.max(1),
            visible: Lines::default(),
            held: Lines::default(),
            paused: false,
            latest_received: None,
            dropped: 0,
        }
    }

    pub fn push(&mut self, entry: LogEntry) {
        self.push_slot(Slot::Entry(entry));
    }

    /// Adds the messages of a batch as consecutive entries. Batches of small payloads are kept as
    /// one slot, their lines made when rendered; a batch holding a large payload is added entry
    /// by entry, so its preview is cut at once and the view never holds the large buffer.
    pub fn push_batch(&mut self, batch: Batch) {
        if batch.is_empty() {
            return;
        }
        if batch.largest() > LAZY_PREVIEW_BYTES {
            for index in 0..batch.len() {
                self.push(batch_entry(&batch, index));
            }
            return;
        }
        self.push_slot(Slot::Batch { batch, first: 0 });
    }

    /// Adds a slot to the view (keeping the latest received message in snapshot mode), or to
    /// the held entries while paused.
    fn push_slot(&mut self, slot: Slot) {
        if self.paused {
            self.dropped += self.held.push(slot, self.limit);
            return;
        }
        if self.mode == LogMode::Snapshot {
            match &slot {
                Slot::Entry(entry) if matches!(entry.kind, EntryKind::Received { .. }) => {
                    self.latest_received = Some(entry.clone());
                }
                Slot::Batch { batch, .. } if !batch.is_sent() => {
                    self.latest_received = Some(batch_entry(batch, batch.len() - 1));
                }
                _ => {}
            }
        }
        self.dropped += self.visible.push(slot, self.limit);
    }

    pub fn set_paused(&mut self, paused: bool) {
        if self.paused == paused {
            return;
        }
        self.paused = paused;
        if !paused {
            let held = std::mem::take(&mut self.held);
            for slot in held.slots {
                self.push_slot(slot);
            }
        }
    }

    /// Entries that fell out of the view so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn len(&self) -> usize {
        self.visible.count
    }

    pub fn is_empty(&self) -> bool {
        self.visible.count == 0
    }

    /// Renders the view (without the header line) in the configured mode.
    pub fn render_lines(&self, masker: &Masker, out: &mut String) {
        match self.mode {
            LogMode::Append => self
                .visible
                .for_each(false, |e| render_entry(e, masker, out)),
            LogMode::Prepend => self
                .visible
                .for_each(true, |e| render_entry(e, masker, out)),
            LogMode::Snapshot => {
                if let Some(e) = &self.latest_received {
                    render_entry(e, masker, out);
                }
            }
        }
    }
}

/// A message line of the live view, found by its line number in the rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownMessage {
    pub at: DateTime<Utc>,
    /// Sent (`→`) rather than received (`←`).
    pub sent: bool,
    pub format: MessageFormat,
    pub size: usize,
    /// The line as rendered (secrets masked, without the trailing newline).
    pub line: String,
    /// The whole payload when the view still holds it (small payloads are kept as they are);
    /// `None` when only the preview is kept.
    pub whole: Option<LogText>,
}

impl LiveLog {
    /// The message shown on `line` of the rendered text (line 0 is the header, which the
    /// caller renders). When `expected` (the line as the client shows it) is given and the
    /// view moved since, the message whose rendered line equals it is returned instead, or
    /// `None` when it is no longer in the view. `None` as well for a line that is not a message.
    pub fn message_at(
        &self,
        line: usize,
        expected: Option<&str>,
        masker: &Masker,
    ) -> Option<ShownMessage> {
        let mut entries = Vec::new();
        let mut collect = |e: &LogEntry| entries.push(e.clone());
        match self.mode {
            LogMode::Append => self.visible.for_each(false, &mut collect),
            LogMode::Prepend => self.visible.for_each(true, &mut collect),
            LogMode::Snapshot => {
                if let Some(e) = &self.latest_received {
                    collect(e);
                }
            }
        }
        let shown = |entry: &LogEntry| {
            let mut text = String::new();
            render_entry(entry, masker, &mut text);
            text.truncate(text.trim_end_matches('\n').len());
            text
        };
        let at_line = line.checked_sub(1).and_then(|i| entries.get(i));
        let found = match (at_line, expected) {
            (Some(entry), Some(expected)) if shown(entry) == expected.trim_end() => Some(entry),
            (_, Some(expected)) => entries.iter().find(|e| shown(e) == expected.trim_end()),
            (entry, None) => entry,
        }?;
        let (sent, format, size) = match found.kind {
            EntryKind::Sent { format, size } => (true, format, size),
            EntryKind::Received { format, size } => (false, format, size),
            EntryKind::Event | EntryKind::End | EntryKind::Assertion { .. } => return None,
        };
        let whole = match &found.text {
            LogText::Text(_) | LogText::Binary(_) => Some(found.text.clone()),
            LogText::Plain(_) | LogText::Slice { .. } => None,
        };
        Some(ShownMessage {
            at: found.at,
            sent,
            format,
            size,
            line: shown(found),
            whole,
        })
    }
}

fn render_entry(entry: &LogEntry, masker: &Masker, out: &mut String) {
    let _ = write!(
        out,
        "{} ",
        entry.at.with_timezone(&Local).format("%H:%M:%S%.3f")
    );
    let format = match entry.kind {
        EntryKind::Sent { format, .. } | EntryKind::Received { format, .. } => format,
        _ => MessageFormat::Text,
    };
    let shown = entry.text.shown(format);
    let shown = match &entry.note {
        Some(note) => Cow::Owned(format!("{note} · {shown}")),
        None => shown,
    };
    let text = masker.mask(&shown);
    let (marker, detail) = match &entry.kind {
        EntryKind::Sent { format, size } => (
            '→',
            Some(format!("{format} · {}", human_size(*size as u64))),
        ),
        EntryKind::Received { format, size } => (
            '←',
            Some(format!("{format} · {}", human_size(*size as u64))),
        ),
        EntryKind::Event => ('⇄', None),
        EntryKind::End => ('✕', None),
        EntryKind::Assertion { passed: true } => ('✓', None),
        EntryKind::Assertion { passed: false } => ('✗', None),
    };
    out.push(marker);
    out.push(' ');
    out.push_str(&text);
    if let Some(detail) = detail {
        let width = text.chars().count();
        let pad = DETAIL_COLUMN.saturating_sub(width).max(1);
        out.extend(std::iter::repeat_n(' ', pad));
        out.push_str(&detail);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: EntryKind, text: &str) -> LogEntry {
        LogEntry::new(Utc::now(), kind, LogText::Plain(text.to_string()))
    }

    fn received(text: &str) -> LogEntry {
        entry(
            EntryKind::Received {
                format: MessageFormat::Text,
                size: text.len(),
            },
            text,
        )
    }

    fn rendered(log: &LiveLog) -> Vec<String> {
        let mut s = String::new();
        log.render_lines(&Masker::default(), &mut s);
        s.lines().map(|l| l[13..].to_string()).collect()
    }

    #[test]
    fn previews_are_one_line_and_cut() {
        assert_eq!(text_preview("a\nb"), "a⏎b");
        let long = "x".repeat(500);
        let p = text_preview(&long);
        assert_eq!(p.chars().count(), PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
        assert_eq!(binary_preview(&[0x0a, 0x1b]), "0a1b (binary)");
    }

    #[test]
    fn json_previews_read_as_compact_json() {
        let pretty = "{\n  \"op\": \"x\",\n  \"list\": [\n    1,\n    2\n  ]\n}";
        assert_eq!(
            message_preview(pretty, MessageFormat::Json),
            r#"{"op": "x", "list": [1, 2]}"#
        );
        assert_eq!(
            message_preview(pretty, MessageFormat::Text)
                .matches('⏎')
                .count(),
            6
        );
        let long = format!("[\n{}\n]", vec!["  \"abcdefghij\""; 40].join(",\n"));
        let p = message_preview(&long, MessageFormat::Json);
        assert_eq!(p.chars().count(), PREVIEW_CHARS + 1, "{p}");
        assert!(p.starts_with(r#"["abcdefghij", "abcdefghij""#) && p.ends_with('…'));
    }

    #[test]
    fn limit_modes_and_pause() {
        let mut log = LiveLog::new(LogMode::Append, 2);
        log.push(received("one"));
        log.push(received("two"));
        log.push(received("three"));
        assert_eq!(log.dropped(), 1);
        let lines = rendered(&log);
        assert!(lines[0].starts_with("← two"), "{lines:?}");
        assert!(lines[1].starts_with("← three"));
        assert!(lines[1].ends_with("text · 5 B"));

        log.set_paused(true);
        log.push(received("four"));
        assert!(
            rendered(&log)[1].starts_with("← three"),
            "the view does not move while paused"
        );
        log.set_paused(false);
        assert!(rendered(&log)[1].starts_with("← four"));

        let mut prepend = LiveLog::new(LogMode::Prepend, 10);
        prepend.push(received("old"));
        prepend.push(received("new"));
        assert!(rendered(&prepend)[0].starts_with("← new"));

        let mut snap = LiveLog::new(LogMode::Snapshot, 10);
        snap.push(received("old"));
        snap.push(entry(EntryKind::Event, "ping"));
        snap.push(received("new"));
        let lines = rendered(&snap);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("← new"));
    }

    fn received_batch(texts: &[&str]) -> Batch {
        Batch::Received {
            at: Utc::now(),
            payloads: texts
                .iter()
                .map(|t| crate::assertions::Payload::text(t))
                .collect(),
        }
    }

    #[test]
    fn a_reply_shows_why_it_was_sent_before_its_payload() {
        let mut log = LiveLog::new(LogMode::Append, 10);
        let text = |s: &'static str| crate::spec::Outgoing::Text {
            format: MessageFormat::Json,
            text: Utf8Bytes::from_static(s),
        };
        log.push_batch(Batch::Sent {
            at: Utc::now(),
            messages: vec![text("{\"a\":1}"), text("{\"op\":\"pong\"}")].into(),
            notes: Some(vec![(1, Arc::from("pong (reply to ← ping #12)"))].into()),
        });
        let lines = rendered(&log);
        assert!(lines[0].starts_with("→ {\"a\":1}"), "{lines:?}");
        assert!(
            lines[1].starts_with("→ pong (reply to ← ping #12) · {\"op\":\"pong\"}"),
            "{lines:?}"
        );
    }

    #[test]
    fn runs_show_one_line_per_message_and_fall_out_of_the_view_message_by_message() {
        let mut log = LiveLog::new(LogMode::Append, 4);
        log.push(entry(EntryKind::Event, "open"));
        log.push_batch(received_batch(&["a", "{\"b\":1}", "c"]));
        log.push_batch(Batch::Sent {
            at: Utc::now(),
            messages: vec![crate::spec::Outgoing::Text {
                format: MessageFormat::Xml,
                text: Utf8Bytes::from_static("<d/>"),
            }]
            .into(),
            notes: None,
        });
        assert_eq!((log.len(), log.dropped()), (4, 1));
        let lines = rendered(&log);
        assert!(
            lines[0].starts_with("← a") && lines[0].ends_with("text · 1 B"),
            "{lines:?}"
        );
        assert!(lines[1].ends_with("json · 7 B"), "{lines:?}");
        assert!(
            lines[3].starts_with("→ <d/>") && lines[3].ends_with("xml · 4 B"),
            "{lines:?}"
        );
        // Cutting into the middle of a batch keeps its newest messages.
        log.push_batch(received_batch(&["e", "f"]));
        let lines = rendered(&log);
        assert_eq!(lines.len(), 4);
        assert!(
            lines[0].starts_with("← c") && lines[3].starts_with("← f"),
            "{lines:?}"
        );
        assert_eq!(log.dropped(), 3);

        let mut prepend = LiveLog::new(LogMode::Prepend, 10);
        prepend.push_batch(received_batch(&["old", "new"]));
        assert!(rendered(&prepend)[0].starts_with("← new"));

        let mut snap = LiveLog::new(LogMode::Snapshot, 10);
        snap.push_batch(received_batch(&["x", "latest"]));
        assert_eq!(rendered(&snap).len(), 1);
        assert!(rendered(&snap)[0].starts_with("← latest"));

        // Paused: the batch waits and shows on resume.
        let mut paused = LiveLog::new(LogMode::Append, 10);
        paused.set_paused(true);
        paused.push_batch(received_batch(&["held"]));
        assert!(rendered(&paused).is_empty());
        paused.set_paused(false);
        assert!(rendered(&paused)[0].starts_with("← held"));
    }

    #[test]
    fn a_run_with_a_large_payload_is_cut_at_once() {
        let big = "y".repeat(LAZY_PREVIEW_BYTES + 1);
        let mut log = LiveLog::new(LogMode::Append, 10);
        log.push_batch(received_batch(&["small", &big]));
        assert_eq!(log.len(), 2);
        assert!(
            matches!(&log.visible.slots[1], Slot::Entry(LogEntry { text: LogText::Plain(p), .. }) if p.ends_with('…')),
            "the large payload is kept as a cut preview, not as the buffer"
        );
    }
}
