//! `void-ls run`: runs every WebSocket section of the given files headless, as a test suite for
//! CI (docs/cli-run.md).
//!
//! For each section: connect, send the `on-open` messages, wait until every `ws-assertions` row
//! settles or `runTimeout` / `idleTimeout` elapses, close, report. Exit codes: 0 every section
//! passed, 1 an assertion or a connection failed, 2 the run could not start (bad arguments,
//! unreadable file, parse errors, unknown `--section`).
//!
//! The pieces: [`plan`] reads and checks files and picks the sections, [`execute`] runs them
//! with the session engine, [`model`] is the plain result every reporter reads, and
//! [`pretty`], [`json`], [`junit`] render it. This file only wires them together; it must not
//! evaluate assertions (the session engine does) nor parse `.void` text (the syntax crate does).

pub mod events;
pub mod execute;
pub mod http;
pub mod json;
pub mod junit;
pub mod model;
pub mod output;
pub mod plan;
pub mod pretty;
pub mod section;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use output::{ColorChoice, Reporter};

/// `void-ls run`.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// `.void` files to run (directories are searched for `*.void` files).
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// Run only the sections with this label (the `request-separator` label, or the section's
    /// first heading). Repeat to run several.
    #[arg(long = "section", value_name = "LABEL")]
    pub sections: Vec<String>,
    /// An env file to read variables from (`KEY=VALUE` lines, or the app's YAML). Repeat to
    /// layer several; later files win.
    #[arg(long = "env", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    #[command(flatten)]
    pub environment: crate::cli::input::EnvironmentArgs,
    /// Set a variable, overriding every other source. Repeat for several.
    #[arg(long = "env-var", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub env_vars: Vec<(String, String)>,
    /// How to report results.
    #[arg(long, value_enum, default_value_t = Reporter::Pretty)]
    pub reporter: Reporter,
    /// Write the report to this file instead of stdout.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Write each section's transcript (JSON Lines, every event) into this directory.
    #[arg(long, value_name = "DIR")]
    pub transcript: Option<PathBuf>,
    /// How many sections run at once: 1 to 256 (each open section holds a connection).
    #[arg(long, short, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Print every frame of the live log (sent, received, open, close) as it happens.
    #[arg(long)]
    pub log: bool,
    /// Colours in the pretty report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Start the embedded echo server on loopback for this run and set `ECHO_URL` (its
    /// WebSocket address) and `ECHO_HTTP_URL` (its HTTP address) for the examples.
    #[arg(long)]
    pub echo_server: bool,
    /// An HTTP CONNECT proxy (`http://host:port`) for every section whose options name none.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
}

pub(crate) fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

/// Runs the subcommand and returns the process exit code.
pub fn run(args: RunArgs) -> ExitCode {
    // Sections run one after another unless `--jobs` says otherwise: then one thread does
    // it all, as each hand-over between a worker and the console (a section's start, log
    // lines and end) cost a thread wake-up, about a fifth of a short request's time.
    let runtime = if args.jobs > 1 {
        super::runtime("run")
    } else {
        super::single_thread_runtime("run")
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(run_async(args, None))
}

/// Where the files of a run come from: disk, or text already in memory (the demo runs its
/// embedded example this way).
pub struct InMemoryFile {
    /// The path shown in reports, and the base for relative paths and `.env` lookup.
    pub path: PathBuf,
    pub text: String,
}

/// The whole run on the current runtime; `in_memory` replaces reading `args.files`.
pub async fn run_async(mut args: RunArgs, in_memory: Option<Vec<InMemoryFile>>) -> ExitCode {
    let echo = if args.echo_server {
        match void_echo::EchoServer::start(void_echo::EchoServerConfig::default()).await {
            Ok(server) => {
                args.env_vars.push(("ECHO_URL".into(), server.url()));
                args.env_vars
                    .push(("ECHO_HTTP_URL".into(), server.http_url()));
                Some(server)
            }
            Err(e) => {
                eprintln!("void-ls run: cannot start the embedded echo server: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };

    let context = section::RunContext::new(&args);
    if !context.env_problems().is_empty() {
        for problem in context.env_problems() {
            eprintln!("void-ls run: {problem}");
        }
        return ExitCode::from(2);
    }
    let plan = match plan::build(&args, in_memory) {
        Ok(plan) => plan,
        Err(problem) => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{problem}");
            return ExitCode::from(2);
        }
    };
    for warning in &plan.warnings {
        eprintln!("void-ls run: {warning}");
    }
    // A chosen environment or profile that a file's project does not have: nothing runs.
    let environment_problems: Vec<String> = plan
        .files
        .iter()
        .filter(|f| {
            plan.sections
                .iter()
                .any(|s| plan.files[s.file].path == f.path)
        })
        .filter_map(|f| context.environment_problem(&f.path))
        .collect();
    if !environment_problems.is_empty() {
        for problem in &environment_problems {
            eprintln!("void-ls run: {problem}");
        }
        return ExitCode::from(2);
    }

    let (console, document_out) = match output::console_options(
        args.reporter,
        args.output.as_deref(),
        args.color,
        args.log,
        plan.sections.len(),
        args.transcript.is_some(),
        args.jobs > 1 && plan.sections.len() > 1,
    ) {
        Ok(x) => x,
        Err(e) => {
            eprintln!(
                "void-ls run: cannot write the report to {}: {e}",
                args.output
                    .as_deref()
                    .map_or_else(|| "stdout".into(), |p| p.display().to_string())
            );
            return ExitCode::from(2);
        }
    };

    let report = execute::run_plan(plan, &args, context, console).await;
    drop(echo);

    if let Some(mut out) = document_out {
        let text = match args.reporter {
            Reporter::Json => json::render(&report),
            Reporter::Junit => junit::render(&report),
            Reporter::Pretty => String::new(),
        };
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            eprintln!("void-ls run: cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }
    if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
