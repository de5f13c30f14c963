//! `textDocument/semanticTokens/full`: what a tree-sitter Markdown highlighter cannot see
//! inside ```` ```void ```` fences: block and node types, `{{variables}}`, and request URLs.
//! Tokens never overlap (a URL is split around its variables) and never span lines.

use std::ops::Range as ByteRange;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::BlockKind;
use void_syntax::yaml::{Node, Value};

use super::position::LspPositions;
use super::server::ServerState;

/// Token type indexes, in [`legend`] order.
const TYPE: u32 = 0;
const VARIABLE: u32 = 1;
const URL: u32 = 2;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: vec![
            SemanticTokenType::TYPE,
            SemanticTokenType::VARIABLE,
            SemanticTokenType::STRING,
        ],
        token_modifiers: vec![],
    }
}

pub fn semantic_tokens_full(
    state: &ServerState,
    params: SemanticTokensParams,
) -> Result<Option<SemanticTokensResult>> {
    let doc = state.document(&params.text_document.uri)?;
    let model = doc.model();
    let mut spans: Vec<(ByteRange<usize>, u32)> = Vec::new();
    for block in &model.blocks {
        if let Some(yaml) = block.yaml_root() {
            collect_types(yaml, &mut spans);
        } else if let Some(t) = &block.type_name {
            spans.push((t.range.clone(), TYPE));
        }
        let url = match &block.kind {
            BlockKind::SocketRequest(r) => r.url.as_ref(),
            BlockKind::HttpRequest(r) => r.url.as_ref(),
            _ => None,
        };
        if let Some(url) = url {
            spans.push((url.range.clone(), URL));
        }
    }
    let variables: Vec<ByteRange<usize>> =
        model.variables.iter().map(|v| v.range.clone()).collect();
    spans.retain(|(r, kind)| *kind != URL || !r.is_empty());
    // Cut URLs around variables, then add the variables.
    let mut cut = Vec::with_capacity(spans.len() + variables.len());
    for (range, kind) in spans {
        if kind != URL {
            cut.push((range, kind));
            continue;
        }
        let mut start = range.start;
        for v in variables
            .iter()
            .filter(|v| v.start >= range.start && v.end <= range.end)
        {
            if v.start > start {
                cut.push((start..v.start, URL));
            }
            start = v.end;
        }
        if start < range.end {
            cut.push((start..range.end, URL));
        }
    }
    cut.extend(variables.into_iter().map(|v| (v, VARIABLE)));
    cut.sort_by_key(|(r, _)| (r.start, r.end));
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data: encode(state, &doc, cut),
    })))
}

fn collect_types(node: Node<'_>, out: &mut Vec<(ByteRange<usize>, u32)>) {
    match node.value() {
        Value::Mapping { entries, .. } => {
            for entry in entries {
                if entry.key.as_str() == Some("type") && entry.value.as_str().is_some() {
                    out.push((entry.value.range(), TYPE));
                } else {
                    collect_types(entry.value, out);
                }
            }
        }
        Value::Sequence { items, .. } => items.for_each(|i| collect_types(i, out)),
        _ => {}
    }
}

/// Relative encoding (LSP 3.16), one token per line piece, skipping overlaps.
fn encode(
    state: &ServerState,
    doc: &super::document::OpenDocument,
    spans: Vec<(ByteRange<usize>, u32)>,
) -> Vec<SemanticToken> {
    let index = doc.line_index();
    let text = doc.text();
    let encoding = state.encoding();
    let mut data = Vec::with_capacity(spans.len());
    let (mut last_line, mut last_start) = (0u32, 0u32);
    let mut covered_to = 0usize;
    for (range, kind) in spans {
        if range.start < covered_to || range.is_empty() {
            continue;
        }
        covered_to = range.end;
        let first_line = index.line_of(range.start);
        let last = index.line_of(range.end.saturating_sub(1).max(range.start));
        for line in first_line..=last {
            let line_range = index.line_range(text, line);
            let start = range.start.max(line_range.start);
            let end = range.end.min(line_range.end);
            if start >= end {
                continue;
            }
            let from = index.lsp_position(text, start, encoding);
            let to = index.lsp_position(text, end, encoding);
            let delta_line = from.line - last_line;
            let delta_start = if delta_line == 0 {
                from.character - last_start
            } else {
                from.character
            };
            data.push(SemanticToken {
                delta_line,
                delta_start,
                length: to.character - from.character,
                token_type: kind,
                token_modifiers_bitset: 0,
            });
            last_line = from.line;
            last_start = from.character;
        }
    }
    data
}
