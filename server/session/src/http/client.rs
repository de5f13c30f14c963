//! HTTP/1.1 exchanges: one request, its redirects, and the response head, with the body read
//! as a stream (a Server-Sent Events stream is never read whole) or to its end with a cap.
//!
//! Byte streams come from the same [`Connector`] as WebSocket sessions, so proxies, TLS
//! verification (`insecure`, `caFile`, mutual TLS) and the words for a refused connection or a
//! failed certificate are exactly the WebSocket ones. hyper's HTTP/1.1 client connection does
//! the framing (chunked and fixed-length bodies, keep-alive); a connection whose response was
//! read to its end goes back to an idle list and the next request to the same origin with the
//! same transport settings reuses it.
//!
//! Redirects (`301`, `302`, `303`, `307`, `308`) are followed as browsers and the app do:
//! `303`, and `301`/`302` after a `POST`, become a `GET` without a body; `307`/`308` keep the
//! method and body; `Authorization`, `Cookie` and `Proxy-Authorization` are not sent to
//! another origin. Every hop is kept for the view.
//!
//! Errors are sentences ([`HttpFailure`]), never a library's debug text. No timeout is
//! applied here but `connectTimeout`; the caller bounds the whole exchange (`timeout`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper::header::{HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use url::Url;

use super::body::{self, EncodedBody};
use super::spec::HttpRequestSpec;
use crate::SessionSpec;
use crate::connect::{Connector, TransportOptions};
use crate::sync::Unpoisoned;

type Sender = http1::SendRequest<Full<Bytes>>;

/// Idle connections kept per origin and transport settings.
const IDLE_PER_ORIGIN: usize = 8;
/// Origins with idle connections kept at once.
const IDLE_ORIGINS: usize = 64;
/// The largest response head accepted.
const MAX_HEAD_BYTES: usize = 256 * 1024;

/// The request as it went out (unmasked: mask before showing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The body as a person reads it (the text, or one line per form field).
    pub body: String,
    pub body_size: usize,
}

/// The status line and headers of a response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHead {
    /// `HTTP/1.1`, `HTTP/1.0`.
    pub version: String,
    pub status: u16,
    /// The reason phrase the server sent (the standard one when it sent none).
    pub reason: String,
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    /// The first header of that name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type, lower case, without parameters (`application/json`).
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// Whether the body is a Server-Sent Events stream.
    pub fn is_event_stream(&self) -> bool {
        self.media_type().as_deref() == Some("text/event-stream")
    }
}

/// One redirect that was followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub status: u16,
    pub reason: String,
    /// The URL that answered with the redirect.
    pub from: String,
    /// Where it pointed, resolved.
    pub to: String,
}

/// How long the parts of the exchange took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timing {
    /// Opening the connection(s) (TCP, proxy, TLS); `None` when every hop reused one.
    pub connect: Option<Duration>,
    /// From the start to the last response head.
    pub first_byte: Duration,
}

/// A failed exchange, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpFailure {
    pub message: String,
    /// Whether the request was sent (the failure came after it).
    pub sent: Option<SentRequest>,
    /// Redirects followed before the failure.
    pub hops: Vec<Hop>,
}

impl HttpFailure {
    fn new(message: impl Into<String>) -> Self {
        HttpFailure {
            message: message.into(),
            sent: None,
            hops: Vec::new(),
        }
    }
}

/// A response whose head is in and whose body can be read.
pub struct Exchange {
    pub request: SentRequest,
    pub head: ResponseHead,
    pub hops: Vec<Hop>,
    pub timing: Timing,
    body: Incoming,
    /// Where the connection goes back once the body is read to its end.
    reuse: Option<(Arc<Pool>, String, Sender)>,
    finished: bool,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("request", &self.request)
            .field("head", &self.head)
            .field("hops", &self.hops)
            .finish_non_exhaustive()
    }
}

/// What reading a body to its end gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyRead {
    /// The body, at most the cap.
    pub bytes: Bytes,
    /// Bytes the server sent in all.
    pub size: u64,
    /// Whether `bytes` is cut at the cap.
    pub cut: bool,
}

