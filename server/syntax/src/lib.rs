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
//!   [`Block`] (typed [`BlockKind`], spanned [`yaml::Node`] tree), [`Section`]s split by
//!   `request-separator`, Markdown headings, `{{variable}}` references ([`VariableRef`]) and
//!   environment-free [`Diagnostic`]s with stable [`codes`]. Never fails, never panics.
//! - [`format`]`(text) -> String` and [`format_edits`]`(text) -> Vec<`[`Edit`]`>`: the Voiden
//!   app's canonical YAML style; untouched blocks stay byte-identical.
//! - [`variables`]: resolution from environment, `.env*` files, `.voiden/env-*.yaml` and
//!   overrides through the [`variables::EnvFiles`] trait (the caller does the I/O), secrets,
//!   masking, and [`variables::diagnose_variables`] for unresolved `{{NAME}}`.
//! - [`LineIndex`]: byte offset <-> line/column (UTF-8 bytes, UTF-16 units or chars).
//! - [`vocab`]: the WebSocket words (options, formats, send modes, assertion grammar).
//!
//! All ranges are byte ranges into the parsed text (a leading BOM counts as 3 bytes).

pub mod diagnostics;
pub mod format;
pub mod line_index;
pub mod model;
mod parse;
pub mod variables;
pub mod vocab;
pub mod yaml;

pub use diagnostics::{Diagnostic, Severity, codes};
pub use format::{Edit, format, format_edits};
pub use line_index::LineIndex;
pub use model::*;
pub use parse::{KNOWN_BLOCK_TYPES, parse};
