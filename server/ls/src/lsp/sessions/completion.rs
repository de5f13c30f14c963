//! Completion of JSON paths from what the section has actually received: the keys seen by its
//! live session, or by its last session when it has ended (the engine keeps the first and last
//! messages of a session for this). Paths are completed after `.json.` in `ws-assertions`
//! fields, and after `json.` in a `ws-message`'s `when:`, `capture:` and `{{$msg.json.`.
//! Likewise an HTTP section's body paths, from the body of its last response: after
//! `{{$res.body.` in its `runtime-variables` and after a field's `body.` in its
//! `assertions-table`.
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

/// The partial path that starts at `start` on this line and runs through the cursor: its start
/// and end (byte offsets), or `None` when something other than a path stands between `start`
/// and the cursor.
fn path_span(line: &str, start: usize, cursor_in_line: usize) -> Option<(usize, usize)> {
    if !line.get(start..cursor_in_line)?.chars().all(is_path_char) {
        return None;
    }
    let after = &line[cursor_in_line..];
    let end = cursor_in_line
        + after
            .find(|c: char| !is_path_char(c))
            .unwrap_or(after.len());
    Some((start, end))
}

/// Where the line holding `offset` starts and ends in `text` (byte offsets, the end before its
/// line break).
fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    (line_start, line_end)
}

/// One field completion a path, in the order given, each replacing `range` and told by `detail`.
fn path_items(paths: Vec<String>, detail: &str, range: Range) -> Vec<CompletionItem> {
    paths
        .into_iter()
        .enumerate()
        .map(|(i, path)| CompletionItem {
            label: path.clone(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(detail.to_owned()),
            sort_text: Some(format!("{i:05}")),
            filter_text: Some(path.clone()),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: path,
            })),
            ..Default::default()
        })
        .collect()
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
    path_span(line, start, cursor_in_line)
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
    let (line_start, line_end) = line_bounds(text, offset);
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
    Some(path_items(
        keys,
        &format!("JSON key {origin} {}", entry.id()),
        range,
    ))
}

/// `$res.body.` in a `runtime-variables` cell, or `body.` opening an `assertions-table` field.
const RES_BODY: &str = "$res.body.";
const BODY: &str = "body.";

/// Where the partial path after `$res.body.` (or a field's `body.`) under the cursor starts and
/// ends on this line.
pub fn partial_body_path(line: &str, cursor_in_line: usize) -> Option<(usize, usize)> {
    let before = line.get(..cursor_in_line)?;
    let start = match before.rfind(RES_BODY) {
        Some(at) => at + RES_BODY.len(),
        None => {
            let at = before.rfind(BODY)?;
            let opens_field = before[..at]
                .chars()
                .next_back()
                .is_none_or(|c| matches!(c, ' ' | '"' | '\'' | '-' | '\t'));
            if !opens_field {
                return None;
            }
            at + BODY.len()
        }
    };
    path_span(line, start, cursor_in_line)
}

/// The paths of a JSON value, as the rows and `{{$res.body...}}` write them (`user.id`,
/// `items[0].name`), breadth first, at most `limit`.
fn body_paths(value: &serde_json::Value, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut queue: std::collections::VecDeque<(String, &serde_json::Value)> =
        std::collections::VecDeque::from([(String::new(), value)]);
    while let Some((path, value)) = queue.pop_front() {
        let children: Vec<(String, &serde_json::Value)> = match value {
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(k, v)| {
                    let joined = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    (joined, v)
                })
                .collect(),
            serde_json::Value::Array(items) => items
                .first()
                .map(|v| (format!("{path}[0]"), v))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
        for (child, v) in children {
            if out.len() >= limit {
                return out;
            }
            out.push(child.clone());
            queue.push_back((child, v));
        }
    }
    out
}

/// The completion items for a response body path at `offset` (`{{$res.body.` in an HTTP
/// section's `runtime-variables`, `body.` in its `assertions-table`), from the body of the
/// section's last response, or `None` to let other completion run.
pub fn res_paths(
    state: &ServerState,
    doc: &OpenDocument,
    offset: usize,
) -> Option<Vec<CompletionItem>> {
    if !state.sessions.http.has_runs_for(&doc.uri) {
        return None;
    }
    let model = doc.model();
    let (_, block) = model.block_at(offset)?;
    let block_type = block.type_name.as_ref().map(|t| t.value.as_str());
    if !matches!(block_type, Some("runtime-variables" | "assertions-table")) {
        return None;
    }
    let text = doc.text();
    let (line_start, line_end) = line_bounds(text, offset);
    let (start, end) = partial_body_path(&text[line_start..line_end], offset - line_start)?;
    let section = lookup::located_http(&doc.uri, model.clone(), model.section_at(offset)).ok()?;
    let run = state
        .sessions
        .http
        .latest_ended_for(&doc.uri, &section.section_key)?;
    let paths = body_paths(&run.body_value()?, 200);
    if paths.is_empty() {
        return None;
    }
    let range = state.range(doc, line_start + start..line_start + end);
    Some(path_items(
        paths,
        &format!("in the last response's body ({})", run.summary()),
        range,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn body_paths_follow_objects_and_first_items() {
        let value = serde_json::json!({"token": "t", "user": {"id": 7}, "items": [{"name": "a"}]});
        assert_eq!(
            super::body_paths(&value, 10),
            [
                "token",
                "user",
                "items",
                "user.id",
                "items[0]",
                "items[0].name"
            ]
        );
        assert_eq!(super::body_paths(&value, 2), ["token", "user"]);
    }

    #[test]
    fn body_paths_start_after_res_body_or_a_field_body() {
        let line = "          - \"{{$res.body.us\"";
        let cursor = line.find("us").expect("the partial path") + 2;
        let (start, end) = super::partial_body_path(line, cursor).expect("a body path");
        assert_eq!(&line[start..end], "us");
        let field = "          - body.to";
        assert_eq!(
            super::partial_body_path(field, field.len()).map(|(s, _)| &field[s..]),
            Some("to")
        );
        assert!(super::partial_body_path("          - nobody.x", 20).is_none());
    }
}

#[cfg(test)]
mod json_tests {
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
