//! `textDocument/semanticTokens/full`: what a tree-sitter Markdown highlighter cannot see
//! inside ```` ```void ```` fences: block and node types, attr keys, option keys, request
//! methods and URLs, message names (the name that declares one, the `after:` that waits for
//! it), assertion operators, and `{{variables}}` with whether they resolve and are secret.
//! Tokens never overlap (a URL is split around its variables) and never span lines.
//!
//! The legend's two modifiers beyond LSP's own are `undefined` (a `{{NAME}}` the project does
//! not set, and no MCP tool of its section binds) and `secret` (a value that is masked everywhere); the VS Code extension maps them to
//! theme scopes and the Neovim plugin to highlight groups.

use std::ops::Range as ByteRange;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::vocab::SendMode;
use void_syntax::yaml::{Node, Value};
use void_syntax::{BlockKind, VariableKind};

use super::index::summary::{after_target_range, scalar_text_range};
use super::position::LspPositions;
use super::server::ServerState;

/// Token type indexes, in [`legend`] order.
const TYPE: u32 = 0;
const VARIABLE: u32 = 1;
const URL: u32 = 2;
const PROPERTY: u32 = 3;
const KEYWORD: u32 = 4;
const OPERATOR: u32 = 5;
const EVENT: u32 = 6;

/// Token modifier bits, in [`legend`] order.
const DECLARATION: u32 = 1 << 0;
const UNDEFINED: u32 = 1 << 1;
const SECRET: u32 = 1 << 2;

/// The token types, in index order (also what tests decode with).
pub const TOKEN_TYPES: [&str; 7] = [
    "type", "variable", "string", "property", "keyword", "operator", "event",
];
/// The token modifiers, in bit order.
pub const TOKEN_MODIFIERS: [&str; 3] = ["declaration", "undefined", "secret"];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TOKEN_TYPES
            .iter()
            .map(|t| SemanticTokenType::new(t))
            .collect(),
        token_modifiers: TOKEN_MODIFIERS
            .iter()
            .map(|m| SemanticTokenModifier::new(m))
            .collect(),
    }
}

/// A token before encoding: its bytes, type and modifier bits.
type Span = (ByteRange<usize>, u32, u32);

pub fn semantic_tokens_full(
    state: &ServerState,
    params: SemanticTokensParams,
) -> Result<Option<SemanticTokensResult>> {
    let doc = state.document(&params.text_document.uri)?;
    let model = doc.model();
    let text = doc.text();
    let mut spans: Vec<Span> = Vec::new();
    for block in &model.blocks {
        if let Some(yaml) = block.yaml_root() {
            collect_keys_and_types(yaml, &mut spans);
        } else if let Some(t) = &block.type_name {
            spans.push((t.range.clone(), TYPE, 0));
        }
        block_tokens(text, &block.kind, &mut spans);
    }
    let variables = state.variables_for(&doc.uri);
    // A name an MCP tool of its section binds is given when the tool is called: not undefined.
    let bindings = void_syntax::mcp_tools::tool_bindings(&model);
    let bound = |v: &void_syntax::VariableRef| {
        void_syntax::mcp_tools::binding_of(&bindings, model.section_at(v.range.start), &v.name)
            .is_some()
    };
    let refs: Vec<Span> = model
        .variables
        .iter()
        .map(|v| {
            let modifiers = match v.kind() {
                VariableKind::Environment => match variables.get(&v.name) {
                    None if bound(v) => 0,
                    None => UNDEFINED,
                    Some(resolved) if resolved.secret => SECRET,
                    Some(_) => 0,
                },
                _ => 0,
            };
            (v.range.clone(), VARIABLE, modifiers)
        })
        .collect();
    spans.retain(|(r, kind, _)| *kind != URL || !r.is_empty());
    // Cut URLs around variables, then add the variables.
    let mut cut = Vec::with_capacity(spans.len() + refs.len());
    for (range, kind, modifiers) in spans {
        if kind != URL {
            cut.push((range, kind, modifiers));
            continue;
        }
        let mut start = range.start;
        for (v, _, _) in refs
            .iter()
            .filter(|(v, _, _)| v.start >= range.start && v.end <= range.end)
        {
            if v.start > start {
                cut.push((start..v.start, URL, 0));
            }
            start = v.end;
        }
        if start < range.end {
            cut.push((start..range.end, URL, 0));
        }
    }
    cut.extend(refs);
    cut.sort_by_key(|(r, _, _)| (r.start, r.end));
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data: encode(state, &doc, cut),
    })))
}

