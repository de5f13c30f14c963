//! The ~1 MB, 2,000-block document: it parses completely (every block, every section), with no
//! error, and formats idempotently without changing its meaning.
#![allow(clippy::unwrap_used)]

mod common;

#[test]
fn one_megabyte_document_parses_and_formats() {
    let text = common::big::big_document();
    assert!(text.len() >= 1_000_000, "only {} bytes", text.len());
    let doc = void_syntax::parse(&text);
    assert_eq!(doc.blocks.len(), 2000);
    assert_eq!(doc.sections.len(), common::big::SECTIONS);
    assert!(
        !doc.has_errors(),
        "{:?}",
        doc.diagnostics
            .iter()
            .find(|d| d.severity == void_syntax::Severity::Error)
    );
    assert!(doc.sections.iter().all(|s| s.is_websocket(&doc)));
    assert_eq!(
        void_syntax::format(&text),
        text,
        "the generated document is already canonical"
    );
    common::assert_format_sound("big", &text);
}
