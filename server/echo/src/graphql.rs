//! `/graphql`: the embedded server's GraphQL endpoint, a small fixed demo schema (items, an
//! `addItem` mutation, a `ticks` subscription; [`execute`] says it) served with no GraphQL
//! library, so the demo and the tests run GraphQL sections against the shipped binary.
//!
//! - Queries and mutations over HTTP, as GraphQL over HTTP has them with `application/json`:
//!   `POST /graphql` with a JSON body `{query, variables, operationName}`, or `GET
//!   /graphql?query=...&variables=...&operationName=...` for queries. A well-formed request is
//!   answered 200 with `{data}`, `{data, errors}` or `{errors: [{message, locations}]}`; a
//!   request that is not one (not JSON, no `query`) is 400, a mutation over GET 405.
//! - Subscriptions (and queries and mutations too) over WebSocket on the same path with the
//!   `graphql-transport-ws` protocol ([`ws`]).
//!
//! The document is read by [`parse`], a hand-written parser for the part of GraphQL the schema
//! needs; its errors and the schema's are answered in words with their place, never a panic.

pub(crate) mod execute;
pub(crate) mod parse;
pub(crate) mod ws;

use serde_json::{Map, Value, json};

use parse::OperationKind;

/// The operation a request carries: `{query, variables, operationName}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Request {
    pub query: String,
    pub variables: Map<String, Value>,
    pub operation_name: Option<String>,
}

impl Request {
    /// Reads a request object (a POST body, a `subscribe` payload); why it is not one.
    pub fn from_json(value: &Value) -> Result<Request, String> {
        let Value::Object(map) = value else {
            return Err("the request is not a JSON object {\"query\": ...}".into());
        };
        let query = match map.get("query") {
            Some(Value::String(q)) => q.clone(),
            Some(_) => return Err("\"query\" is not a string".into()),
            None => return Err("the request has no \"query\"".into()),
        };
        let variables = match map.get("variables") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(v)) => v.clone(),
            Some(_) => return Err("\"variables\" is not a JSON object".into()),
        };
        let operation_name = match map.get("operationName") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => Some(name.clone()),
            Some(_) => return Err("\"operationName\" is not a string".into()),
        };
        Ok(Request {
            query,
            variables,
            operation_name,
        })
    }

    /// Reads a GET request's query string.
    fn from_query_string(query: &str) -> Result<Request, String> {
        let mut object = Map::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = crate::routes::percent_decode(key);
            let value = crate::routes::percent_decode(value);
            let value = if key == "variables" && !value.is_empty() {
                serde_json::from_str(&value)
                    .map_err(|e| format!("\"variables\" is not JSON: {e}"))?
            } else {
                Value::String(value)
            };
            object.insert(key, value);
        }
        Request::from_json(&Value::Object(object))
    }

    /// Prepared for running.
    pub fn prepare(&self) -> Result<execute::Plan, Vec<Value>> {
        execute::prepare(&self.query, &self.variables, self.operation_name.as_deref())
    }
}

/// The answer to an HTTP request on `/graphql`: status and JSON body.
pub(crate) fn over_http(method: &str, query_string: &str, body: &[u8]) -> (u16, Value) {
    let request = match method {
        "POST" => serde_json::from_slice::<Value>(body)
            .map_err(|e| format!("the body is not JSON: {e}"))
            .and_then(|v| Request::from_json(&v)),
        "GET" => Request::from_query_string(query_string),
        _ => {
            return (
                405,
                errors(&format!(
                    "{method} is not served on /graphql: POST a query or mutation, or GET a query"
                )),
            );
        }
    };
    let request = match request {
        Ok(request) => request,
        Err(why) => return (400, errors(&why)),
    };
    let plan = match request.prepare() {
        Ok(plan) => plan,
        Err(list) => return (200, json!({ "errors": list })),
    };
    match plan.kind() {
        OperationKind::Subscription => (
            200,
            errors(
                "subscriptions are served over WebSocket on this path (subprotocol graphql-transport-ws), not over HTTP",
            ),
        ),
        OperationKind::Mutation if method == "GET" => {
            (405, errors("a mutation is not run over GET: POST it"))
        }
        _ => (200, plan.execute()),
    }
}

/// `{"errors": [{"message": why}]}`.
fn errors(why: &str) -> Value {
    json!({ "errors": [execute::error(why, None)] })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn http_requests_are_answered_as_graphql_over_http() {
        let (status, body) = over_http(
            "POST",
            "",
            br#"{"query": "query One($id: Int!) { item(id: $id) { name } }", "variables": {"id": 2}, "operationName": "One"}"#,
        );
        assert_eq!(
            (status, body),
            (200, json!({"data": {"item": {"name": "item 2"}}}))
        );
        let (status, body) = over_http("GET", "query=%7B+items+%7B+id+%7D+%7D", b"");
        assert_eq!(status, 200);
        assert_eq!(body["data"]["items"][2]["id"], 3);
        let (status, body) = over_http(
            "GET",
            "query=query%20(%24n%3A%20String)%20%7B%20hello(name%3A%20%24n)%20%7D&variables=%7B%22n%22%3A%22x%22%7D",
            b"",
        );
        assert_eq!((status, &body["data"]["hello"]), (200, &json!("hello x")));
        assert_eq!(over_http("POST", "", b"{nope").0, 400);
        assert_eq!(over_http("POST", "", b"{}").0, 400);
        assert_eq!(over_http("POST", "", br#"{"query": 1}"#).0, 400);
        assert_eq!(over_http("DELETE", "", b"").0, 405);
        assert_eq!(
            over_http(
                "GET",
                "query=mutation%7BaddItem(name%3A%22a%22)%7Bid%7D%7D",
                b""
            )
            .0,
            405
        );
        let (status, body) = over_http("POST", "", br#"{"query": "{ nope }"}"#);
        assert_eq!(status, 200);
        assert_eq!(body["errors"][0]["locations"][0]["column"], 3);
        let (_, body) = over_http("POST", "", br#"{"query": "subscription { ticks { n } }"}"#);
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("WebSocket")
        );
    }
}
