//! `void-ls demo`: the first command a new user runs. It starts the embedded echo server on
//! loopback, runs an example file against it with the live log shown, and prints the assertion
//! results, so the whole product is visible on a fresh machine with no outside network.
//!
//! The examples are compiled into the binary, so the demo works from any directory; when run
//! from a checkout, the same files are in `examples/` to read and edit. This module only
//! chooses the example and prints the framing; the run itself is `void-ls run`'s code.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use super::run::output::{ColorChoice, Reporter};
use super::run::pretty::Style;
use super::run::{InMemoryFile, RunArgs};
use void_syntax::variables::{Source, Variables};

/// The examples shipped in the binary: `(name, path shown, text)`.
pub const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "echo",
        "examples/echo.void",
        include_str!("../../../../examples/echo.void"),
    ),
    (
        "chat",
        "examples/chat.void",
        include_str!("../../../../examples/chat.void"),
    ),
    (
        "json-rpc",
        "examples/json-rpc.void",
        include_str!("../../../../examples/json-rpc.void"),
    ),
    (
        "binary",
        "examples/binary.void",
        include_str!("../../../../examples/binary.void"),
    ),
    (
        "heartbeat",
        "examples/heartbeat.void",
        include_str!("../../../../examples/heartbeat.void"),
    ),
    (
        "reconnect",
        "examples/reconnect.void",
        include_str!("../../../../examples/reconnect.void"),
    ),
    (
        "login",
        "examples/login.void",
        include_str!("../../../../examples/login.void"),
    ),
    (
        "socketio",
        "examples/socketio-chat.void",
        include_str!("../../../../examples/socketio-chat.void"),
    ),
    (
        "http-login",
        "examples/http-login.void",
        include_str!("../../../../examples/http-login.void"),
    ),
    (
        "sse",
        "examples/sse.void",
        include_str!("../../../../examples/sse.void"),
    ),
    (
        "graphql",
        "examples/graphql.void",
        include_str!("../../../../examples/graphql.void"),
    ),
];

/// `void-ls demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Which example to run: echo, chat, json-rpc, binary, heartbeat, reconnect, login, socketio,
    /// http-login, sse, graphql, mock (login.void against a mock served from login-mock.void),
    /// or all.
    #[arg(default_value = "echo", value_name = "EXAMPLE")]
    pub example: String,
    /// Colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

pub fn run(args: DemoArgs) -> ExitCode {
    if args.example == "mock" {
        return run_mock(args.color);
    }
    let chosen: Vec<_> = if args.example == "all" {
        EXAMPLES.to_vec()
    } else {
        match EXAMPLES.iter().find(|(name, _, _)| *name == args.example) {
            Some(e) => vec![*e],
            None => {
                let names: Vec<&str> = EXAMPLES.iter().map(|(n, _, _)| *n).collect();
                eprintln!(
                    "void-ls demo: no example named `{}`; choose one of {}, mock, or all",
                    args.example,
                    names.join(", ")
                );
                return ExitCode::from(2);
            }
        }
    };
    let runtime = match super::runtime("demo") {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let server =
            match void_echo::EchoServer::start(void_echo::EchoServerConfig::default()).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("void-ls demo: cannot start the embedded echo server: {e}");
                    return ExitCode::from(2);
                }
            };
        let style = Style {
            color: super::run::output::use_color(
                args.color,
                std::io::IsTerminal::is_terminal(&std::io::stdout()),
            ),
        };
        {
            let mut out = std::io::stdout().lock();
            let files: Vec<&str> = chosen.iter().map(|(_, p, _)| *p).collect();
            let _ = writeln!(out, "{}", style.bold("void-ls demo"));
            let _ = writeln!(
                out,
                "{} embedded echo server listening on {}",
                style.dim("·"),
                style.cyan(&server.url())
            );
            let _ = writeln!(
                out,
                "{} running {} against it, live log below\n",
                style.dim("·"),
                files.join(", ")
            );
        }
        let files: Vec<InMemoryFile> = chosen
            .iter()
            .map(|(_, path, text)| InMemoryFile {
                path: PathBuf::from(path),
                text: text.to_string(),
            })
            .collect();
        let run_args = demo_run_args(
            &files,
            vec![
                ("ECHO_URL".into(), server.url()),
                ("ECHO_HTTP_URL".into(), server.http_url()),
                ("GREETING".into(), "hello from void".into()),
            ],
            args.color,
        );
        let code = super::run::run_async(run_args, Some(files)).await;
        let mut out = std::io::stdout().lock();
        let program = super::invocation::program();
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", style.bold("Next:"));
        for (command, what) in [
            (
                "run examples/ --echo-server",
                "run every example as a test suite",
            ),
            (
                "run examples/echo.void --echo-server --reporter junit -o report.xml",
                "the same as a JUnit report",
            ),
            ("echo-server", "keep the server up for your editor"),
        ] {
            let _ = writeln!(out, "  {program} {command}");
            let _ = writeln!(out, "      {}", style.dim(what));
        }
        drop(out);
        server.shutdown().await;
        code
    })
}

