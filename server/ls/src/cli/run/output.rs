//! Choosing where reports go and how they look: the reporter, `--output`, colours and whether
//! the live display is drawn. Pure decisions over the arguments and the environment; the
//! drawing itself is in [`super::pretty`].

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::pretty::{ConsoleOptions, Style};

/// `--reporter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Reporter {
    /// Live status on a terminal, then a readable summary (plain lines when not a terminal).
    #[default]
    Pretty,
    /// One JSON document with every section and assertion.
    Json,
    /// JUnit XML: one testsuite per file, one testcase per section.
    Junit,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colours when writing to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Decides colours for a stream that is (or is not) a terminal.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// Opens the destination of the report: the `--output` file, or stdout.
pub fn open_report_destination(output: Option<&Path>) -> std::io::Result<Box<dyn Write + Send>> {
    match output {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            Ok(Box::new(std::io::BufWriter::new(std::fs::File::create(
                path,
            )?)))
        }
        None => Ok(Box::new(std::io::stdout())),
    }
}

/// Builds the console options for a run.
pub fn console_options(
    reporter: Reporter,
    output: Option<&Path>,
    color: ColorChoice,
    show_log: bool,
    planned: usize,
    show_transcripts: bool,
    concurrent: bool,
) -> std::io::Result<(ConsoleOptions, Option<Box<dyn Write + Send>>)> {
    let stderr_tty = std::io::stderr().is_terminal();
    let stdout_tty = output.is_none() && std::io::stdout().is_terminal();
    let destination = open_report_destination(output)?;
    let live_style = Style {
        color: use_color(color, stderr_tty),
    };
    let (report_out, document_out) = match reporter {
        Reporter::Pretty => (Some(destination), None),
        Reporter::Json | Reporter::Junit => (None, Some(destination)),
    };
    let style = Style {
        color: reporter == Reporter::Pretty && use_color(color, stdout_tty),
    };
    Ok((
        ConsoleOptions {
            report_out,
            live: stderr_tty && std::env::var("TERM").map_or(true, |t| t != "dumb"),
            style,
            live_style,
            show_log,
            planned,
            show_transcripts,
            label_log_lines: concurrent,
        },
        document_out,
    ))
}
