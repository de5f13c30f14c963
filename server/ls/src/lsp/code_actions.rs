//! `textDocument/codeAction`: quick fixes (docs/lsp-extensions.md): add a missing uid, replace a
//! duplicate uid, `ws://` to `wss://`, and fix the `smethod` text to match the URL. The WebSocket
//! session layer adds its own actions (connect, send... at the cursor) next to these.
//!
//! Fixes are computed from the current model, not from the diagnostics the client echoes back,
//! so they are right even when the client's copy of the diagnostics is stale.

use std::collections::HashMap;
use std::ops::Range as ByteRange;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::{BlockKind, SocketProtocol, codes};

use super::document::OpenDocument;
use super::position::LspPositions;
use super::server::ServerState;
use super::skeleton::new_uid;

pub fn code_action(
    state: &ServerState,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let doc = state.document(&params.text_document.uri)?;
    let requested = doc
        .line_index()
        .lsp_offset_range(doc.text(), params.range, state.encoding())
        .map_err(|e| tower_lsp_server::jsonrpc::Error::invalid_params(e.to_string()))?;
    let model = doc.model();
    let overlaps = |r: &ByteRange<usize>| r.start <= requested.end && requested.start <= r.end;
    let mut actions = Vec::new();
    let fix = Fixer { state, doc: &doc };

    for diagnostic in model.diagnostics.iter().filter(|d| overlaps(&d.range)) {
        match diagnostic.code {
            codes::DUPLICATE_UID => {
                if let Some(uid_range) = uid_in(doc.text(), &diagnostic.range) {
                    actions.push(fix.action(
                        "Replace the duplicate uid with a fresh one",
                        vec![(uid_range, new_uid())],
                        Some(diagnostic),
                        false,
                    ));
                }
            }
            codes::WS_METHOD_MISMATCH => {
                if let Some((_, BlockKind::SocketRequest(request))) = model
                    .block_at(diagnostic.range.start)
                    .map(|(i, b)| (i, &b.kind))
                {
                    if let Some(edits) = method_edits(request, None) {
                        let method = edits.first().map(|(_, m)| m.clone()).unwrap_or_default();
                        actions.push(fix.action(
                            &format!("Set smethod to {method} to match the URL"),
                            edits,
                            Some(diagnostic),
                            true,
                        ));
                    }
                }
            }
            codes::WS_UNENCRYPTED => {
                if let Some((_, BlockKind::SocketRequest(request))) = model
                    .block_at(diagnostic.range.start)
                    .map(|(i, b)| (i, &b.kind))
                {
                    if let Some(url) = &request.url {
                        if let Some(at) = doc.text()[url.range.clone()].find("ws://") {
                            let start = url.range.start + at;
                            let mut edits =
                                vec![(start..start + "ws://".len(), "wss://".to_string())];
                            edits.extend(method_edits(request, Some("WSS")).unwrap_or_default());
                            actions.push(fix.action(
                                "Use wss:// (TLS)",
                                edits,
                                Some(diagnostic),
                                true,
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    // A block without a uid at the cursor (legal, but links need one; the app adds it).
    if let Some((_, block)) = model.block_at(requested.start) {
        let typed = !matches!(block.kind, BlockKind::Malformed) && block.type_name.is_some();
        if block.uid.is_none() && typed {
            if let Some(edit) = insert_uid(doc.text(), block, model.line_ending.as_str()) {
                actions.push(fix.action("Add a uid to this block", vec![edit], None, false));
            }
        }
    }
    if !super::sessions::http_editor::code_actions(state, &doc, &requested, &mut actions) {
        super::sessions::editor::extend_code_actions(state, &doc, requested, &mut actions);
    }
    Ok(if actions.is_empty() {
        None
    } else {
        Some(actions)
    })
}

struct Fixer<'a> {
    state: &'a ServerState,
    doc: &'a OpenDocument,
}

impl Fixer<'_> {
    fn action(
        &self,
        title: &str,
        edits: Vec<(ByteRange<usize>, String)>,
        diagnostic: Option<&void_syntax::Diagnostic>,
        preferred: bool,
    ) -> CodeActionOrCommand {
        let text_edits = edits
            .into_iter()
            .map(|(range, new_text)| TextEdit {
                range: self.state.range(self.doc, range),
                new_text,
            })
            .collect();
        let diagnostics = diagnostic.map(|d| {
            vec![Diagnostic {
                range: self.state.range(self.doc, d.range.clone()),
                code: Some(NumberOrString::String(d.code.into())),
                source: Some("void".into()),
                message: d.message.clone(),
                ..Default::default()
            }]
        });
        CodeActionOrCommand::CodeAction(CodeAction {
            title: title.into(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics,
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(self.doc.uri.clone(), text_edits)])),
                ..Default::default()
            }),
            is_preferred: Some(preferred),
            ..Default::default()
        })
    }
}

/// Edits setting the `smethod` text (and its `method` attr) to `forced`, or to what the URL
/// scheme says.
fn method_edits(
    request: &void_syntax::SocketRequest,
    forced: Option<&str>,
) -> Option<Vec<(ByteRange<usize>, String)>> {
    if request.protocol != SocketProtocol::WebSocket {
        return None;
    }
    let wanted = match forced {
        Some(m) => m.to_string(),
        None => {
            let url = request.url.as_ref()?.value.trim().to_ascii_lowercase();
            if url.starts_with("wss://") {
                "WSS".to_string()
            } else if url.starts_with("ws://") {
                "WS".to_string()
            } else {
                return None;
            }
        }
    };
    let mut edits = Vec::new();
    for spanned in [&request.method, &request.method_attr]
        .into_iter()
        .flatten()
    {
        if spanned.value != wanted {
            edits.push((spanned.range.clone(), wanted.clone()));
        }
    }
    Some(edits)
}

/// The uid text inside a diagnostic's range (the range may cover the value or the whole entry).
fn uid_in(text: &str, range: &ByteRange<usize>) -> Option<ByteRange<usize>> {
    let slice = text.get(range.clone())?;
    let (value_start, value) = match slice.find("uid:") {
        Some(at) => {
            let after = &slice[at + 4..];
            let skip = after.len() - after.trim_start().len();
            (at + 4 + skip, after.trim_start())
        }
        None => (0, slice),
    };
    let quote = value.starts_with('"') || value.starts_with('\'');
    let inner_start = value_start + usize::from(quote);
    let inner = &slice[inner_start..];
    let len = inner
        .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .unwrap_or(inner.len());
    (len > 0).then(|| range.start + inner_start..range.start + inner_start + len)
}

/// Inserts `uid:` as the first attr of a block (creating `attrs:` after `type:` if needed).
fn insert_uid(
    text: &str,
    block: &void_syntax::Block,
    eol: &str,
) -> Option<(ByteRange<usize>, String)> {
    let yaml_range = block.yaml_range.clone()?;
    let yaml = text.get(yaml_range.clone())?;
    let mut offset = yaml_range.start;
    let mut type_line_end = None;
    for line in yaml.split_inclusive('\n') {
        let end = offset + line.len();
        if line.starts_with("attrs:") && line.trim_end() == "attrs:" {
            return Some((end..end, format!("  uid: {}{eol}", new_uid())));
        }
        if line.starts_with("type:") {
            type_line_end = Some(end);
        }
        offset = end;
    }
    let at = type_line_end?;
    Some((at..at, format!("attrs:{eol}  uid: {}{eol}", new_uid())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_uid_values_quoted_or_not() {
        let text = "  uid: \"abc-1\"\n";
        let r = uid_in(text, &(0..text.len())).unwrap();
        assert_eq!(&text[r], "abc-1");
        let text = "abc-2";
        assert_eq!(uid_in(text, &(0..5)), Some(0..5));
    }
}
