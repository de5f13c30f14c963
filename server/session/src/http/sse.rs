//! The `text/event-stream` format (the HTML standard's Server-Sent Events): bytes in, events
//! out, fed piece by piece as the body arrives.
//!
//! Lines end with CRLF, LF or CR (a CRLF split across two pieces counts once); a leading BOM
//! is dropped; `:` lines are comments; `event`, `data` (lines joined with `\n`), `id` (one
//! holding NUL is ignored) and `retry` (digits only) are the fields, `field: value` losing one
//! space after the colon; a blank line dispatches the event (none when no `data` came), whose
//! type is `message` unless it named one. The last event id survives across events, for the
//! `Last-Event-ID` of a reconnect. An event larger than the cap is an error, so a server
//! cannot make the client buffer without bound.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// `message` unless the event named another type.
    pub event: String,
    pub data: String,
    /// The last event id at dispatch (the stream's, when this event set none).
    pub id: Option<String>,
}

/// An incremental decoder.
#[derive(Debug)]
pub struct SseDecoder {
    /// Bytes of a line not ended yet.
    line: Vec<u8>,
    /// A CR ended the last piece: an LF starting the next one belongs to it.
    after_cr: bool,
    started: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    /// The last valid `retry`, in milliseconds.
    retry: Option<u64>,
    max_event: usize,
}

impl SseDecoder {
    /// A decoder refusing events (and lines) over `max_event` bytes.
    pub fn new(max_event: usize) -> Self {
        SseDecoder {
            line: Vec::new(),
            after_cr: false,
            started: false,
            event: String::new(),
            data: String::new(),
            has_data: false,
            last_id: None,
            retry: None,
            max_event: max_event.max(1),
        }
    }

    /// Starts from a known last event id (a reconnect's `Last-Event-ID`).
    pub fn with_last_id(mut self, id: Option<String>) -> Self {
        self.last_id = id;
        self
    }

    /// The last event id seen.
    pub fn last_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// The reconnection time the server asked for, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// Feeds a piece of the body; returns the events it completed. An event over the cap is
    /// an error in words.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<Vec<SseEvent>, String> {
        let mut events = Vec::new();
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        while !bytes.is_empty() {
            match bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
                None => {
                    self.line.extend_from_slice(bytes);
                    self.check_size()?;
                    break;
                }
                Some(end) => {
                    self.line.extend_from_slice(&bytes[..end]);
                    self.check_size()?;
                    let was_cr = bytes[end] == b'\r';
                    bytes = &bytes[end + 1..];
                    if was_cr {
                        if bytes.first() == Some(&b'\n') {
                            bytes = &bytes[1..];
                        } else if bytes.is_empty() {
                            self.after_cr = true;
                        }
                    }
                    // The line's buffer is lent and given back, keeping its room for the
                    // next line (a line costs no allocation of its own).
                    let mut line = std::mem::take(&mut self.line);
                    if let Some(event) = self.line_done(&line) {
                        events.push(event);
                    }
                    line.clear();
                    self.line = line;
                }
            }
        }
        Ok(events)
    }

    fn check_size(&self) -> Result<(), String> {
        if self.line.len() + self.data.len() > self.max_event {
            return Err(format!(
                "an event is larger than {} (maxMessageSize); the stream was stopped",
                void_syntax::vocab::human_size(self.max_event as u64)
            ));
        }
        Ok(())
    }

    fn line_done(&mut self, raw: &[u8]) -> Option<SseEvent> {
        let text = String::from_utf8_lossy(raw);
        let mut line: &str = &text;
        if !self.started {
            self.started = true;
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            // An id equal to the last one keeps its text (no copy per event).
            "id" if !value.contains('\0') && self.last_id.as_deref() != Some(value) => {
                self.last_id = Some(value.to_string());
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        if !self.has_data {
            self.data.clear();
            return None;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        Some(SseEvent {
            event: if event.is_empty() {
                "message".into()
            } else {
                event
            },
            data,
            id: self.last_id.clone(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn all(pieces: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new(1 << 20);
        pieces.iter().flat_map(|p| d.feed(p).unwrap()).collect()
    }

    #[test]
    fn events_as_the_standard_reads_them() {
        let events = all(&[b"\xef\xbb\xbfdata: a\ndata:b\n\n: comment\nevent: tick\nid: 7\ndata: {\"n\":1}\n\nid\nretry: x\ndata\n\n"]);
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].data, "a\nb");
        assert_eq!(events[0].event, "message");
        assert_eq!(events[0].id, None);
        assert_eq!(events[1].event, "tick");
        assert_eq!(events[1].id.as_deref(), Some("7"));
        assert_eq!(events[2].data, "");
        assert_eq!(events[2].id.as_deref(), Some(""));
    }

    #[test]
    fn line_ends_split_anywhere_count_once() {
        let text = b"data: one\r\n\r\ndata: two\r\rdata: three\n\n";
        for split in 0..text.len() {
            let events = all(&[&text[..split], &text[split..]]);
            let data: Vec<_> = events.iter().map(|e| e.data.as_str()).collect();
            assert_eq!(data, ["one", "two", "three"], "split at {split}");
        }
    }

    #[test]
    fn retry_and_oversized_events() {
        let mut d = SseDecoder::new(16);
        d.feed(b"retry: 1500\n").unwrap();
        assert_eq!(d.retry(), Some(1500));
        let err = d.feed(b"data: 0123456789abcdef\n").unwrap_err();
        assert!(err.contains("larger than 16 B"), "{err}");
    }
}
