//! A small embedded WebSocket server for tests, examples and benchmarks: it listens on
//! loopback (`ws://`, or `wss://` with a given certificate), echoes text and binary messages,
//! answers pings, and picks the first offered subprotocol that it supports.
//!
//! In [`EchoMode::Commands`] a few text messages do more than echo, so examples can show a
//! realistic exchange:
//! - a JSON object with `"method"` gets a JSON-RPC style reply
//!   `{"jsonrpc":"2.0","id":<id>,"result":{"method":<method>,"params":<params>}}`;
//! - `__ping__` gets `__pong__`;
//! - `flood <n>` gets `n` text messages `flood <i>` (at most 1,000,000);
//! - `close <code> [reason]` makes the server close with that code.
//!
//! Everything else is echoed unchanged. It is not a production server: it serves loopback
//! tests and demos, and must never be exposed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// What the server does with text messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EchoMode {
    /// Echo everything unchanged.
    #[default]
    Echo,
    /// Echo, plus the commands listed in the module docs.
    Commands,
}

/// How to start an [`EchoServer`].
#[derive(Debug, Clone)]
pub struct EchoServerConfig {
    /// Where to listen; `127.0.0.1:0` picks a free port.
    pub bind: SocketAddr,
    /// Subprotocols the server supports; it picks the first one the client offers that is here.
    pub subprotocols: Vec<String>,
    /// PEM certificate chain and private key: serve `wss://` instead of `ws://`.
    pub tls: Option<(Vec<u8>, Vec<u8>)>,
    pub mode: EchoMode,
}

impl Default for EchoServerConfig {
    fn default() -> Self {
        EchoServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            subprotocols: Vec::new(),
            tls: None,
            mode: EchoMode::Echo,
        }
    }
}

/// A running server. Dropping it stops accepting; [`EchoServer::shutdown`] also waits.
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
            Some((cert, key)) => Some(tokio_rustls::TlsAcceptor::from(crate::tls::server_config(
                cert, key,
            )?)),
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
                let (tcp, _) = tokio::select! {
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
                                    serve_connection(tls, &config).await;
                                }
                            }
                            None => serve_connection(tcp, &config).await,
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

    /// `ws://127.0.0.1:<port>` (or `wss://localhost:<port>` with TLS), without a path.
    pub fn url(&self) -> String {
        if self.tls {
            format!("wss://localhost:{}", self.addr.port())
        } else {
            format!("ws://{}", self.addr)
        }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Stops accepting and drops every connection.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.accept_task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn pick_subprotocol(request: &Request, supported: &[String]) -> Option<String> {
    let offered = request.headers().get_all("sec-websocket-protocol");
    offered
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find(|p| supported.iter().any(|s| s == p))
        .map(str::to_string)
}

#[allow(clippy::result_large_err)] // reason: the callback signature is tungstenite's
async fn serve_connection<S>(stream: S, config: &EchoServerConfig)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let supported = config.subprotocols.clone();
    let callback = move |request: &Request, mut response: Response| {
        if let Some(chosen) = pick_subprotocol(request, &supported)
            && let Ok(value) = HeaderValue::from_str(&chosen)
        {
            response
                .headers_mut()
                .insert("sec-websocket-protocol", value);
        }
        Ok(response)
    };
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(64 << 20));
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(ws_config)).await
    else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        let result = match message {
            Message::Text(text) if config.mode == EchoMode::Commands => {
                match command_reply(&text) {
                    Reply::Echo => ws.send(Message::Text(text)).await,
                    Reply::Text(reply) => ws.send(Message::text(reply)).await,
                    Reply::Flood(n) => {
                        let mut result = Ok(());
                        for i in 0..n {
                            result = ws.feed(Message::text(format!("flood {i}"))).await;
                            if result.is_err() {
                                break;
                            }
                        }
                        if result.is_ok() {
                            result = ws.flush().await;
                        }
                        result
                    }
                    Reply::Close(code, reason) => {
                        let frame = CloseFrame {
                            code: CloseCode::from(code),
                            reason: Utf8Bytes::from(reason),
                        };
                        ws.close(Some(frame)).await
                    }
                }
            }
            Message::Text(_) | Message::Binary(_) => ws.send(message).await,
            _ => Ok(()),
        };
        if result.is_err() {
            break;
        }
    }
}

enum Reply {
    Echo,
    Text(String),
    Flood(u64),
    Close(u16, String),
}

fn command_reply(text: &str) -> Reply {
    let t = text.trim();
    if t == "__ping__" {
        return Reply::Text("__pong__".into());
    }
    if let Some(n) = t
        .strip_prefix("flood ")
        .and_then(|n| n.trim().parse::<u64>().ok())
    {
        return Reply::Flood(n.min(1_000_000));
    }
    if let Some(rest) = t.strip_prefix("close ") {
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        if let Ok(code) = code.parse::<u16>()
            && CloseCode::from(code).is_allowed()
        {
            return Reply::Close(code, reason.to_string());
        }
    }
    if t.starts_with('{')
        && let Ok(serde_json::Value::Object(request)) = serde_json::from_str::<serde_json::Value>(t)
        && let Some(method) = request.get("method")
    {
        let reply = serde_json::json!({
            "jsonrpc": "2.0",
            "id": request.get("id").cloned().unwrap_or(serde_json::Value::Null),
            "result": {
                "method": method,
                "params": request.get("params").cloned().unwrap_or(serde_json::Value::Null),
            }
        });
        return Reply::Text(reply.to_string());
    }
    Reply::Echo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert!(matches!(command_reply("__ping__"), Reply::Text(t) if t == "__pong__"));
        assert!(matches!(command_reply("flood 3"), Reply::Flood(3)));
        assert!(
            matches!(command_reply("close 4000 bye now"), Reply::Close(4000, r) if r == "bye now")
        );
        assert!(matches!(command_reply("close 1005"), Reply::Echo));
        assert!(matches!(
            command_reply(r#"{"id":7,"method":"sum","params":[1,2]}"#),
            Reply::Text(t) if t == r#"{"jsonrpc":"2.0","id":7,"result":{"method":"sum","params":[1,2]}}"#
        ));
        assert!(matches!(command_reply("hello"), Reply::Echo));
    }
}
