//! The command-line subcommands other than `lsp`. Each writes its report to stdout/stderr
//! through explicit handles and returns the process exit code.

pub mod check;
pub mod demo;
pub mod echo_server;
pub mod fmt;
pub mod input;
pub mod invocation;
pub mod run;

/// A count with its noun: `1 section`, `2 sections`, `0 errors`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
