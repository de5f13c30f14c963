//! The command-line subcommands other than `lsp`. Each writes its report to stdout/stderr
//! through explicit handles and returns the process exit code.

pub mod check;
pub mod demo;
pub mod echo_server;
pub mod fmt;
pub mod input;
pub mod invocation;
pub mod run;
pub mod serve;

pub use void_syntax::vocab::count;

use std::process::ExitCode;

/// The async runtime a command runs on (two workers), or exit code 2 once `void-ls <command>`
/// has said why it could not start.
pub fn runtime(command: &str) -> Result<tokio::runtime::Runtime, ExitCode> {
    started(
        command,
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    )
}

/// The async runtime on the calling thread alone, for work that runs one thing after another
/// (`void-ls run` with `--jobs 1`): nothing is handed between threads, so no step waits for a
/// thread to wake; or exit code 2 once `void-ls <command>` has said why it could not start.
pub fn single_thread_runtime(command: &str) -> Result<tokio::runtime::Runtime, ExitCode> {
    started(
        command,
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    )
}

fn started(
    command: &str,
    built: std::io::Result<tokio::runtime::Runtime>,
) -> Result<tokio::runtime::Runtime, ExitCode> {
    built.map_err(|e| {
        eprintln!("void-ls {command}: cannot start the async runtime: {e}");
        ExitCode::from(2)
    })
}