impl Exchange {
    /// The next piece of the body; `None` at its end. An error is in words.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, String>> {
        if self.finished {
            return None;
        }
        loop {
            match self.body.frame().await {
                None => {
                    self.finished = true;
                    if let Some((pool, key, sender)) = self.reuse.take() {
                        pool.put(key, sender);
                    }
                    return None;
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && !data.is_empty()
                    {
                        return Some(Ok(data));
                    }
                }
                Some(Err(e)) => {
                    self.finished = true;
                    self.reuse = None;
                    return Some(Err(describe_hyper_error(&e, "while reading the body")));
                }
            }
        }
    }

    /// Reads the body to its end, keeping at most `keep` bytes and handing every piece to
    /// `each` (the transcript keeps the body whole).
    pub async fn read_to_end(
        &mut self,
        keep: u64,
        mut each: impl FnMut(&[u8]),
    ) -> Result<BodyRead, String> {
        let mut kept = Vec::new();
        let mut size = 0u64;
        let mut cut = false;
        while let Some(chunk) = self.next_chunk().await {
            let chunk = chunk?;
            each(&chunk);
            size += chunk.len() as u64;
            let room = keep.saturating_sub(kept.len() as u64) as usize;
            if room < chunk.len() {
                cut = true;
            }
            kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
        }
        Ok(BodyRead {
            bytes: Bytes::from(kept),
            size,
            cut,
        })
    }
}

/// Idle keep-alive connections, by origin and transport settings.
#[derive(Default)]
struct Pool {
    idle: Mutex<HashMap<String, Vec<Sender>>>,
}

impl Pool {
    fn take(&self, key: &str) -> Option<Sender> {
        let mut idle = self.idle.lock().unpoisoned();
        let list = idle.get_mut(key)?;
        let sender = list.pop();
        if list.is_empty() {
            idle.remove(key);
        }
        sender
    }

    fn put(&self, key: String, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unpoisoned();
        if !idle.contains_key(&key) && idle.len() >= IDLE_ORIGINS {
            // Forget another origin's connections rather than grow without bound.
            if let Some(other) = idle.keys().next().cloned() {
                idle.remove(&other);
            }
        }
        let list = idle.entry(key).or_default();
        if list.len() < IDLE_PER_ORIGIN {
            list.push(sender);
        }
    }
}

/// Sends HTTP requests, reusing idle connections. Cheap to clone; clones share the idle list.
#[derive(Clone)]
pub struct HttpClient {
    connector: Arc<dyn Connector>,
    pool: Arc<Pool>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

/// The request of one hop, ready to be built again for a retry.
struct Outgoing<'a> {
    method: &'a hyper::Method,
    url: &'a Url,
    headers: &'a [(String, String)],
    body: Bytes,
}

impl HttpClient {
    pub fn new(connector: Arc<dyn Connector>) -> Self {
        HttpClient {
            connector,
            pool: Arc::new(Pool::default()),
        }
    }

