//! The language server: LSP over stdio (docs/lsp-extensions.md). Only this module tree knows LSP
//! types.
//!
//! Layering (docs/architecture.md): `void-syntax` turns text into a model with byte ranges;
//! this tree turns models into LSP answers. [`position`] is the only place byte offsets become
//! LSP positions. [`ordering`] applies text changes in arrival order before any handler runs.
//! [`transport`] frames JSON-RPC and survives malformed input. [`server`] is the method table; each feature lives in the module named after it.

use std::process::ExitCode;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{ClientSocket, LspService};

pub mod analysis;
pub mod capabilities;
pub mod catalog;
pub mod code_actions;
pub mod code_lens;
pub mod commands;
pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod document;
pub mod document_highlight;
pub mod document_links;
pub mod environment;
pub mod ext;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod index;
pub mod inlay_hints;
mod links;
pub mod logging;
pub mod occurrences;
pub mod ordering;
pub mod position;
pub mod project_diagnostics;
pub mod pull_diagnostics;
pub mod references;
pub mod rename;
pub mod semantic_tokens;
pub mod server;
pub mod sessions;
pub mod settings;
pub mod skeleton;
pub mod store;
pub mod symbols;
pub mod transport;
pub mod workspace_symbols;

use diagnostics::DiagnosticsQueue;
use ordering::OrderedService;
use server::{Backend, ServerState};
use store::DocumentStore;

#[derive(clap::Args, Default)]
pub struct LspArgs {
    /// Accepted for compatibility with clients that pass `--stdio`.
    #[arg(long)]
    pub stdio: bool,
}

/// The service the transport drives, and the socket for server-to-client messages. Must be
/// called inside a tokio runtime (it starts the diagnostics worker).
pub fn build() -> (OrderedService<LspService<Backend>>, ClientSocket) {
    let store = Arc::new(DocumentStore::new());
    let (queue, receiver) = DiagnosticsQueue::new();
    let backend_store = store.clone();
    let backend_queue = queue.clone();
    let features = capabilities::SharedClientFeatures::default();
    let backend_sessions = Arc::new(sessions::SessionManager::new(
        queue.clone(),
        features.clone(),
    ));
    let backend_features = features.clone();
    let index = Arc::new(index::WorkspaceIndex::default());
    let backend_index = index.clone();
    let env = Arc::new(environment::EnvCache::default());
    let backend_env = env.clone();
    let (service, socket) = LspService::build(move |client| {
        backend_sessions.attach_client(client.clone());
        let state = Arc::new(ServerState::new(
            client,
            backend_store,
            backend_queue,
            backend_sessions,
            backend_features,
            backend_index,
            backend_env,
        ));
        tokio::spawn(diagnostics::run_worker(Arc::downgrade(&state), receiver));
        Backend { state }
    })
    .custom_method(ext::DEBUG_DOCUMENT, Backend::debug_document)
    .custom_method(ext::ENVIRONMENT, Backend::environment)
    .custom_method(ext::SESSION_LOG_TEXT, sessions::session_log_text)
    .custom_method(ext::SECTION_AT, sessions::section_at)
    .custom_method(ext::LOG_MESSAGE, sessions::log_message)
    .custom_method(ext::TEXT_DOCUMENT_CONTENT, sessions::text_document_content)
    .finish();
    (
        OrderedService::new(service, store, queue, features, index, env),
        socket,
    )
}

/// Serves LSP on any byte streams (stdio in the binary, an in-memory duplex in tests); says how
/// it ended.
pub async fn serve<I, O>(input: I, output: O) -> transport::Ending
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (service, socket) = build();
    transport::serve(service, socket, input, output).await
}

/// `void-ls` / `void-ls lsp`: serves stdio until the client sends `exit` or closes stdin.
pub fn run(_args: LspArgs) -> ExitCode {
    logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let ending = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // Do not wait for the blocking pool (a huge parse in flight) once the client is gone.
    runtime.shutdown_background();
    ExitCode::from(ending.exit_code())
}
