//! `void-ls serve FILE [--section LABEL] [--port N]`: a WebSocket section served on loopback as
//! the server side of its conversation (docs/format.md §4.4): each client gets the section's
//! `on-open` messages and its messages are answered by the section's `on-receive` replies
//! (`void_session::serve`). A Socket.IO section (§4.5) is served as Socket.IO v4 on the
//! WebSocket transport. A mock for front-end work and a peer for tests, from the same file.
//! The URL goes to stdout first (for scripts), then one line per event, each with the client's
//! number; it stops on Ctrl-C.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use void_session::SessionSpec;
use void_syntax::model::RequestKind;
use void_syntax::variables::Variables;

use super::input::{self, EnvironmentArgs};
use super::run::parse_key_value;
use super::run::plan::runnable_sections;

/// `void-ls serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The `.void` file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The section to serve, by its label (as `void-ls run` shows it); default: the file's
    /// first WebSocket section.
    #[arg(long, value_name = "LABEL")]
    pub section: Option<String>,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// A variable's value (KEY=VALUE), as for `void-ls run`.
    #[arg(long = "env-var", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub env_vars: Vec<(String, String)>,
    #[command(flatten)]
    pub environment: EnvironmentArgs,
}

/// Reads the file and builds the served section's spec; an error in words (exit 2).
fn served_spec(args: &ServeArgs) -> Result<(String, SessionSpec), String> {
    let text = input::read_text(&args.file).map_err(|e| format!("cannot read {e}"))?;
    let options = input::env_options(&args.file, &args.environment, args.env_vars.clone());
    let (vars, _) = input::resolve_variables(&options);
    section_spec(&args.file, &text, args.section.as_deref(), &vars)
}

/// The spec of a file's WebSocket or Socket.IO section to serve (by label, or the first one);
/// an error in words when there is none.
pub(super) fn section_spec(
    file: &Path,
    text: &str,
    section: Option<&str>,
    vars: &Variables,
) -> Result<(String, SessionSpec), String> {
    let doc = void_syntax::parse(text);
    let sections: Vec<_> = runnable_sections(&doc)
        .into_iter()
        .filter(|(_, _, _, kind)| *kind == RequestKind::WebSocket)
        .collect();
    let chosen = match section {
        Some(label) => sections.iter().find(|(_, _, l, _)| l == label),
        None => sections.first(),
    };
    let Some((index, _, label, _)) = chosen else {
        let known: Vec<&str> = sections.iter().map(|(_, _, l, _)| l.as_str()).collect();
        return Err(match section {
            Some(label) => format!(
                "{} has no WebSocket section labelled `{label}` (it has: {})",
                file.display(),
                known.join(", ")
            ),
            None => format!("{} has no WebSocket section", file.display()),
        });
    };
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty());
    let spec = SessionSpec::from_section(&doc, *index, vars, Some(dir.unwrap_or(Path::new("."))))
        .map_err(|e| vars.mask(&e.to_string()))?;
    Ok((label.clone(), spec))
}

/// Lines of the log waiting for stdout at most; a client's next line waits beyond that (a slow
/// terminal slows the conversation rather than memory growing).
const LINES_WAITING: usize = 4096;

/// Where the clients' lines go: a thread writes them to stdout, each batch that is waiting in
/// one write (one line at a time when it keeps up: the log stays live; a flood costs one
/// system call per batch, not per line).
fn stdout_lines() -> void_session::serve::ClientLines {
    let (lines, waiting) = std::sync::mpsc::sync_channel::<String>(LINES_WAITING);
    std::thread::spawn(move || {
        let mut batch = String::new();
        while let Ok(first) = waiting.recv() {
            batch.push_str(&first);
            while batch.len() < 64 * 1024 {
                match waiting.try_recv() {
                    Ok(more) => batch.push_str(&more),
                    Err(_) => break,
                }
            }
            let mut out = std::io::stdout().lock();
            if out
                .write_all(batch.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return;
            }
            batch.clear();
        }
    });
    Arc::new(move |n: u64, line: &str| {
        let _ = lines.send(format!("#{n} {line}\n"));
    })
}

/// Serves until Ctrl-C.
pub fn run(args: ServeArgs) -> ExitCode {
    let (label, spec) = match served_spec(&args) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("void-ls serve: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match super::runtime("serve") {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!(
                    "void-ls serve: cannot listen on 127.0.0.1:{}: {e}",
                    args.port
                );
                return ExitCode::from(2);
            }
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
        let _ = writeln!(std::io::stdout().lock(), "ws://127.0.0.1:{port}");
        let _ = std::io::stdout().lock().flush();
        eprintln!("void-ls serve: `{label}` on ws://127.0.0.1:{port} (stop: Ctrl-C)");
        let say = stdout_lines();
        let accept = void_session::serve::accept_clients(listener, Arc::new(spec), say);
        tokio::select! {
            () = accept => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        ExitCode::SUCCESS
    })
}
