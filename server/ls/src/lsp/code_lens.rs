//! `textDocument/codeLens`: `▶ Connect` on each WebSocket `socket-request` (command
//! `void.connect` with `{uri, blockUid}`, or `{uri, position}` when the block has no uid).
//! The WebSocket session layer extends [`code_lens`] with live state, Pause/Resume, Close,
//! Open log and per-message Send lenses (docs/lsp-extensions.md). Arguments are the typed
//! shapes of `sessions::protocol`.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::{BlockKind, SocketProtocol};

use super::ext::commands::CONNECT;
use super::server::ServerState;
use super::sessions::editor::command;
use super::sessions::protocol::SectionTarget;

pub fn code_lens(state: &ServerState, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
    let doc = state.document(&params.text_document.uri)?;
    let model = doc.model();
    let mut lenses = Vec::new();
    for block in &model.blocks {
        let BlockKind::SocketRequest(request) = &block.kind else {
            continue;
        };
        if request.protocol != SocketProtocol::WebSocket {
            continue;
        }
        let range = state.range(&doc, block.range.start..block.range.start);
        let target = SectionTarget {
            uri: doc.uri.clone(),
            block_uid: block.uid.as_ref().map(|uid| uid.value.to_string()),
            position: block.uid.is_none().then_some(range.start),
        };
        lenses.push(CodeLens {
            range,
            command: Some(command("▶ Connect", CONNECT, &target)),
            data: None,
        });
    }
    super::sessions::editor::extend_code_lenses(state, &doc, &mut lenses);
    Ok(Some(lenses))
}
