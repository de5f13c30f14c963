//! An HTTP exchange as a person reads it: the request line, the redirects followed, the
//! status line with timing and size, the response headers, and the body pretty-printed by its
//! content type (JSON indented, XML indented, a form as one field per line, text as it is,
//! binary as a hex preview), cut when large; then the assertion rows, the captured values
//! and what the section holds that was not run.
//!
//! The text is not masked here: the session masks it, as it masks everything it shows. No
//! I/O.

use std::fmt::Write as _;
use std::time::Duration;

use super::capture::Captured;
use super::client::{BodyRead, Hop, ResponseHead, SentRequest, Timing};
use super::sse::SseEvent;
use crate::status::{AssertionResult, Outcome};

/// Bytes of body shown in the view; the transcript keeps the rest.
pub const VIEW_BODY_BYTES: usize = 256 * 1024;
/// Bytes of a binary body shown as hex.
const HEX_PREVIEW_BYTES: usize = 512;

/// Everything an ended exchange is shown with.
#[derive(Debug, Clone, Default)]
pub struct HttpOutcome {
    pub request: Option<SentRequest>,
    pub head: Option<ResponseHead>,
    pub hops: Vec<Hop>,
    pub timing: Timing,
    /// From the start to the last byte of the body (or the failure).
    pub total: Duration,
    pub body: Option<BodyRead>,
    /// What went wrong, in words (the exchange failed, timed out, or a body could not be read).
    pub error: Option<String>,
    pub checks: Vec<AssertionResult>,
    /// A Server-Sent Events stream's events, as decoded (rows read each as
    /// `{event, id, data, json}`, built when read: [`super::checks::event_value`]).
    pub events: Vec<SseEvent>,
    pub captured: Vec<Captured>,
    /// Things the section holds that were not run or not sent, in words.
    pub notes: Vec<String>,
    /// Where the whole exchange was written (the view cuts large bodies).
    pub transcript: Option<String>,
    /// GraphQL: `query`/`mutation` and its name, shown in the first line.
    pub operation: Option<String>,
}

/// `1.2 KiB`.
fn size(n: u64) -> String {
    void_syntax::vocab::human_size(n)
}