    /// Sends the request `spec` describes (its URL, headers and transport, and the HTTP part
    /// `http`), follows its redirects, and answers with the last response's head.
    pub async fn send(
        &self,
        spec: &SessionSpec,
        http: &HttpRequestSpec,
    ) -> Result<Exchange, HttpFailure> {
        let started = Instant::now();
        let encoded = body::encode(spec, &http.body)
            .await
            .map_err(HttpFailure::new)?;
        let mut url = parse_http_url(&spec.url).map_err(HttpFailure::new)?;
        let mut method = hyper::Method::from_bytes(http.method.trim().as_bytes())
            .map_err(|_| HttpFailure::new(format!("`{}` is not an HTTP method", http.method)))?;
        let mut headers = request_headers(&spec.headers, &encoded);
        let mut body_bytes = encoded.bytes.clone();
        let mut body_summary = encoded.summary.clone();
        let transport = spec.transport_options();
        let mut hops = Vec::new();
        let mut connect_total: Option<Duration> = None;
        loop {
            let sent = SentRequest {
                method: method.to_string(),
                url: url.to_string(),
                headers: with_defaults(&headers, &url, body_bytes.len(), &method),
                body: body_summary.clone(),
                body_size: body_bytes.len(),
            };
            let outgoing = Outgoing {
                method: &method,
                url: &url,
                headers: &sent.headers,
                body: body_bytes.clone(),
            };
            let (response, connect, reuse) = self
                .round_trip(&outgoing, &transport, spec.options.connect_timeout)
                .await
                .map_err(|message| HttpFailure {
                    message,
                    sent: Some(sent.clone()),
                    hops: hops.clone(),
                })?;
            if let Some(c) = connect {
                connect_total = Some(connect_total.unwrap_or_default() + c);
            }
            let head = response_head(&response);
            let next = match redirect_target(&head, &url) {
                Some(next) if http.options.follow_redirects => next,
                _ => {
                    return Ok(Exchange {
                        request: sent,
                        head,
                        hops,
                        timing: Timing {
                            connect: connect_total,
                            first_byte: started.elapsed(),
                        },
                        body: response.into_body(),
                        reuse: reuse.map(|(key, sender)| (Arc::clone(&self.pool), key, sender)),
                        finished: false,
                    });
                }
            };
            let next = next.map_err(|message| HttpFailure {
                message,
                sent: Some(sent.clone()),
                hops: hops.clone(),
            })?;
            hops.push(Hop {
                status: head.status,
                reason: head.reason.clone(),
                from: url.to_string(),
                to: next.to_string(),
            });
            if hops.len() as u64 > u64::from(http.options.max_redirects) {
                return Err(HttpFailure {
                    message: too_many_redirects(&hops, http.options.max_redirects),
                    sent: Some(sent),
                    hops,
                });
            }
            // The redirect's own body is read and dropped (bounded), so its connection can
            // serve the next hop.
            let mut exchange = Exchange {
                request: sent,
                head: head.clone(),
                hops: Vec::new(),
                timing: Timing::default(),
                body: response.into_body(),
                reuse: reuse.map(|(key, sender)| (Arc::clone(&self.pool), key, sender)),
                finished: false,
            };
            let _ = exchange.read_to_end(0, |_| {}).await;
            let becomes_get = head.status == 303
                || (matches!(head.status, 301 | 302) && method == hyper::Method::POST);
            if becomes_get {
                if method != hyper::Method::HEAD {
                    method = hyper::Method::GET;
                }
                body_bytes = Bytes::new();
                body_summary.clear();
                headers.retain(|(k, _)| {
                    !k.eq_ignore_ascii_case("content-type")
                        && !k.eq_ignore_ascii_case("content-length")
                });
            }
            if next.origin() != url.origin() {
                headers.retain(|(k, _)| {
                    !["authorization", "cookie", "proxy-authorization"]
                        .iter()
                        .any(|h| k.eq_ignore_ascii_case(h))
                });
            }
            url = next;
        }
    }

    /// One request on a reused or new connection. Returns the response, the time spent
    /// connecting (when a connection was opened), and the connection to give back.
    async fn round_trip(
        &self,
        outgoing: &Outgoing<'_>,
        transport: &TransportOptions,
        connect_timeout: Duration,
    ) -> Result<
        (
            hyper::Response<Incoming>,
            Option<Duration>,
            Option<(String, Sender)>,
        ),
        String,
    > {
        let key = pool_key(outgoing.url, transport);
        // An idle connection the server closed in the meantime fails before answering: then
        // the request goes out again on a new one.
        while let Some(mut sender) = self.pool.take(&key) {
            if sender.is_closed() || sender.ready().await.is_err() {
                continue;
            }
            let request = build_request(outgoing)?;
            match sender.send_request(request).await {
                Ok(response) => return Ok((response, None, Some((key, sender)))),
                Err(e) if e.is_canceled() || e.is_incomplete_message() || e.is_closed() => {
                    continue;
                }
                Err(e) => return Err(describe_hyper_error(&e, "")),
            }
        }
        let started = Instant::now();
        let stream = match tokio::time::timeout(
            connect_timeout,
            self.connector.connect(outgoing.url, transport),
        )
        .await
        {
            Ok(Ok(stream)) => stream,
            Ok(Err(message)) => return Err(message),
            Err(_) => {
                return Err(format!(
                    "timed out after {} while connecting (connectTimeout)",
                    void_syntax::vocab::human_seconds(connect_timeout)
                ));
            }
        };
        let (mut sender, connection) = http1::Builder::new()
            .max_buf_size(MAX_HEAD_BYTES.max(8192 + 1))
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| describe_hyper_error(&e, ""))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let connect = started.elapsed();
        let request = build_request(outgoing)?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| describe_hyper_error(&e, ""))?;
        Ok((response, Some(connect), Some((key, sender))))
    }
}

