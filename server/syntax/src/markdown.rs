//! The Markdown pass of [`crate::parse`]: finds the ```` ```void ```` fenced blocks (with whether
//! they sit in a list or quote) and the headings, through pulldown-cmark.
//!
//! Fast path: the YAML inside a top-level ```` ```void ```` fence is most of a `.void` file,
//! and CommonMark reads it as inert code text. So the pass first cuts the content of every
//! fence that *looks* top-level (a `void` opening line at the left margin and the first line
//! that could close it), runs pulldown-cmark on the shortened text, and maps offsets back. The
//! result is used only when pulldown-cmark confirms every cut fence: a top-level ```void code
//! block starting on the cut opening line and ending on the cut closing line. Then the cut
//! lines were code content in the full text too (the text before each fence is identical, and
//! no cut line could close it), so the events are the full text's events. Otherwise, or for a
//! text with lone CR line breaks, the full text is scanned. This module must not read YAML.

use pulldown_cmark::{CodeBlockKind, Event, Options, Tag, TagEnd};

use crate::model::{Heading, TextRange};

/// A ```` ```void ```` fence found in the Markdown.
pub(crate) struct RawBlock {
    /// File range of the fenced block as pulldown-cmark reports it.
    pub(crate) range: TextRange,
    pub(crate) in_container: bool,
    /// File ranges of the fence's content, in order (only kept inside containers).
    pub(crate) segments: Vec<TextRange>,
}

/// The void blocks and headings of `text[body_start..]`, with file offsets.
pub(crate) fn scan(text: &str, body_start: usize, headings: &mut Vec<Heading>) -> Vec<RawBlock> {
    let md = &text[body_start..];
    if let Some(blocks) = scan_without_fence_content(md, body_start, headings) {
        return blocks;
    }
    headings.clear();
    scan_text(md, &[(0, body_start)], headings).0
}

/// One fence whose content the fast path cuts, in the full Markdown's offsets.
struct Cut {
    /// Start of the opening line.
    open_start: usize,
    /// Start of the first content line (after the opening line's break).
    content_start: usize,
    /// Start of the closing line.
    close_start: usize,
    /// Offset after the closing line's break (or the text end).
    close_next: usize,
}

fn scan_without_fence_content(
    md: &str,
    body_start: usize,
    headings: &mut Vec<Heading>,
) -> Option<Vec<RawBlock>> {
    let bytes = md.as_bytes();
    // A lone CR is a line break to CommonMark; the cut rules below only know LF and CRLF.
    if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    let cuts = find_cuts(bytes);
    if cuts.is_empty() {
        return None;
    }
    // The shortened text, and (shortened offset, full offset) at the start of each kept piece.
    let cut_len: usize = cuts.iter().map(|c| c.close_start - c.content_start).sum();
    let mut short = String::with_capacity(md.len() - cut_len);
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    // Where each cut fence must be in the shortened text: (opening line start, closing line
    // start, offset after the closing line).
    let mut expected = Vec::with_capacity(cuts.len());
    let mut kept_from = 0;
    for cut in &cuts {
        pieces.push((short.len(), body_start + kept_from));
        let removed = kept_from - short.len();
        short.push_str(&md[kept_from..cut.content_start]);
        let close_start = cut.content_start - removed;
        expected.push((
            cut.open_start - removed,
            close_start,
            close_start + (cut.close_next - cut.close_start),
        ));
        kept_from = cut.close_start;
    }
    pieces.push((short.len(), body_start + kept_from));
    short.push_str(&md[kept_from..]);

    let (blocks, scanned) = scan_text(&short, &pieces, headings);
    // Every cut fence must be a top-level void block from its opening to its closing line.
    let mut confirmed = 0;
    for (block, range) in blocks.iter().zip(&scanned) {
        let Some(&(open_start, close_start, close_next)) = expected.get(confirmed) else {
            break;
        };
        if range.start < open_start {
            continue;
        }
        if block.in_container
            || range.start > open_start + 3
            || range.end <= close_start
            || range.end > close_next
        {
            return None;
        }
        confirmed += 1;
    }
    (confirmed == cuts.len()).then_some(blocks)
}

