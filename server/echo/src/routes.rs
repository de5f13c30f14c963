//! What each route answers: the choice made from the request path during the handshake
//! ([`decide`]), and the replies of the routes that do more than echo (chat, JSON-RPC, the test
//! commands). Pure functions of their input; no I/O.

use serde_json::{Value, json};

/// What a connection does, chosen from the request path during the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Echo,
    Commands,
    Chat {
        room: String,
        protocol: Option<String>,
    },
    Rpc,
    Heartbeat,
    /// A conversation: hello, login, a session token, a subscription carrying it, pings.
    Login,
    /// Socket.IO v4 (`crate::socketio`).
    SocketIo,
    /// GraphQL over `graphql-transport-ws` (`crate::graphql::ws`); `agreed`: the client
    /// offered that subprotocol.
    Graphql {
        agreed: bool,
    },
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
pub(crate) enum Decision {
    Serve {
        route: Route,
        subprotocol: Option<String>,
    },
    Refuse(u16),
}

/// The route for `path_and_query`, and the subprotocol to accept: for every route but `/chat`,
/// the first one offered that is in `supported` (any, when `supported` is empty).
pub(crate) fn decide(path_and_query: &str, offered: &[String], supported: &[String]) -> Decision {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let param = |name: &str| query_param(query, name);
    let serve = |route: Route| Decision::Serve {
        route,
        subprotocol: offered
            .iter()
            .find(|p| supported.is_empty() || supported.contains(p))
            .cloned(),
    };
    match path.trim_end_matches('/') {
        "" | "/echo" => serve(Route::Echo),
        "/commands" => serve(Route::Commands),
        "/chat" => {
            let protocol = ["chat.v2", "chat.v1"]
                .into_iter()
                .find(|p| offered.iter().any(|o| o == p))
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
        "/rpc" => serve(Route::Rpc),
        "/heartbeat" => serve(Route::Heartbeat),
        "/login" => serve(Route::Login),
        "/socket.io" => serve(Route::SocketIo),
        "/graphql" => {
            let protocol = crate::graphql::ws::SUBPROTOCOL;
            let agreed = offered.iter().any(|p| p == protocol);
            Decision::Serve {
                route: Route::Graphql { agreed },
                subprotocol: agreed.then(|| protocol.to_string()),
            }
        }
        "/flaky" => {
            let after = param("after")
                .and_then(|a| a.parse().ok())
                .unwrap_or(1)
                .max(1);
            serve(Route::Flaky { after })
        }
        "/close" => {
            let code = param("code").and_then(|c| c.parse().ok()).unwrap_or(1000);
            let reason = param("reason").unwrap_or_else(|| "bye".into());
            serve(Route::Close { code, reason })
        }
        path => match path
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

pub(crate) fn percent_decode(text: &str) -> String {
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

/// The reply to one chat message, and whether the server then closes.
pub(crate) fn chat_reply(room: &str, text: &str, seq: &mut u64) -> (String, bool) {
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
pub(crate) fn rpc_reply(text: &str) -> Option<String> {
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
        "add" => match add(&params) {
            Some(sum) => sum,
            None => {
                return error(
                    id,
                    -32602,
                    "Invalid params: `add` takes an array of numbers",
                );
            }
        },
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

/// The sum of an array of numbers (an integer when they all are), or `None` for anything else.
fn add(params: &Value) -> Option<Value> {
    let numbers = params.as_array()?;
    if !numbers.iter().all(Value::is_number) {
        return None;
    }
    Some(if numbers.iter().all(Value::is_i64) {
        json!(
            numbers
                .iter()
                .filter_map(Value::as_i64)
                .fold(0i64, i64::saturating_add)
        )
    } else {
        json!(numbers.iter().filter_map(Value::as_f64).sum::<f64>())
    })
}

/// Application pings the `/login` route sends once a client has subscribed.
pub(crate) const LOGIN_PINGS: u64 = 3;

/// Where a `/login` conversation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LoginStep {
    /// `{"op":"hello"}` was sent; a login is wanted.
    AwaitLogin,
    /// The token was handed out; a subscription carrying it is wanted.
    AwaitSubscribe { token: String },
    /// Ping `id` was sent; its pong is wanted.
    AwaitPong { id: u64 },
    /// Every ping was answered; anything more is ignored.
    Done,
}

/// What the `/login` route answers to one message: the messages to send, then a close (code,
/// reason) when the client got the conversation wrong. `token` is the fresh session token a
/// login is given.
pub(crate) fn login_reply(
    step: &mut LoginStep,
    text: &str,
    token: impl FnOnce() -> String,
) -> (Vec<String>, Option<(u16, String)>) {
    let message: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let op = message.get("op").and_then(Value::as_str);
    match std::mem::replace(step, LoginStep::Done) {
        LoginStep::AwaitLogin => {
            let user = message.get("user").and_then(Value::as_str);
            match (op, user) {
                (Some("login"), Some(user)) if !user.is_empty() => {
                    let token = token();
                    let welcome = json!({"op": "welcome", "user": user, "token": token});
                    *step = LoginStep::AwaitSubscribe { token };
                    (vec![welcome.to_string()], None)
                }
                _ => (Vec::new(), Some((4001, "login required".into()))),
            }
        }
        LoginStep::AwaitSubscribe { token } => {
            let carried = message.get("token").and_then(Value::as_str);
            if op == Some("subscribe") && carried == Some(token.as_str()) {
                *step = LoginStep::AwaitPong { id: 1 };
                let channel = message.get("channel").cloned().unwrap_or(Value::Null);
                let subscribed = json!({"op": "subscribed", "channel": channel});
                let ping = json!({"op": "ping", "id": 1});
                (vec![subscribed.to_string(), ping.to_string()], None)
            } else {
                (Vec::new(), Some((4003, "bad token".into())))
            }
        }
        LoginStep::AwaitPong { id } => {
            if message != json!({"op": "pong", "id": id}) {
                return (Vec::new(), Some((4002, format!("no pong for ping {id}"))));
            }
            if id < LOGIN_PINGS {
                *step = LoginStep::AwaitPong { id: id + 1 };
                (vec![json!({"op": "ping", "id": id + 1}).to_string()], None)
            } else {
                (vec![json!({"op": "done", "pongs": id}).to_string()], None)
            }
        }
        LoginStep::Done => (Vec::new(), None),
    }
}

/// What the `/commands` route does with one text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Echo,
    Reply(String),
    Flood(u64),
    Close(u16, String),
}

/// The `/commands` route's reading of a text message: `__ping__` gets `__pong__`, `flood <n>`
/// gets `n` messages, `close <code> [reason]` closes, a JSON object with `"method"` gets
/// `{"jsonrpc":"2.0","id":<id>,"result":{"method":<method>,"params":<params>}}`; anything else
/// is echoed.
pub(crate) fn command(text: &str) -> Command {
    let t = text.trim();
    if t == "__ping__" {
        return Command::Reply("__pong__".into());
    }
    if let Some(n) = t
        .strip_prefix("flood ")
        .and_then(|n| n.trim().parse::<u64>().ok())
    {
        return Command::Flood(n.min(1_000_000));
    }
    if let Some(rest) = t.strip_prefix("close ") {
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        if let Ok(code) = code.parse::<u16>()
            && close_code_allowed(code)
        {
            return Command::Close(code, reason.to_string());
        }
    }
    if t.starts_with('{')
        && let Ok(Value::Object(request)) = serde_json::from_str::<Value>(t)
        && let Some(method) = request.get("method")
    {
        let reply = json!({
            "jsonrpc": "2.0",
            "id": request.get("id").cloned().unwrap_or(Value::Null),
            "result": {
                "method": method,
                "params": request.get("params").cloned().unwrap_or(Value::Null),
            }
        });
        return Command::Reply(reply.to_string());
    }
    Command::Echo
}

/// Whether a close frame may carry `code` (RFC 6455 7.4: 1000-1003, 1007-1011, 1012-1014 and
/// 3000-4999; never 1004-1006, 1015 or anything below 1000).
fn close_code_allowed(code: u16) -> bool {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    CloseCode::from(code).is_allowed()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn routes_follow_the_path() {
        assert_eq!(
            decide("/echo", &["x".into()], &[]),
            Decision::Serve {
                route: Route::Echo,
                subprotocol: Some("x".into())
            }
        );
        assert_eq!(
            decide("/", &["superchat".into(), "chat".into()], &["chat".into()]),
            Decision::Serve {
                route: Route::Echo,
                subprotocol: Some("chat".into())
            }
        );
        assert_eq!(
            decide("/commands?token=x", &["nope".into()], &["chat".into()]),
            Decision::Serve {
                route: Route::Commands,
                subprotocol: None
            }
        );
        assert_eq!(
            decide(
                "/chat?room=ops%20team",
                &["chat.v1".into(), "chat.v2".into()],
                &[]
            ),
            Decision::Serve {
                route: Route::Chat {
                    room: "ops team".into(),
                    protocol: Some("chat.v2".into())
                },
                subprotocol: Some("chat.v2".into()),
            }
        );
        assert_eq!(decide("/status/403", &[], &[]), Decision::Refuse(403));
        assert_eq!(decide("/nowhere", &[], &[]), Decision::Refuse(404));
        assert_eq!(
            decide("/flaky?after=3", &[], &[]),
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
    fn commands() {
        assert_eq!(command("__ping__"), Command::Reply("__pong__".into()));
        assert_eq!(command("flood 3"), Command::Flood(3));
        assert_eq!(
            command("close 4000 bye now"),
            Command::Close(4000, "bye now".into())
        );
        assert_eq!(command("close 1005"), Command::Echo);
        assert_eq!(
            command(r#"{"id":7,"method":"sum","params":[1,2]}"#),
            Command::Reply(
                r#"{"jsonrpc":"2.0","id":7,"result":{"method":"sum","params":[1,2]}}"#.into()
            )
        );
        assert_eq!(command("hello"), Command::Echo);
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