/// What a block's model knows: methods and URLs of requests, message names and the names
/// `after:` waits for, option keys, assertion operators.
fn block_tokens(text: &str, kind: &BlockKind, out: &mut Vec<Span>) {
    let (method, url) = match kind {
        BlockKind::SocketRequest(r) => (r.method.as_ref(), r.url.as_ref()),
        BlockKind::HttpRequest(r) => (r.method.as_ref(), r.url.as_ref()),
        _ => (None, None),
    };
    if let Some(method) = method {
        let range = scalar_text_range(text, method.range.clone(), &method.value)
            .unwrap_or(method.range.clone());
        out.push((range, KEYWORD, 0));
    }
    if let Some(url) = url {
        out.push((url.range.clone(), URL, 0));
    }
    match kind {
        BlockKind::WsMessage(message) => {
            if let Some(name) = &message.name
                && let Some(range) = scalar_text_range(text, name.range.clone(), &name.value)
            {
                out.push((range, EVENT, DECLARATION));
            }
            if let Some(send) = &message.send
                && let Ok(SendMode::After(target)) = SendMode::parse(&send.value)
                && let Some(range) = after_target_range(text, send.range.clone(), &target)
            {
                out.push((range, EVENT, 0));
            }
        }
        BlockKind::WsOptions(options) => {
            for key in options.rows.iter().filter_map(|r| r.key.as_ref()) {
                let range = scalar_text_range(text, key.range.clone(), &key.value)
                    .unwrap_or(key.range.clone());
                out.push((range, PROPERTY, 0));
            }
        }
        BlockKind::WsAssertions(assertions) | BlockKind::AssertionsTable(assertions) => {
            for operator in assertions.rows.iter().filter_map(|r| r.operator.as_ref()) {
                let range = scalar_text_range(text, operator.range.clone(), &operator.value)
                    .unwrap_or(operator.range.clone());
                out.push((range, OPERATOR, 0));
            }
        }
        _ => {}
    }
}

/// `type:` values of the block and its nodes, and the keys of every `attrs` mapping.
fn collect_keys_and_types(node: Node<'_>, out: &mut Vec<Span>) {
    match node.value() {
        Value::Mapping { entries, .. } => {
            for entry in entries {
                if entry.key.as_str() == Some("type") && entry.value.as_str().is_some() {
                    out.push((entry.value.range(), TYPE, 0));
                    continue;
                }
                if entry.key.as_str() == Some("attrs")
                    && let Value::Mapping { entries: attrs, .. } = entry.value.value()
                {
                    for attr in attrs {
                        out.push((attr.key.range(), PROPERTY, 0));
                    }
                }
                collect_keys_and_types(entry.value, out);
            }
        }
        Value::Sequence { items, .. } => items.for_each(|i| collect_keys_and_types(i, out)),
        _ => {}
    }
}

/// Relative encoding (LSP 3.16), one token per line piece, skipping overlaps.
fn encode(
    state: &ServerState,
    doc: &super::document::OpenDocument,
    spans: Vec<Span>,
) -> Vec<SemanticToken> {
    let index = doc.line_index();
    let text = doc.text();
    let encoding = state.encoding();
    let mut data = Vec::with_capacity(spans.len());
    let (mut last_line, mut last_start) = (0u32, 0u32);
    let mut covered_to = 0usize;
    for (range, kind, modifiers) in spans {
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
                token_modifiers_bitset: modifiers,
            });
            last_line = from.line;
            last_start = from.character;
        }
    }
    data
}
