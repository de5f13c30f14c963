//! The server state and the LSP method table.
//!
//! [`Backend`] implements tower-lsp-server's `LanguageServer`: each method is one line that
//! routes to the module named after it, so this file reads like a dispatch table. Handlers are
//! read-only over document snapshots (text sync is applied earlier, by [`super::ordering`]);
//! anything slow or anything that talks to the client is spawned, never awaited inside a
//! handler. [`ServerState`] is what every handler can reach; the WebSocket session layer adds
//! its sessions manager here.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};
use void_session::sync::Unpoisoned;
use void_syntax::variables::Variables;

use super::capabilities::{ClientFeatures, SharedClientFeatures};
use super::diagnostics::DiagnosticsQueue;
use super::document::OpenDocument;
use super::environment::EnvCache;
use super::ext::{DebugDocumentParams, DebugDocumentResult, EnvironmentParams, EnvironmentResult};
use super::position::{LineOutOfRange, LspPositions, PositionEncoding};
use super::settings::Settings;
use super::store::DocumentStore;
use super::{
    capabilities, code_actions, code_lens, commands, completion, definition, document_highlight,
    document_links, folding, formatting, hover, index, inlay_hints, logging, pull_diagnostics,
    references, rename, semantic_tokens, symbols, workspace_symbols,
};

/// Everything a handler can reach.
#[derive(Debug)]
pub struct ServerState {
    pub client: Client,
    pub store: Arc<DocumentStore>,
    pub diagnostics: DiagnosticsQueue,
    pub settings: RwLock<Settings>,
    /// Set by the ordering layer when `initialize` arrives.
    pub features: SharedClientFeatures,
    pub workspace_roots: RwLock<Vec<PathBuf>>,
    /// Shared with the ordering layer, which drops it the moment an environment file changes.
    pub env: Arc<EnvCache>,
    /// The WebSocket sessions (the `sessions` module tree).
    pub sessions: Arc<super::sessions::SessionManager>,
    /// Every `.void` file and environment source of the workspace (the `index` module tree).
    pub index: Arc<super::index::WorkspaceIndex>,
    /// Whether the client accepted to watch the project's files for us.
    pub file_watching: AtomicBool,
}

impl ServerState {
    pub fn new(
        client: Client,
        store: Arc<DocumentStore>,
        diagnostics: DiagnosticsQueue,
        sessions: Arc<super::sessions::SessionManager>,
        features: SharedClientFeatures,
        index: Arc<super::index::WorkspaceIndex>,
        env: Arc<EnvCache>,
    ) -> Self {
        ServerState {
            client,
            store,
            diagnostics,
            settings: RwLock::new(Settings::default()),
            features,
            workspace_roots: RwLock::new(Vec::new()),
            env,
            sessions,
            index,
            file_watching: AtomicBool::new(false),
        }
    }

    /// Whether the client watches the project's files (`workspace/didChangeWatchedFiles`), so
    /// the index hears of every change on disk.
    pub fn watches_files(&self) -> bool {
        self.file_watching.load(Ordering::Acquire)
    }

    pub fn features(&self) -> ClientFeatures {
        self.features.get().cloned().unwrap_or_default()
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().unpoisoned().clone()
    }

    pub fn encoding(&self) -> PositionEncoding {
        self.store.encoding()
    }

    /// The open document as it was when the current request arrived (see
    /// [`super::ordering::request_snapshot`]), else its current version; or an `InvalidParams`
    /// error naming it.
    pub fn document(&self, uri: &Uri) -> Result<Arc<OpenDocument>> {
        super::ordering::request_snapshot(uri)
            .or_else(|| self.store.get(uri))
            .ok_or_else(|| {
                Error::invalid_params(format!(
                    "{} is not open (send textDocument/didOpen first)",
                    uri.as_str()
                ))
            })
    }

    /// The byte offset of a request position, or an `InvalidParams` error.
    pub fn offset(&self, doc: &OpenDocument, position: Position) -> Result<usize> {
        doc.line_index()
            .lsp_offset(doc.text(), position, self.encoding())
            .map_err(out_of_range)
    }

    /// The LSP range of a byte range in `doc`.
    pub fn range(&self, doc: &OpenDocument, range: std::ops::Range<usize>) -> Range {
        doc.line_index()
            .lsp_range(doc.text(), range, self.encoding())
    }

    /// The resolved variables for a document.
    pub fn variables_for(&self, uri: &Uri) -> Arc<Variables> {
        self.environment_for(uri).variables.clone()
    }

    /// The resolved variables for a document, with the environment files that were not read.
    pub fn environment_for(&self, uri: &Uri) -> Arc<super::environment::Resolved> {
        let file = uri.to_file_path();
        self.env
            .variables(file.as_deref(), &self.roots(), || self.settings())
    }

    /// The workspace folders.
    pub fn roots(&self) -> Vec<PathBuf> {
        self.workspace_roots.read().unpoisoned().clone()
    }

    /// Re-checks every open document (after settings or environment files change).
    /// Values shown as inlay hints may have changed too: the client is asked to refresh them.
    pub fn recheck_all(&self) {
        self.env.invalidate();
        for doc in self.store.all() {
            self.diagnostics.schedule(doc.uri.clone());
        }
        self.diagnostics.schedule_project();
        if self.features().sessions.inlay_hint_refresh {
            super::sessions::notifier::refresh_inlay_hints(&self.client);
        }
    }

