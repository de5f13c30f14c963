//! The hostile-input suite: what a cloned repository, a stranger's pull request or a broken
//! client can put in front of `void-ls`, run against the real binary (`check`, `run`, and the
//! language server over stdio) with real files, pipes and symlinks made at run time, real
//! loopback servers, and the fixtures in `tests/hostile/fixtures/`.
//!
//! Every case asserts, where it applies: nothing outside the project changed (byte for byte);
//! the language server still answers within a second; memory stays under a stated cap
//! ([`world::MEMORY_CAP_KIB`]); no secret appears in any output in any encoding; and the error
//! text names the cause. TLS failures against real TLS servers are in
//! `server/session/tests/tls_failures.rs`; the security model these check is in
//! `docs/security.md`.
#![allow(clippy::unwrap_used)]

#[path = "lsp/harness.rs"]
#[allow(dead_code)]
mod harness;

#[path = "hostile/world.rs"]
mod world;

#[path = "hostile/files.rs"]
mod files;

#[path = "hostile/secrets.rs"]
mod secrets;

#[path = "hostile/framing.rs"]
mod framing;

#[path = "hostile/words.rs"]
mod words;
