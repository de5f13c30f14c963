//! The `void-ls` binary: LSP over stdio by default, plus the command-line tool.
fn main() {}
