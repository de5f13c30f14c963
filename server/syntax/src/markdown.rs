//! The Markdown pass of [`crate::parse`]: finds the ```` ```void ```` fenced blocks (with whether
//! they sit in a list or quote) and the headings, exactly as pulldown-cmark reads the text.
//!
//! One structure, read two ways, the first that can answer:
//!
//! 1. The line scanner ([`scan_common_subset`]) reads the common subset of CommonMark block
//!    structure line by line, without pulldown-cmark: blank lines, paragraphs, ATX and setext
//!    headings, thematic breaks, indented code, fenced code blocks of any info string (their
//!    content skipped with memchr), and lists and block quotes whose lines are all inert. It
//!    follows pulldown-cmark's own scanners (closing fences take only trailing spaces, a `#`
//!    closing run is dropped only after a space, ...) and gives up (`None`) on any line it
//!    does not model exactly: HTML block starts, link reference definitions that may continue,
//!    fences or headings inside lists and quotes, escapes or entities in info strings, lone CR
//!    line breaks, vertical tab and form feed. Heading text with inline markup, and setext
//!    headings, are read by pulldown-cmark from the heading's own lines (the only outside
//!    influence on them, link reference definitions, makes it give up when it could matter).
//! 2. Otherwise pulldown-cmark reads the whole text ([`scan_with_pulldown`]): the reference.
//!
//! The scanner is a fast path, kept because every keystroke re-parses the whole document. The
//! differential tests below, run in CI, prove it equal to the reference: property-based
//! fuzzing with adversarial lines, line soups, dense containers, character soups and realistic
//! documents, plus every fixture, every Voiden sample and the benchmark document. This module
//! must not read YAML.

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
    let kept = headings.len();
    if let Some(blocks) = scan_common_subset(md, body_start, headings) {
        return blocks;
    }
    headings.truncate(kept);
    scan_with_pulldown(md, body_start, headings)
}

/// The line scanner's answer for `md` (file offset `body_start`), or `None` when the text holds
/// a line the scanner does not model exactly (see the module docs).
///
/// It reads the text line by line, as pulldown-cmark's first pass does at the top level:
/// blank lines, paragraphs and their continuation lines, ATX and setext headings, thematic
/// breaks, indented code, fenced code blocks of any info string (content skipped with memchr),
/// and lists and block quotes as long as every line inside them is inert (plain text that can
/// start neither a heading, a fence, an HTML block nor a link reference definition). It bails
/// out on HTML block starts, link reference definitions that could continue on the next line,
/// lone CR line breaks and the control characters CommonMark treats as whitespace.
fn scan_common_subset(
    md: &str,
    body_start: usize,
    headings: &mut Vec<Heading>,
) -> Option<Vec<RawBlock>> {
    let bytes = md.as_bytes();
    // A lone CR is a line break, vertical tab and form feed are whitespace to pulldown-cmark's
    // block scanners. Neither occurs in real files: leave them to the other paths rather than
    // model them. One pass finds all three bytes.
    if memchr::memchr3_iter(b'\r', 0x0b, 0x0c, bytes)
        .any(|i| bytes[i] != b'\r' || bytes.get(i + 1) != Some(&b'\n'))
    {
        return None;
    }
    let scanner = LineScanner {
        md,
        body_start,
        may_define_links: std::cell::OnceCell::new(),
    };
    scanner.run(headings)
}

/// What the previous lines leave open, for the line scanner.
#[derive(Clone, Copy)]
enum Open {
    /// Nothing: the next non-blank line starts a new top-level block.
    Nothing,
    /// A top-level paragraph whose first line's content starts at `start`.
    /// `maybe_link_definition`: that line could begin a link reference definition.
    Paragraph {
        start: usize,
        maybe_link_definition: bool,
    },
    /// Lists or block quotes whose lines were all inert so far. `after_blank`: the previous
    /// line was blank; `after_marked_text`: the previous line opened with a container marker
    /// and has text after its markers (so that text is a paragraph inside the containers).
    Containers {
        after_blank: bool,
        after_marked_text: bool,
    },
}

/// One line of the Markdown text: `start..end` without its break, `next` after the break.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

/// The line scanner of the fast path; see [`scan_common_subset`].
struct LineScanner<'a> {
    md: &'a str,
    body_start: usize,
    /// Whether the text holds `]:`, so that a link reference definition may exist and change
    /// what a bracketed heading's text is. Looked up the first time a heading needs it.
    may_define_links: std::cell::OnceCell<bool>,
}

