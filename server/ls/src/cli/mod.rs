//! The command-line subcommands other than `lsp`. Each writes its report to stdout/stderr
//! through explicit handles and returns the process exit code.

pub mod check;
pub mod demo;
pub mod echo_server;
pub mod fmt;
pub mod input;
pub mod invocation;
pub mod run;

pub use void_syntax::vocab::count;
