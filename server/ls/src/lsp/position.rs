//! The one place where byte offsets become LSP positions and back.
//!
//! `void-syntax` speaks byte offsets into the document text; LSP speaks `(line, character)` where
//! `character` counts UTF-8 bytes or UTF-16 code units, as negotiated at `initialize`
//! (docs/lsp-extensions.md: UTF-8 when the client offers it, else UTF-16). Lines end at `\n`,
//! `\r\n` or a lone `\r`, as the LSP specification says. Nothing else in the server converts
//! positions: every handler goes through [`LineIndex`].
//!
//! Rules for positions that do not fit the text (the specification's, plus ours):
//! - a `character` past the end of its line means the end of that line;
//! - a `character` inside a multi-unit character (half a surrogate pair, the middle of a UTF-8
//!   sequence) snaps back to the start of that character;
//! - a `line` past the last line is an error for requests ([`LineIndex::offset`]) and the end
//!   of the text for edits ([`LineIndex::offset_clamped`]).

use std::ops::Range;

use tower_lsp_server::ls_types::{self as lsp, PositionEncodingKind};

/// How `Position::character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    /// UTF-8 code units (bytes).
    Utf8,
    /// UTF-16 code units: the LSP default.
    #[default]
    Utf16,
}

impl PositionEncoding {
    /// Picks UTF-8 when the client lists it among `general.positionEncodings`, else UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        let utf8 = offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8));
        if utf8 { Self::Utf8 } else { Self::Utf16 }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Self::Utf8 => PositionEncodingKind::UTF8,
            Self::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    /// The width of `text` in this encoding's units.
    pub fn len(self, text: &str) -> usize {
        match self {
            Self::Utf8 => text.len(),
            Self::Utf16 => text.chars().map(char::len_utf16).sum(),
        }
    }
}

/// A position that names a line the document does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineOutOfRange {
    pub line: u32,
    pub line_count: usize,
}

impl std::fmt::Display for LineOutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "position line {} is out of range: the document has {} line(s) (0-based lines 0..={})",
            self.line,
            self.line_count,
            self.line_count.saturating_sub(1)
        )
    }
}

