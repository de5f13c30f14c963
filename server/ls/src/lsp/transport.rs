//! JSON-RPC over a byte stream (stdio, or an in-memory pipe in tests): `Content-Length` framing,
//! and the loop that feeds the service.
//!
//! tower-lsp-server ships a transport, but its framed reader ends the stream on the first body
//! that is not a JSON-RPC message, so one malformed message would shut the server down. This
//! loop answers such input with the JSON-RPC error it deserves (`-32700` parse error or
//! `-32600` invalid request, `id: null` when none can be read) and keeps reading. It also bounds
//! the message size, and it never reorders: messages are handed to the service one by one in
//! arrival order ([`super::ordering`] relies on that), and each returned future is spawned, so a
//! slow request never holds up the next message.
//!
//! The framing resynchronises after a bad frame ([`FrameReader`]): a missing or non-numeric
//! `Content-Length`, or one that is too short or too long for its body, costs that one message,
//! never the ones after it. Whatever is skipped is said, in a `-32700` error and the log.
//!
//! It must not interpret LSP methods beyond `shutdown` (noted, so an `exit` without it ends the
//! process with code 1, as LSP says) and `exit` (which ends the loop).

use std::future::poll_fn;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower::Service;
use tower_lsp_server::ClientSocket;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Largest message body accepted (a bigger one is answered with an error and skipped).
pub const MAX_MESSAGE_BYTES: usize = 512 * 1024 * 1024;

/// What a service answers a request with, as the bytes of the message body.
pub trait Answer: Send + 'static {
    fn body(&self) -> serde_json::Result<Vec<u8>>;
}

impl Answer for Response {
    fn body(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }
}

