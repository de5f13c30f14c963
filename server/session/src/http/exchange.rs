//! One HTTP section run to its end: the request sent through [`HttpClient`], the body read
//! (kept up to `maxResponseSize`; a `text/event-stream` read event by event until it ends or
//! every row holds), the `assertions-table` rows checked, the
//! `runtime-variables` captured, all inside the section's `timeout`, and everything shown
//! masked with the section's secrets.
//!
//! The result is an [`HttpOutcome`] the editor renders as the response view and the runner
//! turns into its report. A failure (refused, TLS, timeout, a body cut by the connection) is
//! the outcome's `error`, in the same words as for WebSocket; rows then fail with it.

use std::time::Instant;

use super::capture::{self, Exchanged};
use super::checks::{self, Response};
use bytes::Bytes;

use super::client::{BodyRead, Exchange, HttpClient, ResponseHead, SentRequest};
use super::spec::HttpRequestSpec;
use super::sse::SseDecoder;
use super::view::HttpOutcome;
use crate::mask::Masker;
use crate::spec::SessionSpec;
use crate::status::{AssertionResult, Outcome};

/// What a long exchange tells while it runs: the outcome so far, after each piece of an event
/// stream that held events (not judged, not masked: see [`conclude`]).
pub type Progress<'a> = &'a mut (dyn FnMut(&HttpOutcome) + Send);

/// What went over the wire, as it went, for a transcript: each request sent with the head of
/// its answer (an event stream opened again gives another), then every piece of the body,
/// whole (the outcome keeps only `maxResponseSize` of it).
pub enum Wire<'a> {
    Head(&'a SentRequest, &'a ResponseHead),
    Body(&'a [u8]),
}

