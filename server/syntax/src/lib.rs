//! `void-syntax`: everything about the text of a `.void` file, and nothing else.
//!
//! It turns a `.void` text into a document model where every part carries its byte range, reports
//! diagnostics, writes the canonical (Voiden app) formatting, and resolves `{{variables}}`.
//! It must not know LSP types, perform I/O, or be async: callers hand it text and get plain
//! structs with byte offsets back.
//!
//! # Public API
//!
//! - [`parse`]`(text) -> `[`Document`]: frontmatter, every ```` ```void ```` block as a
//!   [`Block`] (typed [`BlockKind`], spanned [`yaml::Tree`] read through [`yaml::Node`] views,
//!   e.g. `block.yaml_root()?.get("attrs")?.as_str()`), [`Section`]s split by
//!   `request-separator`, Markdown headings, `{{variable}}` references ([`VariableRef`]) and
//!   environment-free [`Diagnostic`]s with stable [`codes`]. Never fails, never panics.
//! - [`format()`]`(text) -> String` and [`format_edits`]`(text) -> Vec<`[`Edit`]`>`: the Voiden
//!   app's canonical YAML style; untouched blocks stay byte-identical.
//! - [`variables`]: resolution from environment, `.env*` files, `.voiden/env-*.yaml` and
//!   overrides through the [`variables::EnvFiles`] trait (the caller does the I/O), secrets,
//!   masking, and [`variables::diagnose_variables`] for unresolved `{{NAME}}`.
//! - [`LineIndex`]: byte offset <-> line/column (UTF-8 bytes, UTF-16 units or chars).
//! - [`vocab`]: the WebSocket words (options, formats, send modes, assertion grammar).
//!
//! All ranges are byte ranges into the parsed text (a leading BOM counts as 3 bytes).
//!
//! # Decisions (and why)
//!
//! - **Blocks**: a fenced code block whose info string's first word is `void` (```` ```void ````,
//!   ```` ```void title ````; backticks or tildes),
//!   found by pulldown-cmark, so fences inside lists and quotes count too. Inside a list or quote
//!   the YAML is read without the container prefixes (ranges still point into the file) and the
//!   formatter leaves the block alone. The frontmatter is detected at offset 0 (after a BOM) before
//!   Markdown parsing. Text after the second `---` inside a fence is ignored, as in the app.
//! - **Uids**: every `attrs.uid` on a node that has a `type`, at any depth of any block, is an
//!   identity and must be unique in the file (`duplicate-uid`, error) — except `fileLink` and
//!   `linkedFile` inline nodes, which the app writes with copied uids (the sample files repeat one
//!   uid on every link of a prose table). Any uid that is not a UUID is a warning
//!   (`uid-not-uuid`), never an error: the Voiden plugin's own examples use placeholders.
//! - **Severities**: errors are what makes a file unusable or a request wrong (YAML that does not
//!   parse, missing type, duplicate uid, no/invalid URL, bad message format/encoding/body/send/
//!   delay, bad option value, bad assertion row, ws-* block outside a WebSocket section, duplicate
//!   message names, second ws-options/ws-assertions). Warnings are legal but risky or likely
//!   mistakes (`ws://` to a non-loopback host, `insecure: true`, unknown option key, unresolved
//!   variable, non-UUID uid, table shape). A hint, with its quick fix: smethod text disagreeing
//!   with the URL scheme (the app connects by the scheme, and writes `WSS` with `ws://` itself).
//!   A URL with no host (`wss://` alone, what the app's `/wss` inserts) is an error.
//! - **Sections**: `request-separator` blocks split the file; the lead section before the first
//!   separator is dropped when it holds no block. A section is a WebSocket section when its first
//!   `socket-request` is not gRPC (smethod `GRPC`/`GRPCS`, a `grpc` URL, or a `proto` item).
//! - **Line endings**: parsing accepts LF, CRLF and lone CR. The formatter only replaces the YAML
//!   between the `---` lines of blocks that change, and writes each rewritten block with the line
//!   ending its own content uses, so a CRLF file stays CRLF and untouched bytes stay untouched.
//! - **Variables**: `{{NAME}}` references are collected from the source text of block scalars only
//!   (prose is never scanned: `{{fileLink|...}}` is a link token there). See [`variables`] for the
//!   resolution order and secrets.

pub mod conversation;
pub mod diagnostics;
pub mod environments;
pub mod format;
pub mod http;
pub mod line_index;
pub mod links;
mod markdown;
pub mod mcp_tools;
pub mod model;
mod parse;
pub mod secrets;
pub mod variables;
pub mod vocab;
pub mod yaml;

pub use compact_str::CompactString;
pub use diagnostics::{Diagnostic, Severity, codes};
pub use format::{Edit, format, format_edits};
pub use line_index::LineIndex;
pub use model::*;
pub use parse::{KNOWN_BLOCK_TYPES, parse};
