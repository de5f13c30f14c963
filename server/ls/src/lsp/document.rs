//! One open document: its text, version, line index and (lazily) its parsed model.
//!
//! An [`OpenDocument`] is immutable once shared: the store replaces it with an edited copy (or edits
//! it in place when nobody else holds it), so a handler that took an `Arc<OpenDocument>` reads one
//! consistent version for as long as it likes. This module must not know about the transport or
//! the client; it only applies edits and caches the analysis of its own text.

use std::sync::{Arc, OnceLock};

use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};
use void_syntax as syntax;
use void_syntax::Document;

use super::position::{LineIndex, LspPositions, PositionEncoding};

/// An open text document.
#[derive(Debug, Clone)]
pub struct OpenDocument {
    pub uri: Uri,
    pub language_id: String,
    pub version: i32,
    text: String,
    line_index: LineIndex,
    model: OnceLock<Arc<Document>>,
}

impl OpenDocument {
    pub fn new(uri: Uri, language_id: String, version: i32, text: String) -> Self {
        let line_index = LineIndex::new(&text);
        OpenDocument {
            uri,
            language_id,
            version,
            text,
            line_index,
            model: OnceLock::new(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// The parsed model of this exact text, computed on first use and shared afterwards.
    pub fn model(&self) -> Arc<Document> {
        self.model
            .get_or_init(|| Arc::new(syntax::parse(&self.text)))
            .clone()
    }

    /// Whether the model of this text has been computed already.
    pub fn has_model(&self) -> bool {
        self.model.get().is_some()
    }

    /// Applies one `didChange` content change: a ranged edit, or the whole text when the change
    /// has no range. Positions past the end are clamped (LSP says a too-large character means
    /// the end of the line; a too-large line here means the end of the text).
    pub fn apply_change(
        &mut self,
        change: TextDocumentContentChangeEvent,
        encoding: PositionEncoding,
    ) {
        match change.range {
            None => self.text = change.text,
            Some(range) => {
                let a = self
                    .line_index
                    .lsp_offset_clamped(&self.text, range.start, encoding);
                let b = self
                    .line_index
                    .lsp_offset_clamped(&self.text, range.end, encoding);
                let (start, end) = (a.min(b), a.max(b));
                self.text.replace_range(start..end, &change.text);
            }
        }
        self.line_index = LineIndex::new(&self.text);
        if let Some(stale) = self.model.take() {
            super::analysis::retire_model(stale);
        }
    }
}

impl Drop for OpenDocument {
    /// The model may be the last reference to a big tree: free it off the caller's thread.
    fn drop(&mut self) {
        if let Some(model) = self.model.take() {
            super::analysis::retire_model(model);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn edit(l1: u32, c1: u32, l2: u32, c2: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn ranged_and_full_changes_apply_in_order() {
        let uri: Uri = "file:///t.void".parse().unwrap();
        let mut doc = OpenDocument::new(uri, "void".into(), 1, "hello\r\nwörld\n".into());
        doc.apply_change(edit(1, 1, 1, 2, "o"), PositionEncoding::Utf16);
        assert_eq!(doc.text(), "hello\r\nworld\n");
        doc.apply_change(edit(0, 5, 1, 0, " "), PositionEncoding::Utf16);
        assert_eq!(doc.text(), "hello world\n");
        doc.apply_change(edit(9, 0, 9, 0, "!"), PositionEncoding::Utf16);
        assert_eq!(doc.text(), "hello world\n!");
        doc.apply_change(
            TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new".into(),
            },
            PositionEncoding::Utf8,
        );
        assert_eq!(doc.text(), "new");
        assert_eq!(doc.line_index().line_count(), 1);
    }

    #[test]
    fn joining_cr_and_lf_updates_the_line_index() {
        let uri: Uri = "file:///t.void".parse().unwrap();
        let mut doc = OpenDocument::new(uri, "void".into(), 1, "a\rX\nb".into());
        assert_eq!(doc.line_index().line_count(), 3);
        doc.apply_change(edit(1, 0, 1, 1, ""), PositionEncoding::Utf8);
        assert_eq!(doc.text(), "a\r\nb");
        assert_eq!(doc.line_index().line_count(), 2);
    }
}
