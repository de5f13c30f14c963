//! GraphQL: the payload a query or mutation is POSTed with (`{query, variables,
//! operationName}`, as the app sends it), and the two WebSocket protocols a subscription runs
//! over: `graphql-transport-ws` (the `graphql-ws` library, what the app uses) and the legacy
//! `subscriptions-transport-ws` (subprotocol `graphql-ws`), spoken when the server picks it.
//!
//! A subscription offers both subprotocols; [`WsProtocol::picked`] reads the server's choice.
//! The session sends [`init`], then, once the server acknowledges, [`subscribe`]; each
//! incoming text is [`decode`]d into a [`ServerMessage`]: results (`next` / `data`) are the
//! session's received messages, everything else an event told in words. No I/O here.

use serde_json::{Value, json};

/// The subscription id this client uses (one subscription per session).
pub const SUBSCRIPTION_ID: &str = "1";

/// The JSON body of a query or mutation over HTTP.
pub fn http_payload(query: &str, variables: &Value, operation_name: Option<&str>) -> Value {
    let mut payload = json!({ "query": query, "variables": variables });
    if let (Some(name), Value::Object(map)) = (operation_name, &mut payload) {
        map.insert("operationName".into(), Value::String(name.to_string()));
    }
    payload
}

pub use crate::spec::Subscription;

/// The session spec of a GraphQL subscription section: its HTTP spec (`spec` and `http`, built
/// by [`super::section::from_http_section`]) turned to WebSocket: `http(s)://` becomes
/// `ws(s)://`, both subprotocols are offered, the operation is what it subscribes with, and
/// the `assertions-table` rows read the results as a WebSocket section's rows read messages
/// ([`result_row`]). A row that cannot be read so is refused in words.
pub fn subscription_spec(
    mut spec: crate::SessionSpec,
    http: &super::HttpRequestSpec,
) -> Result<crate::SessionSpec, String> {
    let url = spec.url.trim().to_string();
    spec.url = if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        url
    };
    spec.subprotocols = WsProtocol::OFFERED.iter().map(|s| s.to_string()).collect();
    spec.assertions = http
        .checks
        .iter()
        .map(result_row)
        .collect::<Result<_, _>>()?;
    spec.options.graphql = Some(Subscription {
        payload: http
            .graphql
            .as_ref()
            .map_or(Value::Null, |g| g.payload.clone()),
        init: spec.headers.clone(),
    });
    Ok(spec)
}

/// An `assertions-table` row of a subscription as a WebSocket row: `events` (as on an event
/// stream) reads the received results (`events.count` is `received.count`, `events[any]` is
/// `received[any]`), and WebSocket fields (`received[-1].json.data.n`) are read as written.
pub fn result_row(check: &super::HttpCheck) -> Result<crate::AssertionSpec, String> {
    let field = check.field.trim();
    let field = match field.strip_prefix("events") {
        Some(rest) if rest.starts_with(['.', '[']) => format!("received{rest}"),
        _ => field.to_string(),
    };
    crate::AssertionSpec::parse(
        &check.description,
        &field,
        &check.operator_text,
        &check.expected,
    )
    .map_err(|e| {
        format!(
            "the row `{} {} {}` cannot be read on a subscription's results: {e}",
            check.field, check.operator_text, check.expected
        )
    })
}

/// Which subscription protocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WsProtocol {
    /// `graphql-transport-ws`.
    TransportWs,
    /// `subscriptions-transport-ws`, subprotocol `graphql-ws`.
    Legacy,
}

impl WsProtocol {
    /// The subprotocols offered, in this order: the legacy `graphql-ws` first, because a
    /// legacy server on npm `ws` takes the first one offered and then closes with 1002 when
    /// it is not its own; servers that speak `graphql-transport-ws` pick it by name.
    pub const OFFERED: [&'static str; 2] = ["graphql-ws", "graphql-transport-ws"];

    /// The protocol of the subprotocol the server picked (`graphql-transport-ws` when it
    /// picked none: what current servers speak).
    pub fn picked(subprotocol: Option<&str>) -> WsProtocol {
        match subprotocol.map(str::trim) {
            Some("graphql-ws") => WsProtocol::Legacy,
            _ => WsProtocol::TransportWs,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            WsProtocol::TransportWs => "graphql-transport-ws",
            WsProtocol::Legacy => "subscriptions-transport-ws",
        }
    }
}

/// `connection_init`, with the section's headers as its payload (the app's
/// `connectionParams`).
pub fn init(params: &[(String, String)]) -> String {
    let payload: serde_json::Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({ "type": "connection_init", "payload": payload }).to_string()
}

/// Starts the subscription: `subscribe` (or the legacy `start`).
pub fn subscribe(protocol: WsProtocol, payload: &Value) -> String {
    let kind = match protocol {
        WsProtocol::TransportWs => "subscribe",
        WsProtocol::Legacy => "start",
    };
    json!({ "id": SUBSCRIPTION_ID, "type": kind, "payload": payload }).to_string()
}

/// Ends the subscription: `complete` (or the legacy `stop`).
pub fn complete(protocol: WsProtocol) -> String {
    let kind = match protocol {
        WsProtocol::TransportWs => "complete",
        WsProtocol::Legacy => "stop",
    };
    json!({ "id": SUBSCRIPTION_ID, "type": kind }).to_string()
}

/// The answer to a `ping`.
pub fn pong() -> String {
    json!({ "type": "pong" }).to_string()
}

/// What a server message means.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    /// `connection_ack`: the subscription may start.
    Ack,
    /// A result (`next`, legacy `data`): its `payload` (`{"data": ..., "errors": ...}`).
    Result(Value),
    /// `error` (or a result holding only `errors`): the errors, in words.
    Error(String),
    /// `complete`: the server ended the subscription.
    Complete,
    /// `ping` (answer with [`pong`]).
    Ping,
    /// `pong`, legacy `ka`: nothing to do.
    KeepAlive,
    /// `connection_error` (legacy): the server refused the connection, in words.
    Refused(String),
    /// Not JSON, or a type this client does not know.
    Unexpected(String),
}

