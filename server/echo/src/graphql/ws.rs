//! The server side of `graphql-transport-ws` (the protocol of npm `graphql-ws`) on a
//! `/graphql` WebSocket: [`Protocol`] decides what each client message gets, with no I/O;
//! [`serve`] drives it on a connection, sending each subscription's events on time.
//!
//! The client sends `connection_init` (any payload) and gets `connection_ack`; then each
//! `subscribe {id, payload: {query, variables, operationName}}` runs: a subscription sends
//! `next` per event and `complete` after the last, a query or mutation one `next` and
//! `complete`, an invalid operation one `error` with the GraphQL errors. The client's
//! `complete` stops a subscription; `ping` is answered with `pong`. Breaches close the
//! connection with the protocol's codes: 4400 (a message that is not one of the protocol's),
//! 4401 (`subscribe` before the acknowledgement), 4406 (the subprotocol was not agreed),
//! 4408 (no `connection_init` within [`INIT_TIMEOUT`]), 4409 (an id already running), 4429
//! (a second `connection_init`).

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::Request;
use super::execute::Plan;
use super::parse::OperationKind;

/// The subprotocol spoken.
pub(crate) const SUBPROTOCOL: &str = "graphql-transport-ws";

/// The most subscriptions one connection runs at once (more: an `error` message).
const MAX_RUNNING: usize = 100;

/// How long the server waits for `connection_init`.
pub(crate) const INIT_TIMEOUT: Duration = Duration::from_secs(3);

/// What the server does in answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Out {
    Text(String),
    /// Closes the connection with this code and reason.
    Close(u16, String),
}

/// A running subscription.
#[derive(Debug)]
struct Running {
    plan: Plan,
    sent: u64,
    count: u64,
    every: Duration,
    next_at: Instant,
}

/// One connection's protocol state.
#[derive(Debug, Default)]
pub(crate) struct Protocol {
    acknowledged: bool,
    running: BTreeMap<String, Running>,
}

fn message(kind: &str, id: &str, payload: Option<Value>) -> Out {
    let mut m = json!({ "id": id, "type": kind });
    if let Some(payload) = payload {
        m["payload"] = payload;
    }
    Out::Text(m.to_string())
}

fn invalid(why: impl Into<String>) -> Vec<Out> {
    vec![Out::Close(4400, why.into())]
}

impl Protocol {
    /// The answer to one text message.
    pub fn on_text(&mut self, text: &str, now: Instant) -> Vec<Out> {
        let Ok(value) = serde_json::from_str::<Value>(text) else {
            return invalid("Invalid message received: not JSON");
        };
        let Some(kind) = value.get("type").and_then(Value::as_str) else {
            return invalid("Invalid message received: no \"type\"");
        };
        match kind {
            "connection_init" if self.acknowledged => {
                vec![Out::Close(4429, "Too many initialisation requests".into())]
            }
            "connection_init" => {
                self.acknowledged = true;
                vec![Out::Text(json!({ "type": "connection_ack" }).to_string())]
            }
            "ping" => vec![Out::Text(json!({ "type": "pong" }).to_string())],
            "pong" => Vec::new(),
            "subscribe" => self.subscribe(&value, now),
            "complete" => match value.get("id").and_then(Value::as_str) {
                Some(id) => {
                    self.running.remove(id);
                    Vec::new()
                }
                None => invalid("Invalid message received: \"complete\" without an id"),
            },
            other => invalid(format!(
                "Invalid message received: unexpected message of type \"{other}\""
            )),
        }
    }

