//! Diagnostics to the client, pushed (`textDocument/publishDiagnostics`) or pulled
//! (`textDocument/diagnostic`, `workspace/diagnostic`: [`super::pull_diagnostics`]).
//!
//! One worker task owns what the client is told. Anything that makes a document's diagnostics
//! stale calls [`DiagnosticsQueue::schedule`], anything that changes the project (the index, the
//! environment, the settings) [`DiagnosticsQueue::schedule_project`]; both are cheap and never
//! block. The worker drains every queued job at once:
//! - an open document: takes the *current* version from the store, computes on the analysis
//!   thread ([`super::analysis`], where the ordering layer has usually started the parse
//!   already) and publishes only if that version is still current, so a burst of keystrokes
//!   costs one parse of the latest text; a closed document gets an empty list. A client that
//!   pulls (it said `textDocument.diagnostic` and `workspace.diagnostics.refreshSupport`) asks
//!   for each version itself; the worker only checks that what the client last pulled is still
//!   right (a session's assertion results, an environment file changed) and asks it to pull
//!   again (`workspace/diagnostic/refresh`) when it is not.
//! - the project: the diagnostics of the files that are not open, from the index
//!   ([`super::project_diagnostics`]), pushed where they changed, until the client pulls the
//!   workspace itself; from then on it is asked to pull again when they change.
//!
//! This module must not apply edits or hold the store lock across work.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::mpsc;
use tower_lsp_server::ls_types::{self as lsp, DiagnosticSeverity, NumberOrString, Uri};
use void_session::file_checks::path_diagnostics;
use void_session::project_files::{Project, project_root_of};
use void_session::sync::Unpoisoned;
use void_syntax as syntax;

use super::document::OpenDocument;
use super::position::LspPositions;
use super::project_diagnostics::result_id;
use super::server::ServerState;

/// What the worker is asked to bring up to date.
#[derive(Debug)]
enum Job {
    Document(Uri),
    Project,
}

/// Where staleness is reported. Cloneable; the worker ends when every queue is dropped.
#[derive(Clone, Debug)]
pub struct DiagnosticsQueue {
    sender: mpsc::UnboundedSender<Job>,
    /// What the client holds, shared with the pull handlers (through [`Self::delivered`]).
    delivered: Arc<Mutex<Delivered>>,
}

/// What the client was given, by push or by pull.
#[derive(Debug, Default)]
pub struct Delivered {
    /// Open documents the client pulled: the version and the result id it got.
    pub pulled: HashMap<Uri, (i32, String)>,
    /// Whether the client pulls the workspace (`workspace/diagnostic`): files that are not
    /// open are then its to pull, no longer pushed.
    pub workspace_pulled: bool,
    /// The result ids of the last workspace report, by file.
    pub workspace_report: HashMap<Uri, String>,
    /// Diagnostics of files that are not open, as last pushed (non-empty lists only).
    pub pushed: HashMap<Uri, Vec<lsp::Diagnostic>>,
}

/// The receiving end of a [`DiagnosticsQueue`], for [`run_worker`].
#[derive(Debug)]
pub struct Jobs(mpsc::UnboundedReceiver<Job>);

impl DiagnosticsQueue {
    pub fn new() -> (Self, Jobs) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let queue = DiagnosticsQueue {
            sender,
            delivered: Arc::default(),
        };
        (queue, Jobs(receiver))
    }

    /// What the client holds, locked: for a moment, never across an await.
    pub(super) fn delivered(&self) -> MutexGuard<'_, Delivered> {
        self.delivered.lock().unpoisoned()
    }

    /// The diagnostics of the document at `uri` may be stale.
    pub fn schedule(&self, uri: Uri) {
        // Fails only when the worker has ended, that is when the server is going away.
        let _ = self.sender.send(Job::Document(uri));
    }

    /// The diagnostics of the project's files that are not open may be stale.
    pub fn schedule_project(&self) {
        let _ = self.sender.send(Job::Project);
    }
}

/// Runs until every [`DiagnosticsQueue`] is dropped or the server state is gone.
pub async fn run_worker(state: Weak<ServerState>, Jobs(mut receiver): Jobs) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while let Ok(job) = receiver.try_recv() {
            batch.push(job);
        }
        let Some(state) = state.upgrade() else { return };
        let mut seen = HashSet::new();
        let mut project = false;
        let mut refresh = false;
        for job in batch {
            match job {
                Job::Document(uri) if seen.insert(uri.clone()) => {
                    refresh |= deliver_one(&state, uri).await;
                }
                Job::Document(_) => {}
                Job::Project => project = true,
            }
        }
        // After the documents: a document closed in this batch gets its disk copy's.
        if project {
            refresh |= deliver_project(&state).await;
        }
        if refresh {
            let client = state.client.clone();
            tokio::spawn(async move {
                if let Err(e) = client.workspace_diagnostic_refresh().await {
                    tracing::debug!("workspace/diagnostic/refresh: {e}");
                }
            });
        }
    }
}

