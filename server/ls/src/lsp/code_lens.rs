//! `textDocument/codeLens`: one decision per WebSocket `socket-request`
//! ([`super::sessions::editor::request_lenses`]): `▶ Connect` (command `void.connect` with
//! `{uri, blockUid}`, or `{uri, position}` when the block has no uid) when its section has no
//! live session, else the session's state, Pause/Resume, Close, Open log and per-message Send
//! lenses (docs/lsp-extensions.md); and `▶ Connect` on each link to a `socket-request`
//! (`{uri, position}`, [`super::links::connect_lenses`]). Arguments are the typed shapes of
//! `sessions::protocol`.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::{BlockKind, SocketProtocol};

use super::server::ServerState;
use super::sessions::editor::request_lenses;

pub fn code_lens(state: &ServerState, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
    let doc = state.document(&params.text_document.uri)?;
    let model = doc.model();
    let mut lenses = Vec::new();
    for (index, block) in model.blocks.iter().enumerate() {
        if matches!(&block.kind, BlockKind::SocketRequest(request) if request.protocol == SocketProtocol::WebSocket)
        {
            request_lenses(state, &doc, &model, index, &mut lenses);
        }
    }
    super::sessions::http_editor::request_lenses(state, &doc, &model, &mut lenses);
    super::links::connect_lenses(state, &doc, &mut lenses);
    Ok(Some(lenses))
}