    fn subscribe(&mut self, value: &Value, now: Instant) -> Vec<Out> {
        if !self.acknowledged {
            return vec![Out::Close(4401, "Unauthorized".into())];
        }
        let id = match value.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => return invalid("Invalid message received: \"subscribe\" without an id"),
        };
        let request = match Request::from_json(value.get("payload").unwrap_or(&Value::Null)) {
            Ok(request) => request,
            Err(why) => return invalid(format!("Invalid message received: {why}")),
        };
        if self.running.contains_key(&id) {
            return vec![Out::Close(
                4409,
                format!("Subscriber for {id} already exists"),
            )];
        }
        let plan = match request.prepare() {
            Ok(plan) => plan,
            Err(errors) => return vec![message("error", &id, Some(Value::Array(errors)))],
        };
        if plan.kind() != OperationKind::Subscription {
            return vec![
                message("next", &id, Some(plan.execute())),
                message("complete", &id, None),
            ];
        }
        if self.running.len() >= MAX_RUNNING {
            let why = format!("at most {MAX_RUNNING} subscriptions run at once on one connection");
            let errors = json!([super::execute::error(&why, None)]);
            return vec![message("error", &id, Some(errors))];
        }
        let (count, every_ms) = plan.ticks();
        self.running.insert(
            id,
            Running {
                plan,
                sent: 0,
                count,
                every: Duration::from_millis(every_ms),
                next_at: now,
            },
        );
        self.due(now)
    }

    /// When the next event is due, if a subscription runs.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.running.values().map(|r| r.next_at).min()
    }

    /// The events due at `now`, and the `complete` of each subscription whose last went.
    pub fn due(&mut self, now: Instant) -> Vec<Out> {
        let mut out = Vec::new();
        let mut finished = Vec::new();
        for (id, running) in &mut self.running {
            if running.next_at > now {
                continue;
            }
            if running.sent < running.count {
                running.sent += 1;
                out.push(message("next", id, Some(running.plan.event(running.sent))));
                running.next_at = now + running.every;
            }
            if running.sent >= running.count {
                out.push(message("complete", id, None));
                finished.push(id.clone());
            }
        }
        for id in finished {
            self.running.remove(&id);
        }
        out
    }
}

/// Serves a `/graphql` WebSocket until either side ends it; `agreed`: the handshake chose
/// [`SUBPROTOCOL`] (else the connection is closed with 4406).
pub(crate) async fn serve<S>(ws: &mut WebSocketStream<S>, agreed: bool, verbose: bool)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if !agreed {
        let _ = close(ws, 4406, "Subprotocol not acceptable").await;
        return;
    }
    let mut protocol = Protocol::default();
    let init_deadline = Instant::now() + INIT_TIMEOUT;
    loop {
        let deadline = if protocol.acknowledged {
            protocol.next_deadline()
        } else {
            Some(init_deadline)
        };
        let far = Instant::now() + Duration::from_secs(3600);
        let incoming = tokio::select! {
            incoming = ws.next() => incoming,
            _ = tokio::time::sleep_until(deadline.unwrap_or(far)) => {
                let outs = if protocol.acknowledged {
                    protocol.due(Instant::now())
                } else {
                    vec![Out::Close(4408, "Connection initialisation timeout".into())]
                };
                if send_all(ws, outs).await.is_err() {
                    return;
                }
                continue;
            }
        };
        let outs = match incoming {
            Some(Ok(Message::Text(text))) => {
                if verbose {
                    eprintln!("graphql <- {}", crate::shorten(&text));
                }
                protocol.on_text(&text, Instant::now())
            }
            Some(Ok(Message::Binary(_))) => invalid("Invalid message received: binary"),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return,
        };
        if send_all(ws, outs).await.is_err() {
            return;
        }
    }
}

/// Sends `outs`; `Err` when the connection is over (closed here or gone).
async fn send_all<S>(ws: &mut WebSocketStream<S>, outs: Vec<Out>) -> Result<(), ()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    for out in outs {
        match out {
            Out::Text(text) => ws.feed(Message::text(text)).await.map_err(|_| ())?,
            Out::Close(code, reason) => {
                let _ = close(ws, code, &reason).await;
                return Err(());
            }
        }
    }
    ws.flush().await.map_err(|_| ())
}

