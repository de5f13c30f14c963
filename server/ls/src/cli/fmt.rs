//! `void-ls fmt`: see PROTOCOL.md. (Being written; see issue 2.)

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct FmtArgs {
    /// Files to process.
    pub files: Vec<std::path::PathBuf>,
}

pub fn run(_args: FmtArgs) -> ExitCode {
    eprintln!("void-ls fmt: not available in this build yet");
    ExitCode::from(2)
}
