//! Property tests: any text (and any bytes, read lossily) parses and formats without panicking;
//! formatting is idempotent and never changes meaning, on generated documents and on random
//! edits of the fixture corpus.
#![allow(clippy::unwrap_used)]

mod common;

use proptest::prelude::*;

fn config() -> ProptestConfig {
    // `PROPTEST_CASES` raises the count for a longer local hunt.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Scalars with the characters that make YAML quoting interesting.
fn scalar() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z0-9 :#{}\\[\\],'\"&*!|>%@`?\\-\\n\\té€😀]{0,30}").unwrap()
}

/// How a generated value is written in the input.
fn written(value: &str, style: u8, indent: usize) -> String {
    match style % 4 {
        0 => serde_json::to_string(value).unwrap(),
        1 if !value.contains('\n') => format!("'{}'", value.replace('\'', "''")),
        2 if !value.is_empty()
            && !value.contains('\r')
            && value
                .split('\n')
                .all(|l| !l.starts_with([' ', '\t']) && !l.trim().is_empty()) =>
        {
            let pad = " ".repeat(indent);
            let lines: Vec<String> = value.split('\n').map(|l| format!("{pad}{l}")).collect();
            format!("|-\n{}", lines.join("\n"))
        }
        _ => serde_json::to_string(value).unwrap(),
    }
}

fn generated_doc() -> impl Strategy<Value = String> {
    let block = (
        prop_oneof![
            Just("ws-message"),
            Just("headers-table"),
            Just("socket-request"),
            Just("mystery")
        ],
        proptest::collection::vec((scalar(), any::<u8>()), 1..5),
        any::<bool>(),
        any::<bool>(),
    );
    (proptest::collection::vec(block, 0..4), any::<bool>(), "[a-z #\\n]{0,20}").prop_map(|(blocks, crlf, prose)| {
        let mut out = String::from("# Doc\n\n");
        for (i, (ty, values, flow, disabled)) in blocks.into_iter().enumerate() {
            out.push_str("```void\n---\n");
            out.push_str(&format!("type: {ty}\n"));
            if ty == "headers-table" {
                let cells: Vec<String> = values.iter().map(|(v, _)| serde_json::to_string(v).unwrap()).collect();
                if flow {
                    out.push_str(&format!(
                        "attrs: {{uid: 0000000{i}-0000-4000-8000-000000000000}}\ncontent: [{{type: table, rows: [{{attrs: {{disabled: {disabled}}}, row: [{}]}}]}}]\n",
                        cells.join(", ")
                    ));
                } else {
                    out.push_str("content:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n");
                    for (v, style) in &values {
                        out.push_str(&format!("          - {}\n", written(v, *style, 12)));
                    }
                }
            } else if flow {
                let pairs: Vec<String> =
                    values.iter().enumerate().map(|(k, (v, _))| format!("k{k}: {}", serde_json::to_string(v).unwrap())).collect();
                out.push_str(&format!("attrs: {{ {} }}\n", pairs.join(", ")));
            } else {
                out.push_str("attrs:\n");
                for (k, (v, style)) in values.iter().enumerate() {
                    out.push_str(&format!("  k{k}: {}\n", written(v, *style, 4)));
                }
            }
            out.push_str("---\n```\n");
            out.push_str(&prose);
            out.push('\n');
        }
        if crlf { out.replace('\n', "\r\n") } else { out }
    })
}

fn fixture_texts() -> Vec<String> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_never_panics(text in "\\PC{0,400}") {
        let doc = void_syntax::parse(&text);
        for d in &doc.diagnostics {
            prop_assert!(d.range.start <= d.range.end && d.range.end <= text.len());
        }
        let _ = void_syntax::format(&text);
    }

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = void_syntax::parse(&text);
        let _ = void_syntax::format(&text);
    }

    #[test]
    fn block_like_text_never_panics(body in "[-a-z:{}\\[\\],'\"|>#&*!%@` \\n\\t]{0,200}") {
        let text = format!("```void\n---\n{body}\n---\n```\n");
        let doc = void_syntax::parse(&text);
        prop_assert_eq!(doc.blocks.len(), 1);
        common::assert_format_sound("block_like", &text);
    }

    #[test]
    fn generated_documents_format_soundly(text in generated_doc()) {
        common::assert_format_sound("generated", &text);
    }

    #[test]
    fn edited_fixtures_format_soundly(index in 0usize..1000, at in 0usize..100_000, insert in "[-: \\n\"'{}#`a]{0,3}", delete in 0usize..4) {
        let texts = fixture_texts();
        let text = &texts[index % texts.len()];
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) { at -= 1; }
        let mut end = (at + delete).min(text.len());
        while !text.is_char_boundary(end) { end += 1; }
        let edited = format!("{}{}{}", &text[..at], insert, &text[end..]);
        common::assert_format_sound("edited fixture", &edited);
    }
}

#[test]
fn core_schema_spellings_keep_their_meaning() {
    let text = "```void\n---\ntype: messages-node\nattrs:\n  a: True\n  b: NULL\n  c: ~\n  d:\n  e: FALSE\n  f: 0x1F\n---\n```\n";
    let formatted = void_syntax::format(text);
    assert!(
        formatted.contains("  a: true\n  b: null\n  c: null\n  d: null\n  e: false\n  f: 31\n"),
        "{formatted}"
    );
    common::assert_format_sound("core schema", text);
}