impl LineScanner<'_> {
    fn run(&self, headings: &mut Vec<Heading>) -> Option<Vec<RawBlock>> {
        let bytes = self.md.as_bytes();
        let mut blocks = Vec::new();
        let mut open = Open::Nothing;
        let mut pos = 0;
        while pos < bytes.len() {
            let line = line_at(bytes, pos);
            pos = line.next;
            let text = &bytes[line.start..line.end];
            let blank = text.iter().all(|b| matches!(b, b' ' | b'\t'));
            if let Open::Containers {
                after_blank,
                after_marked_text,
            } = open
            {
                match container_line(text, blank, after_blank, after_marked_text)? {
                    ContainerLine::Stays(next) => {
                        open = next;
                        continue;
                    }
                    ContainerLine::Leaves => open = Open::Nothing,
                }
            }
            if blank {
                if let Open::Paragraph { .. } = open {
                    open = Open::Nothing;
                }
                continue;
            }
            (open, pos) = self.top_level_line(line, open, &mut blocks, headings)?;
        }
        Some(blocks)
    }

    /// A non-blank line outside containers, after `open`: what it leaves open, and where the
    /// next line to read starts (after a fence's content for a fence).
    fn top_level_line(
        &self,
        line: Line,
        open: Open,
        blocks: &mut Vec<RawBlock>,
        headings: &mut Vec<Heading>,
    ) -> Option<(Open, usize)> {
        let bytes = self.md.as_bytes();
        let text = &bytes[line.start..line.end];
        let Some(indent) = indent_below_four(text) else {
            // Indented code, or a paragraph's continuation line: nothing to find either way.
            if let Open::Paragraph {
                maybe_link_definition: true,
                ..
            } = open
            {
                return None;
            }
            return Some((open, line.next));
        };
        let content = line.start + indent;
        let rest = &bytes[content..line.end];
        if let Open::Paragraph {
            start,
            maybe_link_definition,
        } = open
        {
            if maybe_link_definition {
                return None;
            }
            if let Some(level) = setext_level(rest) {
                headings.push(self.setext_heading(start, line.next, level)?);
                return Some((Open::Nothing, line.next));
            }
            if !interrupts_paragraph(rest) {
                if rest.first() == Some(&b'<') {
                    return None;
                }
                return Some((open, line.next));
            }
        }
        if list_marker(rest).is_some() || rest.first() == Some(&b'>') {
            let open = Open::Containers {
                after_blank: false,
                after_marked_text: inert_container_line(text)?,
            };
            return Some((open, line.next));
        }
        if rest.first() == Some(&b'<') {
            return None;
        }
        if thematic_break(rest) {
            // Ends any paragraph; nothing to record.
        } else if let Some(level) = atx_level(rest) {
            headings.push(self.atx_heading(content, line, level)?);
        } else if let Some((fence, fence_len)) = fence_opening(rest) {
            let info = rest[fence_len..].trim_ascii();
            if info.contains(&b'\\') || info.contains(&b'&') {
                // Escapes and entities are decoded in info strings: leave them to
                // pulldown-cmark.
                return None;
            }
            let (end, after) = fence_end(bytes, line.next, fence, fence_len);
            if is_void_info(info) {
                blocks.push(RawBlock {
                    range: self.body_start + content..self.body_start + end,
                    in_container: false,
                    segments: Vec::new(),
                });
            }
            return Some((Open::Nothing, after));
        } else {
            let open = Open::Paragraph {
                start: content,
                maybe_link_definition: rest.first() == Some(&b'[')
                    && may_start_link_definition(rest),
            };
            return Some((open, line.next));
        }
        Some((Open::Nothing, line.next))
    }

    /// The ATX heading whose `#`s start at `content` on `line`.
    fn atx_heading(&self, content: usize, line: Line, level: u8) -> Option<Heading> {
        let bytes = self.md.as_bytes();
        let range = self.body_start + content..self.body_start + line.next;
        let after_marks = content + usize::from(level);
        let text_start = after_marks
            + bytes[after_marks..line.end]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
        let raw = &bytes[text_start..line.end];
        if raw.iter().any(|b| is_inline_special(*b)) {
            return self.heading_from_pulldown(content, line.next, level, range);
        }
        // pulldown-cmark's rule: drop trailing spaces, then a closing run of `#`s when
        // nothing but `#`s is left or spaces come before it.
        let mut limit = raw.iter().rposition(|b| *b != b' ').map_or(0, |i| i + 1);
        let closer = raw[..limit]
            .iter()
            .rposition(|b| *b != b'#')
            .map_or(0, |i| i + 1);
        if closer == 0 {
            limit = 0;
        } else {
            let spaces = raw[..closer]
                .iter()
                .rev()
                .take_while(|b| **b == b' ')
                .count();
            if spaces > 0 {
                limit = closer - spaces;
            }
        }
        Some(Heading {
            level,
            text: self.md[text_start..text_start + limit].trim().to_string(),
            range,
        })
    }

    /// The setext heading made of the paragraph from `start` and the underline ending at
    /// `next`. Its text (inline markup, line joins) always comes from pulldown-cmark.
    fn setext_heading(&self, start: usize, next: usize, level: u8) -> Option<Heading> {
        let range = self.body_start + start..self.body_start + next;
        self.heading_from_pulldown(start, next, level, range)
    }

    /// The heading `md[start..next]` read alone by pulldown-cmark, which must agree with the
    /// scanner on its level and range. Inline parsing of a heading depends on the rest of the
    /// text only through link reference definitions, so a heading with `[` in a text that may
    /// define links is left to the full scan.
    fn heading_from_pulldown(
        &self,
        start: usize,
        next: usize,
        level: u8,
        range: TextRange,
    ) -> Option<Heading> {
        let source = &self.md[start..next];
        let may_define_links = || {
            *self
                .may_define_links
                .get_or_init(|| memchr::memmem::find(self.md.as_bytes(), b"]:").is_some())
        };
        if source.contains('[') && may_define_links() {
            return None;
        }
        let mut found = Vec::with_capacity(1);
        let blocks = scan_with_pulldown(source, self.body_start + start, &mut found);
        let heading = found.pop()?;
        (blocks.is_empty() && found.is_empty() && heading.level == level && heading.range == range)
            .then_some(heading)
    }
}

