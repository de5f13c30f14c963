//! Linked blocks and linked files of open documents (docs/format.md §6): their expansion read
//! through the bounded reader, confined to the document's project, for the diagnostics, the
//! `▶ Connect` lens on a linked `socket-request`, go-to-definition on a link, and the session
//! layer (which runs the section as expanded). Nothing here is cached: a document with no link
//! costs a scan of its blocks, one with links a bounded read of what they link to.

use std::path::PathBuf;

use tower_lsp_server::ls_types::*;
use void_session::project_files::{Project, project_root_of};
use void_syntax::Document;
use void_syntax::links::{self, Expansion, LinkContext};

use super::document::OpenDocument;
use super::ext::commands::CONNECT;
use super::position::LspPositions;
use super::server::ServerState;
use super::sessions::editor::command;
use super::sessions::protocol::SectionTarget;

/// The expansion of a document's links, or `None` when it has none or is not a file.
pub fn expansion(
    state: &ServerState,
    uri: &Uri,
    text: &str,
    model: &Document,
) -> Option<Expansion> {
    if !model.blocks.iter().any(links::is_link) {
        return None;
    }
    let file: PathBuf = uri.to_file_path()?.into_owned();
    let root = project_root_of(&file, &state.roots());
    let project = Project::new(&root);
    let ctx = LinkContext {
        root: &root,
        file: &file,
        files: &project,
    };
    Some(links::expand(model, text, &ctx))
}

/// `▶ Connect` on each link whose linked block is a WebSocket `socket-request`: connecting
/// runs the section as expanded (`void.connect` with the link's position).
pub fn connect_lenses(state: &ServerState, doc: &OpenDocument, lenses: &mut Vec<CodeLens>) {
    let model = doc.model();
    let Some(expansion) = expansion(state, &doc.uri, doc.text(), &model) else {
        return;
    };
    let expanded = void_syntax::parse(&expansion.text);
    for link in &expansion.links {
        let Ok(target) = &link.target else { continue };
        if target.block_type.as_deref() != Some("socket-request") {
            continue;
        }
        let block = &model.blocks[link.block];
        let section = expanded.section_at(expansion.to_expanded(block.range.start));
        if !expanded
            .sections
            .get(section)
            .is_some_and(|s| s.is_websocket(&expanded))
        {
            continue;
        }
        let range = state.range(doc, block.range.start..block.range.start);
        let target = SectionTarget {
            uri: doc.uri.clone(),
            block_uid: None,
            position: Some(range.start),
        };
        lenses.push(CodeLens {
            range,
            command: Some(command("▶ Connect", CONNECT, &target)),
            data: None,
        });
    }
}

/// Go-to-definition on a link block: where it leads (the linked block, or the linked file or
/// section).
pub fn definition(state: &ServerState, doc: &OpenDocument, offset: usize) -> Option<Location> {
    let model = doc.model();
    let (index, _) = model
        .blocks
        .iter()
        .enumerate()
        .find(|(_, b)| links::is_link(b) && b.range.start <= offset && offset <= b.range.end)?;
    let expansion = expansion(state, &doc.uri, doc.text(), &model)?;
    let target = expansion.link(index)?.target.as_ref().ok()?;
    let text = Project::unconfined()
        .read_text(&target.file, void_session::project_files::Limit::Document)
        .ok()?;
    let index = void_syntax::LineIndex::new(&text);
    let encoding = state.encoding();
    let range = index.lsp_range(&text, target.range.clone(), encoding);
    Some(Location::new(Uri::from_file_path(&target.file)?, range))
}