/// Checks the URL of an HTTP request: `http://` or `https://` with a host; a URL without a
/// scheme is taken as `http://` (as the app does).
pub fn parse_http_url(raw: &str) -> Result<Url, String> {
    let trimmed = raw.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("http://{trimmed}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| format!("`{raw}` is not a valid URL: {e}"))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(format!(
                "`{raw}` is not an HTTP URL (scheme `{other}`; use http:// or https://)"
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    Ok(url)
}

/// The section's headers with the body's `Content-Type` (when the headers give none, or
/// always for multipart, whose boundary must match).
fn request_headers(section: &[(String, String)], body: &EncodedBody) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = section.to_vec();
    if let Some(ct) = &body.content_type {
        let has = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if body.content_type_required {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            headers.push(("Content-Type".into(), ct.clone()));
        } else if !has {
            headers.push(("Content-Type".into(), ct.clone()));
        }
    }
    headers
}

/// The headers as sent: `Host`, `User-Agent`, `Accept` and `Content-Length` added unless given.
fn with_defaults(
    headers: &[(String, String)],
    url: &Url,
    body_len: usize,
    method: &hyper::Method,
) -> Vec<(String, String)> {
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    let mut out = Vec::with_capacity(headers.len() + 4);
    if !has("host") {
        let host = url.host_str().unwrap_or_default();
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        out.push(("Host".to_string(), host));
    }
    out.extend(headers.iter().cloned());
    if !has("user-agent") {
        out.push((
            "User-Agent".into(),
            concat!("void-ls/", env!("CARGO_PKG_VERSION")).into(),
        ));
    }
    if !has("accept") {
        out.push(("Accept".into(), "*/*".into()));
    }
    let sends_length = body_len > 0
        || matches!(
            *method,
            hyper::Method::POST | hyper::Method::PUT | hyper::Method::PATCH
        );
    if sends_length && !has("content-length") && !has("transfer-encoding") {
        out.push(("Content-Length".into(), body_len.to_string()));
    }
    out
}

fn build_request(outgoing: &Outgoing<'_>) -> Result<hyper::Request<Full<Bytes>>, String> {
    let target = match outgoing.url.query() {
        Some(q) => format!("{}?{q}", outgoing.url.path()),
        None => outgoing.url.path().to_string(),
    };
    let mut request = hyper::Request::builder()
        .method(outgoing.method.clone())
        .uri(if target.is_empty() { "/" } else { &target })
        .body(Full::new(outgoing.body.clone()))
        .map_err(|e| format!("cannot build the request for {}: {e}", outgoing.url))?;
    let map = request.headers_mut();
    for (name, value) in outgoing.headers {
        let n = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("`{name}` is not a valid header name"))?;
        let v = HeaderValue::from_str(value)
            .map_err(|_| format!("the value of header `{name}` is not valid"))?;
        map.append(n, v);
    }
    Ok(request)
}

fn response_head(response: &hyper::Response<Incoming>) -> ResponseHead {
    let version = match response.version() {
        hyper::Version::HTTP_10 => "HTTP/1.0",
        hyper::Version::HTTP_09 => "HTTP/0.9",
        _ => "HTTP/1.1",
    };
    let reason = response
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .unwrap_or_else(|| {
            response
                .status()
                .canonical_reason()
                .unwrap_or("")
                .to_string()
        });
    ResponseHead {
        version: version.to_string(),
        status: response.status().as_u16(),
        reason,
        headers: response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
    }
}

