//! Messages that went out or came in together (one writer batch, one socket read), kept once
//! and shared by the live log, the assertion store and the transcript. A flood then costs each
//! of them one shared reference per batch instead of one per message; the per-message lines
//! and records are made where they are read (the log when it is rendered, the transcript on
//! its own thread).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};
use void_syntax::vocab::MessageFormat;

use crate::assertions::Payload;
use crate::spec::Outgoing;

/// A batch of messages in one direction, with the time the batch went out or was read.
#[derive(Debug, Clone)]
pub enum Batch {
    /// Sent messages, each with the format it was declared in.
    Sent {
        at: DateTime<Utc>,
        messages: Arc<[Outgoing]>,
        /// Why some of them were sent, for the log (`pong (reply to ← ping #12)`): (index in
        /// `messages`, note), by index. `None` when none has a note (a flood costs nothing).
        notes: Option<SentNotes>,
    },
    /// Received messages; their format is sniffed when they are shown or written.
    Received {
        at: DateTime<Utc>,
        payloads: Arc<[Payload]>,
    },
}

/// One message of a batch.
pub struct BatchMessage<'a> {
    pub format: MessageFormat,
    pub body: BodyRef<'a>,
    /// Why it was sent, when a reply sent it.
    pub note: Option<&'a Arc<str>>,
}

/// Why some messages of a sent batch went out: (index in the batch, note), by index.
pub type SentNotes = Arc<[(u32, Arc<str>)]>;

/// A message's payload, borrowed from its batch.
#[derive(Clone, Copy)]
pub enum BodyRef<'a> {
    Text(&'a Utf8Bytes),
    Binary(&'a Bytes),
}

impl BodyRef<'_> {
    pub fn len(&self) -> usize {
        match self {
            BodyRef::Text(t) => t.len(),
            BodyRef::Binary(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Batch {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Batch::Sent { at, .. } | Batch::Received { at, .. } => *at,
        }
    }

    pub fn is_sent(&self) -> bool {
        matches!(self, Batch::Sent { .. })
    }

    pub fn len(&self) -> usize {
        match self {
            Batch::Sent { messages, .. } => messages.len(),
            Batch::Received { payloads, .. } => payloads.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `index`th message; `index` must be below [`Batch::len`].
    pub fn get(&self, index: usize) -> BatchMessage<'_> {
        match self {
            Batch::Sent {
                messages, notes, ..
            } => {
                let note = notes.as_ref().and_then(|notes| {
                    let i = u32::try_from(index).ok()?;
                    let at = notes.binary_search_by_key(&i, |(n, _)| *n).ok()?;
                    Some(&notes[at].1)
                });
                match &messages[index] {
                    Outgoing::Text { format, text } => BatchMessage {
                        format: *format,
                        body: BodyRef::Text(text),
                        note,
                    },
                    Outgoing::Binary(bytes) => BatchMessage {
                        format: MessageFormat::Binary,
                        body: BodyRef::Binary(bytes),
                        note,
                    },
                    // A Socket.IO event is shown and transcribed as its log line.
                    Outgoing::Event(event) => BatchMessage {
                        format: MessageFormat::Text,
                        body: BodyRef::Text(&event.line),
                        note,
                    },
                }
            }
            Batch::Received { payloads, .. } => match &payloads[index] {
                Payload::Text(text) => BatchMessage {
                    format: sniff_format(text),
                    body: BodyRef::Text(text),
                    note: None,
                },
                Payload::Binary(bytes) => BatchMessage {
                    format: MessageFormat::Binary,
                    body: BodyRef::Binary(bytes),
                    note: None,
                },
                Payload::Event(event) => BatchMessage {
                    format: MessageFormat::Text,
                    body: BodyRef::Text(&event.line),
                    note: None,
                },
            },
        }
    }

    /// The largest payload in the batch, in bytes.
    pub fn largest(&self) -> usize {
        match self {
            Batch::Sent { messages, .. } => messages.iter().map(Outgoing::size).max(),
            Batch::Received { payloads, .. } => payloads.iter().map(Payload::len).max(),
        }
        .unwrap_or(0)
    }

    /// The payload bytes of the whole batch.
    pub fn payload_bytes(&self) -> usize {
        match self {
            Batch::Sent { messages, .. } => messages.iter().map(Outgoing::size).sum(),
            Batch::Received { payloads, .. } => payloads.iter().map(Payload::len).sum(),
        }
    }
}

/// Guesses how a received text payload is written, cheaply (no full parse).
pub fn sniff_format(text: &str) -> MessageFormat {
    let t = text.trim();
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(b'{'), Some(b'}')) | (Some(b'['), Some(b']')) => MessageFormat::Json,
        (Some(b'<'), Some(b'>')) => MessageFormat::Xml,
        _ => MessageFormat::Text,
    }
}
