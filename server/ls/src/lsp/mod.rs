//! The language server: LSP over stdio (PROTOCOL.md). Only this module tree knows LSP types.

use std::process::ExitCode;

#[derive(clap::Args, Default)]
pub struct LspArgs {
    /// Accepted for compatibility with clients that pass `--stdio`.
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: LspArgs) -> ExitCode {
    eprintln!("void-ls: the language server is not available in this build yet");
    ExitCode::from(2)
}
