//! The embedded demo server: a small WebSocket server on loopback that the examples, the demo
//! and the tests run against, so the tool shows its whole job with no outside network.
//!
//! `void-ls echo-server` runs it in the foreground; `void-ls demo` and `void-ls run
//! --echo-server` start it in-process on `127.0.0.1:0`. Routes (the path picks the behaviour):
//!
//! | path | behaviour |
//! |---|---|
//! | `/echo` (and `/`) | sends every text and binary message straight back; accepts the first subprotocol offered |
//! | `/chat?room=NAME` | picks `chat.v2` or `chat.v1` from the offered subprotocols, greets, broadcasts `say` messages back with a sequence number |
//! | `/rpc` | JSON-RPC 2.0: `add`, `upper`, `echo`; other methods answer error `-32601` |
//! | `/heartbeat` | answers `__ping__` with `__pong__`, echoes anything else |
//! | `/flaky?after=N` | echoes, then drops the TCP connection without a close frame after N messages |
//! | `/close?code=C&reason=R` | echoes the first message, then closes with that code and reason |
//! | `/status/NNN` | rejects the upgrade with HTTP status NNN |
//!
//! `void_session::echo_server` is the engine's own test peer (plain echo, TLS, flood); this
//! server sits on the product side with one route per example, refusals and drops, so the
//! examples read like real services.
//!
//! It listens only where it is told (loopback by default) and must never be used as a
//! production server: it keeps no state between connections and trusts nothing it receives,
//! but it has no limits beyond tungstenite's own message size limit.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// `void-ls echo-server`.
#[derive(clap::Args)]
pub struct EchoServerArgs {
    /// Address to listen on. Loopback by default; the server is for demos and tests only.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on (0 picks a free one). The examples' `.env` expects 8765.
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Print one line per connection and message on stderr.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Runs the server in the foreground until interrupted (Ctrl-C).
pub fn run(args: EchoServerArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("void-ls echo-server: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        let server = match EchoServer::start_with(SocketAddr::new(args.host, args.port), args.verbose)
            .await
        {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "void-ls echo-server: cannot listen on {}:{}: {e}",
                    args.host, args.port
                );
                return ExitCode::from(2);
            }
        };
        // The URL goes to stdout first so scripts can read it; the rest is for people.
        let _ = writeln!(std::io::stdout().lock(), "{}", server.url());
        let _ = std::io::stdout().lock().flush();
        eprintln!(
            "void-ls echo-server listening on {}\n  routes: /echo /chat?room=NAME /rpc /heartbeat /flaky?after=N /close?code=C /status/NNN\n  try:    void-ls run examples/ --env-var ECHO_URL={}\n  stop:   Ctrl-C",
            server.url(),
            server.url()
        );
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// A running server; stops when dropped or on [`EchoServer::shutdown`].
pub struct EchoServer {
    local_addr: SocketAddr,
    accept_task: JoinHandle<()>,
}

impl EchoServer {
    /// Starts listening on `addr` (use port 0 for a free port) and serves in the background on
    /// the current tokio runtime.
    pub async fn start(addr: SocketAddr) -> std::io::Result<EchoServer> {
        Self::start_with(addr, false).await
    }

    async fn start_with(addr: SocketAddr, verbose: bool) -> std::io::Result<EchoServer> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let accept_task = tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(serve_connection(stream, peer, verbose));
            }
        });
        Ok(EchoServer {
            local_addr,
            accept_task,
        })
    }

    /// `ws://127.0.0.1:PORT` (no trailing slash; routes are appended to it).
    pub fn url(&self) -> String {
        format!("ws://{}", self.local_addr)
    }

    /// Stops accepting connections and waits until the listener is closed.
    pub async fn shutdown(mut self) {
        self.accept_task.abort();
        let _ = (&mut self.accept_task).await;
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

/// What a connection does, chosen from the request path during the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Echo,
    Chat {
        room: String,
        protocol: Option<String>,
    },
    Rpc,
    Heartbeat,
    Flaky {
        after: u64,
    },
    Close {
        code: u16,
        reason: String,
    },
}

/// The outcome of reading a request: a route to serve, or an HTTP status to refuse with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Serve {
        route: Route,
        subprotocol: Option<String>,
    },
    Refuse(u16),
}

