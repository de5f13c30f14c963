//! What sessions add to the editing features: code lenses (state and counts, Pause/Resume,
//! Close, Open log on a connected `socket-request`; Send on each `ws-message`), the live state
//! in the hover of a `socket-request`, and the same operations as code actions at the cursor.
//!
//! Every lookup goes from the current model to the session by `socket-request` uid, so what is
//! shown follows the block through edits. Read-only: nothing here starts, stops or sends.

use std::ops::Range as ByteRange;

use serde_json::json;
use tower_lsp_server::ls_types::*;
use void_session::{SessionState, Status};
use void_syntax::BlockKind;

use super::super::document::Document;
use super::super::ext::commands::{
    CLOSE, CONNECT, COPY_AS_WEBSOCAT, PAUSE, RESUME, SEND, TEST_CONNECTION,
};
use super::super::server::ServerState;
use super::manager::SessionEntry;
use super::protocol::OPEN_LOG;
use super::resolve::{self, LocatedSection};
use std::sync::Arc;

/// The WebSocket sections of a document, located.
fn websocket_sections(doc: &Document, model: &Arc<void_syntax::Document>) -> Vec<LocatedSection> {
    (0..model.sections.len())
        .filter_map(|i| resolve::located(&doc.uri, model.clone(), i).ok())
        .collect()
}

/// A one-line summary: `open · ↑3 ↓5 · paused`.
pub fn summary(status: &Status) -> String {
    let mut text = match status.state {
        SessionState::Connecting => "◌ connecting…".to_string(),
        SessionState::Open => format!("● open · ↑{} ↓{}", status.sent, status.received),
        SessionState::Closing => format!("◍ closing · ↑{} ↓{}", status.sent, status.received),
        SessionState::Reconnecting => match status.reconnect {
            Some(wait) => format!(
                "◌ reconnecting in {:.1} s (attempt {})",
                wait.retry_in_ms as f64 / 1000.0,
                wait.attempt
            ),
            None => "◌ reconnecting…".to_string(),
        },
        SessionState::Closed | SessionState::Failed => {
            let code = status
                .close_code
                .map(|c| format!(" {c}"))
                .unwrap_or_default();
            format!(
                "○ {}{code} · ↑{} ↓{}",
                status.state, status.sent, status.received
            )
        }
    };
    if status.paused {
        text.push_str(" · paused");
    }
    let a = &status.assertions;
    if a.passed + a.failed + a.pending > 0 {
        text.push_str(&format!(" · ✓{} ✗{} …{}", a.passed, a.failed, a.pending));
    }
    text
}

fn lens(
    range: Range,
    title: impl Into<String>,
    command: &str,
    argument: serde_json::Value,
) -> CodeLens {
    CodeLens {
        range,
        command: Some(Command {
            title: title.into(),
            command: command.into(),
            arguments: Some(vec![argument]),
        }),
        data: None,
    }
}

/// Adds the session lenses of `doc` to `lenses` (which hold the editing layer's `▶ Connect`
/// lenses): a live section loses its Connect lens and gets its state, Pause/Resume, Close and
/// Open log, and its messages get Send; a finished one keeps Connect and shows how it ended.
pub fn extend_code_lenses(state: &ServerState, doc: &Document, lenses: &mut Vec<CodeLens>) {
    if !state.sessions.has_sessions_for(&doc.uri) {
        return;
    }
    let model = doc.model();
    for section in websocket_sections(doc, &model) {
        let Some(entry) = state.sessions.latest_for(&doc.uri, &section.section_key) else {
            continue;
        };
        let block = &model.blocks[section.request_block];
        let range = state.range(doc, block.range.start..block.range.start);
        let status = entry.session.status();
        let id = json!({ "sessionId": entry.id() });
        let log = json!({ "sessionId": entry.id(), "logUri": entry.log_uri });
        if !entry.is_live() {
            lenses.push(lens(
                range,
                format!("last: {}", summary(&status)),
                OPEN_LOG,
                log,
            ));
            continue;
        }
        lenses.retain(|l| {
            !(l.range == range && l.command.as_ref().is_some_and(|c| c.command == CONNECT))
        });
        lenses.push(lens(range, summary(&status), OPEN_LOG, log.clone()));
        match status.state {
            SessionState::Connecting | SessionState::Reconnecting => {
                lenses.push(lens(range, "Cancel", CLOSE, id))
            }
            _ => {
                if status.paused {
                    lenses.push(lens(range, "Resume", RESUME, id.clone()));
                } else {
                    lenses.push(lens(range, "Pause", PAUSE, id.clone()));
                }
                lenses.push(lens(
                    range,
                    "Close",
                    CLOSE,
                    json!({ "sessionId": entry.id(), "code": 1000 }),
                ));
                lenses.push(lens(range, "Open log", OPEN_LOG, log));
            }
        }
        if status.state == SessionState::Open {
            for (i, uid, name) in messages(&model, &section) {
                let block = &model.blocks[i];
                let at = state.range(doc, block.range.start..block.range.start);
                let title = match name {
                    Some(name) => format!("▷ Send {name}"),
                    None => "▷ Send".to_string(),
                };
                lenses.push(lens(
                    at,
                    title,
                    SEND,
                    json!({ "sessionId": entry.id(), "messageUid": uid }),
                ));
            }
        }
    }
}

/// The `ws-message` blocks of a section that have a uid: (block index, uid, name).
fn messages(
    model: &void_syntax::Document,
    section: &LocatedSection,
) -> Vec<(usize, String, Option<String>)> {
    let Some(s) = model.sections.get(section.section_index) else {
        return Vec::new();
    };
    s.messages(model)
        .into_iter()
        .filter_map(|(i, m)| {
            let uid = model.blocks[i].uid.as_ref()?.value.to_string();
            Some((i, uid, m.name.as_ref().map(|n| n.value.to_string())))
        })
        .collect()
}

