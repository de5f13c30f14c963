//! Diagnostics pushed to the client (`textDocument/publishDiagnostics`) on open, change, close,
//! settings change and environment-file change.
//!
//! One worker task owns publishing. Anything that makes a document's diagnostics stale calls
//! [`DiagnosticsQueue::schedule`] (cheap, never blocks, never awaits). The worker drains every
//! queued URI at once, takes the *current* version from the store, computes on the analysis thread
//! ([`super::analysis`], where the ordering layer has usually started the parse already),
//! and publishes only if that version is still current, so a burst of keystrokes costs one parse
//! of the latest text and stale versions are dropped. A closed document gets an empty list.
//! This module must not apply edits or hold the store lock across work.

use std::collections::HashSet;
use std::sync::{Arc, Weak};

use tokio::sync::mpsc;
use tower_lsp_server::ls_types::{self as lsp, DiagnosticSeverity, NumberOrString, Uri};
use void_session::file_checks::path_diagnostics;
use void_session::project_files::{Project, project_root_of};
use void_syntax as syntax;

use super::document::OpenDocument;
use super::position::LspPositions;
use super::server::ServerState;

/// Where staleness is reported. Cloneable; the worker ends when every queue is dropped.
#[derive(Clone, Debug)]
pub struct DiagnosticsQueue {
    sender: mpsc::UnboundedSender<Uri>,
}

impl DiagnosticsQueue {
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Uri>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (DiagnosticsQueue { sender }, receiver)
    }

    pub fn schedule(&self, uri: Uri) {
        // Fails only when the worker has ended, that is when the server is going away.
        let _ = self.sender.send(uri);
    }
}

/// Runs until every [`DiagnosticsQueue`] is dropped or the server state is gone.
pub async fn run_worker(state: Weak<ServerState>, mut receiver: mpsc::UnboundedReceiver<Uri>) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        let mut seen = HashSet::new();
        while let Ok(uri) = receiver.try_recv() {
            batch.push(uri);
        }
        let Some(state) = state.upgrade() else { return };
        for uri in batch {
            if seen.insert(uri.clone()) {
                publish_one(&state, uri).await;
            }
        }
    }
}

async fn publish_one(state: &Arc<ServerState>, uri: Uri) {
    let Some(doc) = state.store.get(&uri) else {
        state
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
        return;
    };
    let worker_state = state.clone();
    let worker_doc = doc.clone();
    let computed = super::analysis::run(move || compute(&worker_state, &worker_doc)).await;
    let Some(diagnostics) = computed else {
        tracing::error!("computing diagnostics for {} failed", uri.as_str());
        return;
    };
    let still_current = state
        .store
        .get(&uri)
        .is_some_and(|now| now.version == doc.version);
    if still_current {
        state
            .client
            .publish_diagnostics(uri, diagnostics, Some(doc.version))
            .await;
    }
}

/// The LSP diagnostics of one document version: the parser's, environment files that were not
/// read, unresolved variables, paths in `ws-options` a connect would refuse, links that lead nowhere, and the failed
/// assertion rows of the document's live sessions.
pub fn compute(state: &ServerState, doc: &OpenDocument) -> Vec<lsp::Diagnostic> {
    let model = doc.model();
    let environment = state.environment_for(&doc.uri);
    let encoding = state.store.encoding();
    let mut extra: Vec<syntax::Diagnostic> = environment
        .unread
        .iter()
        .map(void_session::project_files::env_file_diagnostic)
        .collect();
    extra.extend(syntax::variables::diagnose_variables(
        &model,
        &environment.variables,
    ));
    // The paths the file names (transcript, certificates, body files), as a run would judge them.
    if let Some(file) = doc.uri.to_file_path()
        && let Some(dir) = file.parent()
    {
        let project = Project::new(project_root_of(&file, &state.roots()));
        extra.extend(path_diagnostics(
            &model,
            &environment.variables,
            dir,
            &project,
        ));
    }
    if let Some(expansion) = super::links::expansion(state, &doc.uri, doc.text(), &model) {
        extra.extend(syntax::links::diagnostics(&model, &expansion));
    }
    let all = model.diagnostics.len() + extra.len();
    let mut out: Vec<lsp::Diagnostic> = model
        .diagnostics
        .iter()
        .chain(extra.iter())
        .take(MAX_PUBLISHED)
        .map(|d| to_lsp(doc, d, encoding))
        .collect();
    if all > MAX_PUBLISHED {
        let end = doc
            .line_index()
            .lsp_position(doc.text(), doc.text().len(), encoding);
        out.push(lsp::Diagnostic {
            range: lsp::Range::new(end, end),
            severity: Some(DiagnosticSeverity::INFORMATION),
            code: Some(NumberOrString::String("too-many-diagnostics".into())),
            source: Some("void".into()),
            message: format!("{} more problems are not shown (only the first {MAX_PUBLISHED} are published); run `void-ls check` for all", all - MAX_PUBLISHED),
            ..Default::default()
        });
    }
    out.extend(super::sessions::editor::assertion_diagnostics(state, doc));
    out
}

/// Diagnostics published per document at most: beyond this, editors only slow down.
pub const MAX_PUBLISHED: usize = 2000;

fn to_lsp(
    doc: &OpenDocument,
    d: &syntax::Diagnostic,
    encoding: super::position::PositionEncoding,
) -> lsp::Diagnostic {
    let severity = match d.severity {
        syntax::Severity::Error => DiagnosticSeverity::ERROR,
        syntax::Severity::Warning => DiagnosticSeverity::WARNING,
        syntax::Severity::Information => DiagnosticSeverity::INFORMATION,
        syntax::Severity::Hint => DiagnosticSeverity::HINT,
    };
    lsp::Diagnostic {
        range: doc
            .line_index()
            .lsp_range(doc.text(), d.range.clone(), encoding),
        severity: Some(severity),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("void".into()),
        message: d.message.clone(),
        ..Default::default()
    }
}
