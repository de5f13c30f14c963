//! Opening a connection: TCP (directly or through an HTTP CONNECT proxy), TLS for `wss://`
//! and `https://`, then (for WebSocket) the upgrade with the section's headers, `Origin` and
//! subprotocols. HTTP sections open their byte streams here too ([`crate::http::client`]), so
//! TLS verification, proxies and the words for failures are the same for both.
//!
//! The byte stream comes from a [`Connector`], so unit tests can inject an in-memory peer; the
//! real one is [`NetworkConnector`]. This module knows nothing of logs, status or transcripts:
//! it returns what happened ([`Connected`] or [`ConnectError`]) and the caller reports it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{HeaderMap, HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Error as WsError};
use url::Url;

use crate::read_ahead::ReadAhead;
use crate::spec::SessionSpec;
use crate::tls;

pub use crate::read_ahead::READ_BUFFER_SIZE;
/// Bytes buffered before a write goes to the socket.
pub const WRITE_BUFFER_SIZE: usize = 16 * 1024;

/// A byte stream a WebSocket can run over.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Transport for T {}

/// A boxed [`Transport`].
pub type BoxedTransport = Box<dyn Transport>;

/// The future a [`Connector`] returns.
pub type ConnectFuture<'a> =
    Pin<Box<dyn Future<Output = Result<BoxedTransport, String>> + Send + 'a>>;

pub use crate::spec::TransportOptions;

/// Whether a URL scheme is carried over TLS.
pub fn is_tls_scheme(scheme: &str) -> bool {
    matches!(scheme, "wss" | "https")
}

/// Opens the byte stream (TCP, proxy, TLS) for a URL. The error is a sentence for people.
pub trait Connector: Send + Sync + 'static {
    fn connect<'a>(&'a self, url: &'a Url, options: &'a TransportOptions) -> ConnectFuture<'a>;
}

/// The real network: TCP, optional HTTP CONNECT proxy, rustls for `wss://`.
#[derive(Debug, Default, Clone, Copy)]
pub struct NetworkConnector;

impl Connector for NetworkConnector {
    fn connect<'a>(&'a self, url: &'a Url, options: &'a TransportOptions) -> ConnectFuture<'a> {
        Box::pin(async move {
            let host = url.host_str().ok_or_else(|| format!("{url} has no host"))?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let port = url.port_or_known_default().unwrap_or(80);
            let tcp = match &options.proxy {
                Some(proxy) => connect_via_proxy(proxy, host, port).await?,
                None => TcpStream::connect((host, port))
                    .await
                    .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?,
            };
            let _ = tcp.set_nodelay(true);
            if !is_tls_scheme(url.scheme()) {
                return Ok(Box::new(tcp) as BoxedTransport);
            }
            let options = options.tls.clone();
            // Reading certificate files and the platform roots happens on the blocking pool:
            // the runtime never waits on them, and dropping this future (a close, the connect
            // timeout) abandons the wait.
            let config = tokio::task::spawn_blocking(move || tls::client_config(&options))
                .await
                .map_err(|e| format!("TLS setup was interrupted: {e}"))??;
            let name = rustls::pki_types::ServerName::try_from(host.to_string())
                .map_err(|_| format!("`{host}` is not a valid TLS server name"))?;
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| {
                    format!(
                        "TLS handshake with {host}:{port} failed: {}",
                        tls::describe_handshake_error(&e, host)
                    )
                })?;
            Ok(Box::new(stream) as BoxedTransport)
        })
    }
}