/// What a line does to the lists and quotes the line scanner has open.
enum ContainerLine {
    /// It stays inside them, leaving this open.
    Stays(Open),
    /// It leaves them: read it at the top level.
    Leaves,
}

/// A line while lists or quotes are open (`after_blank`, `after_marked_text`: see
/// [`Open::Containers`]), or `None` when the scanner must give up on it.
fn container_line(
    text: &[u8],
    blank: bool,
    after_blank: bool,
    after_marked_text: bool,
) -> Option<ContainerLine> {
    if blank {
        return Some(ContainerLine::Stays(Open::Containers {
            after_blank: true,
            after_marked_text: false,
        }));
    }
    // A line at the left margin that is no container marker leaves the containers after a
    // blank line (it cannot be a lazy continuation then), or when it is a heading, a fence or
    // a thematic break (none of them continues a paragraph lazily). `---` is a thematic break
    // there only when the previous line's text was surely inside the containers; after a
    // lazy-looking line, that line may be a top-level paragraph which `---` would turn into a
    // heading.
    let leaves = matches!(text.first(), Some(b) if !matches!(b, b' ' | b'\t' | b'>'))
        && list_marker(text).is_none()
        && (after_blank
            || (thematic_break(text) && (setext_level(text).is_none() || after_marked_text))
            || atx_level(text).is_some()
            || fence_opening(text).is_some());
    if leaves {
        return Some(ContainerLine::Leaves);
    }
    Some(ContainerLine::Stays(Open::Containers {
        after_blank: false,
        after_marked_text: inert_container_line(text)?,
    }))
}

/// The line starting at `start`.
fn line_at(bytes: &[u8], start: usize) -> Line {
    match memchr::memchr(b'\n', &bytes[start..]) {
        Some(i) => {
            let newline = start + i;
            let end = if newline > start && bytes[newline - 1] == b'\r' {
                newline - 1
            } else {
                newline
            };
            Line {
                start,
                end,
                next: newline + 1,
            }
        }
        None => Line {
            start,
            end: bytes.len(),
            next: bytes.len(),
        },
    }
}

/// The number of leading spaces of a non-blank line when its content starts before column 4
/// (a tab in the indentation always reaches column 4).
fn indent_below_four(line: &[u8]) -> Option<usize> {
    let spaces = line.iter().take(4).take_while(|b| **b == b' ').count();
    (spaces < 4 && line.get(spaces) != Some(&b'\t')).then_some(spaces)
}

/// Bytes the inline parser treats specially (with no extension enabled), and NUL (which
/// the scanner leaves to pulldown-cmark's rules for text).
fn is_inline_special(b: u8) -> bool {
    matches!(
        b,
        b'*' | b'_' | b'&' | b'\\' | b'[' | b']' | b'<' | b'!' | b'`' | 0
    )
}

/// A thematic break: 3 or more `-`, `*` or `_` (the same), with only spaces and tabs between.
fn thematic_break(rest: &[u8]) -> bool {
    let Some(&mark) = rest.first() else {
        return false;
    };
    matches!(mark, b'-' | b'*' | b'_')
        && rest
            .iter()
            .all(|b| matches!(*b, b' ' | b'\t') || *b == mark)
        && rest.iter().filter(|b| **b == mark).count() >= 3
}

/// The level of an ATX heading opening: 1 to 6 `#`, then a space, a tab or the line's end.
fn atx_level(rest: &[u8]) -> Option<u8> {
    let marks = rest.iter().take_while(|b| **b == b'#').count();
    let ends = rest.get(marks).is_none_or(|b| matches!(b, b' ' | b'\t'));
    ((1..=6).contains(&marks) && ends).then_some(marks as u8)
}

/// A setext underline: a run of `=` (level 1) or `-` (level 2), then only spaces and tabs.
fn setext_level(rest: &[u8]) -> Option<u8> {
    let level = match rest.first() {
        Some(b'=') => 1,
        Some(b'-') => 2,
        _ => return None,
    };
    let run = rest.iter().take_while(|b| **b == rest[0]).count();
    rest[run..]
        .iter()
        .all(|b| matches!(b, b' ' | b'\t'))
        .then_some(level)
}

/// A fence opening: 3 or more backticks (with no backtick after them on the line) or tildes.
fn fence_opening(rest: &[u8]) -> Option<(u8, usize)> {
    let fence = *rest.first().filter(|b| matches!(b, b'`' | b'~'))?;
    let run = rest.iter().take_while(|b| **b == fence).count();
    (run >= 3 && (fence == b'~' || !rest[run..].contains(&b'`'))).then_some((fence, run))
}

