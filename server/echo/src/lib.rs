//! `void-echo`: the project's one embedded WebSocket and HTTP server, a small server on loopback that
//! the examples, the demo (`void-ls demo`, `void-ls run --echo-server`, `void-ls echo-server`)
//! and the tests of every crate run against, so the tool shows its whole job with no outside
//! network. It serves `ws://`, or `wss://` with a given certificate. Routes (the path picks the
//! behaviour):
//!
//! | path | behaviour |
//! |---|---|
//! | `/echo` (and `/`) | sends every text and binary message straight back |
//! | `/commands` | echoes, except a few text messages that tests use: `__ping__` gets `__pong__`; `flood <n>` gets `n` messages `flood <i>` (at most 1,000,000); `close <code> [reason]` closes with that code; a JSON object with `"method"` gets `{"jsonrpc":"2.0","id":<id>,"result":{"method":<method>,"params":<params>}}` |
//! | `/chat?room=NAME` | picks `chat.v2` or `chat.v1` from the offered subprotocols, greets, broadcasts `say` messages back with a sequence number |
//! | `/rpc` | JSON-RPC 2.0: `add`, `upper`, `echo`; other methods answer error `-32601` |
//! | `/heartbeat` | answers `__ping__` with `__pong__`, echoes anything else |
//! | `/login` | a conversation: says `{"op":"hello"}`, wants `{"op":"login","user":...}` (else closes 4001), answers `{"op":"welcome","token":<fresh>}`, wants `{"op":"subscribe","token":<it>}` (else 4003), says `subscribed`, then sends 3 pings `{"op":"ping","id":i}` that each need `{"op":"pong","id":i}` (else 4002), then `{"op":"done","pongs":3}` |
//! | `/graphql` | GraphQL over `graphql-transport-ws` on the demo schema (the `graphql` module): subscriptions (`ticks(count, everyMs)`), queries and mutations; closes with 4406 when the client did not offer that subprotocol |
//! | `/socket.io/` | Socket.IO v4 over the WebSocket transport (`?EIO=4&transport=websocket`): accepts any namespace and `auth` and says `welcome` `{"namespace":...}`, sends every event back as it came (binary attachments too), acknowledges an event that asks for it with `{"ok":true,"event":<name>}`, answers `bye` by disconnecting the client from its namespace, and pings every 25 s |
//! | `/flaky?after=N` | echoes, then drops the TCP connection without a close frame after N messages |
//! | `/close?code=C&reason=R` | echoes the first message, then closes with that code and reason |
//! | `/status/NNN` | rejects the upgrade with HTTP status NNN (any other path: 404) |
//!
//! A request that is not a WebSocket upgrade is plain HTTP on the same port: JSON routes under
//! `/api/` (items, echo, login and a token check), GraphQL queries and mutations on `/graphql`
//! and a Server-Sent Events stream on `/events` (the `http` module says which).
//!
//! Every route but `/chat` and `/graphql` accepts the first subprotocol the client offers that is in
//! [`EchoServerConfig::subprotocols`] (the first one offered when that list is empty).
//!
//! It listens only where it is told (loopback by default) and must never be used as a
//! production server: it keeps no state between connections and trusts nothing it receives,
//! but it has no limits beyond a 64 MiB message size.

mod graphql;
mod http;
mod routes;
mod socketio;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};

use routes::{Command, Decision, Route};

/// How to start an [`EchoServer`].
#[derive(Debug, Clone)]
pub struct EchoServerConfig {
    /// Where to listen; `127.0.0.1:0` picks a free port.
    pub bind: SocketAddr,
    /// Subprotocols the routes accept: the first one the client offers that is here is chosen.
    /// Empty: the first one offered.
    pub subprotocols: Vec<String>,
    /// PEM certificate chain and private key: serve `wss://` instead of `ws://`.
    pub tls: Option<(Vec<u8>, Vec<u8>)>,
    /// Print one line per connection and message on stderr.
    pub verbose: bool,
}

impl Default for EchoServerConfig {
    fn default() -> Self {
        EchoServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            subprotocols: Vec::new(),
            tls: None,
            verbose: false,
        }
    }
}

/// A running server. Dropping it stops accepting and drops every connection;
/// [`EchoServer::shutdown`] also waits for the listener to close.
#[derive(Debug)]
pub struct EchoServer {
    addr: SocketAddr,
    tls: bool,
    stop: watch::Sender<bool>,
    accept_task: Option<JoinHandle<()>>,
    connections: Arc<AtomicU64>,
}

