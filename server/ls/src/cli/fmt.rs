//! `void-ls fmt [--check] FILES...`: canonical formatting (the Voiden app's YAML style) of the
//! ```` ```void ```` blocks; prose, frontmatter and blocks that cannot be rewritten safely are
//! kept byte for byte. Without `--check` changed files are rewritten in place (through a
//! temporary file and a rename). With `--check` nothing is written: the files that would
//! change are named on stdout and the exit code is 1. `-` formats stdin to stdout.
//! Exit 2 when a file cannot be read or written.
//!
//! This module only reads and writes files; the formatting is `void_syntax::format`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::input;

#[derive(clap::Args)]
pub struct FmtArgs {
    /// Do not write; name the files that would change and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// `.void` files to format (`-` for stdin to stdout).
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
}

fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.void-ls-fmt.{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

pub fn run(args: FmtArgs) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let mut cannot_run = false;
    let mut would_change = 0usize;
    for path in &args.files {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                let _ = writeln!(stderr, "void-ls fmt: stdin: {e}");
                cannot_run = true;
                continue;
            }
            let Ok(text) = String::from_utf8(bytes) else {
                let _ = writeln!(stderr, "void-ls fmt: stdin is not valid UTF-8");
                cannot_run = true;
                continue;
            };
            let formatted = void_syntax::format(&text);
            if args.check {
                if formatted != text {
                    would_change += 1;
                    let _ = writeln!(stdout, "-");
                }
            } else if stdout.write_all(formatted.as_bytes()).is_err() {
                return ExitCode::from(2);
            }
            continue;
        }
        let text = match input::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(stderr, "void-ls fmt: {e}");
                cannot_run = true;
                continue;
            }
        };
        let formatted = void_syntax::format(&text);
        if formatted == text {
            continue;
        }
        would_change += 1;
        if args.check {
            let _ = writeln!(stdout, "{}", path.display());
        } else if let Err(e) = write_in_place(path, &formatted) {
            let _ = writeln!(stderr, "void-ls fmt: {}: cannot write: {e}", path.display());
            cannot_run = true;
        } else {
            let _ = writeln!(stderr, "formatted {}", path.display());
        }
    }
    if cannot_run {
        ExitCode::from(2)
    } else if args.check && would_change > 0 {
        let _ = writeln!(
            stderr,
            "void-ls fmt: {} would be reformatted",
            void_syntax::vocab::count(would_change, "file", "files")
        );
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