/// `12 ms`, `1.5 s`.
pub fn millis(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The one-line summary of an outcome: `200 OK · 12 ms · 1.2 KiB`, or the error.
pub fn summary(outcome: &HttpOutcome) -> String {
    match (&outcome.head, &outcome.error) {
        (Some(head), error) => {
            let mut s = format!("{} {}", head.status, head.reason);
            let _ = write!(s, " · {}", millis(outcome.total));
            if let Some(body) = &outcome.body {
                let _ = write!(s, " · {}", size(body.size));
            }
            if !outcome.events.is_empty() {
                let n = outcome.events.len();
                let _ = write!(s, " · {}", void_syntax::vocab::count(n, "event", "events"));
            }
            if let Some(e) = error {
                let _ = write!(s, " · {e}");
            }
            s
        }
        (None, Some(e)) => e.clone(),
        (None, None) => "no response".into(),
    }
}

/// The whole view.
pub fn render(outcome: &HttpOutcome) -> String {
    let mut out = String::new();
    if let Some(request) = &outcome.request {
        let _ = write!(out, "{} {}", request.method, request.url);
        if let Some(op) = &outcome.operation {
            let _ = write!(out, "  ({op})");
        }
        out.push('\n');
    }
    for hop in &outcome.hops {
        let _ = writeln!(out, "↪ {} {} → {}", hop.status, hop.reason, hop.to);
    }
    if let Some(head) = &outcome.head {
        let _ = write!(out, "{} {} {}", head.version, head.status, head.reason);
        let _ = write!(out, " · {}", timing_words(outcome));
        if let Some(body) = &outcome.body {
            let _ = write!(out, " · {}", size(body.size));
        }
        out.push('\n');
        for (k, v) in &head.headers {
            let _ = writeln!(out, "{k}: {v}");
        }
    }
    if let Some(error) = &outcome.error {
        let _ = writeln!(out, "✕ {error}");
    }
    if !outcome.events.is_empty() {
        out.push('\n');
        render_events(&mut out, &outcome.events);
    } else if let (Some(head), Some(body)) = (&outcome.head, &outcome.body)
        && body.size > 0
    {
        out.push('\n');
        render_body(&mut out, head, body, outcome.transcript.as_deref());
    }
    if !outcome.checks.is_empty() {
        out.push('\n');
        for row in &outcome.checks {
            let _ = writeln!(out, "{}", check_line(row));
        }
    }
    if !outcome.captured.is_empty() {
        out.push('\n');
        for c in &outcome.captured {
            let _ = writeln!(out, "{}", capture_line(c));
        }
    }
    for note in &outcome.notes {
        let _ = writeln!(out, "· {note}");
    }
    out
}

/// Event lines shown at most; the count says how many there were.
const VIEW_EVENTS: usize = 1000;

/// One line per event of a stream: `← #3 message · {"n":3}` (the id when it has one, the
/// data on one line, cut).
fn render_events(out: &mut String, events: &[SseEvent]) {
    for event in events.iter().take(VIEW_EVENTS) {
        let id = match event.id.as_deref().unwrap_or_default() {
            "" => String::new(),
            id => format!("#{id} "),
        };
        let data = crate::log::text_preview(event.data.trim_end_matches('\n'));
        let _ = writeln!(out, "← {id}{} · {data}", event.event);
    }
    if events.len() > VIEW_EVENTS {
        let _ = writeln!(out, "… {} more events", events.len() - VIEW_EVENTS);
    }
}

fn timing_words(outcome: &HttpOutcome) -> String {
    let mut parts = Vec::new();
    if let Some(c) = outcome.timing.connect {
        parts.push(format!("connect {}", millis(c)));
    }
    parts.push(format!("first byte {}", millis(outcome.timing.first_byte)));
    format!("{} ({})", millis(outcome.total), parts.join(", "))
}

/// `✓ Logged in · status equals 200 · passed`, `✗ ... · failed, actual 401`.
pub fn check_line(row: &AssertionResult) -> String {
    let title = if row.description.trim().is_empty() {
        format!("{} {} {}", row.field, row.operator, row.expected)
    } else {
        row.description.clone()
    };
    let what = format!("{} {} {}", row.field, row.operator, row.expected);
    match row.outcome {
        Outcome::Pass => format!("✓ {title} · {} · passed", what.trim_end()),
        Outcome::Fail => format!(
            "✗ {title} · {} · failed, actual {}",
            what.trim_end(),
            row.actual.as_deref().unwrap_or("(no value)")
        ),
        Outcome::Pending => format!("○ {title} · {} · pending", what.trim_end()),
    }
}

/// `⤷ token = tok-123  ← {{$res.body.token}}` (masked by the caller).
pub fn capture_line(c: &Captured) -> String {
    match &c.value {
        Some(v) => format!(
            "⤷ process.{} = {}  ← {}",
            c.name,
            crate::log::text_preview(v),
            c.expression.trim()
        ),
        None => format!(
            "⤷ process.{} not set: {} read nothing",
            c.name,
            c.expression.trim()
        ),
    }
}

fn render_body(out: &mut String, head: &ResponseHead, body: &BodyRead, transcript: Option<&str>) {
    let media = head.media_type().unwrap_or_default();
    let shown = &body.bytes[..body.bytes.len().min(VIEW_BODY_BYTES)];
    let cut_here = (body.bytes.len() > VIEW_BODY_BYTES) || body.cut;
    match std::str::from_utf8(shown)
        .ok()
        .filter(|_| !is_binary_type(&media))
    {
        Some(text) => {
            let pretty = pretty(&media, text, cut_here);
            out.push_str(&pretty);
            if !pretty.ends_with('\n') {
                out.push('\n');
            }
        }
        None => {
            let _ = writeln!(
                out,
                "binary body, {} ({})",
                size(body.size),
                if media.is_empty() {
                    "no content type"
                } else {
                    &media
                }
            );
            for chunk in shown[..shown.len().min(HEX_PREVIEW_BYTES)].chunks(16) {
                let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
                let ascii: String = chunk
                    .iter()
                    .map(|&b| {
                        if b.is_ascii_graphic() || b == b' ' {
                            b as char
                        } else {
                            '.'
                        }
                    })
                    .collect();
                let _ = writeln!(out, "{:<48} {ascii}", hex.join(" "));
            }
        }
    }
    if cut_here || body.size > shown.len() as u64 {
        let _ = write!(
            out,
            "… cut: {} of {} shown",
            size(shown.len() as u64),
            size(body.size)
        );
        match transcript {
            Some(path) => {
                let _ = writeln!(out, "; the transcript keeps it whole ({path})");
            }
            None => out.push('\n'),
        }
    }
}

fn is_binary_type(media: &str) -> bool {
    media.starts_with("image/")
        || media.starts_with("audio/")
        || media.starts_with("video/")
        || matches!(
            media,
            "application/octet-stream" | "application/pdf" | "application/zip" | "application/gzip"
        )
}

/// The body pretty-printed by media type; as it is when it does not parse (or was cut).
pub fn pretty(media: &str, text: &str, cut: bool) -> String {
    if cut {
        return text.to_string();
    }
    if media.contains("json") {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text)
            && let Ok(p) = serde_json::to_string_pretty(&value)
        {
            return p;
        }
    } else if media.contains("xml") {
        if let Some(p) = pretty_xml(text) {
            return p;
        }
    } else if media == "application/x-www-form-urlencoded" {
        return url::form_urlencoded::parse(text.trim().as_bytes())
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join("\n");
    }
    text.to_string()
}