/// Fences that look top-level: an opening line of 3+ backticks or tildes after at most 3
/// spaces whose info string is `void`, and the first later line that could close it (any
/// indentation, as many fence characters or more, then only whitespace). Stops at a fence that
/// no line closes (its content runs to the end).
fn find_cuts(bytes: &[u8]) -> Vec<Cut> {
    let mut cuts = Vec::new();
    let mut from = 0;
    while let Some(found) = memchr::memchr2(b'`', b'~', &bytes[from..]) {
        let at = from + found;
        let Some(line_start) = line_start_before(bytes, at, 3) else {
            from = at + 1;
            continue;
        };
        let fence = bytes[at];
        let fence_len = bytes[at..].iter().take_while(|b| **b == fence).count();
        let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        let info = &bytes[at + fence_len..line_end];
        if fence_len < 3 || info.trim_ascii() != b"void" {
            from = line_end.max(at + 1);
            continue;
        }
        if line_end >= bytes.len() {
            break;
        }
        let content_start = line_end + 1;
        let Some((close_start, close_next)) = closing_line(bytes, content_start, fence, fence_len)
        else {
            break;
        };
        cuts.push(Cut {
            open_start: line_start,
            content_start,
            close_start,
            close_next,
        });
        from = close_next;
    }
    cuts
}

/// The start of the line holding `at` when only spaces (at most `max_spaces`) come before it
/// on its line.
fn line_start_before(bytes: &[u8], at: usize, max_spaces: usize) -> Option<usize> {
    let mut i = at;
    while i > 0 && bytes[i - 1] == b' ' {
        i -= 1;
        if at - i > max_spaces {
            return None;
        }
    }
    (i == 0 || bytes[i - 1] == b'\n').then_some(i)
}

/// The first line at or after `from` that could close a fence of `fence_len` `fence` characters:
/// `(line start, offset after its break)`.
fn closing_line(bytes: &[u8], from: usize, fence: u8, fence_len: usize) -> Option<(usize, usize)> {
    let mut search = from;
    while let Some(found) = memchr::memchr(fence, &bytes[search..]) {
        let at = search + found;
        let mut line_start = at;
        while line_start > from && matches!(bytes[line_start - 1], b' ' | b'\t') {
            line_start -= 1;
        }
        let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        if line_start == from || bytes[line_start - 1] == b'\n' {
            let run = bytes[at..line_end]
                .iter()
                .take_while(|b| **b == fence)
                .count();
            if run >= fence_len
                && bytes[at + run..line_end]
                    .iter()
                    .all(u8::is_ascii_whitespace)
            {
                return Some((line_start, (line_end + 1).min(bytes.len())));
            }
        }
        search = line_end.max(at + 1);
        if search >= bytes.len() {
            break;
        }
    }
    None
}

