//! The one place where byte offsets become LSP positions and back.
//!
//! `void-syntax` speaks byte offsets into the document text; LSP speaks `(line, character)`
//! where `character` counts UTF-8 bytes or UTF-16 code units, as negotiated at `initialize`
//! (docs/lsp-extensions.md: UTF-8 when the client offers it, else UTF-16). Nothing else in the
//! server converts positions: every handler goes through [`LspPositions`], which puts the LSP
//! types on the project's one line index, `void_syntax::LineIndex` (lines end at `\n`, `\r\n`
//! or a lone `\r`, as the LSP specification says).
//!
//! Rules for positions that do not fit the text (the specification's, plus ours):
//! - a `character` past the end of its line means the end of that line;
//! - a `character` inside a multi-unit character (half a surrogate pair, the middle of a UTF-8
//!   sequence) snaps back to the start of that character;
//! - a `line` past the last line is an error for requests ([`LspPositions::lsp_offset`]) and the
//!   end of the text for edits ([`LspPositions::lsp_offset_clamped`]).

use std::ops::Range;

use tower_lsp_server::ls_types::{self as lsp, PositionEncodingKind};
pub use void_syntax::LineIndex;
use void_syntax::line_index::ColumnUnit;

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
    pub fn negotiate<'a>(mut offered: impl Iterator<Item = &'a str>) -> Self {
        let utf8 = PositionEncodingKind::UTF8;
        if offered.any(|kind| kind == utf8.as_str()) {
            Self::Utf8
        } else {
            Self::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Self::Utf8 => PositionEncodingKind::UTF8,
            Self::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    /// The line index's unit for this encoding.
    pub fn unit(self) -> ColumnUnit {
        match self {
            Self::Utf8 => ColumnUnit::Utf8,
            Self::Utf16 => ColumnUnit::Utf16,
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
            "position line {} is out of range: the document has {} (0-based lines 0..={})",
            self.line,
            void_syntax::vocab::count(self.line_count, "line", "lines"),
            self.line_count.saturating_sub(1)
        )
    }
}

/// The LSP side of [`LineIndex`]: LSP positions and ranges in the negotiated encoding.
pub trait LspPositions {
    /// The byte offset of `position`; an error when its line does not exist. A line equal to
    /// the line count is accepted as the end of the text (clients use it for "end of file").
    fn lsp_offset(
        &self,
        text: &str,
        position: lsp::Position,
        encoding: PositionEncoding,
    ) -> Result<usize, LineOutOfRange>;

    /// Like [`LspPositions::lsp_offset`], but a line past the end means the end of the text
    /// (for edits).
    fn lsp_offset_clamped(
        &self,
        text: &str,
        position: lsp::Position,
        encoding: PositionEncoding,
    ) -> usize;

    /// The LSP position of a byte offset (clamped to the text; snapped to a char boundary).
    fn lsp_position(&self, text: &str, offset: usize, encoding: PositionEncoding) -> lsp::Position;

    /// The LSP range of a byte range.
    fn lsp_range(&self, text: &str, range: Range<usize>, encoding: PositionEncoding) -> lsp::Range;

    /// The byte range of an LSP range from a request (errors on lines that do not exist; an
    /// inverted range is put in order).
    fn lsp_offset_range(
        &self,
        text: &str,
        range: lsp::Range,
        encoding: PositionEncoding,
    ) -> Result<Range<usize>, LineOutOfRange>;
}

impl LspPositions for LineIndex {
    fn lsp_offset(
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
        Ok(self.lsp_offset_clamped(text, position, encoding))
    }

    fn lsp_offset_clamped(
        &self,
        text: &str,
        position: lsp::Position,
        encoding: PositionEncoding,
    ) -> usize {
        self.offset(
            text,
            position.line as usize,
            position.character as usize,
            encoding.unit(),
        )
    }

    fn lsp_position(&self, text: &str, offset: usize, encoding: PositionEncoding) -> lsp::Position {
        let (line, character) = self.position(text, offset, encoding.unit());
        lsp::Position::new(to_u32(line), to_u32(character))
    }

    fn lsp_range(&self, text: &str, range: Range<usize>, encoding: PositionEncoding) -> lsp::Range {
        lsp::Range::new(
            self.lsp_position(text, range.start, encoding),
            self.lsp_position(text, range.end, encoding),
        )
    }

    fn lsp_offset_range(
        &self,
        text: &str,
        range: lsp::Range,
        encoding: PositionEncoding,
    ) -> Result<Range<usize>, LineOutOfRange> {
        let a = self.lsp_offset(text, range.start, encoding)?;
        let b = self.lsp_offset(text, range.end, encoding)?;
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
        assert_eq!(
            index.lsp_position(text, 7, PositionEncoding::Utf16),
            pos(3, 0)
        );
        assert_eq!(
            index
                .lsp_offset(text, pos(2, 1), PositionEncoding::Utf16)
                .unwrap(),
            6
        );
        // Past the end of a CRLF line: the end of its text, never between `\r` and `\n`.
        assert_eq!(
            index
                .lsp_offset(text, pos(1, 9), PositionEncoding::Utf8)
                .unwrap(),
            3
        );
        assert_eq!(
            index.lsp_position(text, 4, PositionEncoding::Utf8),
            pos(1, 1)
        );
    }

    #[test]
    fn trailing_newline_has_an_empty_last_line() {
        let text = "x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 2);
        assert_eq!(
            index
                .lsp_offset(text, pos(1, 0), PositionEncoding::Utf16)
                .unwrap(),
            2
        );
        assert_eq!(
            index.lsp_position(text, 2, PositionEncoding::Utf16),
            pos(1, 0)
        );
    }

    #[test]
    fn surrogate_pairs_in_utf16_and_bytes_in_utf8() {
        // "😀" is 4 bytes, 2 UTF-16 units; "é" is 2 bytes, 1 unit.
        let text = "é😀x";
        let index = LineIndex::new(text);
        assert_eq!(
            index
                .lsp_offset(text, pos(0, 1), PositionEncoding::Utf16)
                .unwrap(),
            2
        );
        assert_eq!(
            index
                .lsp_offset(text, pos(0, 3), PositionEncoding::Utf16)
                .unwrap(),
            6
        );
        // Half a surrogate pair snaps back to the start of the emoji.
        assert_eq!(
            index
                .lsp_offset(text, pos(0, 2), PositionEncoding::Utf16)
                .unwrap(),
            2
        );
        assert_eq!(
            index.lsp_position(text, 6, PositionEncoding::Utf16),
            pos(0, 3)
        );
        assert_eq!(
            index.lsp_position(text, 6, PositionEncoding::Utf8),
            pos(0, 6)
        );
        // The middle of a UTF-8 sequence snaps back too.
        assert_eq!(
            index
                .lsp_offset(text, pos(0, 3), PositionEncoding::Utf8)
                .unwrap(),
            2
        );
        assert_eq!(
            index.lsp_position(text, 4, PositionEncoding::Utf8),
            pos(0, 2)
        );
    }

    #[test]
    fn out_of_range_positions() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(
            index
                .lsp_offset(text, pos(0, 99), PositionEncoding::Utf16)
                .unwrap(),
            2
        );
        assert!(
            index
                .lsp_offset(text, pos(5, 0), PositionEncoding::Utf16)
                .is_err()
        );
        assert_eq!(
            index.lsp_offset_clamped(text, pos(5, 0), PositionEncoding::Utf16),
            text.len()
        );
        assert_eq!(
            index.lsp_position(text, 999, PositionEncoding::Utf16),
            pos(1, 2)
        );
        let err = index
            .lsp_offset(text, pos(5, 0), PositionEncoding::Utf16)
            .unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        assert_eq!(
            PositionEncoding::negotiate(std::iter::empty()),
            PositionEncoding::Utf16
        );
        assert_eq!(
            PositionEncoding::negotiate(["utf-16", "utf-8"].into_iter()),
            PositionEncoding::Utf8
        );
        assert_eq!(
            PositionEncoding::negotiate(["utf-32"].into_iter()),
            PositionEncoding::Utf16
        );
    }
}
