//! What sessions add to the editing features: code lenses (state and counts, Pause/Resume,
//! Close, Open log on a connected `socket-request`; Send on each `ws-message`; Serve, or Stop
//! serving and its log, on a section with replies), the live state
//! in the hover of a `socket-request`, and the same operations as code actions at the cursor.
//!
//! Every lookup goes from the current model to the session by `socket-request` uid, so what is
//! shown follows the block through edits. Read-only: nothing here starts, stops or sends.

use std::ops::Range as ByteRange;

use serde::Serialize;
use tower_lsp_server::ls_types::*;
use void_session::{Outcome, SessionState, Status};
use void_syntax::{AssertionRow, BlockKind, Document};

use super::super::document::OpenDocument;
use super::super::ext::commands::{
    CLOSE, CONNECT, COPY_AS_WEBSOCAT, OPEN_LOG, PAUSE, RESUME, SEND, SERVE, STOP_SERVE,
    TEST_CONNECTION,
};
use super::super::inlay_hints;
use super::super::server::ServerState;
use super::lookup::{self, LocatedSection};
use super::manager::SessionEntry;
use super::protocol::{CloseArgs, OpenLogArgs, SectionTarget, SendArgs, SessionArgs};
use std::sync::Arc;

/// The WebSocket sections of a document, located.
fn websocket_sections(doc: &OpenDocument, model: &Arc<Document>) -> Vec<LocatedSection> {
    (0..model.sections.len())
        .filter_map(|i| lookup::located(&doc.uri, model.clone(), i).ok())
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
    if a.passed + a.failed > 0 {
        text.push_str(&format!(" · ✓{} ✗{}", a.passed, a.failed));
    }
    if a.pending > 0 {
        text.push_str(&format!(" · {} pending", a.pending));
    }
    text
}

/// An LSP command with its one typed argument (the shapes of `sessions::protocol`).
pub fn command<T: Serialize>(title: impl Into<String>, name: &str, argument: &T) -> Command {
    Command {
        title: title.into(),
        command: name.into(),
        arguments: Some(vec![
            serde_json::to_value(argument).unwrap_or(serde_json::Value::Null),
        ]),
    }
}

fn lens<T: Serialize>(
    range: Range,
    title: impl Into<String>,
    name: &str,
    argument: &T,
) -> CodeLens {
    CodeLens {
        range,
        command: Some(command(title, name, argument)),
        data: None,
    }
}

/// The arguments that name one session.
fn session_args(entry: &SessionEntry) -> SessionArgs {
    SessionArgs {
        session_id: entry.id().to_string(),
    }
}

/// `void.openLog` for a session (by id and log URI).
pub(super) fn open_log_args(entry: &SessionEntry) -> OpenLogArgs {
    OpenLogArgs {
        session_id: Some(entry.id().to_string()),
        log_uri: Some(entry.log_uri.clone()),
    }
}

/// `void.close` with the normal code.
pub(super) fn close_args(entry: &SessionEntry) -> CloseArgs {
    CloseArgs {
        session_id: entry.id().to_string(),
        code: Some(1000),
        reason: None,
    }
}

/// `void.send` of a `ws-message` by uid.
fn send_args(entry: &SessionEntry, message_uid: String) -> SendArgs {
    SendArgs {
        session_id: entry.id().to_string(),
        message_uid: Some(message_uid),
        format: None,
        body: None,
    }
}

/// The target of a section command: its request uid, or the position of its request block
/// when that has no uid.
pub fn section_target(
    state: &ServerState,
    doc: &OpenDocument,
    model: &Document,
    section: &LocatedSection,
) -> SectionTarget {
    if section.block_uid.is_empty() {
        let block = &model.blocks[section.request_block];
        SectionTarget {
            uri: doc.uri.clone(),
            block_uid: None,
            position: Some(state.range(doc, block.range.start..block.range.start).start),
        }
    } else {
        SectionTarget {
            uri: doc.uri.clone(),
            block_uid: Some(section.block_uid.clone()),
            position: None,
        }
    }
}

