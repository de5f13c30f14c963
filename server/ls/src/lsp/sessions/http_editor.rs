//! What HTTP runs add to the editing features: the `▶ Run` lens on each HTTP `request` and
//! GraphQL `gqlquery` (with `◌ running…` while it runs, `● open · N events` and `Close` while
//! an event stream runs, and `last: 200 OK · 12 ms · ✓2 ✗0`
//! opening the response after), the same as code actions at the cursor, and the verdict of
//! each `assertions-table` row of the section's latest run as an inlay hint.
//!
//! Sections are found from the current model by request uid, like WebSocket sessions.
//! Read-only: nothing here sends a request.

use std::ops::Range as ByteRange;
use std::sync::Arc;

use tower_lsp_server::ls_types::*;
use void_syntax::Document;
use void_syntax::model::RequestKind;

use super::super::document::OpenDocument;
use super::super::ext::commands::{CLOSE, CONNECT, OPEN_LOG, PAUSE, RESUME};
use super::super::server::ServerState;
use super::editor::{RowsChecked, close_args, command, open_log_args, section_target, summary};
use super::http_runs::HttpRun;
use super::lookup::{self, LocatedSection};
use super::protocol::{CloseArgs, OpenLogArgs, SessionArgs};

/// The HTTP and GraphQL sections of a document, located.
fn http_sections(doc: &OpenDocument, model: &Arc<Document>) -> Vec<LocatedSection> {
    model
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(
                s.request_kind(model),
                Some((_, RequestKind::Http | RequestKind::GraphQl))
            )
        })
        .filter_map(|(i, _)| lookup::located_http(&doc.uri, model.clone(), i).ok())
        .collect()
}

fn open_response_args(run: &HttpRun) -> OpenLogArgs {
    OpenLogArgs {
        session_id: Some(run.id.clone()),
        log_uri: Some(run.response_uri.clone()),
    }
}

/// `▶ Run` on each HTTP request (or `◌ running…` while it runs; a live GraphQL subscription
/// its status and Close), and how the last run
/// ended, opening its response.
pub fn request_lenses(
    state: &ServerState,
    doc: &OpenDocument,
    model: &Arc<Document>,
    lenses: &mut Vec<CodeLens>,
) {
    for section in http_sections(doc, model) {
        let block = &model.blocks[section.request_block];
        let range = state.range(doc, block.range.start..block.range.start);
        let latest = state
            .sessions
            .http
            .latest_for(&doc.uri, &section.section_key);
        let lens = |title: String, command: Command| CodeLens {
            range,
            command: Some(Command { title, ..command }),
            data: None,
        };
        // A GraphQL subscription runs as a live session over WebSocket.
        if let Some(entry) = state.sessions.live_for(&doc.uri, &section.section_key) {
            let status = entry.session.status();
            lenses.push(lens(
                summary(&status),
                command("", OPEN_LOG, &open_log_args(&entry)),
            ));
            lenses.push(lens(
                "Close".into(),
                command("", CLOSE, &close_args(&entry)),
            ));
            continue;
        }
        match latest {
            Some(run) if run.is_live() => {
                lenses.push(lens(
                    run.summary(),
                    command("", OPEN_LOG, &open_response_args(&run)),
                ));
                if run.state() == "open" {
                    // An event stream: its document pauses like a session's log.
                    let id = SessionArgs {
                        session_id: run.id.clone(),
                    };
                    lenses.push(if run.is_paused() {
                        lens("Resume".into(), command("", RESUME, &id))
                    } else {
                        lens("Pause".into(), command("", PAUSE, &id))
                    });
                }
                let close = CloseArgs {
                    session_id: run.id.clone(),
                    code: None,
                    reason: None,
                };
                lenses.push(lens("Close".into(), command("", CLOSE, &close)));
            }
            latest => {
                let target = section_target(state, doc, model, &section);
                lenses.push(lens("▶ Run".into(), command("", CONNECT, &target)));
                if let Some(run) = latest {
                    lenses.push(lens(
                        format!("last: {}", run.summary()),
                        command("", OPEN_LOG, &open_response_args(&run)),
                    ));
                }
            }
        }
    }
}

/// `▶ Run (HTTP)` and `Open the response` at the cursor in an HTTP section; `true` when the
/// cursor is in one (the WebSocket actions are then not looked for).
pub fn code_actions(
    state: &ServerState,
    doc: &OpenDocument,
    requested: &ByteRange<usize>,
    actions: &mut Vec<CodeActionOrCommand>,
) -> bool {
    let model = doc.model();
    let Ok(section) =
        lookup::located_http(&doc.uri, model.clone(), model.section_at(requested.start))
    else {
        return false;
    };
    let mut add = |title: &str, command: Command| {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.to_string(),
            kind: Some(CodeActionKind::EMPTY),
            command: Some(command),
            ..Default::default()
        }));
    };
    let target = section_target(state, doc, &model, &section);
    add("▶ Run (HTTP)", command("", CONNECT, &target));
    if let Some(run) = state
        .sessions
        .http
        .latest_for(&doc.uri, &section.section_key)
    {
        add(
            "Open the response",
            command("", OPEN_LOG, &open_response_args(&run)),
        );
    }
    true
}

/// The verdict of each `assertions-table` row of the sections' latest runs, at the row's end.
/// Rows are matched by position among the enabled rows with a field, as the run counted them.
pub fn assertion_hints(
    state: &ServerState,
    doc: &OpenDocument,
    wanted: &ByteRange<usize>,
) -> Vec<InlayHint> {
    if !state.sessions.http.has_runs_for(&doc.uri) {
        return Vec::new();
    }
    let model = doc.model();
    let mut out = Vec::new();
    for section in http_sections(doc, &model) {
        let Some(run) = state
            .sessions
            .http
            .latest_for(&doc.uri, &section.section_key)
        else {
            continue;
        };
        let Some(model_section) = model.sections.get(section.section_index) else {
            continue;
        };
        let rows: Vec<_> = model_section
            .http_assertions(&model)
            .into_iter()
            .flat_map(|(_, table)| table.rows.iter())
            .filter(|r| {
                !r.row.disabled && r.field.as_ref().is_some_and(|f| !f.value.trim().is_empty())
            })
            .collect();
        let owner = format!("HTTP run `{}`", run.id);
        let checked = RowsChecked {
            rows: &rows,
            results: &run.checks(),
            owner: &owner,
        };
        out.extend(checked.hints(state, doc, wanted));
    }
    out
}