/// The live-state text for a hover over a `socket-request` with a session, appended to what the
/// editing layer found (or on its own, covering the block).
pub fn extend_hover(
    state: &ServerState,
    doc: &Document,
    offset: usize,
    found: Option<(ByteRange<usize>, String)>,
) -> Option<(ByteRange<usize>, String)> {
    if !state.sessions.has_sessions_for(&doc.uri) {
        return found;
    }
    let model = doc.model();
    let Some((_, block)) = model.block_at(offset) else {
        return found;
    };
    if !matches!(block.kind, BlockKind::SocketRequest(_)) {
        return found;
    }
    let Ok(section) =
        resolve::located(&doc.uri, model.clone(), model.section_at(block.range.start))
    else {
        return found;
    };
    let Some(entry) = state.sessions.latest_for(&doc.uri, &section.section_key) else {
        return found;
    };
    let text = live_state(&entry);
    Some(match found {
        Some((range, existing)) => (range, format!("{existing}\n\n---\n\n{text}")),
        None => (block.range.clone(), text),
    })
}

/// The hover text of a session: state, counts, handshake, close, error, assertions.
pub fn live_state(entry: &SessionEntry) -> String {
    let status = entry.session.status();
    let mut lines = vec![
        format!(
            "**WebSocket session** `{}`: {}",
            entry.id(),
            summary(&status)
        ),
        format!("`{}`", status.url),
    ];
    let mut facts = Vec::new();
    if let Some(code) = status.http_status {
        facts.push(format!("HTTP {code}"));
    }
    if let Some(p) = &status.subprotocol {
        facts.push(format!("subprotocol {p}"));
    }
    if let Some(ms) = status.handshake_ms {
        facts.push(format!("handshake {ms} ms"));
    }
    if let Some(code) = status.close_code {
        let reason = status
            .close_reason
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(|r| format!(" \"{r}\""))
            .unwrap_or_default();
        facts.push(format!("close {code}{reason}"));
    }
    if status.reconnects > 0 {
        facts.push(format!("{} reconnect(s)", status.reconnects));
    }
    if !facts.is_empty() {
        lines.push(facts.join(" · "));
    }
    if let Some(error) = &status.error {
        lines.push(format!("⚠ {error}"));
    }
    for warning in &status.warnings {
        lines.push(format!("⚠ {warning}"));
    }
    for row in &status.assertion_results {
        let actual = row
            .actual
            .as_deref()
            .map(|a| format!(" (actual: `{a}`)"))
            .unwrap_or_default();
        lines.push(format!(
            "- {} `{} {} {}`{actual}",
            row.outcome.as_str(),
            row.field,
            row.operator,
            row.expected
        ));
    }
    lines.push(format!("Log: `{}`", entry.log_uri));
    lines.join("\n\n")
}

/// Session operations at the cursor, as code actions that run commands: Connect / Test
/// connection / Copy as websocat in a WebSocket section; Send, Pause/Resume, Close and Open log
/// while it is connected.
pub fn extend_code_actions(
    state: &ServerState,
    doc: &Document,
    requested: ByteRange<usize>,
    actions: &mut Vec<CodeActionOrCommand>,
) {
    let model = doc.model();
    let Ok(section) = resolve::located(&doc.uri, model.clone(), model.section_at(requested.start))
    else {
        return;
    };
    let mut add = |title: String, command: &str, argument: serde_json::Value| {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::EMPTY),
            command: Some(Command {
                title: String::new(),
                command: command.into(),
                arguments: Some(vec![argument]),
            }),
            ..Default::default()
        }));
    };
    let target = if section.block_uid.is_empty() {
        let block = &model.blocks[section.request_block];
        json!({ "uri": doc.uri, "position": state.range(doc, block.range.start..block.range.start).start })
    } else {
        json!({ "uri": doc.uri, "blockUid": section.block_uid })
    };
    let live = state.sessions.live_for(&doc.uri, &section.section_key);
    let Some(entry) = live else {
        add("▶ Connect (WebSocket)".into(), CONNECT, target.clone());
        add("Test connection".into(), TEST_CONNECTION, target.clone());
        add("Copy as websocat command".into(), COPY_AS_WEBSOCAT, target);
        return;
    };
    let status = entry.session.status();
    let id = json!({ "sessionId": entry.id() });
    if status.state == SessionState::Open {
        let at_message = model
            .block_at(requested.start)
            .filter(|(_, b)| matches!(b.kind, BlockKind::WsMessage(_)))
            .map(|(i, _)| i);
        for (i, uid, name) in messages(&model, &section) {
            if at_message.is_some_and(|m| m != i) {
                continue;
            }
            let title = name
                .map(|n| format!("Send {n}"))
                .unwrap_or_else(|| "Send this message".into());
            add(
                title,
                SEND,
                json!({ "sessionId": entry.id(), "messageUid": uid }),
            );
        }
        if status.paused {
            add("Resume the live log".into(), RESUME, id.clone());
        } else {
            add("Pause the live log".into(), PAUSE, id.clone());
        }
    }
    add(
        "Close the WebSocket session".into(),
        CLOSE,
        json!({ "sessionId": entry.id(), "code": 1000 }),
    );
    add(
        "Open the session log".into(),
        OPEN_LOG,
        json!({ "sessionId": entry.id(), "logUri": entry.log_uri }),
    );
}