/// Serves `service` on `input`/`output` until `exit`, end of input, or the service stops.
pub async fn serve<S, A, I, O>(mut service: S, socket: ClientSocket, input: I, output: O) -> Ending
where
    S: Service<Request, Response = Option<A>>,
    S::Future: Send + 'static,
    A: Answer,
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (mut client_requests, mut client_responses) = socket.split();
    let (out, out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let writer = tokio::spawn(write_loop(output, out_rx));
    let forward_out = out.clone();
    let forwarder = tokio::spawn(async move {
        while let Some(request) = client_requests.next().await {
            match serde_json::to_vec(&request) {
                Ok(body) => {
                    if forward_out.send(body).is_err() {
                        break;
                    }
                }
                Err(e) => tracing::error!("cannot serialize a request to the client: {e}"),
            }
        }
    });

    let mut reader = FrameReader::new(input);
    let mut shutdown_requested = false;
    let mut ending = Ending::EndOfInput;
    loop {
        let body = match reader.next().await {
            Ok(Some(Frame::Body(body))) => body,
            Ok(None) => break,
            Err(e) => {
                tracing::error!("reading from the client failed: {e}");
                break;
            }
            Ok(Some(Frame::Skipped(message))) => {
                tracing::warn!("{message}");
                send_error(&out, Value::Null, -32700, &message);
                continue;
            }
        };
        let value: Value = match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(e) => {
                tracing::warn!("message is not JSON: {e}");
                send_error(
                    &out,
                    Value::Null,
                    -32700,
                    &format!("parse error: the message is not JSON ({e})"),
                );
                continue;
            }
        };
        let id = value.get("id").cloned().unwrap_or(Value::Null);
        if value.get("method").is_some() {
            let request = match serde_json::from_value::<Request>(value) {
                Ok(request) => request,
                Err(e) => {
                    send_error(&out, id, -32600, &format!("invalid request: {e}"));
                    continue;
                }
            };
            let will_exit = request.method() == "exit";
            if will_exit {
                ending = if shutdown_requested {
                    Ending::Exit
                } else {
                    Ending::ExitWithoutShutdown
                };
            }
            shutdown_requested |= request.method() == "shutdown";
            if !ready(&mut service).await {
                break;
            }
            let future = service.call(request);
            let response_out = out.clone();
            tokio::spawn(async move {
                if let Ok(Some(response)) = future.await {
                    match response.body() {
                        Ok(body) => {
                            let _ = response_out.send(body);
                        }
                        Err(e) => tracing::error!("cannot serialize a response: {e}"),
                    }
                }
            });
            if will_exit {
                break;
            }
        } else if value.get("id").is_some()
            && (value.get("result").is_some() || value.get("error").is_some())
        {
            match serde_json::from_value::<Response>(value) {
                Ok(response) => {
                    if client_responses.send(response).await.is_err() {
                        break;
                    }
                }
                Err(e) => tracing::warn!("ignoring a malformed response from the client: {e}"),
            }
        } else {
            send_error(
                &out,
                id,
                -32600,
                "invalid request: a JSON-RPC message needs `method` (request or notification) or `id` with `result`/`error` (response)",
            );
        }
    }
    forwarder.abort();
    drop(out);
    // Let answers already computed (the `shutdown` response, say) reach the client.
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    ending
}

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown`: exit code 0.
    Exit,
    /// `exit` without `shutdown` first: exit code 1 (LSP).
    ExitWithoutShutdown,
    /// The client closed the stream.
    EndOfInput,
}

impl Ending {
    /// The process exit code LSP asks for.
    pub fn exit_code(self) -> u8 {
        match self {
            Ending::ExitWithoutShutdown => 1,
            Ending::Exit | Ending::EndOfInput => 0,
        }
    }
}

/// Waits until the service takes a message; `false` once it has exited.
async fn ready<S: Service<Request>>(service: &mut S) -> bool {
    loop {
        // The service is not ready while `initialize` runs and does not wake the caller then,
        // so poll again shortly instead of waiting for a wake-up.
        let poll = poll_fn(|cx| std::task::Poll::Ready(service.poll_ready(cx))).await;
        match poll {
            std::task::Poll::Ready(Ok(())) => return true,
            std::task::Poll::Ready(Err(_)) => return false,
            std::task::Poll::Pending => tokio::time::sleep(Duration::from_millis(1)).await,
        }
    }
}

fn send_error(out: &mpsc::UnboundedSender<Vec<u8>>, id: Value, code: i64, message: &str) {
    let id = if id.is_string() || id.is_number() {
        id
    } else {
        Value::Null
    };
    let body = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } });
    let _ = out.send(body.to_string().into_bytes());
}

async fn write_loop<O: AsyncWrite + Unpin>(
    mut output: O,
    mut bodies: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    while let Some(body) = bodies.recv().await {
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        let written = async {
            output.write_all(header.as_bytes()).await?;
            output.write_all(&body).await?;
            // Flush only when nothing else is queued, so bursts go out in one write.
            if bodies.is_empty() {
                output.flush().await?;
            }
            std::io::Result::Ok(())
        };
        if let Err(e) = written.await {
            tracing::error!("writing to the client failed: {e}");
            return;
        }
    }
    let _ = output.flush().await;
}

/// One thing read from the stream.
enum Frame {
    /// A message body, as the header framed it (it may still not be JSON).
    Body(Vec<u8>),
    /// Bytes that were skipped to find the next message, or a header that could not be used;
    /// the text says what and why.
    Skipped(String),
}

/// The header name that starts every message (matched without regard to case).
const CONTENT_LENGTH: &[u8] = b"content-length:";
/// The longest header block read before the bytes are treated as not a header at all.
const MAX_HEADER_BYTES: usize = 8 * 1024;
/// How long a body that is already complete JSON waits for the rest of a `Content-Length` that
/// is too long, before it is taken as the message.
const OVERLONG_WAIT: Duration = Duration::from_millis(300);
/// How much is read from the stream at a time, and the buffer's size between messages.
const READ_CHUNK: usize = 64 * 1024;
/// The most buffer reserved at once for a declared body (a longer body grows it as it comes),
/// so a wrong huge `Content-Length` reserves no more than this.
const MAX_RESERVE: usize = 64 * 1024 * 1024;
/// A body at least this long that ends the buffer is handed on in the buffer itself instead of
/// copied out of it, and the reader starts a new buffer of [`READ_CHUNK`]: a 1 MB `didOpen` is
/// neither copied a second time nor keeps its buffer's memory for the life of the process.
const HAND_OVER_BODY: usize = 4 * READ_CHUNK;

/// `Content-Length` framing over a byte stream, with resynchronisation.
///
/// - A header block is the bytes up to the first blank line. Every line in it must be a
///   `Name: value` header; anything else before a header is skipped up to the next
///   `Content-Length:` (said as [`Frame::Skipped`]).
/// - A header without a valid `Content-Length` is skipped with what follows it, up to the
///   next `Content-Length:` header.
/// - A body of the declared length that is not JSON but holds complete JSON followed by the
///   next message's header had a `Content-Length` that was too long: the JSON is the message
///   and the next message is read from its header. When the stream pauses with complete JSON
///   and fewer bytes than declared, that JSON is taken too (the client waits for an answer).
/// - A body that is too short is handed on as it is (the service answers `-32700`), and its
///   remaining bytes are skipped before the next header.
struct FrameReader<R> {
    input: R,
    /// What one read fills ([`READ_CHUNK`] bytes).
    chunk: Box<[u8]>,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    start: usize,
    eof: bool,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(input: R) -> Self {
        FrameReader {
            input,
            chunk: vec![0; READ_CHUNK].into_boxed_slice(),
            buf: Vec::with_capacity(READ_CHUNK),
            start: 0,
            eof: false,
        }
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
            // The room a large message needed is given back once it is read.
            if self.buf.capacity() > HAND_OVER_BODY {
                self.buf = Vec::with_capacity(READ_CHUNK);
            }
        }
    }

    /// Reads more input; `false` at the end of the stream.
    async fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        // At most READ_CHUNK at a time (a larger read makes the stream's own buffer as large,
        // and it keeps it), appended into the room a body reserved, if any.
        let n = self.input.read(&mut self.chunk).await?;
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.buf.extend_from_slice(&self.chunk[..n]);
        Ok(true)
    }

    /// The next frame; `None` at a clean end of input.
    async fn next(&mut self) -> std::io::Result<Option<Frame>> {
        loop {
            // Blank lines between messages are not worth a word.
            let blank = self
                .pending()
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            self.consume(blank);
            if self.pending().is_empty() {
                if self.fill().await? {
                    continue;
                }
                return Ok(None);
            }
            let Some((head_len, body_at)) = header_end(self.pending()) else {
                if self.pending().len() < MAX_HEADER_BYTES && self.fill().await? {
                    continue;
                }
                return self.resync("no header block (a blank line ends one)").await;
            };
            let head = &self.pending()[..head_len];
            if !head.split(|&b| b == b'\n').all(is_header_line) {
                return self
                    .resync("they were not a message header (Content-Length: N, then a blank line)")
                    .await;
            }
            let length = match content_length(head) {
                Ok(length) => length,
                Err(why) => {
                    self.consume(body_at);
                    // Its body, of unknown length, is skipped with the bytes before the next
                    // header (the next call finds it not to be a header).
                    return Ok(Some(Frame::Skipped(format!(
                        "{why}; the header was skipped, and so is its body, up to the next Content-Length header"
                    ))));
                }
            };
            if length > MAX_MESSAGE_BYTES {
                // Never read that much: its bytes are skipped like junk, up to the next header
                // (so a wrong huge length cannot swallow the messages after it).
                self.consume(body_at);
                return Ok(Some(Frame::Skipped(format!(
                    "a message of {length} bytes is larger than the {MAX_MESSAGE_BYTES}-byte limit; its header was skipped, and so is its body, up to the next Content-Length header"
                ))));
            }
            return self.body(body_at, length).await.map(Some);
        }
    }

    /// The body after a header of `body_at` bytes declaring `length` bytes. Every byte is
    /// looked at a bounded number of times, so a 50 MB message costs no more than reading it.
    async fn body(&mut self, body_at: usize, length: usize) -> std::io::Result<Frame> {
        // Room for the whole body at once (up to MAX_RESERVE), not grown in doublings.
        let missing = (body_at + length).saturating_sub(self.pending().len());
        self.buf.reserve_exact(missing.min(MAX_RESERVE));
        // How much of the body region was searched for a next header already, and whether one
        // was found there.
        let mut scanned = 0usize;
        let mut header_seen = false;
        loop {
            let available = self.pending().len() - body_at;
            if available >= length {
                break;
            }
            // A header in what just arrived: the declared length may be too long.
            let from = body_at + scanned.saturating_sub(CONTENT_LENGTH.len());
            if find_header(&self.pending()[from..]).is_some() {
                header_seen = true;
                if let Some(json) = overlong_body(&self.pending()[body_at..], true) {
                    return Ok(self.take_overlong(body_at, json, length));
                }
            }
            scanned = available;
            match tokio::time::timeout(OVERLONG_WAIT, self.fill()).await {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => {
                    let available = &self.pending()[body_at..];
                    if let Some(json) = overlong_body(available, false) {
                        return Ok(self.take_overlong(body_at, json, length));
                    }
                    let got = available.len();
                    self.consume(body_at + got);
                    return Ok(Frame::Skipped(format!(
                        "the stream ended {got} bytes into a message whose Content-Length says {length}"
                    )));
                }
                Ok(Err(e)) => return Err(e),
                Err(_paused) => {
                    // The client stopped sending: if the message is complete JSON already, the
                    // declared length was too long and the client waits for an answer.
                    if let Some(json) = overlong_body(&self.pending()[body_at..], false) {
                        return Ok(self.take_overlong(body_at, json, length));
                    }
                }
            }
        }
        let body = &self.pending()[body_at..body_at + length];
        // Only what was not searched as it arrived is searched now.
        let unsearched = &body[scanned.saturating_sub(CONTENT_LENGTH.len())..];
        if (header_seen || find_header(unsearched).is_some())
            && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err()
            && let Some(json) = overlong_body(body, true)
        {
            return Ok(self.take_overlong(body_at, json, length));
        }
        let body_start = self.start + body_at;
        if length >= HAND_OVER_BODY && body_start + length == self.buf.len() {
            let mut body = std::mem::replace(&mut self.buf, Vec::with_capacity(READ_CHUNK));
            body.drain(..body_start);
            self.start = 0;
            return Ok(Frame::Body(body));
        }
        let body = body.to_vec();
        self.consume(body_at + length);
        Ok(Frame::Body(body))
    }

    /// Takes the first `json` bytes after the header as the message, whose header declared
    /// `declared` bytes; the next message is read from what follows.
    fn take_overlong(&mut self, body_at: usize, json: usize, declared: usize) -> Frame {
        let body = self.pending()[body_at..body_at + json].to_vec();
        self.consume(body_at + json);
        tracing::warn!(
            "a message's Content-Length says {declared} bytes but its JSON ends after {json}; read it and went on from there"
        );
        Frame::Body(body)
    }

    /// Skips to the next `Content-Length:` header (after at least one byte), saying why.
    async fn resync(&mut self, why: &str) -> std::io::Result<Option<Frame>> {
        let mut skipped = 0usize;
        loop {
            let pending = self.pending();
            if let Some(at) = find_header(&pending[1.min(pending.len())..]).map(|i| i + 1) {
                skipped += at;
                self.consume(at);
                break;
            }
            // Keep a tail that could be the start of a header split across reads.
            let keep = (CONTENT_LENGTH.len() - 1).min(pending.len());
            let drop = pending.len() - keep;
            skipped += drop;
            self.consume(drop);
            if !self.fill().await? {
                skipped += self.pending().len();
                let rest = self.pending().len();
                self.consume(rest);
                break;
            }
        }
        Ok(Some(Frame::Skipped(format!(
            "skipped {skipped} bytes because {why}; reading goes on at the next Content-Length header"
        ))))
    }
}

/// `(header length, body offset)` of the header block at the start of `bytes`: up to a blank
/// line (`\r\n\r\n` or `\n\n`), within [`MAX_HEADER_BYTES`].
fn header_end(bytes: &[u8]) -> Option<(usize, usize)> {
    let window = &bytes[..bytes.len().min(MAX_HEADER_BYTES)];
    let crlf = window.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = window.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(c), Some(l)) if l < c => Some((l, l + 2)),
        (Some(c), _) => Some((c, c + 4)),
        (None, Some(l)) => Some((l, l + 2)),
        (None, None) => None,
    }
}

/// Whether a line of a header block is a `Name: value` header.
fn is_header_line(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match line.iter().position(|&b| b == b':') {
        Some(colon) if colon > 0 => line[..colon]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(b)),
        _ => false,
    }
}

/// The `Content-Length` of a header block, or why it has none.
fn content_length(head: &[u8]) -> Result<usize, String> {
    let mut found = None;
    for line in head.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            found = Some(value.trim().to_string());
        }
    }
    match found {
        None => Err("a message header without Content-Length".into()),
        Some(value) => value
            .parse::<usize>()
            .map_err(|_| format!("a message header with an invalid Content-Length `{value}`")),
    }
}

/// Where the next `Content-Length:` header starts in `bytes`, at a line start or after junk.
fn find_header(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at + CONTENT_LENGTH.len() <= bytes.len() {
        // Only a `c` can start it: skip to the next one.
        let next = memchr::memchr2(b'c', b'C', &bytes[at..])?;
        at += next;
        if bytes.len() - at >= CONTENT_LENGTH.len()
            && bytes[at..at + CONTENT_LENGTH.len()].eq_ignore_ascii_case(CONTENT_LENGTH)
        {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// The length of the JSON value at the start of `bytes`, when it is complete and (with
/// `needs_next_header`) followed, after blank space, by the next message's header.
fn overlong_body(bytes: &[u8], needs_next_header: bool) -> Option<usize> {
    let mut values =
        serde_json::Deserializer::from_slice(bytes).into_iter::<serde::de::IgnoredAny>();
    values.next()?.ok()?;
    let end = values.byte_offset();
    let rest = &bytes[end..];
    let blank = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let after = &rest[blank..];
    if needs_next_header {
        (after.len() >= CONTENT_LENGTH.len()
            && after[..CONTENT_LENGTH.len()].eq_ignore_ascii_case(CONTENT_LENGTH))
        .then_some(end)
    } else {
        after.is_empty().then_some(end)
    }
}