/// The options of a demo run: the live log on, one section at a time.
fn demo_run_args(
    files: &[InMemoryFile],
    env_vars: Vec<(String, String)>,
    color: ColorChoice,
) -> RunArgs {
    RunArgs {
        files: files.iter().map(|f| f.path.clone()).collect(),
        sections: Vec::new(),
        env_files: Vec::new(),
        environment: Default::default(),
        env_vars,
        reporter: Reporter::Pretty,
        output: None,
        transcript: None,
        jobs: 1,
        log: true,
        color,
        echo_server: false,
        proxy: None,
    }
}

/// The mock, compiled in like the examples.
const MOCK: (&str, &str) = (
    "examples/login-mock.void",
    include_str!("../../../../examples/login-mock.void"),
);

/// `void-ls demo mock`: serves `login-mock.void` on loopback (as `void-ls serve` does) and runs
/// the unchanged `login.void` against it, the mock's lines (`mock #1 ...`) between the
/// client's live log.
fn run_mock(color: ColorChoice) -> ExitCode {
    let Some((_, client_path, client_text)) = EXAMPLES.iter().find(|(n, _, _)| *n == "login")
    else {
        return ExitCode::from(2);
    };
    let runtime = match super::runtime("demo") {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let style = Style {
        color: super::run::output::use_color(
            color,
            std::io::IsTerminal::is_terminal(&std::io::stdout()),
        ),
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("void-ls demo: cannot listen on loopback: {e}");
                return ExitCode::from(2);
            }
        };
        let url = match listener.local_addr() {
            Ok(a) => format!("ws://127.0.0.1:{}", a.port()),
            Err(e) => {
                eprintln!("void-ls demo: cannot listen on loopback: {e}");
                return ExitCode::from(2);
            }
        };
        let mut vars = Variables::new();
        vars.insert("ECHO_URL", url.clone(), Source::Override, false);
        let (mock_path, mock_text) = MOCK;
        let spec = match super::serve::section_spec(Path::new(mock_path), mock_text, None, &vars) {
            Ok((_, spec)) => spec,
            Err(e) => {
                eprintln!("void-ls demo: cannot serve {mock_path}: {e}");
                return ExitCode::from(2);
            }
        };
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", style.bold("void-ls demo mock"));
            let _ = writeln!(
                out,
                "{} {mock_path} served on {}",
                style.dim("·"),
                style.cyan(&url)
            );
            let _ = writeln!(
                out,
                "{} running {client_path} against it, the mock's lines marked `mock`\n",
                style.dim("·")
            );
        }
        let say = move |n: u64, line: &str| {
            let _ = writeln!(
                std::io::stdout().lock(),
                "{} {line}",
                style.dim(&format!("mock #{n}"))
            );
        };
        let served = tokio::spawn(void_session::serve::accept_clients(
            listener,
            Arc::new(spec),
            Arc::new(say),
        ));
        let files = vec![InMemoryFile {
            path: PathBuf::from(client_path),
            text: client_text.to_string(),
        }];
        let run_args = demo_run_args(&files, vec![("ECHO_URL".into(), url)], color);
        let code = super::run::run_async(run_args, Some(files)).await;
        served.abort();
        let program = super::invocation::program();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", style.bold("Next:"));
        let _ = writeln!(out, "  {program} serve {mock_path} --port 8765");
        let _ = writeln!(
            out,
            "      {}",
            style.dim("keep the mock up for your editor or front end")
        );
        code
    })
}