/// Runs pulldown-cmark over `md`, whose offset `pieces[i].0` is file offset `pieces[i].1` (and
/// so on up to the next piece). Returns the blocks (file offsets) with their ranges in `md`.
fn scan_text(
    md: &str,
    pieces: &[(usize, usize)],
    headings: &mut Vec<Heading>,
) -> (Vec<RawBlock>, Vec<TextRange>) {
    // Events come roughly in text order, so the piece of the last lookup is tried first.
    let last_piece = std::cell::Cell::new(0usize);
    let to_file = |offset: usize| -> usize {
        let hint = last_piece.get();
        let in_hint = pieces.get(hint).is_some_and(|p| p.0 <= offset)
            && pieces.get(hint + 1).is_none_or(|p| p.0 > offset);
        let i = if in_hint {
            hint
        } else {
            pieces
                .partition_point(|(s, _)| *s <= offset)
                .saturating_sub(1)
        };
        last_piece.set(i);
        pieces.get(i).map_or(offset, |(s, f)| f + (offset - s))
    };
    let mut blocks = Vec::new();
    let mut scanned = Vec::new();
    let mut containers = 0usize;
    let mut current: Option<(RawBlock, TextRange)> = None;
    let mut heading: Option<(u8, String, TextRange)> = None;
    for (event, md_range) in
        pulldown_cmark::Parser::new_ext(md, Options::empty()).into_offset_iter()
    {
        let range = to_file(md_range.start)..to_file(md_range.end);
        match event {
            Event::Start(
                Tag::BlockQuote(_) | Tag::List(_) | Tag::Item | Tag::FootnoteDefinition(_),
            ) => containers += 1,
            Event::End(
                TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item | TagEnd::FootnoteDefinition,
            ) => containers = containers.saturating_sub(1),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.as_ref() == "void" =>
            {
                let block = RawBlock {
                    range,
                    in_container: containers > 0,
                    segments: Vec::new(),
                };
                current = Some((block, md_range));
            }
            Event::Text(_) if current.is_some() => {
                // Segments only matter inside containers (see `parse::build_block`).
                if let Some((b, _)) = current.as_mut().filter(|(b, _)| b.in_container) {
                    b.segments.push(range);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((b, md_range)) = current.take() {
                    blocks.push(b);
                    scanned.push(md_range);
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, String::new(), range))
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, s, _)) = heading.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, range)) = heading.take() {
                    headings.push(Heading {
                        level,
                        text: text.trim().to_string(),
                        range,
                    });
                }
            }
            _ => {}
        }
    }
    (blocks, scanned)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    type Seen = (
        Vec<(TextRange, bool, Vec<TextRange>)>,
        Vec<(u8, String, TextRange)>,
    );

    fn seen(blocks: Vec<RawBlock>, headings: Vec<Heading>) -> Seen {
        (
            blocks
                .into_iter()
                .map(|b| (b.range, b.in_container, b.segments))
                .collect(),
            headings
                .into_iter()
                .map(|h| (h.level, h.text, h.range))
                .collect(),
        )
    }

    /// The fast path (when it answers) gives exactly the full scan's blocks and headings.
    fn check(text: &str, body_start: usize) -> bool {
        let mut full_headings = Vec::new();
        let full = scan_text(&text[body_start..], &[(0, body_start)], &mut full_headings).0;
        let mut fast_headings = Vec::new();
        let fast = scan_without_fence_content(&text[body_start..], body_start, &mut fast_headings);
        let used = fast.is_some();
        if let Some(fast) = fast {
            assert_eq!(
                seen(fast, fast_headings),
                seen(full, full_headings),
                "{text:?}"
            );
        }
        used
    }

    const BLOCK: &str =
        "```void\n---\ntype: ws-message\nattrs:\n  body: |-\n    a ``` b\n    ~~~\n---\n```\n";

    #[test]
    fn plain_files_take_the_fast_path() {
        let text =
            format!("# Title\n\nSome `code` prose.\n\n{BLOCK}\n## Two\n\n{BLOCK}{BLOCK}tail\n");
        assert!(check(&text, 0));
        assert!(check(&format!("x\n{text}"), 2));
        assert!(check(&text.replace('\n', "\r\n"), 0));
    }

    #[test]
    fn fences_that_are_not_top_level_fall_back_or_agree() {
        for text in [
            format!("- item\n\n  {BLOCK}"),
            format!("> {BLOCK}"),
            format!("````markdown\n{BLOCK}````\n"),
            format!("<!--\n{BLOCK}-->\n"),
            format!("<div>\n{BLOCK}</div>\n"),
            "```void\n---\ntype: x\n---\n    ```\nafter\n```\n".to_string(),
            "```void\n---\ntype: x\n---\n".to_string(),
            "~~~~void\n---\n~~~\n---\n~~~~~\n# h\n".to_string(),
            format!("para\n{BLOCK}para\n"),
            format!("a\rb\n{BLOCK}"),
            format!("    {BLOCK}"),
            format!("   {BLOCK}"),
        ] {
            check(&text, 0);
        }
        assert!(!check(&format!("- item\n\n  {BLOCK}"), 0));
    }

    fn line() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "```void",
            "~~~void",
            "````void",
            "   ```void",
            "```",
            "~~~",
            "````",
            "    ```",
            "``` ",
            "---",
            "type: ws-message",
            "  body: |-",
            "    ```",
            "- item",
            "  ```void",
            "> quote",
            "> ```void",
            "<div>",
            "</div>",
            "<!--",
            "-->",
            "# Heading `x`",
            "Setext",
            "===",
            "",
            "text with `code`",
            "```markdown",
            "\t```",
        ])
    }

    proptest! {
        #[test]
        fn fast_path_equals_full_scan(lines in prop::collection::vec(line(), 0..40), crlf in any::<bool>()) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let text: String = lines.iter().map(|l| format!("{l}{eol}")).collect();
            check(&text, 0);
        }
    }
}