/// The lenses of the WebSocket `socket-request` at `request_block`, decided once: with a live
/// session, its state, Pause/Resume (Cancel while connecting), Close and Open log, and Send on
/// the section's messages while it is open; otherwise `▶ Connect`, and how the last session
/// ended when there was one.
pub fn request_lenses(
    state: &ServerState,
    doc: &OpenDocument,
    model: &Arc<Document>,
    request_block: usize,
    lenses: &mut Vec<CodeLens>,
) {
    let Some(block) = model.blocks.get(request_block) else {
        return;
    };
    let range = state.range(doc, block.range.start..block.range.start);
    let target = SectionTarget {
        uri: doc.uri.clone(),
        block_uid: block.uid.as_ref().map(|uid| uid.value.to_string()),
        position: block.uid.is_none().then_some(range.start),
    };
    let session = session_of_request(state, doc, model, request_block);
    if let Some((section, entry)) = session.as_ref().filter(|(_, entry)| entry.is_live()) {
        live_lenses(state, doc, model, section, entry, range, lenses);
        serve_lenses(state, doc, model, request_block, range, &target, lenses);
        return;
    }
    lenses.push(lens(range, "▶ Connect", CONNECT, &target));
    serve_lenses(state, doc, model, request_block, range, &target, lenses);
    if let Some((_, finished)) = session {
        let status = finished.session.status();
        lenses.push(lens(
            range,
            format!("last: {}", summary(&status)),
            OPEN_LOG,
            &open_log_args(&finished),
        ));
    }
}

/// `▶ Serve` on a section with replies (an `on-receive` message: a conversation to play from
/// the server's side); while it is served, `■ Stop serving` with its URL and its log.
fn serve_lenses(
    state: &ServerState,
    doc: &OpenDocument,
    model: &Arc<Document>,
    request_block: usize,
    range: Range,
    target: &SectionTarget,
    lenses: &mut Vec<CodeLens>,
) {
    let Some((index, section)) = model
        .sections
        .iter()
        .enumerate()
        .find(|(_, s)| s.blocks.contains(&request_block))
    else {
        return;
    };
    let key = lookup::section_key(target.block_uid.as_deref(), index);
    if let Some(served) = state.sessions.serves.live_for(&doc.uri, &key) {
        let args = SessionArgs {
            session_id: served.id.clone(),
        };
        lenses.push(lens(
            range,
            format!("■ Stop serving {}", served.url),
            STOP_SERVE,
            &args,
        ));
        let log = OpenLogArgs {
            session_id: Some(served.id.clone()),
            log_uri: Some(served.log_uri.clone()),
        };
        lenses.push(lens(range, "Serve log", OPEN_LOG, &log));
        return;
    }
    if section.messages(model).iter().any(|(_, m)| m.is_reply()) {
        lenses.push(lens(range, "▶ Serve", SERVE, target));
    }
}

/// The section whose request is the block at `request_block`, and its latest session.
fn session_of_request(
    state: &ServerState,
    doc: &OpenDocument,
    model: &Arc<Document>,
    request_block: usize,
) -> Option<(LocatedSection, Arc<SessionEntry>)> {
    if !state.sessions.has_sessions_for(&doc.uri) {
        return None;
    }
    let block = model.blocks.get(request_block)?;
    let section = lookup::located(&doc.uri, model.clone(), model.section_at(block.range.start))
        .ok()
        .filter(|section| section.request_block == request_block)?;
    let entry = state.sessions.latest_for(&doc.uri, &section.section_key)?;
    Some((section, entry))
}

/// The lenses of a section with a live session (see [`request_lenses`]).
fn live_lenses(
    state: &ServerState,
    doc: &OpenDocument,
    model: &Document,
    section: &LocatedSection,
    entry: &SessionEntry,
    range: Range,
    lenses: &mut Vec<CodeLens>,
) {
    let status = entry.session.status();
    let id = session_args(entry);
    let log = open_log_args(entry);
    lenses.push(lens(range, summary(&status), OPEN_LOG, &log));
    match status.state {
        SessionState::Connecting | SessionState::Reconnecting => {
            lenses.push(lens(range, "Cancel", CLOSE, &close_args(entry)))
        }
        _ => {
            if status.paused {
                lenses.push(lens(range, "Resume", RESUME, &id));
            } else {
                lenses.push(lens(range, "Pause", PAUSE, &id));
            }
            lenses.push(lens(range, "Close", CLOSE, &close_args(entry)));
            lenses.push(lens(range, "Open log", OPEN_LOG, &log));
        }
    }
    if status.state == SessionState::Open {
        for (i, uid, name) in messages(model, section) {
            let block = &model.blocks[i];
            let at = state.range(doc, block.range.start..block.range.start);
            let title = match name {
                Some(name) => format!("▷ Send {name}"),
                None => "▷ Send".to_string(),
            };
            lenses.push(lens(at, title, SEND, &send_args(entry, uid)));
        }
    }
}

