//! `textDocument/formatting`: the canonical Voiden style from `void_syntax::format_edits`,
//! as minimal edits (untouched blocks stay byte-identical). The whole document only; options
//! such as tab size do not apply (the app's style is fixed).

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::server::ServerState;

pub fn formatting(
    state: &ServerState,
    params: DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>> {
    let doc = state.document(&params.text_document.uri)?;
    let edits = void_syntax::format_edits(doc.text());
    Ok(Some(
        edits
            .into_iter()
            .map(|e| TextEdit {
                range: state.range(&doc, e.range),
                new_text: e.new_text,
            })
            .collect(),
    ))
}
