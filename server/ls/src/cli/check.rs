//! `void-ls check FILES...`: prints every diagnostic as `path:line:col: severity: message
//! [code]` (1-based line and column, column in characters) and exits 0 when no file has an
//! error, 1 when one does, 2 when a file cannot be read (the other files are still checked).
//!
//! Unresolved `{{variables}}` are reported as warnings, resolved against the process
//! environment, the `.env*` files and the app environment chosen with `--profile` and
//! `--env-name` (docs/format.md §5), and `--env-var` overrides. A chosen environment or
//! profile that does not exist is an error. This module only reads files and prints; checks live in `void-syntax`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use void_session::file_checks::path_diagnostics;
use void_session::project_files::{Project, env_file_diagnostic, project_root_of};
use void_syntax::line_index::ColumnUnit;
use void_syntax::variables::Variables;
use void_syntax::{Diagnostic, LineIndex, Severity};

use super::{count, input};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// `.void` files to check.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// Set a variable for the unresolved-variable check. Repeat for several.
    #[arg(long = "env-var", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub env_vars: Vec<(String, String)>,
    #[command(flatten)]
    pub environment: input::EnvironmentArgs,
    /// Do not resolve `{{variables}}` (skip unresolved-variable warnings).
    #[arg(long)]
    pub no_env: bool,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

/// Diagnostics of one file's text: the parser's, the paths its options name, and, unless
/// `no_env`, unresolved variables and environment files that exist but were not read.
pub fn diagnostics_for(
    path: &Path,
    text: &str,
    no_env: bool,
    environment: &input::EnvironmentArgs,
    overrides: &[(String, String)],
) -> Vec<Diagnostic> {
    let doc = void_syntax::parse(text);
    let mut diags = doc.diagnostics.clone();
    let expansion = input::expand_links(path, text, &doc);
    diags.extend(void_syntax::links::diagnostics(&doc, &expansion));
    let options = input::env_options(path, environment, overrides.to_vec());
    let vars = if no_env {
        Variables::new()
    } else {
        let (vars, unread) = input::resolve_variables(&options);
        diags.extend(unread.iter().map(env_file_diagnostic));
        diags.extend(void_syntax::variables::diagnose_variables(&doc, &vars));
        vars
    };
    // The paths the file names (transcript, certificates, body files), as a run would judge them.
    if let Some(dir) = options.file.parent() {
        let project = Project::new(project_root_of(&options.file, &[]));
        diags.extend(path_diagnostics(&doc, &vars, dir, &project));
    }
    diags.sort_by_key(|d| (d.range.start, d.range.end));
    diags
}

/// Renders diagnostics as `path:line:col: severity: message [code]` lines.
pub fn render(path: &Path, text: &str, diags: &[Diagnostic]) -> String {
    let index = LineIndex::new(text);
    let mut out = String::new();
    for d in diags {
        let (line, col) = index.position(text, d.range.start, ColumnUnit::Char);
        out.push_str(&format!(
            "{}:{}:{}: {}: {} [{}]\n",
            path.display(),
            line + 1,
            col + 1,
            d.severity.as_str(),
            d.message,
            d.code
        ));
    }
    out
}

pub fn run(args: CheckArgs) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let mut cannot_run = false;
    let mut errors = 0usize;
    let mut warnings = 0usize;
    for path in &args.files {
        let text = match input::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(stderr, "void-ls check: {e}");
                // A file that cannot be checked (not UTF-8, a directory, a pipe...) is an error
                // of the summary too, not only a line above it.
                errors += 1;
                cannot_run = true;
                continue;
            }
        };
        let diags = diagnostics_for(path, &text, args.no_env, &args.environment, &args.env_vars);
        errors += diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        warnings += diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
        if stdout
            .write_all(render(path, &text, &diags).as_bytes())
            .is_err()
        {
            return ExitCode::from(2);
        }
    }
    let _ = writeln!(
        stderr,
        "void-ls check: {}, {}, {}",
        count(args.files.len(), "file", "files"),
        count(errors, "error", "errors"),
        count(warnings, "warning", "warnings")
    );
    if cannot_run {
        ExitCode::from(2)
    } else if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_based_positions_in_characters_with_codes() {
        let text = "é\n```void\n---\ntype: ws-message\nattrs:\n  uid: x\n---\n```\n";
        let diags = diagnostics_for(
            Path::new("a.void"),
            text,
            true,
            &input::EnvironmentArgs::default(),
            &[],
        );
        let out = render(Path::new("a.void"), text, &diags);
        assert!(
            out.contains("a.void:6:8: warning: uid `x` is not a UUID"),
            "{out}"
        );
        assert!(out.contains("[uid-not-uuid]"), "{out}");
        assert!(out.contains("a.void:4:7: error:"), "{out}");
    }
}
