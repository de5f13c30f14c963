//! Pull diagnostics, for clients that pull (`textDocument/diagnostic`, `workspace/diagnostic`;
//! announced only to them, see [`super::capabilities::initialize_result`]).
//!
//! - A document: an open one gets what a push would carry ([`super::diagnostics::compute`], on
//!   the analysis thread); any other file of the workspace gets its diagnostics from the index
//!   ([`super::project_diagnostics`]).
//! - The workspace: every indexed `.void` file that is not open (the client pulls open
//!   documents one by one), and an empty report for a file the client holds a result for that
//!   is gone.
//!
//! Every report carries a result id (a hash of the list): a client asking again with the id it
//! holds gets "unchanged". What was handed out is recorded in [`super::diagnostics::Delivered`],
//! so the diagnostics worker knows when to ask the client to pull again.

use std::collections::HashMap;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::index::scan;
use super::project_diagnostics::{self, result_id};
use super::server::ServerState;

/// `textDocument/diagnostic`.
pub async fn document(
    state: &Arc<ServerState>,
    params: DocumentDiagnosticParams,
) -> Result<DocumentDiagnosticReportResult> {
    let uri = params.text_document.uri;
    let items = match state.document(&uri) {
        Ok(doc) => {
            let worker_state = state.clone();
            let worker_doc = doc.clone();
            let items = super::analysis::run(move || {
                super::diagnostics::compute(&worker_state, &worker_doc)
            })
            .await
            .unwrap_or_default();
            state
                .diagnostics
                .delivered()
                .pulled
                .insert(uri.clone(), (doc.version, result_id(&items)));
            items
        }
        Err(_) => {
            scan::up_to_date(state).await;
            let path = uri.to_file_path().map(|p| p.into_owned());
            let file = path.and_then(|p| state.index.disk(&p));
            file.map(|f| project_diagnostics::of_file(state, &f))
                .unwrap_or_default()
        }
    };
    let id = result_id(&items);
    let report = if params.previous_result_id.as_deref() == Some(id.as_str()) {
        DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                result_id: id,
            },
        })
    } else {
        DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(id),
                items,
            },
        })
    };
    Ok(DocumentDiagnosticReportResult::Report(report))
}

/// `workspace/diagnostic`: from now on the files that are not open are the client's to pull.
pub async fn workspace(
    state: &Arc<ServerState>,
    params: WorkspaceDiagnosticParams,
) -> Result<WorkspaceDiagnosticReportResult> {
    scan::up_to_date(state).await;
    let first = {
        let mut delivered = state.diagnostics.delivered();
        !std::mem::replace(&mut delivered.workspace_pulled, true)
    };
    if first {
        // What was pushed before is cleared by the worker.
        state.diagnostics.schedule_project();
    }
    let worker_state = state.clone();
    let now = super::analysis::run(move || project_diagnostics::compute(&worker_state))
        .await
        .unwrap_or_default();
    let held: HashMap<Uri, String> = params
        .previous_result_ids
        .into_iter()
        .map(|p| (p.uri, p.value))
        .collect();
    let mut ids = HashMap::new();
    let mut items = Vec::new();
    for (uri, list) in now {
        let id = result_id(&list);
        ids.insert(uri.clone(), id.clone());
        items.push(report(uri, id, list, &held));
    }
    // Files the client holds results for that are gone from the project (open ones are pulled
    // one by one).
    for uri in held.keys() {
        if !ids.contains_key(uri) && state.store.get(uri).is_none() {
            items.push(report(uri.clone(), result_id(&[]), Vec::new(), &held));
        }
    }
    state.diagnostics.delivered().workspace_report = ids;
    Ok(WorkspaceDiagnosticReportResult::Report(
        WorkspaceDiagnosticReport { items },
    ))
}

fn report(
    uri: Uri,
    id: String,
    items: Vec<Diagnostic>,
    held: &HashMap<Uri, String>,
) -> WorkspaceDocumentDiagnosticReport {
    if held.get(&uri) == Some(&id) {
        WorkspaceDocumentDiagnosticReport::Unchanged(WorkspaceUnchangedDocumentDiagnosticReport {
            uri,
            version: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                result_id: id,
            },
        })
    } else {
        WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
            uri,
            version: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(id),
                items,
            },
        })
    }
}
