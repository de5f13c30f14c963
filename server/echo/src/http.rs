//! The embedded server's plain HTTP side: a request that is not a WebSocket upgrade is served
//! here, on the same port, so the HTTP, GraphQL and Server-Sent Events examples, the
//! demo and the HTTP benchmarks run with no outside server.
//!
//! HTTP/1.1 with keep-alive (HTTP/1.0 and `Connection: close` end the connection after the
//! answer); request bodies by `Content-Length` only (a chunked request body is answered 411 in
//! words). Routes:
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/items/<n>` | `{"id": n, "name": "item n"}` |
//! | any method `/api/echo` (and `/`, `/form`, `/post`, the paths the app's sample project calls on public echo services) | what it received, in JSON: `method`, `path`, `query`, `headers` (names lower-cased), `body` (text) and `json` (the body parsed, when it is JSON) |
//! | `POST /api/login` | a JSON body `{"user": U, "password": "s3cret"}` gets `{"token": "tok-U", "user": {"name": U}}`; anything else 401 |
//! | `GET /api/me` | `Authorization: Bearer tok-U` gets `{"user": U}`; anything else 401 |
//! | `GET /events?count=N&every_ms=D` | `text/event-stream`: events `tick` with ids 1..N and data `{"n": i}` (N 5 by default, at most 1,000,000), D ms apart (0 by default, at most 10,000), then the end of the stream; a `Last-Event-ID` resumes after that id |
//! | `POST /graphql` (`{query, variables, operationName}`), `GET /graphql?query=...` | GraphQL queries and mutations on the demo schema (the `graphql` module): `{data}` or `{errors: [{message, locations}]}` |
//! | `/status/NNN` | status NNN with a JSON body saying so |
//!
//! Anything else is 404 in JSON. Like the WebSocket routes it trusts nothing it receives and
//! keeps no state between requests.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};

/// The largest request head read (larger: 431).
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body read (larger: 413).
const MAX_BODY: usize = 16 << 20;
/// The most events one `/events` stream sends.
const MAX_EVENTS: u64 = 1_000_000;

/// A parsed request head.
#[derive(Debug)]
pub(crate) struct Head {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// HTTP/1.0: the connection ends after the answer unless it asks to be kept.
    http10: bool,
    /// Names lower-cased, in order.
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// A WebSocket opening handshake (`Upgrade: websocket`).
    pub fn is_websocket_upgrade(&self) -> bool {
        self.header_has_token("upgrade", "websocket")
    }

    fn keep_alive(&self) -> bool {
        if self.header_has_token("connection", "close") {
            return false;
        }
        !self.http10 || self.header_has_token("connection", "keep-alive")
    }

    fn path_and_query(&self) -> (&str, &str) {
        self.target.split_once('?').unwrap_or((&self.target, ""))
    }
}

/// Reads from `stream` into `buf` until `buf` holds a whole request head; its length (the
/// bytes after it are the start of the body or of the next request). `None` when the peer
/// left first, the head is over [`MAX_HEAD`], or the bytes cannot start a request (a TLS
/// hello sent to the plain server is dropped at once, as the WebSocket handshake did).
pub(crate) async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> Option<usize> {
    let mut searched: usize = 0;
    loop {
        if let Some(at) = find_blank_line(&buf[searched.saturating_sub(3)..]) {
            return Some(searched.saturating_sub(3) + at + 4);
        }
        searched = buf.len();
        if buf.len() > MAX_HEAD || !could_start_request(buf) {
            return None;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Whether `bytes` can be the start of a request line: a method of capital letters, then a
/// space.
fn could_start_request(bytes: &[u8]) -> bool {
    let method = bytes.iter().take_while(|b| b.is_ascii_uppercase()).count();
    match bytes.get(method) {
        None => method == bytes.len(),
        Some(b' ') => method > 0,
        Some(_) => false,
    }
}

fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Parses a request head (`head` ends with the blank line); `None` when it is not HTTP/1.x.
pub(crate) fn parse_head(head: &[u8]) -> Option<Head> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let version = request_line.next()?;
    if method.is_empty() || !target.starts_with('/') || !version.starts_with("HTTP/1.") {
        return None;
    }
    let headers = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Head {
        method,
        target,
        http10: version == "HTTP/1.0",
        headers,
    })
}

/// Serves plain HTTP requests on a connection whose first head (`head`, taken from the first
/// `head_len` bytes of `buf`) is already read, until the peer leaves or a request ends it.
pub(crate) async fn serve<S>(
    stream: S,
    mut buf: Vec<u8>,
    mut head_len: usize,
    peer: SocketAddr,
    verbose: bool,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut stream = BufWriter::new(stream);
    loop {
        let Some(head) = parse_head(&buf[..head_len]) else {
            let _ = respond(
                &mut stream,
                400,
                &json!({"error": "not an HTTP/1.x request"}),
                false,
            )
            .await;
            return;
        };
        buf.drain(..head_len);
        if verbose {
            eprintln!("{peer} HTTP {} {}", head.method, head.target);
        }
        let body = match read_body(&mut stream, &head, &mut buf).await {
            Ok(body) => body,
            Err((status, why)) => {
                let _ = respond(&mut stream, status, &json!({"error": why}), false).await;
                return;
            }
        };
        let keep_alive = head.keep_alive();
        if !matches!(
            answer(&mut stream, &head, &body, keep_alive).await,
            Ok(true)
        ) {
            let _ = stream.shutdown().await;
            return;
        }
        head_len = match read_head(stream.get_mut(), &mut buf).await {
            Some(n) => n,
            None => return,
        };
    }
}

/// The request body (`Content-Length` bytes, some already in `buf`), taken out of `buf`.
async fn read_body<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufWriter<S>,
    head: &Head,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, (u16, String)> {
    if head.header_has_token("transfer-encoding", "chunked") {
        return Err((
            411,
            "a chunked request body is not read here: send a Content-Length".into(),
        ));
    }
    let length = match head.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| (400, format!("Content-Length {v:?} is not a number")))?,
    };
    if length > MAX_BODY {
        return Err((413, format!("a body of {length} bytes is over {MAX_BODY}")));
    }
    while buf.len() < length {
        let mut chunk = vec![0u8; (length - buf.len()).min(64 * 1024)];
        let n = stream.get_mut().read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return Err((400, "the body ended before its Content-Length".into()));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(buf.drain(..length).collect())
}

/// Answers one request by its route; whether the connection goes on.
async fn answer<S: AsyncWrite + Unpin>(
    stream: &mut BufWriter<S>,
    head: &Head,
    body: &[u8],
    keep_alive: bool,
) -> std::io::Result<bool> {
    let (path, query) = head.path_and_query();
    let method = head.method.as_str();
    if path == "/events" && method == "GET" {
        events(stream, head, query).await?;
        return Ok(false);
    }
    let (status, value) = route(method, path, query, head, body);
    respond(stream, status, &value, keep_alive).await?;
    Ok(keep_alive)
}

/// The JSON answer of every route but `/events`.
fn route(method: &str, path: &str, query: &str, head: &Head, body: &[u8]) -> (u16, Value) {
    if let Some(n) = path.strip_prefix("/api/items/") {
        return match (method, n.parse::<u64>()) {
            ("GET", Ok(n)) => (200, json!({"id": n, "name": format!("item {n}")})),
            ("GET", Err(_)) => (404, json!({"error": format!("no item {n:?}")})),
            _ => method_not_allowed(method, path),
        };
    }
    if let Some(code) = path.strip_prefix("/status/") {
        return match code.parse::<u16>() {
            Ok(code @ 200..=599) => (code, json!({"status": code})),
            _ => (404, json!({"error": format!("no status {code:?}")})),
        };
    }
    match path {
        // `/`, `/form` and `/post`: the paths the app's sample project calls on public echo
        // services, so a test can stand in for them.
        "/api/echo" | "/" | "/form" | "/post" => (200, echoed(method, path, query, head, body)),
        "/api/login" if method == "POST" => login(body),
        "/graphql" => crate::graphql::over_http(method, query, body),
        "/api/me" if method == "GET" => me(head),
        "/api/login" | "/api/me" => method_not_allowed(method, path),
        _ => (404, json!({"error": format!("no route {path}")})),
    }
}

fn method_not_allowed(method: &str, path: &str) -> (u16, Value) {
    (
        405,
        json!({"error": format!("{method} is not served on {path}")}),
    )
}

fn echoed(method: &str, path: &str, query: &str, head: &Head, body: &[u8]) -> Value {
    let query: serde_json::Map<String, Value> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                crate::routes::percent_decode(k),
                Value::from(crate::routes::percent_decode(v)),
            )
        })
        .collect();
    let headers: serde_json::Map<String, Value> = head
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    let text = String::from_utf8_lossy(body);
    let mut seen = json!({
        "method": method, "path": path, "query": query, "headers": headers, "body": text,
    });
    if let Ok(parsed) = serde_json::from_slice::<Value>(body) {
        seen["json"] = parsed;
    }
    seen
}

fn login(body: &[u8]) -> (u16, Value) {
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match (parsed["user"].as_str(), parsed["password"].as_str()) {
        (Some(user), Some("s3cret")) if !user.is_empty() => (
            200,
            json!({"token": format!("tok-{user}"), "user": {"name": user}}),
        ),
        _ => (
            401,
            json!({"error": "bad credentials: send {\"user\": NAME, \"password\": \"s3cret\"}"}),
        ),
    }
}

fn me(head: &Head) -> (u16, Value) {
    match head
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer tok-"))
    {
        Some(user) if !user.is_empty() => (200, json!({"user": user})),
        _ => (
            401,
            json!({"error": "no token: log in at /api/login first"}),
        ),
    }
}

/// Writes a JSON answer.
async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut BufWriter<S>,
    status: u16,
    value: &Value,
    keep_alive: bool,
) -> std::io::Result<()> {
    let body = value.to_string();
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        reason(status),
        body.len()
    );
    if !keep_alive {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.flush().await
}

/// `/events`: a finite Server-Sent Events stream, ended by closing the connection.
async fn events<S: AsyncWrite + Unpin>(
    stream: &mut BufWriter<S>,
    head: &Head,
    query: &str,
) -> std::io::Result<()> {
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let count = param("count").unwrap_or(5).min(MAX_EVENTS);
    let every = Duration::from_millis(param("every_ms").unwrap_or(0).min(10_000));
    let after = head
        .header("last-event-id")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    stream
        .write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
        )
        .await?;
    stream.flush().await?;
    let mut text = String::new();
    for n in after + 1..=count {
        text.clear();
        let _ = write!(text, "id: {n}\nevent: tick\ndata: {{\"n\": {n}}}\n\n");
        stream.write_all(text.as_bytes()).await?;
        if !every.is_zero() {
            stream.flush().await?;
            tokio::time::sleep(every).await;
        }
    }
    stream.flush().await?;
    stream.shutdown().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Head {
        parse_head(text.as_bytes()).expect("a request head")
    }

    #[test]
    fn heads_parse_and_say_upgrade_and_keep_alive() {
        let h = head(
            "GET /api/items/3?x=1 HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n",
        );
        assert_eq!(h.method, "GET");
        assert_eq!(h.path_and_query(), ("/api/items/3", "x=1"));
        assert!(h.is_websocket_upgrade());
        assert!(h.keep_alive());
        assert!(!head("GET / HTTP/1.0\r\n\r\n").keep_alive());
        assert!(!head("GET / HTTP/1.1\r\nconnection: close\r\n\r\n").keep_alive());
        assert!(parse_head(b"\x16\x03\x01 hello\r\n\r\n").is_none());
        assert!(parse_head(b"GET nowhere HTTP/1.1\r\n\r\n").is_none());
        assert!(could_start_request(b"GET / HT"));
        assert!(could_start_request(b"POS"));
        assert!(!could_start_request(b"\x16\x03\x01\x02"));
        assert!(!could_start_request(b" GET"));
    }

    #[test]
    fn routes_answer_in_json() {
        let h = head("GET / HTTP/1.1\r\nAuthorization: Bearer tok-ada\r\n\r\n");
        assert_eq!(
            route("GET", "/api/items/7", "", &h, b"").1["name"],
            "item 7"
        );
        assert_eq!(route("GET", "/api/items/x", "", &h, b"").0, 404);
        assert_eq!(route("DELETE", "/api/items/7", "", &h, b"").0, 405);
        assert_eq!(route("GET", "/status/503", "", &h, b"").0, 503);
        assert_eq!(route("GET", "/api/me", "", &h, b"").1["user"], "ada");
        let (status, token) = route(
            "POST",
            "/api/login",
            "",
            &h,
            br#"{"user":"ada","password":"s3cret"}"#,
        );
        assert_eq!((status, token["token"].as_str()), (200, Some("tok-ada")));
        assert_eq!(route("POST", "/api/login", "", &h, b"{}").0, 401);
        let echo = route("POST", "/api/echo", "a=b%20c", &h, br#"{"k":1}"#).1;
        assert_eq!(echo["query"]["a"], "b c");
        assert_eq!(echo["json"]["k"], 1);
        assert_eq!(echo["headers"]["authorization"], "Bearer tok-ada");
        assert_eq!(route("GET", "/nowhere", "", &h, b"").0, 404);
    }
}
