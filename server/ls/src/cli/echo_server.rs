//! `void-ls echo-server`: the embedded demo server (the `void-echo` crate, whose docs list its
//! routes: `/echo`, `/chat`, `/rpc`, `/heartbeat`, `/flaky`, `/close`, `/status/NNN`) in the
//! foreground, so the examples run with no outside network. `void-ls demo` and `void-ls run
//! --echo-server` start the same server in-process on `127.0.0.1:0`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use void_echo::{EchoServer, EchoServerConfig};

/// `void-ls echo-server`.
#[derive(clap::Args)]
pub struct EchoServerArgs {
    /// Address to listen on. Loopback by default; the server is for demos and tests only.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on (0 picks a free one). The examples' `.env` expects 8765.
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Print one line per connection and message on stderr.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Runs the server in the foreground until interrupted (Ctrl-C).
pub fn run(args: EchoServerArgs) -> ExitCode {
    let runtime = match super::runtime("echo-server") {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let config = EchoServerConfig {
            bind: SocketAddr::new(args.host, args.port),
            verbose: args.verbose,
            ..EchoServerConfig::default()
        };
        let server = match EchoServer::start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("void-ls echo-server: {e}");
                return ExitCode::from(2);
            }
        };
        // The URL goes to stdout first so scripts can read it; the rest is for people.
        let _ = writeln!(std::io::stdout().lock(), "{}", server.url());
        let _ = std::io::stdout().lock().flush();
        eprintln!(
            "void-ls echo-server listening on {} (HTTP: {})\n  routes: /echo /chat?room=NAME /rpc /heartbeat /login /socket.io/ /graphql /flaky?after=N /close?code=C /status/NNN\n  HTTP:   /api/items/N /api/echo /api/login /api/me /graphql /events?count=N /status/NNN\n  try:    {} run examples/ --env-var ECHO_URL={} --env-var ECHO_HTTP_URL={}\n  stop:   Ctrl-C",
            server.url(),
            server.http_url(),
            super::invocation::program(),
            server.url(),
            server.http_url()
        );
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}