impl EchoServer {
    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(config: EchoServerConfig) -> Result<EchoServer, String> {
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let acceptor = match &config.tls {
            Some((cert, key)) => Some(tokio_rustls::TlsAcceptor::from(tls_config(cert, key)?)),
            None => None,
        };
        let tls = acceptor.is_some();
        let (stop, stopped) = watch::channel(false);
        let connections = Arc::new(AtomicU64::new(0));
        let counter = connections.clone();
        let config = Arc::new(config);
        let accept_task = tokio::spawn(async move {
            let mut stopped_accept = stopped.clone();
            loop {
                let (tcp, peer) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(pair) => pair,
                        Err(_) => continue,
                    },
                    _ = stopped_accept.changed() => break,
                };
                let _ = tcp.set_nodelay(true);
                counter.fetch_add(1, Ordering::Relaxed);
                let config = config.clone();
                let acceptor = acceptor.clone();
                let mut stopped_conn = stopped.clone();
                tokio::spawn(async move {
                    let serve = async {
                        match acceptor {
                            Some(acceptor) => {
                                if let Ok(tls) = acceptor.accept(tcp).await {
                                    serve_connection(tls, peer, &config).await;
                                }
                            }
                            None => serve_connection(tcp, peer, &config).await,
                        }
                    };
                    tokio::select! {
                        _ = serve => {}
                        _ = stopped_conn.changed() => {}
                    }
                });
            }
        });
        Ok(EchoServer {
            addr,
            tls,
            stop,
            accept_task: Some(accept_task),
            connections,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://127.0.0.1:<port>` (or `wss://localhost:<port>` with TLS), without a path: routes
    /// are appended to it.
    pub fn url(&self) -> String {
        if self.tls {
            format!("wss://localhost:{}", self.addr.port())
        } else {
            format!("ws://{}", self.addr)
        }
    }

    /// `http://127.0.0.1:<port>` (or `https://localhost:<port>` with TLS), without a path: the
    /// base of the plain HTTP routes (`/api/...`, `/events`) served on the same port.
    pub fn http_url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://{}", self.addr)
        }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Stops accepting, drops every connection and waits until the listener is closed.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.accept_task.take() {
            let _ = task.await;
        }
    }
}

/// A loopback port that refuses every connection, reserved while this value lives. Its socket
/// is bound but never listens, so a connect is refused at once; and because the port stays
/// bound, no other server (another test running at the same time) is given it meanwhile, as
/// happens to a port found free and then let go.
pub struct RefusedPort {
    port: u16,
    _bound: tokio::net::TcpSocket,
}