/// Closes with `code` and `reason`, and waits for the client's close reply.
async fn close<S>(ws: &mut WebSocketStream<S>, code: u16, reason: &str) -> Result<(), ()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    };
    ws.close(Some(frame)).await.map_err(|_| ())?;
    let wait = async { while let Some(Ok(_)) = ws.next().await {} };
    let _ = tokio::time::timeout(Duration::from_secs(2), wait).await;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn texts(outs: &[Out]) -> Vec<Value> {
        outs.iter()
            .map(|o| match o {
                Out::Text(t) => serde_json::from_str(t).unwrap(),
                Out::Close(code, reason) => json!({"close": code, "reason": reason}),
            })
            .collect()
    }

    #[test]
    fn a_subscription_sends_its_events_then_completes() {
        let now = Instant::now();
        let mut p = Protocol::default();
        let sub = r#"{"id":"1","type":"subscribe","payload":{"query":"subscription { ticks(count: 2, everyMs: 10) { n } }"}}"#;
        assert_eq!(texts(&p.on_text(sub, now))[0]["close"], 4401);
        assert_eq!(
            texts(&p.on_text(r#"{"type":"connection_init","payload":{}}"#, now)),
            vec![json!({"type": "connection_ack"})]
        );
        let first = texts(&p.on_text(sub, now));
        assert_eq!(
            first,
            vec![json!({"id": "1", "type": "next", "payload": {"data": {"ticks": {"n": 1}}}})]
        );
        assert_eq!(texts(&p.on_text(sub, now))[0]["close"], 4409);
        assert!(p.due(now).is_empty(), "the next event waits everyMs");
        let later = now + Duration::from_millis(10);
        assert_eq!(p.next_deadline(), Some(later));
        let last = texts(&p.due(later));
        assert_eq!(last[0]["payload"]["data"]["ticks"]["n"], 2);
        assert_eq!(last[1], json!({"id": "1", "type": "complete"}));
        assert_eq!(p.next_deadline(), None);
    }

    #[test]
    fn queries_errors_pings_and_breaches() {
        let now = Instant::now();
        let mut p = Protocol::default();
        p.on_text(r#"{"type":"connection_init"}"#, now);
        let q = texts(&p.on_text(
            r#"{"id":"q","type":"subscribe","payload":{"query":"{ hello }"}}"#,
            now,
        ));
        assert_eq!(q[0]["payload"]["data"]["hello"], "hello world");
        assert_eq!(q[1]["type"], "complete");
        let e = texts(&p.on_text(
            r#"{"id":"e","type":"subscribe","payload":{"query":"subscription { nope }"}}"#,
            now,
        ));
        assert_eq!(e[0]["type"], "error");
        assert!(
            e[0]["payload"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Cannot query field \"nope\"")
        );
        assert_eq!(
            texts(&p.on_text(r#"{"type":"ping"}"#, now)),
            vec![json!({"type": "pong"})]
        );
        p.on_text(r#"{"id":"s","type":"subscribe","payload":{"query":"subscription { ticks(count: 5) { n } }"}}"#, now);
        assert!(p.next_deadline().is_some());
        assert!(p.on_text(r#"{"id":"s","type":"complete"}"#, now).is_empty());
        assert_eq!(p.next_deadline(), None, "the client's complete stops it");
        for n in 0..=MAX_RUNNING {
            let sub = format!(
                r#"{{"id":"{n}","type":"subscribe","payload":{{"query":"subscription {{ ticks(count: 5) {{ n }} }}"}}}}"#
            );
            let said = texts(&p.on_text(&sub, now));
            assert_eq!(
                said[0]["type"],
                if n < MAX_RUNNING { "next" } else { "error" },
                "{n}"
            );
        }
        assert_eq!(texts(&p.on_text("nope", now))[0]["close"], 4400);
        assert_eq!(
            texts(&p.on_text(r#"{"type":"start"}"#, now))[0]["close"],
            4400
        );
        assert_eq!(
            texts(&p.on_text(r#"{"id":"x","type":"subscribe","payload":{}}"#, now))[0]["close"],
            4400
        );
        assert_eq!(
            texts(&p.on_text(r#"{"type":"connection_init"}"#, now))[0]["close"],
            4429
        );
    }

    /// The close code the server's `/graphql` ends a connection with after `first` (or, when
    /// `None`, after saying nothing).
    async fn closed_with(first: Option<&str>) -> Option<u16> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let server = crate::EchoServer::start(crate::EchoServerConfig::default())
            .await
            .unwrap();
        let mut request = format!("{}/graphql", server.url())
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", SUBPROTOCOL.parse().unwrap());
        let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(response.headers()["sec-websocket-protocol"], SUBPROTOCOL);
        if let Some(text) = first {
            ws.send(Message::text(text)).await.unwrap();
        }
        let wait = INIT_TIMEOUT + Duration::from_secs(2);
        while let Ok(Some(Ok(message))) = tokio::time::timeout(wait, ws.next()).await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    }

    #[tokio::test]
    async fn the_driver_closes_with_the_protocol_codes() {
        assert_eq!(
            closed_with(None).await,
            Some(4408),
            "no connection_init in time"
        );
        let early = r#"{"id":"1","type":"subscribe","payload":{"query":"{ hello }"}}"#;
        assert_eq!(closed_with(Some(early)).await, Some(4401));
        assert_eq!(closed_with(Some("{}")).await, Some(4400));
    }
}
