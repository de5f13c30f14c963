//! [`OffsetMap`]: from a character index inside a YAML snippet (what saphyr-parser reports) to
//! a byte offset in the file the snippet was cut from.

/// Turns character indexes inside a YAML snippet into byte offsets in the file.
///
/// The snippet is made of one or more pieces of the file (several when the block sits inside a
/// list or quote, whose line prefixes are not part of the YAML).
#[derive(Debug, Clone)]
pub struct OffsetMap {
    /// `(snippet byte offset, file byte offset)` of each piece, in order; empty for a
    /// contiguous snippet (the common case, which then needs no allocation).
    pieces: Vec<(usize, usize)>,
    /// File offset of a contiguous snippet's start (unused when there are pieces).
    contiguous_start: usize,
    /// Byte offset in the snippet of each character, when the snippet is not ASCII.
    char_to_byte: Option<Vec<u32>>,
    snippet_len: usize,
}

impl OffsetMap {
    /// A map for a snippet that is the contiguous file text starting at `file_start`.
    pub fn contiguous(snippet: &str, file_start: usize) -> Self {
        Self::build(snippet, Vec::new(), file_start)
    }

    /// A map for a snippet glued from file pieces: `(snippet offset, file offset)` pairs.
    pub fn pieces(snippet: &str, pieces: Vec<(usize, usize)>) -> Self {
        Self::build(snippet, pieces, 0)
    }

    fn build(snippet: &str, pieces: Vec<(usize, usize)>, contiguous_start: usize) -> Self {
        let char_to_byte = if snippet.is_ascii() {
            None
        } else {
            let mut v: Vec<u32> = snippet.char_indices().map(|(i, _)| i as u32).collect();
            v.push(snippet.len() as u32);
            Some(v)
        };
        OffsetMap {
            pieces,
            contiguous_start,
            char_to_byte,
            snippet_len: snippet.len(),
        }
    }

    /// The snippet byte offset of a character index (clamped to the snippet).
    pub fn snippet_byte(&self, char_index: usize) -> usize {
        match &self.char_to_byte {
            None => char_index.min(self.snippet_len),
            Some(v) => v.get(char_index).map_or(self.snippet_len, |b| *b as usize),
        }
    }

    /// The file byte offset of a snippet byte offset.
    pub fn file_offset_of_byte(&self, snippet_byte: usize) -> usize {
        if self.pieces.is_empty() {
            return self.contiguous_start + snippet_byte;
        }
        let i = self
            .pieces
            .partition_point(|(s, _)| *s <= snippet_byte)
            .saturating_sub(1);
        match self.pieces.get(i) {
            Some((s, f)) => f + (snippet_byte - s),
            None => snippet_byte,
        }
    }

    /// The file byte offset of a snippet character index.
    pub fn file_offset(&self, char_index: usize) -> usize {
        self.file_offset_of_byte(self.snippet_byte(char_index))
    }
}