/// The `ws-message` blocks of a section that have a uid: (block index, uid, name).
fn messages(model: &Document, section: &LocatedSection) -> Vec<(usize, String, Option<String>)> {
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

/// The diagnostic code of a failed assertion row.
pub const ASSERTION_FAILED: &str = "assertion-failed";

/// The failed assertion rows of the document's live sessions, as error diagnostics on their
/// rows (the description cell, else the field), saying what was expected and what came: they
/// show on the row and in the problems list while the session lives, and go when it ends.
pub fn assertion_diagnostics(state: &ServerState, doc: &OpenDocument) -> Vec<Diagnostic> {
    if !state.sessions.has_sessions_for(&doc.uri) {
        return Vec::new();
    }
    let model = doc.model();
    let mut out = Vec::new();
    for section in websocket_sections(doc, &model) {
        let Some(entry) = state.sessions.live_for(&doc.uri, &section.section_key) else {
            continue;
        };
        let status = entry.session.status();
        if status.assertions.failed == 0 {
            continue;
        }
        let Some(model_section) = model.sections.get(section.section_index) else {
            continue;
        };
        let rows = void_session::section::assertion_rows(&model, model_section);
        for result in &status.assertion_results {
            if result.outcome != Outcome::Fail {
                continue;
            }
            let Some(row) = rows.get(result.index) else {
                continue;
            };
            let range = row
                .description
                .as_ref()
                .or(row.field.as_ref())
                .map_or_else(|| row.row.range.clone(), |cell| cell.range.clone());
            let check = format!("{} {} {}", result.field, result.operator, result.expected);
            let outcome = match &result.actual {
                Some(actual) => format!("actual {actual}"),
                None => result.message.clone(),
            };
            out.push(Diagnostic {
                range: state.range(doc, range),
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String(ASSERTION_FAILED.into())),
                source: Some("void".into()),
                message: format!(
                    "assertion failed (session {}): expected {}; {outcome}",
                    entry.id(),
                    check.trim_end()
                ),
                ..Default::default()
            });
        }
    }
    out
}

/// Pass / fail / pending at the end of each assertion row of a section whose latest session
/// (live, or ended: its results stay until the next one) has results, with the actual value
/// (already masked by the session layer). Rows are matched by their position among the
/// section's enabled rows, as the session counted them.
pub fn assertion_hints(
    state: &ServerState,
    doc: &OpenDocument,
    wanted: &ByteRange<usize>,
) -> Vec<InlayHint> {
    if !state.sessions.has_sessions_for(&doc.uri) {
        return Vec::new();
    }
    let model = doc.model();
    let mut out = Vec::new();
    for section in websocket_sections(doc, &model) {
        let Some(entry) = state.sessions.latest_for(&doc.uri, &section.section_key) else {
            continue;
        };
        let Some(model_section) = model.sections.get(section.section_index) else {
            continue;
        };
        let status = entry.session.status();
        let rows = void_session::section::assertion_rows(&model, model_section);
        let owner = format!(
            "Session `{}` ({})",
            entry.id(),
            if entry.is_live() { "live" } else { "ended" }
        );
        let checked = RowsChecked {
            rows: &rows,
            results: &status.assertion_results,
            owner: &owner,
        };
        out.extend(checked.hints(state, doc, wanted));
    }
    out
}

/// The verdicts of one session or run on the assertion rows of its section.
pub struct RowsChecked<'a> {
    /// The section's rows as the session or run counted them (enabled rows with a field).
    pub rows: &'a [&'a AssertionRow],
    /// The verdicts, each naming its row by position in `rows`.
    pub results: &'a [void_session::AssertionResult],
    /// Who checked them, for the tooltip (the session or the run).
    pub owner: &'a str,
}

