//! Byte offset <-> line/column conversion for a text, in the three units editors use:
//! UTF-8 bytes, UTF-16 code units (LSP default), and characters (CLI output). This is the
//! project's one line index: the language server keeps one per open document and converts LSP
//! positions through it (`server/ls/src/lsp/position.rs` adds only the LSP types), the CLI uses
//! it for `file:line:col`.
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as LSP says. Positions that do not fit the text:
//! - a column past the end of its line means the end of that line (never between `\r` and `\n`);
//! - a column inside a multi-unit character (half a surrogate pair, the middle of a UTF-8
//!   sequence) snaps back to the start of that character;
//! - an offset past the end of the text is the end of the text; an offset inside a line break
//!   is the end of its line.
//!
//! This module only converts positions; it must not know about documents or LSP types.

use std::ops::Range;

/// The unit a column is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Char,
}

impl ColumnUnit {
    /// The width of `text` in this unit.
    pub fn len(self, text: &str) -> usize {
        match self {
            ColumnUnit::Utf8 => text.len(),
            ColumnUnit::Utf16 => text.chars().map(char::len_utf16).sum(),
            ColumnUnit::Char => text.chars().count(),
        }
    }

    fn width(self, ch: char) -> usize {
        match self {
            ColumnUnit::Utf8 => ch.len_utf8(),
            ColumnUnit::Utf16 => ch.len_utf16(),
            ColumnUnit::Char => 1,
        }
    }
}

/// Start offsets of every line of one text. Rebuilt after each edit (a `memchr` scan: well under
/// a millisecond for a megabyte).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// `line_starts[i]` is the byte offset where line `i` starts; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = Vec::with_capacity(bytes.len() / 40 + 1);
        line_starts.push(0);
        let mut search = 0;
        while let Some(found) = memchr::memchr2(b'\n', b'\r', &bytes[search..]) {
            let at = search + found;
            let next = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            };
            line_starts.push(next);
            search = next;
        }
        LineIndex { line_starts }
    }

    /// Number of lines; a text ending with a line break has an empty last line.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line holding `offset` (offsets past the end belong to the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Byte range of line `line` without its line break (empty at the end of the text for a
    /// line past the end).
    pub fn line_range(&self, text: &str, line: usize) -> Range<usize> {
        let Some(&start) = self.line_starts.get(line) else {
            return text.len()..text.len();
        };
        let mut end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(text.len())
            .min(text.len());
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start.min(end)..end
    }

    /// 0-based `(line, column)` of a byte offset (clamped to the text; snapped back to a char
    /// boundary; inside a line break, the end of its line).
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let line_range = self.line_range(text, line);
        let column_end = offset.min(line_range.end).max(line_range.start);
        (line, unit.len(&text[line_range.start..column_end]))
    }

    /// Byte offset of a 0-based `(line, column)`: a column past the line end is the line end, a
    /// column inside a character snaps to its start, a line past the last is the end of the text.
    pub fn offset(&self, text: &str, line: usize, column: usize, unit: ColumnUnit) -> usize {
        if line >= self.line_count() {
            return text.len();
        }
        let range = self.line_range(text, line);
        let mut counted = 0;
        for (i, ch) in text[range.clone()].char_indices() {
            counted += unit.width(ch);
            if counted > column {
                return range.start + i;
            }
        }
        range.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_in_every_unit() {
        let text = "a\r\nb😀c\rd\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        let c = text.find('c').unwrap_or(0);
        assert_eq!(idx.position(text, c, ColumnUnit::Utf16), (1, 3));
        assert_eq!(idx.position(text, c, ColumnUnit::Char), (1, 2));
        assert_eq!(idx.position(text, c, ColumnUnit::Utf8), (1, 5));
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
            let (l, col) = idx.position(text, c, unit);
            assert_eq!(idx.offset(text, l, col, unit), c);
        }
        assert_eq!(
            idx.position(text, text.find('d').unwrap_or(0), ColumnUnit::Char),
            (2, 0)
        );
    }

    #[test]
    fn line_breaks_lf_crlf_and_lone_cr() {
        let text = "a\nb\r\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_range(text, 0), 0..1);
        assert_eq!(index.line_range(text, 1), 2..3);
        assert_eq!(index.line_range(text, 2), 5..6);
        assert_eq!(index.line_range(text, 3), 7..8);
        assert_eq!(index.line_range(text, 4), 8..8);
        assert_eq!(index.position(text, 7, ColumnUnit::Utf16), (3, 0));
        assert_eq!(index.offset(text, 2, 1, ColumnUnit::Utf16), 6);
        // Past the end of a CRLF line: the end of its text, never between `\r` and `\n`.
        assert_eq!(index.offset(text, 1, 9, ColumnUnit::Utf8), 3);
        assert_eq!(index.position(text, 4, ColumnUnit::Utf8), (1, 1));
        assert_eq!(index.offset(text, 9, 0, ColumnUnit::Utf8), text.len());
    }

    #[test]
    fn multi_unit_characters_snap_back_to_their_start() {
        // "😀" is 4 bytes, 2 UTF-16 units; "é" is 2 bytes, 1 unit.
        let text = "é😀x";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, 0, 1, ColumnUnit::Utf16), 2);
        assert_eq!(index.offset(text, 0, 3, ColumnUnit::Utf16), 6);
        assert_eq!(index.offset(text, 0, 2, ColumnUnit::Utf16), 2);
        assert_eq!(index.offset(text, 0, 3, ColumnUnit::Utf8), 2);
        assert_eq!(index.position(text, 4, ColumnUnit::Utf8), (0, 2));
        assert_eq!(index.position(text, 6, ColumnUnit::Utf16), (0, 3));
        assert_eq!(index.position(text, 999, ColumnUnit::Char), (0, 3));
    }
}