/// Whether the client pulls diagnostics.
fn pulls(state: &ServerState) -> bool {
    state.features().pull_diagnostics
}

/// Brings the client's diagnostics of one document up to date; whether the client must be
/// asked to pull again.
async fn deliver_one(state: &Arc<ServerState>, uri: Uri) -> bool {
    if !pulls(state) {
        // What is published now replaces what the project pass pushed for it: once the
        // document closes, the project pass pushes its disk copy's again.
        state.diagnostics.delivered().pushed.remove(&uri);
        publish_one(state, uri).await;
        return false;
    }
    let Some(doc) = state.store.get(&uri) else {
        state.diagnostics.delivered().pulled.remove(&uri);
        return false;
    };
    // Pushed while it was not open: the pulled ones replace them.
    let was_pushed = state.diagnostics.delivered().pushed.remove(&uri).is_some();
    if was_pushed {
        state
            .client
            .publish_diagnostics(uri.clone(), Vec::new(), None)
            .await;
    }
    let pulled = state.diagnostics.delivered().pulled.get(&uri).cloned();
    // A version the client has not pulled yet, it will pull.
    let Some((version, id)) = pulled.filter(|(version, _)| *version == doc.version) else {
        return false;
    };
    let worker_state = state.clone();
    let computed = super::analysis::run(move || compute(&worker_state, &doc)).await;
    computed.is_some_and(|now| result_id(&now) != id) && {
        tracing::debug!("{} (version {version}) changed since pulled", uri.as_str());
        true
    }
}

/// Brings the diagnostics of the files that are not open up to date: pushed where they
/// changed, or, once the client pulls the workspace, whether it must be asked to pull again.
async fn deliver_project(state: &Arc<ServerState>) -> bool {
    let worker_state = state.clone();
    let Some(now) =
        super::analysis::run(move || super::project_diagnostics::compute(&worker_state)).await
    else {
        tracing::error!("computing the project's diagnostics failed");
        return false;
    };
    let workspace_pulled = pulls(state) && state.diagnostics.delivered().workspace_pulled;
    let (publish, refresh) = {
        let mut delivered = state.diagnostics.delivered();
        if workspace_pulled {
            let publish: Vec<(Uri, Vec<lsp::Diagnostic>)> = delivered
                .pushed
                .drain()
                .map(|(uri, _)| (uri, Vec::new()))
                .collect();
            let refresh = now.len() != delivered.workspace_report.len()
                || now.iter().any(|(uri, list)| {
                    delivered.workspace_report.get(uri) != Some(&result_id(list))
                });
            (publish, refresh)
        } else {
            (push_changes(state, &mut delivered.pushed, now), false)
        }
    };
    for (uri, list) in publish {
        state.client.publish_diagnostics(uri, list, None).await;
    }
    refresh
}

/// What to publish to bring the pushed diagnostics of files that are not open from `pushed` to
/// `now` (which leaves open documents out); `pushed` becomes `now`'s non-empty lists.
fn push_changes(
    state: &ServerState,
    pushed: &mut HashMap<Uri, Vec<lsp::Diagnostic>>,
    now: HashMap<Uri, Vec<lsp::Diagnostic>>,
) -> Vec<(Uri, Vec<lsp::Diagnostic>)> {
    let mut publish = Vec::new();
    for (uri, _) in pushed.iter().filter(|(uri, _)| !now.contains_key(*uri)) {
        // Gone from disk: cleared. Open now: its own list replaces it when pushed; a
        // pulling client holds both, so it is cleared.
        if state.store.get(uri).is_none() || pulls(state) {
            publish.push((uri.clone(), Vec::new()));
        }
    }
    pushed.retain(|uri, _| now.contains_key(uri));
    for (uri, list) in now {
        let before = pushed.get(&uri);
        if before.map_or(list.is_empty(), |b| *b == list) {
            continue;
        }
        publish.push((uri.clone(), list.clone()));
        if list.is_empty() {
            pushed.remove(&uri);
        } else {
            pushed.insert(uri, list);
        }
    }
    publish
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