/// A list item marker (`-`, `+`, `*` that is not a thematic break, or 1 to 9 digits and `.`
/// or `)`), followed by a space, a tab or the line's end: `(marker length, ordered number,
/// whether the item's first line is empty)`.
fn list_marker(rest: &[u8]) -> Option<(usize, Option<u64>, bool)> {
    let (len, number) = match rest.first()? {
        b'-' | b'+' | b'*' if !thematic_break(rest) => (1, None),
        b'0'..=b'9' => {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 9 || !matches!(rest.get(digits), Some(b'.' | b')')) {
                return None;
            }
            let number = rest[..digits]
                .iter()
                .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            (digits + 1, Some(number))
        }
        _ => return None,
    };
    if !rest.get(len).is_none_or(|b| matches!(b, b' ' | b'\t')) {
        return None;
    }
    let empty = rest[len..].iter().all(|b| matches!(b, b' ' | b'\t'));
    Some((len, number, empty))
}

/// Whether a non-blank line (content `rest`, indented less than 4 columns) ends the open
/// top-level paragraph instead of continuing it (setext underlines are checked before).
fn interrupts_paragraph(rest: &[u8]) -> bool {
    thematic_break(rest)
        || atx_level(rest).is_some()
        || fence_opening(rest).is_some()
        || rest.first() == Some(&b'>')
        || list_marker(rest)
            .is_some_and(|(_, number, empty)| !empty && number.is_none_or(|n| n == 1))
}

/// Whether a line starting with `[` could begin a link reference definition: the label's
/// closing `]` is followed by `:`, or is not on this line, or escapes or nested brackets make
/// the label uncertain.
fn may_start_link_definition(rest: &[u8]) -> bool {
    for (i, b) in rest.iter().enumerate().skip(1) {
        match b {
            b']' => return rest.get(i + 1) == Some(&b':'),
            b'[' | b'\\' => return true,
            _ => {}
        }
    }
    true
}

/// For a line inside lists or block quotes: `None` unless it is inert, i.e. after any
/// container markers (`>`, list markers, spaces, tabs) comes nothing that could start a
/// heading (ATX or a setext underline), a fence, a thematic break, an HTML block or a link
/// reference definition. Its exact place (which item, lazy continuation, indented code) then
/// does not matter: it holds no heading and no fence. `Some(true)` when the line has text
/// after its markers and opens, indented less than 4 columns, with a marker that starts a
/// container even after paragraph text (`>`, or a list item that can interrupt a paragraph),
/// so that text is surely a paragraph inside the containers and not the continuation of a
/// top-level one.
fn inert_container_line(line: &[u8]) -> Option<bool> {
    let marker_can_start = indent_below_four(line).is_some();
    let mut rest = line;
    let mut opens_container: Option<bool> = None;
    loop {
        rest = &rest[rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count()..];
        let Some(&first) = rest.first() else {
            return Some(false);
        };
        let interrupts = interrupts_paragraph(rest);
        if setext_level(rest).is_some()
            || thematic_break(rest)
            || atx_level(rest).is_some()
            || (matches!(first, b'`' | b'~')
                && rest.iter().take_while(|b| **b == first).count() >= 3)
            || first == b'<'
            || (first == b'[' && may_start_link_definition(rest))
        {
            return None;
        }
        if first == b'>' {
            rest = &rest[1..];
        } else if let Some((len, _, _)) = list_marker(rest) {
            rest = &rest[len..];
        } else {
            return Some(marker_can_start && opens_container == Some(true));
        }
        opens_container.get_or_insert(interrupts);
    }
}

/// The end of the fenced code block whose content starts at `from`: `(end of the closing
/// fence's spaces, or the text's end when no line closes it, offset after the closing line)`.
/// A closing line is at most 3 spaces, `fence_len` or more `fence` characters, then only spaces.
fn fence_end(bytes: &[u8], from: usize, fence: u8, fence_len: usize) -> (usize, usize) {
    let mut search = from;
    while let Some(found) = memchr::memchr(fence, &bytes[search..]) {
        let at = search + found;
        let spaces = bytes[..at]
            .iter()
            .rev()
            .take(4)
            .take_while(|b| **b == b' ')
            .count();
        let line_start = at - spaces;
        let line = line_at(bytes, line_start);
        if spaces < 4 && (line_start == from || bytes[line_start - 1] == b'\n') {
            let run = bytes[at..line.end]
                .iter()
                .take_while(|b| **b == fence)
                .count();
            let trailing = bytes[at + run..line.end]
                .iter()
                .take_while(|b| **b == b' ')
                .count();
            if run >= fence_len && at + run + trailing == line.end {
                return (line.end, line.next);
            }
        }
        if line.next >= bytes.len() {
            break;
        }
        search = line.next;
    }
    (bytes.len(), bytes.len())
}

