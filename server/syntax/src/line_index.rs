//! Byte offset <-> line/column conversion for a text, in the three units editors use:
//! UTF-8 bytes, UTF-16 code units (LSP default), and characters (CLI output).
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as LSP says. This module only converts
//! positions; it must not know about documents or LSP types.

/// The unit a column is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Char,
}

/// Start offsets of every line of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    line_starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            line_starts,
            len: text.len(),
        }
    }

    /// Number of lines (a text with no line break has one).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where `line` (0-based) starts, or `None` past the end.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).copied()
    }

    /// 0-based `(line, column)` of a byte offset (clamped to the text and to char boundaries).
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> (usize, usize) {
        let mut offset = offset.min(self.len).min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.line_starts[line].min(offset);
        let slice = &text[start..offset];
        let col = match unit {
            ColumnUnit::Utf8 => slice.len(),
            ColumnUnit::Utf16 => slice.chars().map(char::len_utf16).sum(),
            ColumnUnit::Char => slice.chars().count(),
        };
        (line, col)
    }

    /// Byte offset of a 0-based `(line, column)`; columns past the line end clamp to it.
    pub fn offset(&self, text: &str, line: usize, column: usize, unit: ColumnUnit) -> usize {
        let Some(&start) = self.line_starts.get(line) else {
            return text.len();
        };
        let end = self
            .line_starts
            .get(line + 1)
            .copied()
            .unwrap_or(text.len());
        let line_text = text.get(start..end).unwrap_or("");
        let content = line_text.trim_end_matches(['\n', '\r']);
        let mut counted = 0;
        for (i, ch) in content.char_indices() {
            if counted >= column {
                return start + i;
            }
            counted += match unit {
                ColumnUnit::Utf8 => ch.len_utf8(),
                ColumnUnit::Utf16 => ch.len_utf16(),
                ColumnUnit::Char => 1,
            };
            if counted > column {
                // Inside a character: snap to its start.
                return start + i;
            }
        }
        start + content.len()
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
}