/// Reads one text the server sent.
pub fn decode(text: &str) -> ServerMessage {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return ServerMessage::Unexpected(format!(
            "the server sent text that is not a GraphQL protocol message: {}",
            crate::log::text_preview(text)
        ));
    };
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let payload = value.get("payload").cloned().unwrap_or(Value::Null);
    match kind {
        "connection_ack" => ServerMessage::Ack,
        // A result with errors and no data is a failed operation (how the legacy protocol
        // reports a query the server finds invalid).
        "next" | "data"
            if payload.get("data").is_none_or(Value::is_null)
                && payload
                    .get("errors")
                    .and_then(Value::as_array)
                    .is_some_and(|e| !e.is_empty()) =>
        {
            ServerMessage::Error(errors_in_words(&payload["errors"]))
        }
        "next" | "data" => ServerMessage::Result(payload),
        "error" => ServerMessage::Error(errors_in_words(&payload)),
        "complete" => ServerMessage::Complete,
        "ping" => ServerMessage::Ping,
        "pong" | "ka" => ServerMessage::KeepAlive,
        "connection_error" => ServerMessage::Refused(errors_in_words(&payload)),
        other => ServerMessage::Unexpected(format!(
            "the server sent a message of unknown type `{other}`"
        )),
    }
}

/// GraphQL errors (`[{message, path, locations}]`, one object, or text) in words.
pub fn errors_in_words(errors: &Value) -> String {
    let one = |e: &Value| -> String {
        let mut msg = e
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| match e {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        if let Some(path) = e.get("path").and_then(Value::as_array) {
            let path: Vec<String> = path
                .iter()
                .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
                .collect();
            msg.push_str(&format!(" (path {})", path.join(".")));
        }
        if let Some(loc) = e.get("locations").and_then(|l| l.get(0)) {
            msg.push_str(&format!(
                " at line {}, column {}",
                loc.get("line").unwrap_or(&Value::Null),
                loc.get("column").unwrap_or(&Value::Null)
            ));
        }
        msg
    };
    match errors {
        Value::Array(list) if !list.is_empty() => {
            list.iter().map(one).collect::<Vec<_>>().join("; ")
        }
        Value::Object(map) if map.contains_key("errors") => errors_in_words(&map["errors"]),
        Value::Null => "an error without details".into(),
        other => one(other),
    }
}

/// Close codes of `graphql-transport-ws` in words.
pub fn close_words(code: u16) -> Option<&'static str> {
    Some(match code {
        4400 => "the server found a protocol message invalid",
        4401 => "unauthorized: the connection was not acknowledged",
        4403 => "forbidden by the server",
        4406 => "the server does not speak this subprotocol",
        4408 => "the connection was not initialised in time",
        4409 => "a subscription with this id already exists",
        4429 => "too many initialisation requests",
        4500 => "the server failed",
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn both_protocols_are_spoken() {
        let payload = http_payload("subscription { tick }", &json!({"n": 2}), Some("T"));
        assert_eq!(payload["operationName"], "T");
        assert_eq!(
            subscribe(WsProtocol::TransportWs, &payload),
            r#"{"id":"1","type":"subscribe","payload":{"query":"subscription { tick }","variables":{"n":2},"operationName":"T"}}"#
        );
        assert!(subscribe(WsProtocol::Legacy, &payload).contains(r#""type":"start""#));
        assert_eq!(complete(WsProtocol::Legacy), r#"{"id":"1","type":"stop"}"#);
        assert_eq!(WsProtocol::picked(Some("graphql-ws")), WsProtocol::Legacy);
        assert_eq!(WsProtocol::picked(None), WsProtocol::TransportWs);
        assert_eq!(
            init(&[("Authorization".into(), "Bearer t".into())]),
            r#"{"type":"connection_init","payload":{"Authorization":"Bearer t"}}"#
        );
    }

    #[test]
    fn server_messages_are_read() {
        assert_eq!(decode(r#"{"type":"connection_ack"}"#), ServerMessage::Ack);
        assert_eq!(
            decode(r#"{"id":"1","type":"next","payload":{"data":{"tick":1}}}"#),
            ServerMessage::Result(json!({"data": {"tick": 1}}))
        );
        assert_eq!(
            decode(r#"{"id":"1","type":"data","payload":{"data":{"tick":2}}}"#),
            ServerMessage::Result(json!({"data": {"tick": 2}}))
        );
        assert_eq!(decode(r#"{"type":"ka"}"#), ServerMessage::KeepAlive);
        assert_eq!(
            decode(r#"{"id":"1","type":"data","payload":{"errors":[{"message":"no"}]}}"#),
            ServerMessage::Error("no".into())
        );
        assert_eq!(
            decode(
                r#"{"id":"1","type":"error","payload":[{"message":"bad","path":["tick"],"locations":[{"line":1,"column":3}]}]}"#
            ),
            ServerMessage::Error("bad (path tick) at line 1, column 3".into())
        );
        assert!(matches!(decode("nope"), ServerMessage::Unexpected(_)));
    }
}