/// The reference: pulldown-cmark over `md`, which starts at file offset `file_start`.
fn scan_with_pulldown(md: &str, file_start: usize, headings: &mut Vec<Heading>) -> Vec<RawBlock> {
    let mut blocks = Vec::new();
    let mut containers = 0usize;
    let mut current: Option<RawBlock> = None;
    let mut heading: Option<(u8, String, TextRange)> = None;
    for (event, md_range) in
        pulldown_cmark::Parser::new_ext(md, Options::empty()).into_offset_iter()
    {
        let range = file_start + md_range.start..file_start + md_range.end;
        match event {
            Event::Start(
                Tag::BlockQuote(_) | Tag::List(_) | Tag::Item | Tag::FootnoteDefinition(_),
            ) => containers += 1,
            Event::End(
                TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item | TagEnd::FootnoteDefinition,
            ) => containers = containers.saturating_sub(1),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if is_void_info(info.as_bytes()) =>
            {
                current = Some(RawBlock {
                    range,
                    in_container: containers > 0,
                    segments: Vec::new(),
                });
            }
            Event::Text(_) if current.is_some() => {
                // Segments only matter inside containers (see `parse::build_block`).
                if let Some(b) = current.as_mut().filter(|b| b.in_container) {
                    b.segments.push(range);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(b) = current.take() {
                    blocks.push(b);
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
    blocks
}

/// Whether a fence's info string opens a block: its first word is `void` (```` ```void ```` and
/// ```` ```void title ````), as the app reads the fence's language.
fn is_void_info(info: &[u8]) -> bool {
    info.split(|b| *b == b' ' || *b == b'\t')
        .find(|word| !word.is_empty())
        == Some(b"void")
}

#[cfg(test)]
#[allow(dead_code)]
#[path = "../tests/common/big.rs"]
mod big_document;

#[cfg(test)]
#[path = "../tests/common/samples.rs"]
mod samples;

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

    // ----- The line scanner (`scan_common_subset`) against the full pulldown-cmark scan -----

    /// The full scan's blocks and headings of `text[body_start..]`.
    fn full_scan(text: &str, body_start: usize) -> Seen {
        let mut headings = Vec::new();
        let blocks = scan_with_pulldown(&text[body_start..], body_start, &mut headings);
        seen(blocks, headings)
    }

    /// The line scanner, when it answers, gives exactly the full scan's blocks and headings;
    /// and `scan` (whichever path answers) always does. Returns whether the line scanner
    /// answered.
    fn check_lines(text: &str, body_start: usize) -> Result<bool, TestCaseError> {
        let full = full_scan(text, body_start);
        let mut headings = vec![Heading {
            level: 9,
            text: "kept".into(),
            range: 0..0,
        }];
        let fast = scan_common_subset(&text[body_start..], body_start, &mut headings);
        let answered = fast.is_some();
        if let Some(blocks) = fast {
            let kept = headings.remove(0);
            prop_assert_eq!(kept.level, 9, "the scanner must append, not replace");
            prop_assert_eq!(
                seen(blocks, headings),
                full.clone(),
                "line scanner: {:?}",
                text
            );
        }
        let mut headings = Vec::new();
        let blocks = scan(text, body_start, &mut headings);
        prop_assert_eq!(seen(blocks, headings), full, "scan: {:?}", text);
        Ok(answered)
    }

    /// Lines chosen to hit every rule the line scanner models or bails out on.
    const ADVERSARIAL_LINES: &[&str] = &[
        // fences
        "```void",
        "~~~void",
        "````void",
        "   ```void",
        "    ```void",
        "  ```void",
        "\t```void",
        "``` void",
        "```void ",
        "```  void  ",
        "```\tvoid",
        "```void`",
        "```vo\\id",
        "```&#118;oid",
        "```",
        "~~~",
        "````",
        "~~~~~",
        "``` ",
        "```  ",
        "```\t",
        "   ```",
        "    ```",
        "``",
        "```markdown",
        "```json",
        "~~~ ` ~~~",
        // thematic breaks and setext underlines
        "---",
        "--",
        "-",
        "- ",
        "---  ",
        " ---",
        "   ---",
        "    ---",
        "- - -",
        "***",
        "* * *",
        "___",
        "_ _ _",
        "*",
        "=",
        "===",
        "==  ",
        "   ===",
        "= =",
        "---\t",
        // ATX headings
        "# Heading",
        "#h",
        "#",
        "# ",
        "# #",
        "## closing ##   ",
        "### x ###y",
        "# a \\#",
        "# trail\\",
        "####### seven",
        "###### six",
        "#\tTab",
        "  ## indented",
        "# **bold** _it_",
        "# `code` ``x``",
        "# [link](x)",
        "# [ref]",
        "# a &amp; b",
        "# <b>x</b>",
        "# img ![a](b)",
        "# nbsp\u{a0}#",
        "# emoji \u{1F9CA} ok",
        "# a#",
        "# ## ##",
        // paragraphs
        "text",
        "text with `code`",
        "Setext",
        "  indented 2",
        "   indented 3",
        "    indented 4",
        "\tTab text",
        "  \tx",
        "a\u{a0}",
        "1234567890. ten digits",
        "2024 was a year",
        "~~ two",
        "**strong** start",
        "_under_ start",
        "a | b | c",
        // lists
        "- item",
        "* item",
        "+ item",
        "-item",
        "1. one",
        "2) two",
        "1.",
        "0. zero",
        "01. one",
        "1.5 stars",
        "  - nested",
        "    - deep",
        "-\tTab item",
        "- - x",
        "- # h in item",
        "- ```void",
        "-     code in item",
        "- [ref]: x",
        "- [link](u) text",
        "1. ```void",
        // quotes
        "> quote",
        ">quote",
        ">",
        "> ",
        "> # quoted heading",
        "> ```void",
        "> > nested",
        "> - item in quote",
        "- > quote in item",
        "> ===",
        "> ---",
        "> **bold** tip",
        // HTML
        "<div>",
        "</div>",
        "<!--",
        "-->",
        "<span>inline",
        "<pre>",
        "</pre>",
        "<?php",
        "<![CDATA[",
        // link reference definitions
        "[ref]: /url",
        "[ref]:",
        "[ref]: /u 'title'",
        "'title'",
        "[a] b",
        "[link](u) text",
        "[x",
        "y]: /u",
        "[a\\]]: /u",
        // blank, and bytes the scanner bails out on or leaves to pulldown-cmark
        "",
        "  ",
        "\t",
        "\u{b}",
        "#\u{c}x",
        "===\u{c}",
        "# nul\0",
        "nul\0",
        // void block content
        "type: ws-message",
        "  body: |-",
    ];

    /// A document of adversarial lines, LF or CRLF, sometimes with a lone CR.
    fn adversarial_document() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(prop::sample::select(ADVERSARIAL_LINES), 0..40),
            0..3u8,
            any::<bool>(),
        )
            .prop_map(|(lines, eol, last_break)| {
                let eol = ["\n", "\r\n", "\r"][usize::from(eol % 3)];
                let mut text = lines.join(eol);
                if last_break {
                    text.push_str(eol);
                }
                text
            })
    }

    /// A document of the adversarial lines the scanner models (no line opening with `<`, no
    /// lone CR), so that most documents get an answer to compare.
    fn modelled_document() -> impl Strategy<Value = String> {
        let lines: Vec<&str> = ADVERSARIAL_LINES
            .iter()
            .copied()
            .filter(|l| {
                !l.trim_start_matches([' ', '\t', '>', '-', '*'])
                    .starts_with('<')
            })
            .collect();
        (
            prop::collection::vec(prop::sample::select(lines), 0..25),
            any::<bool>(),
        )
            .prop_map(|(lines, crlf)| lines.join(if crlf { "\r\n" } else { "\n" }))
    }

    /// Short documents over a small alphabet of container, paragraph, underline and fence
    /// lines, so that their interactions (lazy lines, empty items, underlines after
    /// containers, fences right after them) are covered densely.
    fn dense_document() -> impl Strategy<Value = String> {
        let lines = vec![
            "1.",
            "-",
            "- a",
            "* a",
            "2. b",
            "1. c",
            "1) x",
            "> q",
            ">",
            "- > q",
            "> - a",
            "text",
            "  text",
            "   text",
            "    code",
            "    - a",
            "\tx",
            "---",
            "   ---",
            "---  ",
            "===",
            "***",
            "- - -",
            "# h",
            "```void",
            "```",
            "~~~",
            "- ```void",
            "  ```void",
            "[a](b) c",
            "",
        ];
        prop::collection::vec(prop::sample::select(lines), 0..12).prop_map(|lines| lines.join("\n"))
    }

    /// One piece of a realistic `.void` body: what the samples and fixtures hold.
    fn realistic_piece() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec![
            "the",
            "socket",
            "**Connect**",
            "*live*",
            "`ws://x`",
            "[docs](https://voiden.md)",
            "—",
            "request's",
            "\u{1F9CA}",
            "{{HOST}}",
            "a_b",
            "a & b",
            "<br>",
            "v1.2",
            "100%",
        ]);
        // A line starting with `<` may open an HTML block, which the scanner leaves to the
        // full scan; inline HTML inside a line is fine.
        let sentence = (prop::collection::vec(word, 1..12), any::<bool>()).prop_map(|(w, br)| {
            let text = w.join(" ");
            match text.strip_prefix("<br>") {
                Some(rest) if br => format!("text <br>{rest}"),
                Some(rest) => format!("text{rest}"),
                None => text,
            }
        });
        let yaml = prop::sample::select(vec![
            "---\ntype: ws-message\nattrs:\n  uid: 1\n  body: |-\n    a ``` b\n    ~~~\n    ```\n---\n",
            "---\ntype: socket-request\nattrs:\n  uid: 2\ncontent:\n  - type: surl\n---\n",
            "---\ntype: request\n---\n",
            "",
        ]);
        prop_oneof![
            (1..4usize, sentence.clone()).prop_map(|(n, s)| format!("{} {s}\n\n", "#".repeat(n))),
            (1..7usize, sentence.clone())
                .prop_map(|(n, s)| format!("{}\n\n", vec![s; n].join("\n"))),
            yaml.prop_map(|y| format!("```void\n{y}```\n")),
            sentence
                .clone()
                .prop_map(|s| format!("```json\n{{\"a\": \"{s}\"}}\n```\n\n")),
            sentence.clone().prop_map(|s| format!("> {s}\n\n")),
            sentence.clone().prop_map(|s| format!("> {s}\n> {s}\n\n")),
            (
                1..4usize,
                sentence.clone(),
                prop::sample::select(vec!["* ", "- ", "1. "])
            )
                .prop_map(|(n, s, m)| format!("{}\n", vec![format!("{m}{s}\n"); n].join(""))),
            sentence.prop_map(|s| format!("1. {s}\n\n2. {s}\n\n")),
            Just("---\n\n".to_string()),
            Just("\n".to_string()),
        ]
    }

    fn realistic_document() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(realistic_piece(), 0..30),
            any::<bool>(),
        )
            .prop_map(|(pieces, crlf)| {
                let text = pieces.concat();
                if crlf {
                    text.replace('\n', "\r\n")
                } else {
                    text
                }
            })
    }

    /// Runs `check_lines` on `cases` generated documents (each at body offset 0 and after its
    /// first line); returns `(documents checked, documents the line scanner answered at 0)`.
    /// Shrinking reruns are not counted. `MARKDOWN_PROPTEST_SCALE=n` multiplies every count (for long runs by hand).
    fn run_cases(strategy: impl Strategy<Value = String>, cases: u32) -> (u32, u32) {
        let scale = std::env::var("MARKDOWN_PROPTEST_SCALE")
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(1);
        let cases = cases.saturating_mul(scale);
        let checked = std::cell::Cell::new(0u32);
        let answered = std::cell::Cell::new(0u32);
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        });
        let result = runner.run(&strategy, |text| {
            checked.set(checked.get() + 1);
            if let Some(i) = text.find('\n') {
                check_lines(&text, i + 1)?;
            }
            if check_lines(&text, 0)? {
                answered.set(answered.get() + 1);
            } else if std::env::var_os("SHOW_BAIL").is_some() {
                {
                    // Debugging aid: the line where the scanner gives up.
                    let mut end = 0;
                    for line in text.split_inclusive('\n') {
                        end += line.len();
                        if scan_common_subset(&text[..end], 0, &mut Vec::new()).is_none() {
                            use std::io::Write;
                            writeln!(std::io::stderr(), "bails at {line:?}").unwrap();
                            break;
                        }
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        (checked.get(), answered.get())
    }

    fn report(what: &str, (cases, answered): (u32, u32)) {
        use std::io::Write;
        writeln!(
            std::io::stderr(),
            "{what}: line scanner answered {answered} of {cases} documents, bailed out on {} ({:.1} %)",
            cases - answered,
            f64::from(cases - answered) * 100.0 / f64::from(cases)
        )
        .unwrap();
    }

    /// A fence whose info string starts with the word `void` is a block (the app reads the
    /// fence's language, the first word); `voidx` or `json void` is not.
    #[test]
    fn the_first_word_of_the_info_string_decides() {
        for (info, blocks) in [
            ("void", 1),
            ("void title", 1),
            ("void\ttitle here", 1),
            ("  void  ", 1),
            ("voidx", 0),
            ("json void", 0),
            ("", 0),
        ] {
            let text = format!("```{info}\n---\ntype: x\n---\n```\n");
            assert_eq!(crate::parse(&text).blocks.len(), blocks, "{info:?}");
            check_lines(&text, 0).unwrap();
        }
    }

    /// Cases the generators found or that sit on a modelled rule's edge.
    #[test]
    fn line_scanner_edge_cases() {
        for text in [
            // after an empty item, the next line is a top-level paragraph: `---` underlines it
            "1.\ntext\n---\n",
            "1.\ntext\n2. continued\n---\n",
            "1.\ntext\n    - continued\n---\n",
            "1. a\n    - b\n---\n",
            "- item\n---\n",
            "> quote\n---\n",
            "> quote\nlazy\n---\n",
            "- item\n***\n",
            "- item\n# heading\n",
            "- item\n```void\n---\n```\n",
            "- item\n\ntext\n===\n",
            "text\n2. not a list\n===\n",
            "text\n1. a list\n===\n",
            "text\n-\n",
            "text\n*\n",
            "# a #\t\n# b\t#\n#\t#\n# c ## d ##\n",
            "```void\nx\n```\t\n```\n",
            "  ~~~void\nx\n   ~~~~\n",
            "```void\r\nx\r\n```  \r\n",
            "[a](b)\n===\n",
            "[a]: b\n",
            "[a]: b\n\n# [a]\n",
        ] {
            check_lines(text, 0).unwrap();
        }
    }

    #[test]
    fn line_scanner_equals_full_scan_on_adversarial_documents() {
        let counts = run_cases(adversarial_document(), 20_000);
        report("adversarial line soups", counts);
        // The soups must exercise the scanner, not only its bail-outs.
        assert!(counts.1 > counts.0 / 10, "answered only {counts:?}");
    }

    #[test]
    fn line_scanner_equals_full_scan_on_modelled_line_soups() {
        let counts = run_cases(modelled_document(), 20_000);
        report("modelled line soups", counts);
        assert!(counts.1 > counts.0 / 4, "answered only {counts:?}");
    }

    #[test]
    fn line_scanner_equals_full_scan_on_dense_container_documents() {
        let counts = run_cases(dense_document(), 50_000);
        report("dense container documents", counts);
        assert!(counts.1 > counts.0 / 4, "answered only {counts:?}");
    }

    /// Random text over the bytes that matter to block structure (and a few multi-byte
    /// characters), for what line-based generators do not reach: odd spacing, markers
    /// glued to text, fences and headings cut anywhere.
    #[test]
    fn line_scanner_equals_full_scan_on_character_soups() {
        let soup = "[#`~>*_=+\\-1. \t\n\\[\\]:!&\\\\<avoid\u{a0}\u{e9}]{0,120}";
        let counts = run_cases(soup, 30_000);
        report("character soups", counts);
        assert!(counts.1 > counts.0 / 4, "answered only {counts:?}");
        // Short random lines: many line starts per document.
        let line = "[#`~>*_=+\\-1. \t\\[\\]:<av\u{e9}]{0,8}";
        let lines = prop::collection::vec(line, 0..16).prop_map(|l| l.join("\n"));
        let counts = run_cases(lines, 30_000);
        report("short random lines", counts);
        assert!(counts.1 > counts.0 / 4, "answered only {counts:?}");
    }

    #[test]
    fn line_scanner_equals_full_scan_on_realistic_documents_without_bailing_out() {
        let (checked, answered) = run_cases(realistic_document(), 5_000);
        report("realistic documents", (checked, answered));
        assert_eq!(answered, checked);
    }

    /// Repository root, for the fixture corpus and the shared Voiden samples.
    fn repo_root() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// `.void` files of a directory with their text.
    fn void_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "void"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p, text)
            })
            .collect();
        files.sort();
        files
    }

    /// Where the parser starts the Markdown: after the frontmatter, if any.
    fn body_start_of(text: &str) -> usize {
        crate::parse(text)
            .frontmatter
            .map_or(if text.starts_with('\u{feff}') { 3 } else { 0 }, |f| {
                f.range.end
            })
    }

    #[test]
    fn line_scanner_equals_full_scan_on_every_fixture() {
        let files = void_files(&repo_root().join("tests/fixtures"));
        assert!(files.len() >= 40);
        let mut bailed = Vec::new();
        for (path, text) in &files {
            let mut answered = true;
            for body_start in [0, body_start_of(text)] {
                answered &= check_lines(text, body_start).unwrap();
            }
            if !answered {
                bailed.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
        use std::io::Write;
        writeln!(
            std::io::stderr(),
            "fixtures: line scanner answered {} of {}; bailed out on {bailed:?}",
            files.len() - bailed.len(),
            files.len()
        )
        .unwrap();
    }

    #[test]
    fn line_scanner_equals_full_scan_on_every_voiden_sample_without_bailing_out() {
        let Some(dir) = samples::samples_dir() else {
            return;
        };
        let files = void_files(&dir);
        assert!(!files.is_empty());
        for (path, text) in &files {
            for body_start in [0, body_start_of(text)] {
                assert!(
                    check_lines(text, body_start).unwrap(),
                    "bailed out on {}",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn line_scanner_answers_on_the_big_benchmark_document() {
        let text = super::big_document::big_document();
        let body_start = body_start_of(&text);
        assert!(body_start > 0);
        assert!(check_lines(&text, body_start).unwrap());
        let mut headings = Vec::new();
        let blocks = scan_common_subset(&text[body_start..], body_start, &mut headings).unwrap();
        assert_eq!(blocks.len(), 2000);
        assert_eq!(headings.len(), super::big_document::SECTIONS);
    }

    /// Times the Markdown pass on the big benchmark document. Run in release:
    /// `cargo test -p void-syntax --release --lib -- --ignored markdown_pass_timing --nocapture`.
    #[test]
    #[ignore = "timing, run by hand in release"]
    fn markdown_pass_timing() {
        use std::io::Write;
        let text = super::big_document::big_document();
        let body_start = crate::parse(&text).frontmatter.map_or(0, |f| f.range.end);
        let time = |f: &dyn Fn() -> usize| {
            let mut runs: Vec<std::time::Duration> = (0..60)
                .map(|_| {
                    let t = std::time::Instant::now();
                    std::hint::black_box(f());
                    t.elapsed()
                })
                .collect();
            runs.sort();
            runs[runs.len() / 2]
        };
        let scan_time = time(&|| {
            let mut headings = Vec::new();
            scan(&text, body_start, &mut headings).len() + headings.len()
        });
        let full_time = time(&|| {
            let mut headings = Vec::new();
            scan_with_pulldown(&text[body_start..], body_start, &mut headings).len()
        });
        writeln!(
            std::io::stderr(),
            "Markdown pass on the big document (median of 60): scan {scan_time:?} \
             (line scanner); pulldown-cmark scan {full_time:?}"
        )
        .unwrap();
    }
}