fn decide(path_and_query: &str, offered_subprotocols: &[String]) -> Decision {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let param = |name: &str| query_param(query, name);
    let first_offered = offered_subprotocols.first().cloned();
    let path = path.trim_end_matches('/');
    match path {
        "" | "/echo" => Decision::Serve {
            route: Route::Echo,
            subprotocol: first_offered,
        },
        "/chat" => {
            let protocol = ["chat.v2", "chat.v1"]
                .into_iter()
                .find(|p| offered_subprotocols.iter().any(|o| o == p))
                .map(str::to_string);
            let room = param("room").unwrap_or_else(|| "lobby".into());
            Decision::Serve {
                route: Route::Chat {
                    room,
                    protocol: protocol.clone(),
                },
                subprotocol: protocol,
            }
        }
        "/rpc" => Decision::Serve {
            route: Route::Rpc,
            subprotocol: first_offered,
        },
        "/heartbeat" => Decision::Serve {
            route: Route::Heartbeat,
            subprotocol: first_offered,
        },
        "/flaky" => {
            let after = param("after")
                .and_then(|a| a.parse().ok())
                .unwrap_or(1)
                .max(1);
            Decision::Serve {
                route: Route::Flaky { after },
                subprotocol: first_offered,
            }
        }
        "/close" => {
            let code = param("code").and_then(|c| c.parse().ok()).unwrap_or(1000);
            let reason = param("reason").unwrap_or_else(|| "bye".into());
            Decision::Serve {
                route: Route::Close { code, reason },
                subprotocol: first_offered,
            }
        }
        _ => match path
            .strip_prefix("/status/")
            .and_then(|s| s.parse::<u16>().ok())
        {
            Some(status) if (200..600).contains(&status) && status != 101 => {
                Decision::Refuse(status)
            }
            _ => Decision::Refuse(404),
        },
    }
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[allow(clippy::result_large_err)] // reason: tungstenite's handshake callback type fixes the error as an HTTP response
async fn serve_connection(stream: TcpStream, peer: SocketAddr, verbose: bool) {
    let mut decision = None;
    let callback = |request: &Request, mut response: Response| {
        let path = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let offered: Vec<String> = request
            .headers()
            .get_all("sec-websocket-protocol")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let d = decide(&path, &offered);
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
    let config = WebSocketConfig::default().max_message_size(Some(64 << 20));
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await
    else {
        return;
    };
    let Some(Decision::Serve { route, .. }) = decision else {
        return;
    };
    let mut chat_seq = 0u64;
    let mut handled = 0u64;
    if let Route::Chat { room, protocol } = &route {
        let welcome = json!({"type": "welcome", "room": room, "protocol": protocol});
        if ws.send(Message::text(welcome.to_string())).await.is_err() {
            return;
        }
    }
    while let Some(Ok(message)) = ws.next().await {
        let replies: Vec<Message> = match &message {
            Message::Text(text) => {
                let text = text.as_str();
                if verbose {
                    eprintln!("{peer} <- {}", shorten(text));
                }
                match &route {
                    Route::Echo | Route::Flaky { .. } | Route::Close { .. } => {
                        vec![Message::text(text)]
                    }
                    Route::Heartbeat => {
                        vec![Message::text(if text == "__ping__" {
                            "__pong__"
                        } else {
                            text
                        })]
                    }
                    Route::Rpc => rpc_reply(text).map(Message::text).into_iter().collect(),
                    Route::Chat { room, .. } => {
                        let (reply, leave) = chat_reply(room, text, &mut chat_seq);
                        let mut r = vec![Message::text(reply)];
                        if leave {
                            r.push(Message::Close(Some(CloseFrame {
                                code: CloseCode::Normal,
                                reason: "bye".into(),
                            })));
                        }
                        r
                    }
                }
            }
            Message::Binary(bytes) => {
                if verbose {
                    eprintln!("{peer} <- {} bytes (binary)", bytes.len());
                }
                vec![Message::Binary(bytes.clone())]
            }
            Message::Close(_) => break,
            _ => continue,
        };
        for reply in replies {
            if ws.send(reply).await.is_err() {
                return;
            }
        }
        handled += 1;
        match &route {
            Route::Flaky { after } if handled >= *after => {
                // Drop the TCP connection without a close frame: the client sees 1006.
                return;
            }
            Route::Close { code, reason } => {
                let frame = CloseFrame {
                    code: CloseCode::from(*code),
                    reason: reason.as_str().into(),
                };
                let _ = ws.send(Message::Close(Some(frame))).await;
                // Wait for the client's close reply so the close handshake completes.
                while let Some(Ok(_)) = ws.next().await {}
                return;
            }
            _ => {}
        }
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

/// The reply to one chat message, and whether the server then closes.
fn chat_reply(room: &str, text: &str, seq: &mut u64) -> (String, bool) {
    let parsed: Option<Value> = serde_json::from_str(text).ok();
    let kind = parsed
        .as_ref()
        .and_then(|v| v.get("type"))
        .and_then(Value::as_str);
    match (kind, parsed.as_ref()) {
        (Some("say"), Some(v)) => {
            *seq += 1;
            let said = v.get("text").cloned().unwrap_or(Value::Null);
            let reply = json!({"type": "message", "room": room, "from": "you", "text": said, "seq": *seq});
            (reply.to_string(), false)
        }
        (Some("leave"), _) => (json!({"type": "bye", "room": room}).to_string(), true),
        _ => (
            json!({"type": "error", "error": "expected {\"type\": \"say\", \"text\": ...} or {\"type\": \"leave\"}"})
                .to_string(),
            false,
        ),
    }
}

/// The JSON-RPC 2.0 reply to one request; `None` for a notification (no `id`).
fn rpc_reply(text: &str) -> Option<String> {
    let error = |id: Value, code: i64, message: &str| {
        Some(
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
                .to_string(),
        )
    };
    let Ok(request) = serde_json::from_str::<Value>(text) else {
        return error(Value::Null, -32700, "Parse error");
    };
    let id = request.get("id").cloned();
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return error(id.unwrap_or(Value::Null), -32600, "Invalid Request");
    };
    let id = id?;
    let params = request.get("params").cloned().unwrap_or(Value::Null);
    let result = match method {
        "add" => {
            let numbers: Option<Vec<&Value>> = params.as_array().map(|a| a.iter().collect());
            match numbers {
                Some(ns) if ns.iter().all(|n| n.is_number()) => {
                    if ns.iter().all(|n| n.is_i64()) {
                        json!(
                            ns.iter()
                                .filter_map(|n| n.as_i64())
                                .fold(0i64, i64::saturating_add)
                        )
                    } else {
                        json!(ns.iter().filter_map(|n| n.as_f64()).sum::<f64>())
                    }
                }
                _ => {
                    return error(
                        id,
                        -32602,
                        "Invalid params: `add` takes an array of numbers",
                    );
                }
            }
        }
        "upper" => {
            let text = params
                .get("text")
                .or_else(|| params.get(0))
                .and_then(Value::as_str);
            match text {
                Some(t) => json!(t.to_uppercase()),
                None => return error(id, -32602, "Invalid params: `upper` takes {\"text\": ...}"),
            }
        }
        "echo" => params,
        _ => return error(id, -32601, "Method not found"),
    };
    Some(json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn routes_follow_the_path() {
        assert_eq!(
            decide("/echo", &["x".into()]),
            Decision::Serve {
                route: Route::Echo,
                subprotocol: Some("x".into())
            }
        );
        assert_eq!(
            decide(
                "/chat?room=ops%20team",
                &["chat.v1".into(), "chat.v2".into()]
            ),
            Decision::Serve {
                route: Route::Chat {
                    room: "ops team".into(),
                    protocol: Some("chat.v2".into())
                },
                subprotocol: Some("chat.v2".into()),
            }
        );
        assert_eq!(decide("/status/403", &[]), Decision::Refuse(403));
        assert_eq!(decide("/nowhere", &[]), Decision::Refuse(404));
        assert_eq!(
            decide("/flaky?after=3", &[]),
            Decision::Serve {
                route: Route::Flaky { after: 3 },
                subprotocol: None
            }
        );
    }

    #[test]
    fn rpc_answers_like_json_rpc() {
        let reply: Value = serde_json::from_str(
            &rpc_reply(r#"{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3,37]}"#).unwrap(),
        )
        .unwrap();
        assert_eq!(reply["result"], json!(42));
        assert_eq!(reply["id"], json!(1));
        let reply: Value = serde_json::from_str(
            &rpc_reply(r#"{"jsonrpc":"2.0","id":3,"method":"divide"}"#).unwrap(),
        )
        .unwrap();
        assert_eq!(reply["error"]["code"], json!(-32601));
        assert!(rpc_reply(r#"{"jsonrpc":"2.0","method":"add","params":[1]}"#).is_none());
        let reply: Value = serde_json::from_str(&rpc_reply("not json").unwrap()).unwrap();
        assert_eq!(reply["error"]["code"], json!(-32700));
    }

    #[test]
    fn chat_numbers_its_broadcasts() {
        let mut seq = 0;
        let (r, leave) = chat_reply("lobby", r#"{"type":"say","text":"hi"}"#, &mut seq);
        assert!(!leave);
        let v: Value = serde_json::from_str(&r).unwrap();
        assert_eq!(
            (v["text"].as_str(), v["seq"].as_u64()),
            (Some("hi"), Some(1))
        );
        assert!(chat_reply("lobby", r#"{"type":"leave"}"#, &mut seq).1);
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
