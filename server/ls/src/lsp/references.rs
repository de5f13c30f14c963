//! `textDocument/references`: every place the project names what the position names (a
//! `{{variable}}`, a `ws-message` name, a block), from the workspace index
//! ([`super::occurrences`]). With `includeDeclaration`, the definitions come first: the lines of
//! `.env` and app environment files that set a variable, the message's `name`, the linked
//! block itself.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::occurrences::{self, Role};
use super::server::ServerState;

pub async fn references(
    state: &Arc<ServerState>,
    params: ReferenceParams,
) -> Result<Option<Vec<Location>>> {
    let position = params.text_document_position;
    let doc = state.document(&position.text_document.uri)?;
    let offset = state.offset(&doc, position.position)?;
    let Some(at) = occurrences::named_at(&doc, offset, &state.roots()) else {
        return Ok(None);
    };
    let Some((view, origin)) = occurrences::project_view(state, &doc).await else {
        return Ok(None);
    };
    let found = occurrences::find(&view, &origin, &at.named);
    Ok(Some(
        found
            .into_iter()
            .filter(|o| params.context.include_declaration || o.role != Role::Definition)
            .map(|o| Location::new(o.uri().clone(), o.range))
            .collect(),
    ))
}