impl RowsChecked<'_> {
    /// A hint at the end of each row with a verdict, for the rows that end inside `wanted`.
    pub fn hints(
        &self,
        state: &ServerState,
        doc: &OpenDocument,
        wanted: &ByteRange<usize>,
    ) -> Vec<InlayHint> {
        let mut out = Vec::new();
        for result in self.results {
            let Some(row) = self.rows.get(result.index) else {
                continue;
            };
            let Some(end) = [&row.description, &row.field, &row.operator, &row.expected]
                .into_iter()
                .flatten()
                .map(|cell| cell.range.end)
                .max()
            else {
                continue;
            };
            if (wanted.start..=wanted.end).contains(&end) {
                out.push(assertion_hint(state, doc, end, result, self.owner));
            }
        }
        out
    }
}

/// The inlay hint at `end` (the end of an assertion row) telling `result`; the tooltip
/// starts with `owner` (the session or run that checked it).
fn assertion_hint(
    state: &ServerState,
    doc: &OpenDocument,
    end: usize,
    result: &void_session::AssertionResult,
    owner: &str,
) -> InlayHint {
    let actual = result.actual.as_deref().map(inlay_hints::shorten);
    let label = match (result.outcome, &actual) {
        (Outcome::Pass, Some(actual)) => format!("✓ pass: {actual}"),
        (Outcome::Pass, None) => "✓ pass".to_string(),
        (Outcome::Fail, Some(actual)) => format!("✗ fail: actual {actual}"),
        (Outcome::Fail, None) => {
            format!("✗ fail: {}", inlay_hints::shorten(&result.message))
        }
        (_, _) => "… pending".to_string(),
    };
    let check = format!("{} {} {}", result.field, result.operator, result.expected);
    let mut tooltip = format!(
        "{owner}: `{}` {}",
        check.trim_end(),
        result.outcome.as_str()
    );
    if let Some(actual) = &result.actual {
        tooltip.push_str(&format!("; actual `{actual}`"));
    }
    if !result.message.is_empty() {
        tooltip.push_str(&format!(". {}", result.message));
    }
    InlayHint {
        position: state.range(doc, end..end).start,
        label: InlayHintLabel::String(label),
        kind: None,
        text_edits: None,
        tooltip: Some(inlay_hints::tooltip_of(
            tooltip,
            state.features().markdown_hover,
        )),
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }
}

/// The live-state text for a hover over a `socket-request` with a session, appended to what the
/// editing layer found (or on its own, covering the block).
pub fn extend_hover(
    state: &ServerState,
    doc: &OpenDocument,
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
    let Ok(section) = lookup::located(&doc.uri, model.clone(), model.section_at(block.range.start))
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
        facts.push(void_syntax::vocab::count(
            status.reconnects as usize,
            "reconnect",
            "reconnects",
        ));
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
    doc: &OpenDocument,
    requested: ByteRange<usize>,
    actions: &mut Vec<CodeActionOrCommand>,
) {
    let model = doc.model();
    let Ok(section) = lookup::located(&doc.uri, model.clone(), model.section_at(requested.start))
    else {
        return;
    };
    let mut add = |title: String, command: Command| {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::EMPTY),
            command: Some(command),
            ..Default::default()
        }));
    };
    let target = section_target(state, doc, &model, &section);
    let live = state.sessions.live_for(&doc.uri, &section.section_key);
    let Some(entry) = live else {
        add(
            "▶ Connect (WebSocket)".into(),
            command("", CONNECT, &target),
        );
        add(
            "Test connection".into(),
            command("", TEST_CONNECTION, &target),
        );
        add(
            "Copy as websocat command".into(),
            command("", COPY_AS_WEBSOCAT, &target),
        );
        return;
    };
    let status = entry.session.status();
    let id = session_args(&entry);
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
            add(title, command("", SEND, &send_args(&entry, uid)));
        }
        if status.paused {
            add("Resume the live log".into(), command("", RESUME, &id));
        } else {
            add("Pause the live log".into(), command("", PAUSE, &id));
        }
    }
    add(
        "Close the WebSocket session".into(),
        command("", CLOSE, &close_args(&entry)),
    );
    add(
        "Open the session log".into(),
        command("", OPEN_LOG, &open_log_args(&entry)),
    );
}
