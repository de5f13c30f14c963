//! `textDocument/foldingRange`: the frontmatter, every ```` ```void ```` block, and every
//! section that starts with a `request-separator`.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::server::ServerState;

pub fn folding_range(
    state: &ServerState,
    params: FoldingRangeParams,
) -> Result<Option<Vec<FoldingRange>>> {
    let doc = state.document(&params.text_document.uri)?;
    let model = doc.model();
    let index = doc.line_index();
    let text = doc.text();
    let mut ranges = Vec::new();
    let mut push = |range: std::ops::Range<usize>, kind: FoldingRangeKind| {
        let start = index.line_of(range.start);
        // A range that ends with a line break ends on the line before.
        let end_offset = if range.end > range.start && text[..range.end].ends_with('\n') {
            range.end - 1
        } else {
            range.end
        };
        let end = index.line_of(end_offset);
        if end > start {
            ranges.push(FoldingRange {
                start_line: start as u32,
                end_line: end as u32,
                kind: Some(kind),
                ..Default::default()
            });
        }
    };
    if let Some(front) = &model.frontmatter {
        push(front.range.clone(), FoldingRangeKind::Comment);
    }
    for block in &model.blocks {
        push(block.range.clone(), FoldingRangeKind::Region);
    }
    for section in model.sections.iter().filter(|s| s.separator.is_some()) {
        let end = section.range.end.max(section.range.start);
        let trimmed_end = section.range.start + text[section.range.start..end].trim_end().len();
        push(section.range.start..trimmed_end, FoldingRangeKind::Region);
    }
    ranges.sort_by_key(|r| (r.start_line, std::cmp::Reverse(r.end_line)));
    Ok(Some(ranges))
}
