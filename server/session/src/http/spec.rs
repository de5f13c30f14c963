//! What an HTTP request is once its section is resolved: the method, the body, the options
//! of the app's `options-table`, the `assertions-table` rows checked on the response and the
//! `runtime-variables` rows captured from it. The URL (path and query parameters applied),
//! the headers, cookies and auth, the TLS and proxy settings and the secrets live in the
//! [`SessionSpec`](crate::SessionSpec) that holds this part, exactly as for a WebSocket.
//!
//! Plain data: building it is [`crate::section`]'s job, sending it [`super::client`]'s.

use std::time::Duration;

use void_syntax::http::HttpOperator;

/// The HTTP part of a session spec.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequestSpec {
    /// Upper case, as sent.
    pub method: String,
    pub body: RequestBody,
    pub options: HttpOptions,
    /// The `assertions-table` rows read on the response (status, headers, body). Rows on a
    /// Server-Sent Events stream's events are [`AssertionSpec`](crate::AssertionSpec)s of the
    /// session instead.
    pub checks: Vec<HttpCheck>,
    /// The `runtime-variables` rows, in order.
    pub captures: Vec<CaptureSpec>,
    /// Things the section holds that are not run, in words (`pre_script` and `post_script`).
    pub notes: Vec<String>,
    /// For a GraphQL section: `query`, `mutation` or `subscription`, and the operation name.
    pub graphql: Option<GraphqlOperation>,
}

impl HttpRequestSpec {
    pub fn new(method: impl Into<String>) -> Self {
        HttpRequestSpec {
            method: method.into(),
            body: RequestBody::Empty,
            options: HttpOptions::default(),
            checks: Vec::new(),
            captures: Vec::new(),
            notes: Vec::new(),
            graphql: None,
        }
    }
}

/// A GraphQL operation's kind and name (what the log and the status show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphqlOperation {
    /// `query`, `mutation` or `subscription`.
    pub kind: String,
    pub name: Option<String>,
    /// The whole `{query, variables, operationName}` payload, for a subscription (sent over
    /// WebSocket, not as an HTTP body).
    pub payload: serde_json::Value,
}

/// The body of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestBody {
    Empty,
    /// `json_body` (comments stripped), `xml_body`, `yml_body`, `text_body`, a GraphQL
    /// payload.
    Text {
        text: String,
        content_type: String,
    },
    /// `url-table`: `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// `multipart-table`: `multipart/form-data`.
    Multipart(Vec<FormPart>),
    /// `restFile`: a file sent as the whole body (its type guessed from its name unless a
    /// `Content-Type` header says).
    File {
        path: String,
    },
}

/// One field of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormPart {
    Text {
        name: String,
        value: String,
    },
    /// `path` as written in the file link: from the project root when it starts with `/`,
    /// else from the `.void` file's directory.
    File {
        name: String,
        path: String,
    },
}

/// The app's `options-table` keys for HTTP (the shared ones, TLS, proxy and `connectTimeout`,
/// are in the session options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpOptions {
    /// The whole exchange, connecting included.
    pub timeout: Duration,
    pub follow_redirects: bool,
    pub max_redirects: u32,
    /// The body kept in memory (view, assertions, captures); the transcript keeps it whole.
    pub max_response_size: u64,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(30),
            follow_redirects: true,
            max_redirects: 10,
            max_response_size: 64 * 1024 * 1024,
        }
    }
}

/// One `assertions-table` row, resolved: read on the response with the app's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpCheck {
    pub description: String,
    /// The field path, the operator word taken off its end when written there.
    pub field: String,
    pub operator: HttpOperator,
    /// The operator as written (shown in reports).
    pub operator_text: String,
    pub expected: String,
}

/// One `runtime-variables` row: `name` receives `expression` (text with `{{$res...}}` /
/// `{{$req...}}` references) once the response is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSpec {
    pub name: String,
    pub expression: String,
}