impl RefusedPort {
    pub fn new() -> std::io::Result<Self> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind((std::net::Ipv4Addr::LOCALHOST, 0).into())?;
        let port = socket.local_addr()?.port();
        Ok(RefusedPort {
            port,
            _bound: socket,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The rustls server config for a PEM certificate chain and key (ring provider, nothing global
/// installed).
fn tls_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("bad certificate PEM: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| format!("bad key PEM: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key cannot be used: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The subprotocols a handshake request offers, in order.
fn offered_subprotocols(request: &Request) -> Vec<String> {
    request
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[allow(clippy::result_large_err)] // reason: tungstenite's handshake callback type fixes the error as an HTTP response
async fn serve_connection<S>(mut stream: S, peer: SocketAddr, config: &EchoServerConfig)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let verbose = config.verbose;
    let mut read = Vec::new();
    let Some(head_len) = http::read_head(&mut stream, &mut read).await else {
        return;
    };
    let upgrade = http::parse_head(&read[..head_len]).is_some_and(|h| h.is_websocket_upgrade());
    if !upgrade {
        http::serve(stream, read, head_len, peer, verbose).await;
        return;
    }
    // The handshake reads the head again, from the bytes already taken.
    let stream = Rewind {
        read,
        at: 0,
        inner: stream,
    };
    let mut decision = None;
    let callback = |request: &Request, mut response: Response| {
        let path = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let d = routes::decide(&path, &offered_subprotocols(request), &config.subprotocols);
        if verbose {
            eprintln!("{peer} {path} -> {d:?}");
        }
        let result = match &d {
            Decision::Serve { subprotocol, .. } => {
                if let Some(p) = subprotocol
                    .as_deref()
                    .and_then(|p| HeaderValue::from_str(p).ok())
                {
                    response.headers_mut().insert("sec-websocket-protocol", p);
                }
                Ok(response)
            }
            Decision::Refuse(status) => {
                let mut refusal =
                    ErrorResponse::new(Some(format!("refused by /status route: {status}\n")));
                *refusal.status_mut() =
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::NOT_FOUND);
                Err(refusal)
            }
        };
        decision = Some(d);
        result
    };
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(64 << 20));
    let Ok(ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(ws_config)).await
    else {
        return;
    };
    if let Some(Decision::Serve { route, .. }) = decision {
        let _ = Connection {
            ws,
            route,
            peer,
            verbose,
            chat_seq: 0,
            login: routes::LoginStep::AwaitLogin,
            socketio_pending: (0, Vec::new()),
        }
        .serve()
        .await;
    }
}

/// A stream whose first bytes (`read[at..]`) were already taken from `inner`: they are read
/// again before anything else.
struct Rewind<S> {
    read: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.at < this.read.len() {
            let n = buf.remaining().min(this.read.len() - this.at);
            buf.put_slice(&this.read[this.at..this.at + n]);
            this.at += n;
            if this.at == this.read.len() {
                this.read = Vec::new();
                this.at = 0;
            }
            return std::task::Poll::Ready(Ok(()));
        }
        std::pin::Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// One accepted connection on its route.
struct Connection<S> {
    ws: WebSocketStream<S>,
    route: Route,
    peer: SocketAddr,
    verbose: bool,
    chat_seq: u64,
    login: routes::LoginStep,
    /// `/socket.io/`: attachments still to send back, then the frames that follow them.
    socketio_pending: (usize, Vec<String>),
}

/// The connection ends (the peer left, a send failed, or the route ends it).
struct Ended;

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    async fn serve(mut self) -> Result<(), Ended> {
        if let Route::Chat { room, protocol } = &self.route {
            let welcome = json!({"type": "welcome", "room": room, "protocol": protocol});
            self.send(Message::text(welcome.to_string())).await?;
        }
        if self.route == Route::Login {
            self.send(Message::text(json!({"op": "hello"}).to_string()))
                .await?;
        }
        if self.route == Route::SocketIo {
            return self.serve_socketio().await;
        }
        if let Route::Graphql { agreed } = self.route {
            graphql::ws::serve(&mut self.ws, agreed, self.verbose).await;
            return Ok(());
        }
        let mut handled = 0u64;
        while let Some(Ok(message)) = self.ws.next().await {
            match message {
                Message::Text(text) => self.text(text).await?,
                Message::Binary(bytes) => {
                    if self.verbose {
                        eprintln!("{} <- {} bytes (binary)", self.peer, bytes.len());
                    }
                    self.send(Message::Binary(bytes)).await?;
                }
                // Pings are answered and a close is replied to by tungstenite on the next read,
                // which then ends the stream.
                _ => continue,
            }
            handled += 1;
            self.after_message(handled).await?;
        }
        Ok(())
    }

    /// `/socket.io/`: the open packet, then frames answered as `crate::socketio` says, and a
    /// ping every [`socketio::PING_INTERVAL_MS`]. Answers to frames that are already buffered
    /// go out with one flush (as a server that keeps ahead of a flooding client does).
    async fn serve_socketio(mut self) -> Result<(), Ended> {
        let sid = format!("echo-{}", self.peer.port());
        self.send(Message::text(socketio::open_packet(&sid)))
            .await?;
        let period = std::time::Duration::from_millis(socketio::PING_INTERVAL_MS);
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            let first = tokio::select! {
                message = self.ws.next() => message,
                _ = ping.tick() => {
                    self.send(Message::text("2")).await?;
                    continue;
                }
            };
            let mut next = Some(first);
            let mut budget = 256;
            while let Some(message) = next.take() {
                if !self.socketio_frame(message, &sid).await? {
                    return Ok(());
                }
                budget -= 1;
                if budget > 0 {
                    next = self.ws.next().now_or_never();
                }
            }
            self.ws.flush().await.map_err(|_| Ended)?;
        }
    }

    /// One frame of a `/socket.io/` connection, its answers fed (not flushed); `false` when
    /// the connection is over.
    async fn socketio_frame(
        &mut self,
        message: Option<Result<Message, tungstenite::Error>>,
        sid: &str,
    ) -> Result<bool, Ended> {
        match message {
            Some(Ok(Message::Text(text))) => {
                if self.verbose {
                    eprintln!("{} <- {}", self.peer, shorten(&text));
                }
                let answer = socketio::answer(&text, sid);
                for frame in answer.now {
                    self.feed(Message::text(frame)).await?;
                }
                self.socketio_pending = (answer.attachments, answer.after_attachments);
            }
            Some(Ok(Message::Binary(bytes))) => {
                self.feed(Message::Binary(bytes)).await?;
                let (left, after) = &mut self.socketio_pending;
                *left = left.saturating_sub(1);
                if *left == 0 {
                    for frame in std::mem::take(after) {
                        self.feed(Message::text(frame)).await?;
                    }
                }
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Ok(false),
        }
        Ok(true)
    }

    async fn feed(&mut self, message: Message) -> Result<(), Ended> {
        self.ws.feed(message).await.map_err(|_| Ended)
    }

    async fn send(&mut self, message: Message) -> Result<(), Ended> {
        self.ws.send(message).await.map_err(|_| Ended)
    }

    /// Answers one text message as the route says.
    async fn text(&mut self, text: tungstenite::Utf8Bytes) -> Result<(), Ended> {
        if self.verbose {
            eprintln!("{} <- {}", self.peer, shorten(&text));
        }
        match &self.route {
            Route::Echo | Route::Flaky { .. } | Route::Close { .. } => {
                self.send(Message::Text(text)).await
            }
            Route::Heartbeat if text.as_str() == "__ping__" => {
                self.send(Message::text("__pong__")).await
            }
            Route::Heartbeat => self.send(Message::Text(text)).await,
            Route::Rpc => match routes::rpc_reply(&text) {
                Some(reply) => self.send(Message::text(reply)).await,
                None => Ok(()),
            },
            Route::Chat { room, .. } => {
                let (reply, leave) = routes::chat_reply(room, &text, &mut self.chat_seq);
                self.send(Message::text(reply)).await?;
                if leave {
                    self.send(Message::Close(Some(CloseFrame {
                        code: CloseCode::Normal,
                        reason: "bye".into(),
                    })))
                    .await?;
                }
                Ok(())
            }
            Route::Login => {
                let peer = self.peer;
                let (replies, close) =
                    routes::login_reply(&mut self.login, &text, || session_token(peer));
                for reply in replies {
                    self.send(Message::text(reply)).await?;
                }
                match close {
                    Some((code, reason)) => {
                        let frame = CloseFrame {
                            code: CloseCode::from(code),
                            reason: reason.into(),
                        };
                        self.ws.close(Some(frame)).await.map_err(|_| Ended)
                    }
                    None => Ok(()),
                }
            }
            // Served by `serve_socketio` and `graphql::ws::serve`, never here.
            Route::SocketIo | Route::Graphql { .. } => Ok(()),
            Route::Commands => match routes::command(&text) {
                Command::Echo => self.send(Message::Text(text)).await,
                Command::Reply(reply) => self.send(Message::text(reply)).await,
                Command::Flood(n) => {
                    for i in 0..n {
                        let flood = Message::text(format!("flood {i}"));
                        self.ws.feed(flood).await.map_err(|_| Ended)?;
                    }
                    self.ws.flush().await.map_err(|_| Ended)
                }
                Command::Close(code, reason) => {
                    let frame = CloseFrame {
                        code: CloseCode::from(code),
                        reason: reason.into(),
                    };
                    self.ws.close(Some(frame)).await.map_err(|_| Ended)
                }
            },
        }
    }

    /// What the route does once `handled` messages were answered: `/flaky` drops the connection
    /// after its count, `/close` closes after the first.
    async fn after_message(&mut self, handled: u64) -> Result<(), Ended> {
        match &self.route {
            Route::Flaky { after } if handled >= *after => {
                // Drop the TCP connection without a close frame: the client sees 1006.
                Err(Ended)
            }
            Route::Close { code, reason } => {
                let frame = CloseFrame {
                    code: CloseCode::from(*code),
                    reason: reason.as_str().into(),
                };
                let _ = self.ws.send(Message::Close(Some(frame))).await;
                // Wait for the client's close reply so the close handshake completes.
                while let Some(Ok(_)) = self.ws.next().await {}
                Err(Ended)
            }
            _ => Ok(()),
        }
    }
}

/// A session token for the `/login` route: different for every login (not a secret worth
/// guarding: the server is a test peer).
fn session_token(peer: SocketAddr) -> String {
    static LOGINS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = LOGINS.fetch_add(1, Ordering::Relaxed);
    format!("tok-{:08x}{:04x}{n:x}", nanos, peer.port())
}

fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}