/// Where a redirect response points (`None`: not a redirect, or no `Location`).
fn redirect_target(head: &ResponseHead, base: &Url) -> Option<Result<Url, String>> {
    if !matches!(head.status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = head.header("location")?;
    Some(
        base.join(location.trim())
            .map_err(|e| format!("the redirect to `{location}` is not a valid URL: {e}"))
            .and_then(|u| match u.scheme() {
                "http" | "https" => Ok(u),
                other => Err(format!(
                    "the server redirected to `{location}`, which is not HTTP (scheme `{other}`)"
                )),
            }),
    )
}

/// Why a redirect chain was cut, with the chain.
fn too_many_redirects(hops: &[Hop], max_redirects: u32) -> String {
    let chain: Vec<&str> = hops
        .first()
        .map(|h| h.from.as_str())
        .into_iter()
        .chain(hops.iter().map(|h| h.to.as_str()))
        .collect();
    format!(
        "stopped after {max_redirects} redirects (maxRedirects {max_redirects}): {}",
        chain.join(" → ")
    )
}

fn pool_key(url: &Url, transport: &TransportOptions) -> String {
    format!(
        "{}://{}:{}|{:?}|{:?}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0),
        transport.proxy,
        transport.tls
    )
}

/// A hyper error in words, with `when` (`while reading the body`) when given.
fn describe_hyper_error(e: &hyper::Error, when: &str) -> String {
    let when = if when.is_empty() {
        String::new()
    } else {
        format!(" {when}")
    };
    let io = std::error::Error::source(e).and_then(|s| s.downcast_ref::<std::io::Error>());
    if e.is_parse() && e.to_string().contains("too large") {
        format!("the server's response head is too large (over {MAX_HEAD_BYTES} bytes)")
    } else if e.is_parse() {
        format!("the server's answer is not valid HTTP/1.1{when}: {e}")
    } else if e.is_incomplete_message() {
        format!("the server closed the connection before its answer was complete{when}")
    } else if let Some(io) = io {
        format!("the connection failed{when}: {io}")
    } else if e.is_canceled() || e.is_closed() {
        format!("the connection closed{when}")
    } else {
        format!("the exchange failed{when}: {e}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_without_a_scheme_are_http() {
        assert_eq!(
            parse_http_url("localhost:8080/x?y=1").unwrap().as_str(),
            "http://localhost:8080/x?y=1"
        );
        assert!(
            parse_http_url("ws://h/")
                .unwrap_err()
                .contains("not an HTTP URL")
        );
        assert!(parse_http_url("http://").is_err());
    }

    #[test]
    fn defaults_are_added_unless_given() {
        let url = Url::parse("http://h:81/p").unwrap();
        let headers = with_defaults(
            &[("accept".into(), "application/json".into())],
            &url,
            3,
            &hyper::Method::POST,
        );
        assert_eq!(headers[0], ("Host".into(), "h:81".into()));
        assert!(
            headers
                .iter()
                .any(|(k, v)| k == "Content-Length" && v == "3")
        );
        assert_eq!(
            headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("accept"))
                .count(),
            1
        );
    }

    #[test]
    fn redirects_resolve_against_the_url() {
        let head = ResponseHead {
            status: 302,
            headers: vec![("Location".into(), "../b?c=1".into())],
            ..Default::default()
        };
        let base = Url::parse("http://h/a/x").unwrap();
        assert_eq!(
            redirect_target(&head, &base).unwrap().unwrap().as_str(),
            "http://h/b?c=1"
        );
        let to_ftp = ResponseHead {
            status: 301,
            headers: vec![("location".into(), "ftp://h/f".into())],
            ..Default::default()
        };
        assert!(redirect_target(&to_ftp, &base).unwrap().is_err());
    }
}
