//! The `void-ls` binary. With no arguments (or `lsp`) it speaks LSP over stdio; its other
//! subcommands are the command-line tool (docs/cli-run.md).
//!
//! This file only parses arguments and dispatches; each subcommand lives in its own module.
//! Exit codes follow docs/cli-run.md: 0 success, 1 a finding (error diagnostic, failed assertion,
//! file that would change), 2 the command could not run.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

use void_ls::lsp;

#[derive(Parser)]
#[command(
    name = "void-ls",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("VOID_LS_COMMIT"), ")"),
    about = "Language server and CLI for .void request files"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Speak LSP over stdio (the default).
    Lsp(lsp::LspArgs),
    /// Print diagnostics as `path:line:col: severity: message`.
    Check(cli::check::CheckArgs),
    /// Format files in the Voiden app's canonical style.
    Fmt(cli::fmt::FmtArgs),
    /// Run every WebSocket section headless and report (exit 0 passed, 1 failed, 2 cannot run).
    Run(cli::run::RunArgs),
    /// Run an example against the embedded echo server: the whole product, offline.
    Demo(cli::demo::DemoArgs),
    /// Serve the embedded WebSocket echo server (for the examples and tests) on loopback.
    EchoServer(cli::echo_server::EchoServerArgs),
    /// Serve a WebSocket section on loopback as the server side of its conversation.
    Serve(cli::serve::ServeArgs),
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match args.command {
        None => lsp::run(lsp::LspArgs::default()),
        Some(Command::Lsp(a)) => lsp::run(a),
        Some(Command::Check(a)) => cli::check::run(a),
        Some(Command::Fmt(a)) => cli::fmt::run(a),
        Some(Command::Run(a)) => cli::run::run(a),
        Some(Command::Demo(a)) => cli::demo::run(a),
        Some(Command::EchoServer(a)) => cli::echo_server::run(a),
        Some(Command::Serve(a)) => cli::serve::run(a),
    }
}
