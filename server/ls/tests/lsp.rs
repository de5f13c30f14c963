//! Language-server tests over real JSON-RPC framing, in process (see `lsp/harness.rs`):
//! one snapshot test per feature, the ordering stress test, bad-input handling, and WebSocket
//! sessions driven through the server against a loopback echo server.
#![allow(clippy::unwrap_used)]

#[path = "lsp/harness.rs"]
mod harness;

#[path = "lsp/editor_protocol.rs"]
mod editor_protocol;

#[path = "lsp/features.rs"]
mod features;

#[path = "lsp/ordering.rs"]
mod ordering;

#[path = "lsp/robustness.rs"]
mod robustness;

#[path = "lsp/sessions.rs"]
mod sessions;

#[path = "lsp/serves.rs"]
mod serves;

#[path = "lsp/environments.rs"]
mod environments;

#[path = "lsp/links.rs"]
mod links;

#[path = "lsp/workspace.rs"]
mod workspace;

#[path = "lsp/references.rs"]
mod references;

#[path = "lsp/rename.rs"]
mod rename;

#[path = "lsp/document_links.rs"]
mod document_links;

#[path = "lsp/conversations.rs"]
mod conversations;
#[path = "lsp/mcp_tools.rs"]
mod mcp_tools;

#[path = "lsp/inlay_hints.rs"]
mod inlay_hints;

#[path = "lsp/semantic_tokens.rs"]
mod semantic_tokens;

#[path = "lsp/http_runs.rs"]
mod http_runs;

#[path = "../../session/tests/common/mod.rs"]
mod peers;

#[path = "lsp/project_diagnostics.rs"]
mod project_diagnostics;
