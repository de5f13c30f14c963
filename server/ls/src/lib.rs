//! The `void-ls` library half: the language server, as a library so the in-process test harness
//! in `tests/` and the benchmark can drive it over real JSON-RPC framing. The binary (`main.rs`)
//! only parses arguments and calls into it; the CLI subcommands live in the binary's `cli` tree.

pub mod lsp;
