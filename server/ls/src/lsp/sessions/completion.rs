//! Completion of JSON paths from what the section has actually received: the keys seen by its
//! live session, or by its last session when it has ended (the engine keeps the first and last
//! messages of a session for this). Paths are completed after `.json.` in `ws-assertions`
//! fields, and after `json.` in a `ws-message`'s `when:`, `capture:` and `{{$msg.json.`.
//!
//! Only answers when the cursor is right after such an accessor (plus a partial path) and a
//! session of that section saw JSON keys; otherwise it declines and the editing layer's
//! completion runs.

use tower_lsp_server::ls_types::*;
use void_syntax::BlockKind;

use super::super::document::OpenDocument;
use super::super::server::ServerState;
use super::lookup;

const JSON_ACCESSOR: &str = "json.";

fn is_path_char(c: char) -> bool {
    c.is_alphanumeric() || "_.[]-$".contains(c)
}

/// Where the partial path under the cursor starts and ends (byte offsets), if the cursor is
/// in a `.json.` path on this line.
pub fn partial_path(line: &str, cursor_in_line: usize) -> Option<(usize, usize)> {
    let before = line.get(..cursor_in_line)?;
    // `json.` starts a field (`when: json.`, `= json.`) or follows an accessor dot
    // (`received[0].json.`, `$msg.json.`).
    let at = before
        .rmatch_indices(JSON_ACCESSOR)
        .map(|(i, _)| i)
        .find(|&i| {
            before[..i]
                .chars()
                .next_back()
                .is_none_or(|c| matches!(c, '.' | ' ' | ':' | '=' | '\t'))
        })?;
    let start = at + JSON_ACCESSOR.len();
    if !before[start..].chars().all(is_path_char) {
        return None;
    }
    let after = &line[cursor_in_line..];
    let end = cursor_in_line
        + after
            .find(|c: char| !is_path_char(c))
            .unwrap_or(after.len());
    Some((start, end))
}

/// The completion items for a `.json.` path at `offset`, or `None` to let other completion run.
pub fn json_paths(
    state: &ServerState,
    doc: &OpenDocument,
    offset: usize,
) -> Option<Vec<CompletionItem>> {
    if !state.sessions.has_sessions_for(&doc.uri) {
        return None;
    }
    let model = doc.model();
    let (_, block) = model.block_at(offset)?;
    if !matches!(
        block.kind,
        BlockKind::WsAssertions(_) | BlockKind::WsMessage(_)
    ) {
        return None;
    }
    let text = doc.text();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    let (start, end) = partial_path(&text[line_start..line_end], offset - line_start)?;
    let section = lookup::located(&doc.uri, model.clone(), model.section_at(offset)).ok()?;
    let entry = state.sessions.latest_for(&doc.uri, &section.section_key)?;
    let keys = entry.session.json_keys();
    if keys.is_empty() {
        return None;
    }
    let range = state.range(doc, line_start + start..line_start + end);
    let origin = if entry.is_live() {
        "seen by the live session"
    } else {
        "seen by the last session"
    };
    Some(
        keys.into_iter()
            .enumerate()
            .map(|(i, key)| CompletionItem {
                label: key.clone(),
                kind: Some(CompletionItemKind::FIELD),
                detail: Some(format!("JSON key {origin} {}", entry.id())),
                sort_text: Some(format!("{i:05}")),
                filter_text: Some(key.clone()),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                    range,
                    new_text: key,
                })),
                ..Default::default()
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_paths_follow_json_accessors_only() {
        let line = "      - - received[-1].json.data.it";
        assert_eq!(
            partial_path(line, line.len()),
            Some((line.len() - 7, line.len()))
        );
        let line = "row: [x, received[0].json., equals, 1]";
        let cursor = line.find(".json.").unwrap_or(0) + 6;
        assert_eq!(partial_path(line, cursor), Some((cursor, cursor)));
        assert_eq!(partial_path("received[0].text", 16), None);
        let line = "  when: json.op";
        assert_eq!(partial_path(line, line.len()), Some((13, 15)));
        let line = "  capture: T = json.";
        assert_eq!(
            partial_path(line, line.len()),
            Some((line.len(), line.len()))
        );
        let line = "  body: '{{$msg.json.i";
        assert_eq!(
            partial_path(line, line.len()),
            Some((line.len() - 1, line.len()))
        );
        assert_eq!(partial_path("  body: myjson.x", 16), None);
        assert_eq!(partial_path("received[0].json.a b", 20), None);
    }
}