/// Opens a tunnel through an HTTP proxy with `CONNECT host:port`.
async fn connect_via_proxy(proxy: &str, host: &str, port: u16) -> Result<TcpStream, String> {
    let proxy_url = Url::parse(proxy).map_err(|e| format!("proxy `{proxy}` is not a URL: {e}"))?;
    if proxy_url.scheme() != "http" {
        return Err(format!(
            "proxy `{proxy}`: only http:// (HTTP CONNECT) proxies are supported"
        ));
    }
    let proxy_host = proxy_url
        .host_str()
        .ok_or_else(|| format!("proxy `{proxy}` has no host"))?;
    let proxy_port = proxy_url.port_or_known_default().unwrap_or(80);
    let mut tcp = TcpStream::connect((proxy_host, proxy_port))
        .await
        .map_err(|e| format!("cannot connect to proxy {proxy_host}:{proxy_port}: {e}"))?;
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if !proxy_url.username().is_empty() {
        use base64::Engine as _;
        let user = percent_decode(proxy_url.username());
        let password = percent_decode(proxy_url.password().unwrap_or(""));
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| format!("proxy {proxy_host}:{proxy_port}: {e}"))?;
    // Read the proxy's answer byte by byte up to the blank line, so no tunnel byte is consumed.
    let mut head = Vec::with_capacity(256);
    loop {
        let byte = tcp
            .read_u8()
            .await
            .map_err(|e| format!("proxy {proxy_host}:{proxy_port} closed during CONNECT: {e}"))?;
        head.push(byte);
        if head.ends_with(b"\r\n\r\n") {
            break;
        }
        if head.len() > 16 * 1024 {
            return Err(format!(
                "proxy {proxy_host}:{proxy_port} sent an oversized CONNECT answer"
            ));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&head) {
        Ok(httparse::Status::Complete(_)) => match response.code {
            Some(code) if (200..300).contains(&code) => Ok(tcp),
            Some(code) => Err(format!(
                "proxy {proxy_host}:{proxy_port} refused CONNECT to {authority}: HTTP {code} {}",
                response.reason.unwrap_or("")
            )),
            None => Err(format!("proxy {proxy_host}:{proxy_port} sent no status")),
        },
        _ => Err(format!(
            "proxy {proxy_host}:{proxy_port} sent an invalid CONNECT answer"
        )),
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A successful upgrade.
pub struct Connected {
    pub ws: WebSocketStream<BoxedTransport>,
    pub http_status: u16,
    pub reason: String,
    /// The request line as sent (`GET /path?query HTTP/1.1`; unmasked, mask before showing).
    pub request_line: String,
    /// The request headers as sent (unmasked; mask before showing).
    pub request_headers: Vec<(String, String)>,
    pub response_headers: Vec<(String, String)>,
    pub subprotocol: Option<String>,
    pub handshake_time: Duration,
}

/// A failed attempt, in words, with the HTTP answer when the server refused the upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    pub message: String,
    pub http_status: Option<u16>,
    /// The request line, when the request was sent (never for a connection that did not open:
    /// refused, timed out, TLS failed).
    pub request_line: Option<String>,
    /// The request headers, when the request was sent.
    pub request_headers: Vec<(String, String)>,
    pub response_headers: Vec<(String, String)>,
    /// Retrying cannot help (a bad URL, a bad caFile): reconnect gives up.
    pub permanent: bool,
}

impl ConnectError {
    pub fn new(message: impl Into<String>) -> Self {
        ConnectError {
            message: message.into(),
            http_status: None,
            request_line: None,
            request_headers: Vec::new(),
            response_headers: Vec::new(),
            permanent: false,
        }
    }

    fn permanent(message: impl Into<String>) -> Self {
        ConnectError {
            permanent: true,
            ..ConnectError::new(message)
        }
    }
}

/// The WebSocket settings for a spec: small buffers, size limits from `maxMessageSize`.
pub fn websocket_config(spec: &SessionSpec) -> WebSocketConfig {
    let max = usize::try_from(spec.options.max_message_size).unwrap_or(usize::MAX);
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
}

/// Checks the URL of a spec.
pub fn parse_ws_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("`{raw}` is not a valid URL: {e}"))?;
    match url.scheme() {
        "ws" | "wss" => {}
        other => {
            return Err(format!(
                "`{raw}` is not a WebSocket URL (scheme `{other}`; use ws:// or wss://)"
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    Ok(url)
}

/// Connects and upgrades. Does not apply the connect timeout: the caller races it.
pub async fn establish(
    spec: &SessionSpec,
    connector: &Arc<dyn Connector>,
) -> Result<Connected, ConnectError> {
    let started = Instant::now();
    let url = parse_ws_url(&spec.url).map_err(ConnectError::permanent)?;
    let request = handshake_request(spec, &url)?;
    let request_line = format!(
        "GET {} HTTP/1.1",
        request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let request_headers = header_pairs(request.headers());
    // Nothing was sent when the connection could not be made: the error carries no request.
    let transport = connector
        .connect(&url, &spec.transport_options())
        .await
        .map_err(ConnectError::new)?;
    let config = websocket_config(spec);
    // Small reads while quiet (idle memory), large ones while data streams in (throughput).
    let transport = Box::new(ReadAhead::new(transport)) as BoxedTransport;
    match tokio_tungstenite::client_async_with_config(request, transport, Some(config)).await {
        Ok((ws, response)) => Ok(Connected {
            ws,
            http_status: response.status().as_u16(),
            reason: response
                .status()
                .canonical_reason()
                .unwrap_or("")
                .to_string(),
            request_line,
            request_headers,
            response_headers: header_pairs(response.headers()),
            subprotocol: response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            handshake_time: started.elapsed(),
        }),
        Err(WsError::Http(response)) => {
            let status = response.status();
            let body = response
                .body()
                .as_ref()
                .map(|b| {
                    String::from_utf8_lossy(&b[..b.len().min(200)])
                        .trim()
                        .to_string()
                })
                .filter(|b| !b.is_empty());
            Err(ConnectError {
                message: format!(
                    "the server refused the upgrade: HTTP {} {}{}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or(""),
                    body.map(|b| format!(" ({b})")).unwrap_or_default()
                ),
                http_status: Some(status.as_u16()),
                request_line: Some(request_line),
                request_headers,
                response_headers: header_pairs(response.headers()),
                permanent: false,
            })
        }
        Err(e) => Err(ConnectError {
            message: describe_handshake_error(&e),
            request_line: Some(request_line),
            request_headers,
            ..ConnectError::new("")
        }),
    }
}

/// The upgrade request for `url`: the section's headers, `Origin` and the offered subprotocols.
fn handshake_request(spec: &SessionSpec, url: &Url) -> Result<Request, ConnectError> {
    let mut request = url.as_str().into_client_request().map_err(|e| {
        ConnectError::permanent(format!("cannot build the handshake for {url}: {e}"))
    })?;
    let headers = request.headers_mut();
    let mut add = |name: &str, value: &str| -> Result<(), ConnectError> {
        let n = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| ConnectError::permanent(format!("`{name}` is not a valid header name")))?;
        let v = HeaderValue::from_str(value).map_err(|_| {
            ConnectError::permanent(format!("the value of header `{name}` is not valid"))
        })?;
        headers.append(n, v);
        Ok(())
    };
    for (k, v) in &spec.headers {
        add(k, v)?;
    }
    if let Some(origin) = &spec.origin {
        add("Origin", origin)?;
    }
    if !spec.subprotocols.is_empty() {
        add("Sec-WebSocket-Protocol", &spec.subprotocols.join(", "))?;
    }
    Ok(request)
}

/// Headers as `(name, value)` text pairs, in order (values that are not UTF-8 made readable).
fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn describe_handshake_error(e: &WsError) -> String {
    use tungstenite::error::ProtocolError as P;
    match e {
        WsError::Protocol(P::HandshakeIncomplete) | WsError::ConnectionClosed => {
            "the server closed the connection during the handshake".into()
        }
        WsError::Protocol(P::SecWebSocketSubProtocolError(sub)) => {
            format!("the server's subprotocol answer is not acceptable: {sub}")
        }
        WsError::Protocol(p) => format!("the server's handshake answer is invalid: {p}"),
        WsError::Io(io) => format!("the connection failed during the handshake: {io}"),
        other => format!("the handshake failed: {other}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_websocket_urls() {
        assert!(parse_ws_url("ws://127.0.0.1:9/x").is_ok());
        assert!(parse_ws_url("wss://h").is_ok());
        assert!(
            parse_ws_url("http://h")
                .unwrap_err()
                .contains("not a WebSocket URL")
        );
        assert!(parse_ws_url("nonsense").is_err());
    }
}
