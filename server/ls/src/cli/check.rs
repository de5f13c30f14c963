//! `void-ls check`: see PROTOCOL.md. (Being written; see issue 2.)

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Files to process.
    pub files: Vec<std::path::PathBuf>,
}

pub fn run(_args: CheckArgs) -> ExitCode {
    eprintln!("void-ls check: not available in this build yet");
    ExitCode::from(2)
}