fn pretty_xml(text: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    loop {
        match reader.read_event().ok()? {
            Event::Eof => break,
            event => writer.write_event(event).ok()?,
        }
    }
    String::from_utf8(writer.into_inner()).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn head(ct: &str) -> ResponseHead {
        ResponseHead {
            version: "HTTP/1.1".into(),
            status: 200,
            reason: "OK".into(),
            headers: vec![("content-type".into(), ct.into())],
        }
    }

    #[test]
    fn bodies_are_pretty_printed_by_type() {
        assert_eq!(
            pretty("application/json", r#"{"a":[1,2]}"#, false),
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}"
        );
        assert_eq!(
            pretty("application/xml", "<a><b>x</b><c/></a>", false),
            "<a>\n  <b>x</b>\n  <c/>\n</a>"
        );
        assert_eq!(
            pretty("application/x-www-form-urlencoded", "a=1&b=x+y", false),
            "a = 1\nb = x y"
        );
        assert_eq!(pretty("application/json", "{broken", false), "{broken");
    }

    #[test]
    fn the_view_has_status_timing_headers_body_and_rows() {
        let outcome = HttpOutcome {
            request: Some(SentRequest {
                method: "GET".into(),
                url: "http://h/x".into(),
                ..Default::default()
            }),
            head: Some(head("application/json")),
            hops: vec![Hop {
                status: 302,
                reason: "Found".into(),
                from: "http://h/old".into(),
                to: "http://h/x".into(),
            }],
            timing: Timing {
                connect: Some(Duration::from_millis(1)),
                first_byte: Duration::from_millis(4),
            },
            total: Duration::from_millis(5),
            body: Some(BodyRead {
                bytes: Bytes::from_static(br#"{"ok":true}"#),
                size: 11,
                cut: false,
            }),
            checks: vec![AssertionResult {
                index: 0,
                description: "OK".into(),
                field: "status".into(),
                operator: "equals".into(),
                expected: "200".into(),
                outcome: Outcome::Pass,
                actual: Some("200".into()),
                message: String::new(),
            }],
            ..Default::default()
        };
        let text = render(&outcome);
        assert_eq!(
            text,
            "GET http://h/x\n↪ 302 Found → http://h/x\nHTTP/1.1 200 OK · 5 ms (connect 1 ms, first byte 4 ms) · 11 B\ncontent-type: application/json\n\n{\n  \"ok\": true\n}\n\n✓ OK · status equals 200 · passed\n"
        );
        assert_eq!(summary(&outcome), "200 OK · 5 ms · 11 B");
    }

    #[test]
    fn an_event_stream_is_shown_one_event_a_line() {
        let outcome = HttpOutcome {
            head: Some(head("text/event-stream")),
            body: Some(BodyRead {
                bytes: Bytes::from_static(b"raw"),
                size: 3,
                cut: false,
            }),
            events: vec![
                SseEvent {
                    event: "greeting".into(),
                    id: None,
                    data: "hi".into(),
                },
                SseEvent {
                    event: "message".into(),
                    id: Some("3".into()),
                    data: "{\"n\": 3}".into(),
                },
            ],
            ..HttpOutcome::default()
        };
        let out = render(&outcome);
        assert!(
            out.contains("\n← greeting · hi\n← #3 message · {\"n\": 3}\n"),
            "{out}"
        );
        assert!(
            summary(&outcome).ends_with(" · 2 events"),
            "{}",
            summary(&outcome)
        );
    }

    #[test]
    fn large_and_binary_bodies_are_cut_and_previewed() {
        let big = "x".repeat(VIEW_BODY_BYTES * 2);
        let mut out = String::new();
        render_body(
            &mut out,
            &head("text/plain"),
            &BodyRead {
                bytes: Bytes::from(big),
                size: (VIEW_BODY_BYTES * 2) as u64,
                cut: false,
            },
            Some("/tmp/t.jsonl"),
        );
        assert!(out.ends_with("… cut: 256.0 KiB of 512.0 KiB shown; the transcript keeps it whole (/tmp/t.jsonl)\n"), "{}", &out[out.len() - 120..]);
        let mut bin = String::new();
        render_body(
            &mut bin,
            &head("image/png"),
            &BodyRead {
                bytes: Bytes::from_static(&[0x89, b'P', b'N', b'G']),
                size: 4,
                cut: false,
            },
            None,
        );
        assert_eq!(
            bin,
            "binary body, 4 B (image/png)\n89 50 4e 47                                      .PNG\n"
        );
    }
}
