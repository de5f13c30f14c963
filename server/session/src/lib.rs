//! `void-session`: WebSocket sessions for `.void` sections, and nothing about LSP.
//!
//! A caller resolves a section into a [`SessionSpec`] (plain data: URL, headers, messages,
//! options, assertions, secrets), then [`Session::spawn`]s it on a tokio runtime and drives it
//! through the handle: [`Session::send`], [`Session::pause`], [`Session::resume`],
//! [`Session::close`], [`Session::status`], [`Session::log_text`], [`Session::changes`],
//! [`Session::run_to_completion`] for headless runs, and [`test_connection`].
//!
//! Layering (each module's docs say what it must not do):
//! - [`spec`]: the resolved description; [`section`] builds it from a parsed `.void` document.
//! - [`connect`] / [`tls`]: TCP, HTTP CONNECT proxy, rustls, the upgrade.
//! - `engine`: the per-session task (state machine, timers, reconnect).
//! - [`assertions`], [`log`], [`transcript`], [`mask`]: bounded bookkeeping.
//! - [`file_checks`]: the paths a section names, checked ahead of time for `check` and the
//!   editor.
//! - [`project_files`]: the one bounded reader for every file a project supplies (also used
//!   by the CLI and the language server).
//! - [`project_walk`]: the files of a project folder, listed under the same rules.
//! - [`websocat`]: the equivalent `websocat` command line.
//! - [`sync`]: the one rule for a poisoned lock ([`sync::Unpoisoned`]), also used by the
//!   language server.
//!
//! Memory stays bounded whatever a server sends: the live view is capped (`logLimit`), the
//! transcript is on disk, only the first and last few messages are kept for assertions, and
//! the read buffer is [`connect::READ_BUFFER_SIZE`].

pub mod assertions;
pub mod batch;
pub mod connect;
mod connection;
mod control;
mod conversation;
mod engine;
pub mod file_checks;
pub mod http;
pub mod log;
pub mod mask;
mod outbox;
pub mod project_files;
pub mod project_walk;
mod queue;
mod read_ahead;
pub mod section;
pub mod serve;
mod session;
mod shared;
pub mod socketio;
pub mod spec;
pub mod status;
pub mod sync;
pub mod template;
pub mod tls;
pub mod transcript;
pub mod websocat;
mod writer;

pub use connection::close_code_words;
pub use control::{AutoReply, Incoming};
pub use outbox::{SEND_QUEUE_BYTES, SEND_QUEUE_MESSAGES};
pub use section::SpecError;
pub use session::{
    SendError, SendRequest, Session, SessionSettings, SettleReason, SpawnError,
    TestConnectionResult, default_transcript_dir, test_connection,
};
pub use spec::{
    AssertionSpec, Auth, MessageSpec, Outgoing, SessionOptions, SessionSpec, TranscriptTarget,
};
pub use status::{
    AssertionCounts, AssertionResult, EndedBy, Outcome, ReconnectWait, ReplyFailure, SessionState,
    Status,
};