/// Where [`run_recorded`] hands what went over the wire.
pub type Recorder<'a> = &'a mut (dyn FnMut(Wire<'_>) + Send);

/// Sends the request and reads the whole response. Never panics on what a server sends.
pub async fn run(client: &HttpClient, spec: &SessionSpec, http: &HttpRequestSpec) -> HttpOutcome {
    run_watched(client, spec, http, &mut |_| {}).await
}

/// [`run`], telling `progress` what an event stream brought so far.
pub async fn run_watched(
    client: &HttpClient,
    spec: &SessionSpec,
    http: &HttpRequestSpec,
    progress: Progress<'_>,
) -> HttpOutcome {
    run_recorded(client, spec, http, progress, &mut |_| {}).await
}

/// [`run_watched`], handing `record` what went over the wire as it went.
pub async fn run_recorded(
    client: &HttpClient,
    spec: &SessionSpec,
    http: &HttpRequestSpec,
    progress: Progress<'_>,
    record: Recorder<'_>,
) -> HttpOutcome {
    let started = Instant::now();
    let mut outcome = HttpOutcome {
        notes: http.notes.clone(),
        operation: http.graphql.as_ref().map(|g| match &g.name {
            Some(name) => format!("{} {name}", g.kind),
            None => g.kind.clone(),
        }),
        ..HttpOutcome::default()
    };
    let timeout = http.options.timeout;
    let exchanged = tokio::time::timeout(timeout, async {
        let mut exchange = match client.send(spec, http).await {
            Ok(e) => e,
            Err(failure) => {
                outcome.request = failure.sent;
                outcome.hops = failure.hops;
                outcome.error = Some(failure.message);
                return;
            }
        };
        record(Wire::Head(&exchange.request, &exchange.head));
        outcome.request = Some(exchange.request.clone());
        outcome.head = Some(exchange.head.clone());
        outcome.hops = exchange.hops.clone();
        outcome.timing = exchange.timing;
        if exchange.head.is_event_stream() {
            let reader = (progress, &mut *record);
            read_events(client, spec, http, exchange, &mut outcome, reader).await;
            return;
        }
        match exchange
            .read_to_end(http.options.max_response_size, |piece| {
                record(Wire::Body(piece));
            })
            .await
        {
            Ok(body) => outcome.body = Some(body),
            Err(e) => outcome.error = Some(e),
        }
    })
    .await;
    let streaming = outcome.head.as_ref().is_some_and(|h| h.is_event_stream());
    if exchanged.is_err() && streaming {
        outcome.notes.push(format!(
            "the event stream was closed by the client when the timeout ({}) passed, after {}",
            void_syntax::vocab::human_seconds(timeout),
            void_syntax::vocab::count(outcome.events.len(), "event", "events")
        ));
    } else if exchanged.is_err() {
        outcome.error = Some(format!(
            "timeout ({}) passed before the response was complete",
            void_syntax::vocab::human_seconds(timeout)
        ));
    }
    outcome.total = started.elapsed();
    conclude(&mut outcome, spec, http);
    outcome
}

/// Events kept of one stream (the raw body is kept up to `maxResponseSize` as well).
pub const MAX_EVENTS: usize = 100_000;

/// Judges the rows, captures the values and masks the secrets of an outcome: what [`run`] does
/// at the end, for a caller that ends an exchange itself (the editor's Close on a stream).
pub fn conclude(outcome: &mut HttpOutcome, spec: &SessionSpec, http: &HttpRequestSpec) {
    judge(outcome, http);
    mask(outcome, &spec.secrets);
}

/// Reconnects to an event stream at most this many times in one run.
pub const MAX_RECONNECTS: u32 = 5;
/// The wait before a reconnect when the server named none (`retry:`).
const DEFAULT_RETRY_MS: u64 = 1000;
/// The longest wait before a reconnect, whatever the server asked.
const MAX_RETRY_MS: u64 = 5000;

/// How one connection of an event stream ended.
enum StreamEnd {
    /// The server ended it.
    Ended,
    /// Every row held; the client closed it.
    Settled,
    /// Read failed (its error is in the outcome).
    Failed,
}

/// Reads a Server-Sent Events stream: the raw text kept as the body (up to the cap; set when
/// the stream ends, not when the timeout cuts it), each
/// event decoded into `outcome.events`, until every row holds (the client then closes it) or
/// an event is over the cap. When the server ends the stream while rows still wait, it is
/// opened again as a browser's `EventSource` would (after the server's `retry:` or a second,
/// with `Last-Event-ID`), at most [`MAX_RECONNECTS`] times; a status other than 200 or a
/// response that is not a stream stops it. The caller's timeout ends a stream that does
/// neither.
async fn read_events(
    client: &HttpClient,
    spec: &SessionSpec,
    http: &HttpRequestSpec,
    mut exchange: Exchange,
    outcome: &mut HttpOutcome,
    (progress, record): (Progress<'_>, Recorder<'_>),
) {
    let keep = http.options.max_response_size;
    let mut stream = StreamState {
        decoder: SseDecoder::new(usize::try_from(keep).unwrap_or(usize::MAX)),
        body: BodyRead::default(),
        kept: Vec::new(),
        started: Instant::now(),
    };
    let mut reconnects = 0;
    let mut sent_id: Option<String> = None;
    loop {
        let end = read_stream(
            &mut exchange,
            &mut stream,
            http,
            outcome,
            &mut *progress,
            &mut *record,
        )
        .await;
        let decoder = &stream.decoder;
        if !matches!(end, StreamEnd::Ended)
            || http.checks.is_empty()
            || reconnects >= MAX_RECONNECTS
        {
            break;
        }
        let wait = decoder
            .retry()
            .unwrap_or(DEFAULT_RETRY_MS)
            .min(MAX_RETRY_MS);
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        let mut again = spec.clone();
        again
            .headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("last-event-id"));
        sent_id = decoder.last_id().map(str::to_string);
        if let Some(id) = &sent_id {
            again.headers.push(("Last-Event-ID".into(), id.clone()));
        }
        match client.send(&again, http).await {
            Ok(next) if next.head.status == 200 && next.head.is_event_stream() => {
                record(Wire::Head(&next.request, &next.head));
                reconnects += 1;
                exchange = next;
            }
            Ok(next) => {
                outcome.notes.push(format!(
                    "reconnecting to the event stream got {} {}, not a stream; stopped",
                    next.head.status, next.head.reason
                ));
                break;
            }
            Err(failure) => {
                outcome.notes.push(format!(
                    "reconnecting to the event stream failed: {}",
                    failure.message
                ));
                break;
            }
        }
    }
    if reconnects > 0 {
        outcome.notes.push(format!(
            "the event stream was opened again {} (the last with Last-Event-ID: {})",
            void_syntax::vocab::count(reconnects as usize, "time", "times"),
            sent_id.as_deref().unwrap_or("none")
        ));
    }
    stream.body.bytes = Bytes::from(stream.kept);
    outcome.body = Some(stream.body);
}

/// What reading an event stream keeps across its connections.
struct StreamState {
    decoder: SseDecoder,
    body: BodyRead,
    /// The raw text kept, up to the cap.
    kept: Vec<u8>,
    started: Instant,
}

/// Reads one connection of an event stream into the outcome, until it ends, fails, or every
/// row holds.
async fn read_stream<'p, 'r>(
    exchange: &mut Exchange,
    stream: &mut StreamState,
    http: &HttpRequestSpec,
    outcome: &mut HttpOutcome,
    progress: &mut (dyn FnMut(&HttpOutcome) + Send + 'p),
    record: &mut (dyn FnMut(Wire<'_>) + Send + 'r),
) -> StreamEnd {
    let StreamState {
        decoder,
        body,
        kept,
        started,
    } = stream;
    let started = *started;
    let keep = http.options.max_response_size;
    while let Some(chunk) = exchange.next_chunk().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                outcome.error = Some(e);
                return StreamEnd::Failed;
            }
        };
        record(Wire::Body(&chunk));
        body.size += chunk.len() as u64;
        let room = keep.saturating_sub(kept.len() as u64) as usize;
        body.cut |= room < chunk.len();
        kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
        let events = match decoder.feed(&chunk) {
            Ok(events) => events,
            Err(e) => {
                outcome.error = Some(e);
                return StreamEnd::Failed;
            }
        };
        if events.is_empty() {
            continue;
        }
        let room = MAX_EVENTS.saturating_sub(outcome.events.len());
        outcome.events.extend(events.into_iter().take(room));
        progress(outcome);
        if !http.checks.is_empty() && all_rows_hold(exchange, http, outcome, started) {
            outcome.notes.push(format!(
                "the event stream was closed by the client once every row held, after {}",
                void_syntax::vocab::count(outcome.events.len(), "event", "events")
            ));
            return StreamEnd::Settled;
        }
    }
    StreamEnd::Ended
}

