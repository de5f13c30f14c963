//! `void-syntax`: everything about the text of a `.void` file, and nothing else.
//!
//! It turns a `.void` text into a document model where every part carries its byte range, reports
//! diagnostics, writes the canonical (Voiden app) formatting, and resolves `{{variables}}`.
//! It must not know LSP types, perform I/O, or be async: callers hand it text and get plain
//! structs with byte offsets back.

pub mod vocab;
