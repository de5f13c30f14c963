//! `textDocument/documentHighlight`: the places of the document that name what the position
//! names ([`super::occurrences`], restricted to the document): every `{{VARIABLE}}` of that
//! name; a message's `name` (a write) and the `after:` that wait for it (reads); the links to
//! the block under the position. Answered from the document as edited, without waiting for the
//! workspace index.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::occurrences::{self, Role};
use super::server::ServerState;

pub fn document_highlight(
    state: &ServerState,
    params: DocumentHighlightParams,
) -> Result<Option<Vec<DocumentHighlight>>> {
    let position = params.text_document_position_params;
    let doc = state.document(&position.text_document.uri)?;
    let offset = state.offset(&doc, position.position)?;
    let roots = state.roots();
    let Some(at) = occurrences::named_at(&doc, offset, &roots) else {
        return Ok(None);
    };
    let Some(origin) = state.index.open_summary(&doc, &roots, state.encoding()) else {
        return Ok(None);
    };
    let found = occurrences::find(std::slice::from_ref(&origin), &origin, &at.named);
    Ok(Some(
        found
            .into_iter()
            .map(|o| DocumentHighlight {
                range: o.range,
                kind: Some(match o.role {
                    Role::Definition => DocumentHighlightKind::WRITE,
                    Role::Use => DocumentHighlightKind::READ,
                }),
            })
            .collect(),
    ))
}