/// Start offsets of every line of one text. Rebuilt after each edit (a `memchr` scan: well under
/// a millisecond for a megabyte).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

    /// Byte range of line `line` without its line break.
    pub fn line_range(&self, text: &str, line: usize) -> Range<usize> {
        let Some(&start) = self.line_starts.get(line) else {
            return text.len()..text.len();
        };
        let mut end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(text.len());
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    /// The byte offset of `position`; an error when its line does not exist. A line equal to
    /// the line count is accepted as the end of the text (clients use it for "end of file").
    pub fn offset(
        &self,
        text: &str,
        position: lsp::Position,
        encoding: PositionEncoding,
    ) -> Result<usize, LineOutOfRange> {
        let line = position.line as usize;
        if line == self.line_count() && position.character == 0 {
            return Ok(text.len());
        }
        if line >= self.line_count() {
            return Err(LineOutOfRange {
                line: position.line,
                line_count: self.line_count(),
            });
        }
        Ok(self.column_offset(text, line, position.character, encoding))
    }

    /// Like [`Self::offset`], but a line past the end means the end of the text (for edits).
    pub fn offset_clamped(
        &self,
        text: &str,
        position: lsp::Position,
        encoding: PositionEncoding,
    ) -> usize {
        let line = position.line as usize;
        if line >= self.line_count() {
            return text.len();
        }
        self.column_offset(text, line, position.character, encoding)
    }

    fn column_offset(
        &self,
        text: &str,
        line: usize,
        character: u32,
        encoding: PositionEncoding,
    ) -> usize {
        let range = self.line_range(text, line);
        let line_text = &text[range.clone()];
        let wanted = character as usize;
        match encoding {
            PositionEncoding::Utf8 => {
                let mut at = wanted.min(line_text.len());
                while !line_text.is_char_boundary(at) {
                    at -= 1;
                }
                range.start + at
            }
            PositionEncoding::Utf16 => {
                let mut units = 0;
                for (byte, ch) in line_text.char_indices() {
                    let next = units + ch.len_utf16();
                    if next > wanted {
                        return range.start + byte;
                    }
                    units = next;
                }
                range.end
            }
        }
    }

    /// The LSP position of a byte offset (clamped to the text; snapped to a char boundary).
    pub fn position(&self, text: &str, offset: usize, encoding: PositionEncoding) -> lsp::Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let line_range = self.line_range(text, line);
        // An offset between `\r` and `\n` (or inside the break) sits at the end of the line.
        let column_end = offset.min(line_range.end).max(line_range.start);
        let character = encoding.len(&text[line_range.start..column_end]);
        lsp::Position::new(to_u32(line), to_u32(character))
    }

    /// The LSP range of a byte range.
    pub fn range(&self, text: &str, range: Range<usize>, encoding: PositionEncoding) -> lsp::Range {
        lsp::Range::new(
            self.position(text, range.start, encoding),
            self.position(text, range.end, encoding),
        )
    }

    /// The byte range of an LSP range from a request (errors on lines that do not exist; an
    /// inverted range is put in order).
    pub fn offset_range(
        &self,
        text: &str,
        range: lsp::Range,
        encoding: PositionEncoding,
    ) -> Result<Range<usize>, LineOutOfRange> {
        let a = self.offset(text, range.start, encoding)?;
        let b = self.offset(text, range.end, encoding)?;
        Ok(a.min(b)..a.max(b))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use lsp::Position;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
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
        assert_eq!(index.position(text, 7, PositionEncoding::Utf16), pos(3, 0));
        assert_eq!(
            index
                .offset(text, pos(2, 1), PositionEncoding::Utf16)
                .unwrap(),
            6
        );
        // Past the end of a CRLF line: the end of its text, never between `\r` and `\n`.
        assert_eq!(
            index
                .offset(text, pos(1, 9), PositionEncoding::Utf8)
                .unwrap(),
            3
        );
        assert_eq!(index.position(text, 4, PositionEncoding::Utf8), pos(1, 1));
    }

    #[test]
    fn trailing_newline_has_an_empty_last_line() {
        let text = "x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 2);
        assert_eq!(
            index
                .offset(text, pos(1, 0), PositionEncoding::Utf16)
                .unwrap(),
            2
        );
        assert_eq!(index.position(text, 2, PositionEncoding::Utf16), pos(1, 0));
    }

    #[test]
    fn surrogate_pairs_in_utf16_and_bytes_in_utf8() {
        // "😀" is 4 bytes, 2 UTF-16 units; "é" is 2 bytes, 1 unit.
        let text = "é😀x";
        let index = LineIndex::new(text);
        assert_eq!(
            index
                .offset(text, pos(0, 1), PositionEncoding::Utf16)
                .unwrap(),
            2
        );
        assert_eq!(
            index
                .offset(text, pos(0, 3), PositionEncoding::Utf16)
                .unwrap(),
            6
        );
        // Half a surrogate pair snaps back to the start of the emoji.
        assert_eq!(
            index
                .offset(text, pos(0, 2), PositionEncoding::Utf16)
                .unwrap(),
            2
        );
        assert_eq!(index.position(text, 6, PositionEncoding::Utf16), pos(0, 3));
        assert_eq!(index.position(text, 6, PositionEncoding::Utf8), pos(0, 6));
        // The middle of a UTF-8 sequence snaps back too.
        assert_eq!(
            index
                .offset(text, pos(0, 3), PositionEncoding::Utf8)
                .unwrap(),
            2
        );
        assert_eq!(index.position(text, 4, PositionEncoding::Utf8), pos(0, 2));
    }

    #[test]
    fn out_of_range_positions() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(
            index
                .offset(text, pos(0, 99), PositionEncoding::Utf16)
                .unwrap(),
            2
        );
        assert!(
            index
                .offset(text, pos(5, 0), PositionEncoding::Utf16)
                .is_err()
        );
        assert_eq!(
            index.offset_clamped(text, pos(5, 0), PositionEncoding::Utf16),
            text.len()
        );
        assert_eq!(
            index.position(text, 999, PositionEncoding::Utf16),
            pos(1, 2)
        );
        let err = index
            .offset(text, pos(5, 0), PositionEncoding::Utf16)
            .unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        assert_eq!(PositionEncoding::negotiate(None), PositionEncoding::Utf16);
        let offered = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(
            PositionEncoding::negotiate(Some(&offered)),
            PositionEncoding::Utf8
        );
        assert_eq!(
            PositionEncoding::negotiate(Some(&[PositionEncodingKind::UTF32])),
            PositionEncoding::Utf16
        );
    }
}