    /// Parses and applies settings (logging level included).
    pub fn apply_settings(&self, value: &Value) {
        let (mut settings, warnings) = Settings::from_json(value);
        for warning in warnings {
            tracing::warn!("settings: {warning}");
        }
        if let Some(level) = &settings.log_level {
            logging::set_level(level);
        }
        let mut current = self.settings.write().unpoisoned();
        // Trust is said at start-up; a later settings section that does not mention it keeps it
        // (and a once-untrusted workspace stays so: granting trust restarts the server).
        settings.workspace_trusted = match (current.workspace_trusted, settings.workspace_trusted) {
            (Some(false), _) => Some(false),
            (before, None) => before,
            (_, now) => now,
        };
        *current = settings;
    }

    /// Why connecting is refused here, if it is: the client reported an untrusted workspace.
    /// Editors refuse first; this is the server's own check (defence in depth).
    pub fn connect_refusal(&self) -> Option<String> {
        (self.settings().workspace_trusted == Some(false)).then(|| {
            "connecting is disabled in an untrusted workspace: a .void file from it could point a connection at any host and send its variables; trust the workspace to connect".to_string()
        })
    }
}

fn out_of_range(e: LineOutOfRange) -> Error {
    Error::invalid_params(e.to_string())
}

/// The `LanguageServer` implementation: a table from LSP method to module.
#[derive(Debug)]
pub struct Backend {
    pub state: Arc<ServerState>,
}

impl Backend {
    /// `void/debugDocument`: the server's copy of a document.
    pub async fn debug_document(&self, params: DebugDocumentParams) -> Result<DebugDocumentResult> {
        let doc = self.state.document(&params.uri)?;
        Ok(DebugDocumentResult {
            version: doc.version,
            text: doc.text().to_string(),
            line_count: doc.line_index().line_count(),
            position_encoding: self.state.encoding().kind().as_str().to_string(),
        })
    }
}

impl Backend {
    /// `void/environment`: the app environments of a document's project, and picking one.
    pub async fn environment(&self, params: EnvironmentParams) -> Result<EnvironmentResult> {
        let state = self.state.clone();
        // Reading the environment files is file I/O: off the async runtime.
        tokio::task::spawn_blocking(move || super::environment::request(&state, params))
            .await
            .map_err(|e| Error {
                code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
                message: format!("void/environment failed: {e}").into(),
                data: None,
            })?
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        // The client's capabilities and the position encoding were read by the ordering layer.
        let state = &self.state;
        let encoding = state.encoding();
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        #[allow(deprecated)] // reason: older clients send only rootUri
        if roots.is_empty() {
            if let Some(root) = params.root_uri.as_ref().and_then(|u| u.to_file_path()) {
                roots.push(root.into_owned());
            }
        }
        *state.workspace_roots.write().unpoisoned() = roots;
        state.index.expect_indexing();
        if let Some(options) = &params.initialization_options {
            state.apply_settings(options);
        }
        tracing::info!(
            "initialized for {:?} with {} positions",
            params.client_info.map(|c| c.name),
            encoding.kind().as_str()
        );
        Ok(capabilities::initialize_result(
            encoding,
            state.features().pull_diagnostics,
        ))
    }

    async fn initialized(&self, _: InitializedParams) {
        capabilities::register_watchers(self.state.clone());
        index::scan::start(self.state.clone());
    }

    async fn shutdown(&self) -> Result<()> {
        // Close every WebSocket session (1001) and wait briefly for the close handshakes.
        self.state.sessions.shutdown().await;
        Ok(())
    }

    // Text sync is applied by `ordering` before these run; they have nothing left to do.
    async fn did_open(&self, _: DidOpenTextDocumentParams) {}
    async fn did_change(&self, _: DidChangeTextDocumentParams) {}
    // A closed or saved document's disk copy counts again: the ordering layer queued it for
    // the index, which reads it now.
    async fn did_close(&self, _: DidCloseTextDocumentParams) {
        index::scan::settle(&self.state).await;
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        index::scan::settle(&self.state).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if params.settings.is_null() && self.state.features().configuration_pull {
            capabilities::pull_configuration(self.state.clone());
            return;
        }
        self.state.apply_settings(&params.settings);
        self.state.recheck_all();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // The ordering layer queued the changes for the index as the notification arrived.
        tracing::debug!(
            "{} changed",
            void_syntax::vocab::count(params.changes.len(), "watched file", "watched files")
        );
        index::scan::settle(&self.state).await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let removed: Vec<PathBuf> = params
            .event
            .removed
            .iter()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        let added: Vec<PathBuf> = params
            .event
            .added
            .iter()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        {
            let mut roots = self.state.workspace_roots.write().unpoisoned();
            roots.retain(|r| !removed.contains(r));
            roots.extend(added.iter().cloned());
        }
        for folder in &removed {
            self.state.index.forget_folder(folder);
        }
        for folder in added {
            index::scan::add_folder(&self.state, folder).await;
        }
        self.state.recheck_all();
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        completion::completion(&self.state, params)
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        hover::hover(&self.state, params)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        symbols::document_symbol(&self.state, params)
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        folding::folding_range(&self.state, params)
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        formatting::formatting(&self.state, params)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        definition::goto_definition(&self.state, params)
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        code_actions::code_action(&self.state, params)
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        code_lens::code_lens(&self.state, params)
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        semantic_tokens::semantic_tokens_full(&self.state, params)
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        references::references(&self.state, params).await
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        document_highlight::document_highlight(&self.state, params)
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        rename::prepare_rename(&self.state, params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        rename::rename(&self.state, params).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        inlay_hints::inlay_hint(&self.state, params)
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        document_links::document_link(&self.state, params)
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        pull_diagnostics::document(&self.state, params).await
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        pull_diagnostics::workspace(&self.state, params).await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        workspace_symbols::symbol(&self.state, params).await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        commands::execute(&self.state, params).await
    }
}
