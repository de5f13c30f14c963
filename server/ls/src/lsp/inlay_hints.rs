//! `textDocument/inlayHint`: what the text does not say.
//!
//! - after each `{{VAR}}` the project resolves: `= value · environment` (secrets as `••••`, the
//!   app environment that holds the value named; long values cut), with the variable's hover as
//!   tooltip; nothing for unresolved names (a diagnostic says so) or run-time values;
//! - at the end of each assertion row, while a session of its section lives or after it ended:
//!   `✓ pass`, `✗ fail` or `… pending`, with the actual value (masked by the session layer).
//!
//! Only the requested range is answered. Hints change when the environment or a session's
//! results do: the server then asks the client to refresh them (`workspace/inlayHint/refresh`).

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::VariableKind;

use super::document::OpenDocument;
use super::hover;
use super::server::ServerState;
use super::sessions;

/// The longest value a hint shows, in characters (the tooltip has all of it).
pub const MAX_SHOWN: usize = 40;

pub fn inlay_hint(state: &ServerState, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
    let doc = state.document(&params.text_document.uri)?;
    let wanted = byte_range(state, &doc, params.range);
    let mut hints = variable_hints(state, &doc, &wanted);
    hints.extend(sessions::editor::assertion_hints(state, &doc, &wanted));
    hints.extend(sessions::http_editor::assertion_hints(state, &doc, &wanted));
    hints.sort_by_key(|h| (h.position.line, h.position.character));
    Ok(Some(hints))
}

/// The requested range in bytes; a position past the end counts as the end.
fn byte_range(state: &ServerState, doc: &OpenDocument, range: Range) -> std::ops::Range<usize> {
    let offset = |p: Position| state.offset(doc, p).unwrap_or(doc.text().len());
    offset(range.start)..offset(range.end)
}

fn variable_hints(
    state: &ServerState,
    doc: &OpenDocument,
    wanted: &std::ops::Range<usize>,
) -> Vec<InlayHint> {
    let model = doc.model();
    let variables = state.variables_for(&doc.uri);
    let markdown = state.features().markdown_hover;
    model
        .variables
        .iter()
        .filter(|v| v.kind() == VariableKind::Environment)
        .filter(|v| wanted.start <= v.range.end && v.range.end <= wanted.end)
        .filter_map(|v| {
            let resolved = variables.get(&v.name)?;
            let mut label = format!("= {}", shorten(resolved.display_value()));
            if let Some(environment) = &resolved.environment {
                label.push_str(&format!(" · {environment}"));
            }
            let tooltip = hover::variable(state, &doc.uri, &model, v);
            Some(InlayHint {
                position: state.range(doc, v.range.end..v.range.end).start,
                label: InlayHintLabel::String(label),
                kind: None,
                text_edits: None,
                tooltip: Some(tooltip_of(tooltip, markdown)),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            })
        })
        .collect()
}

/// A tooltip in Markdown when the client reads it, else as plain text.
pub fn tooltip_of(text: String, markdown: bool) -> InlayHintTooltip {
    if markdown {
        InlayHintTooltip::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        })
    } else {
        InlayHintTooltip::String(text)
    }
}

/// `value` on one line and at most [`MAX_SHOWN`] characters (`…` where it was cut).
pub fn shorten(value: &str) -> String {
    let one_line = value.replace(['\r', '\n'], "⏎");
    if one_line.chars().count() <= MAX_SHOWN {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(MAX_SHOWN - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_multi_line_values_are_cut_to_one_short_line() {
        assert_eq!(shorten("eu"), "eu");
        assert_eq!(shorten("a\nb"), "a⏎b");
        let long = "x".repeat(100);
        let cut = shorten(&long);
        assert_eq!(cut.chars().count(), MAX_SHOWN);
        assert!(cut.ends_with('…'));
    }
}
