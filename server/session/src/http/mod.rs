//! HTTP sections: the app's REST requests, GraphQL over HTTP, Server-Sent Events, and the
//! GraphQL subscription protocols over WebSocket.
//!
//! HTTP lives in this crate, not one of its own, because an HTTP request is a session like a
//! WebSocket one: the same spec builder reads its section, the same connector opens its byte
//! stream (TCP, proxy, rustls: one TLS policy and one set of words for failures), and a
//! Server-Sent Events stream or a GraphQL subscription is a live session with the same log,
//! transcript, status, pause and assertions. The language server and the CLI therefore handle
//! every kind of section through one `Session` type.
//!
//! - [`section`]: an HTTP or GraphQL section of a document into the specs that run it.
//! - [`exchange`]: one request sent, its body read, its rows checked and values captured.
//! - [`spec`]: what an HTTP request is once its section is resolved (method, body, options,
//!   the app's assertion rows, captures).
//! - [`client`]: HTTP/1.1 exchanges over [`crate::connect`], keep-alive reuse, redirects,
//!   timing, bodies read with a cap.
//! - [`body`]: request bodies as bytes (text, url-encoded, multipart with files read through
//!   [`crate::project_files`], a file).
//! - [`view`]: the response as a person reads it (status line, timing, headers, the body
//!   pretty-printed by content type, cut when large).
//! - [`checks`]: the app's `assertions-table` semantics.
//! - [`capture`]: `runtime-variables` rows (`{{$res...}}`, `{{$req...}}`) into values.
//! - [`sse`]: the `text/event-stream` decoder.
//! - [`graphql`]: GraphQL requests and the `graphql-transport-ws` /
//!   `subscriptions-transport-ws` messages.
//!
//! Nothing here knows LSP, and nothing here runs a script.

pub mod body;
pub mod capture;
pub mod checks;
pub mod client;
pub mod exchange;
pub mod graphql;
pub mod section;
pub mod spec;
pub mod sse;
pub mod view;

pub use spec::{CaptureSpec, FormPart, HttpCheck, HttpOptions, HttpRequestSpec, RequestBody};
