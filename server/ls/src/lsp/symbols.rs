//! `textDocument/documentSymbol`: sections, then the requests and messages inside them.
//! Nested `DocumentSymbol`s when the client supports them, a flat list otherwise.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::{Block, BlockKind};

use super::server::ServerState;

pub fn document_symbol(
    state: &ServerState,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let doc = state.document(&params.text_document.uri)?;
    let model = doc.model();
    let mut sections = Vec::new();
    for (i, section) in model.sections.iter().enumerate() {
        let children: Vec<DocumentSymbol> = section
            .blocks
            .iter()
            .filter_map(|&b| model.blocks.get(b))
            .map(|block| {
                let (name, kind) = describe(block);
                let selection = block
                    .type_name
                    .as_ref()
                    .map_or(block.range.clone(), |t| t.range.clone());
                symbol(
                    name,
                    Some(block.type_str().to_string()),
                    kind,
                    state.range(&doc, block.range.clone()),
                    state.range(&doc, selection),
                    None,
                )
            })
            .collect();
        if model.sections.len() == 1 && section.separator.is_none() {
            sections.extend(children);
            continue;
        }
        let name = section
            .display_name(&model)
            .map_or_else(|| format!("Section {}", i + 1), str::to_string);
        let selection = section
            .label
            .as_ref()
            .map_or(section.range.start..section.range.start, |l| {
                l.range.clone()
            });
        sections.push(symbol(
            name,
            Some("section".into()),
            SymbolKind::NAMESPACE,
            state.range(&doc, section.range.clone()),
            state.range(&doc, selection),
            Some(children),
        ));
    }
    if state.features().hierarchical_symbols {
        return Ok(Some(DocumentSymbolResponse::Nested(sections)));
    }
    let mut flat = Vec::new();
    flatten(&params.text_document.uri, &sections, None, &mut flat);
    Ok(Some(DocumentSymbolResponse::Flat(flat)))
}

fn describe(block: &Block) -> (String, SymbolKind) {
    match &block.kind {
        BlockKind::SocketRequest(request) => {
            let url = request
                .url
                .as_ref()
                .map_or("(no URL)", |u| u.value.as_str());
            let method = request.method.as_ref().map_or("WSS", |m| m.value.as_str());
            (format!("{method} {url}"), SymbolKind::INTERFACE)
        }
        BlockKind::WsMessage(message) => {
            let name = message
                .name
                .as_ref()
                .map_or("message", |n| n.value.as_str());
            let send = message.send.as_ref().map_or("manual", |s| s.value.as_str());
            (format!("{name} ({send})"), SymbolKind::EVENT)
        }
        BlockKind::HttpRequest(request) => {
            let method = request.method.as_ref().map_or("", |m| m.value.as_str());
            let url = request.url.as_ref().map_or("", |u| u.value.as_str());
            (
                format!("{method} {url}").trim().to_string(),
                SymbolKind::METHOD,
            )
        }
        BlockKind::WsOptions(_) => ("ws-options".into(), SymbolKind::PROPERTY),
        BlockKind::WsAssertions(a) => (
            format!("ws-assertions ({} rows)", a.rows.len()),
            SymbolKind::ARRAY,
        ),
        _ => {
            let ty = block.type_str();
            (
                if ty.is_empty() {
                    "void block".into()
                } else {
                    ty.to_string()
                },
                SymbolKind::OBJECT,
            )
        }
    }
}

#[allow(deprecated)] // reason: `deprecated` is a required field of the LSP struct
fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    range: Range,
    selection_range: Range,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children,
    }
}

#[allow(deprecated)] // reason: `deprecated` is a required field of the LSP struct
fn flatten(
    uri: &Uri,
    symbols: &[DocumentSymbol],
    container: Option<&str>,
    out: &mut Vec<SymbolInformation>,
) {
    for s in symbols {
        out.push(SymbolInformation {
            name: s.name.clone(),
            kind: s.kind,
            tags: None,
            deprecated: None,
            location: Location::new(uri.clone(), s.range),
            container_name: container.map(str::to_string),
        });
        if let Some(children) = &s.children {
            flatten(uri, children, Some(&s.name), out);
        }
    }
}