/// Whether every row holds on the events so far. The rows read the events as they are kept
/// (decoded text), building a value only for the events a row reads: a stream is checked
/// after every piece that brings events, so work on every event each time grew with the
/// square of the stream's length.
fn all_rows_hold(
    exchange: &Exchange,
    http: &HttpRequestSpec,
    outcome: &HttpOutcome,
    started: Instant,
) -> bool {
    checks::evaluate(
        &http.checks,
        &Response {
            head: &exchange.head,
            body: &serde_json::Value::Null,
            time_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            request: &exchange.request,
            events: Some(&outcome.events),
        },
    )
    .iter()
    .all(|r| r.outcome == Outcome::Pass)
}

/// The rows and captures, read on the response; with no response every row fails with the
/// error and nothing is captured.
fn judge(outcome: &mut HttpOutcome, http: &HttpRequestSpec) {
    let (Some(head), Some(request)) = (&outcome.head, &outcome.request) else {
        let why = outcome
            .error
            .clone()
            .unwrap_or_else(|| "no response".into());
        outcome.checks = http
            .checks
            .iter()
            .enumerate()
            .map(|(index, c)| AssertionResult {
                index,
                description: c.description.clone(),
                field: c.field.clone(),
                operator: c.operator_text.clone(),
                expected: c.expected.clone(),
                outcome: Outcome::Fail,
                actual: None,
                message: why.clone(),
            })
            .collect();
        return;
    };
    let bytes = outcome
        .body
        .as_ref()
        .map(|b| b.bytes.clone())
        .unwrap_or_default();
    let events = head.is_event_stream().then_some(outcome.events.as_slice());
    // On a stream the rows read the events as kept; captures read the list as one value,
    // built only when there are captures.
    let body = match events {
        Some(list) if !http.captures.is_empty() => checks::events_value(list),
        Some(_) => serde_json::Value::Null,
        None => checks::body_value(&bytes),
    };
    let time_ms = u64::try_from(outcome.total.as_millis()).unwrap_or(u64::MAX);
    outcome.checks = checks::evaluate(
        &http.checks,
        &Response {
            head,
            body: &body,
            time_ms,
            request,
            events,
        },
    );
    outcome.captured = capture::capture(
        &http.captures,
        &Exchanged {
            request,
            head,
            body: &body,
            time_ms,
            size: outcome.body.as_ref().map_or(0, |b| b.size),
        },
    );
}

/// Secrets out of everything shown: the request (URL, headers, body), the error, the rows'
/// values. Captured values stay clear (later sections use them); whoever shows one masks it
/// ([`Captured::secret`], and the section's secrets).
fn mask(outcome: &mut HttpOutcome, secrets: &[String]) {
    let masker = Masker::new(secrets);
    let m = |s: &mut String| *s = masker.mask(s).into_owned();
    if let Some(request) = &mut outcome.request {
        m(&mut request.url);
        m(&mut request.body);
        for (_, v) in &mut request.headers {
            m(v);
        }
    }
    for hop in &mut outcome.hops {
        m(&mut hop.from);
        m(&mut hop.to);
    }
    if let Some(e) = &mut outcome.error {
        m(e);
    }
    for row in &mut outcome.checks {
        m(&mut row.expected);
        m(&mut row.message);
        if let Some(a) = &mut row.actual {
            m(a);
        }
    }
}
