//! The real Voiden-app files in ../shared/voiden-samples: they must parse with no error, and the
//! nine app-written files must format byte-identically. Skips with a note when ../shared is absent.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

fn samples_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/voiden-samples");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} is absent; skipping the Voiden sample tests",
            dir.display()
        );
        None
    }
}

fn samples() -> Vec<(String, String)> {
    let Some(dir) = samples_dir() else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "void"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn samples_parse_without_errors() {
    for (name, text) in samples() {
        let doc = void_syntax::parse(&text);
        let errors: Vec<_> = doc
            .diagnostics
            .iter()
            .filter(|d| d.severity == void_syntax::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert!(!doc.blocks.is_empty(), "{name}: no blocks found");
        for b in &doc.blocks {
            assert!(
                b.yaml.is_some(),
                "{name}: block at {} did not parse",
                b.range.start
            );
            assert!(
                !matches!(
                    b.kind,
                    void_syntax::BlockKind::Malformed | void_syntax::BlockKind::Unknown
                ),
                "{name}: {:?}",
                b.type_name
            );
        }
    }
}

#[test]
fn app_written_samples_format_byte_identically() {
    for (name, text) in samples() {
        let formatted = void_syntax::format(&text);
        if formatted != text {
            let diff: Vec<_> = text
                .lines()
                .zip(formatted.lines())
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .take(5)
                .collect();
            panic!("{name} changed by formatting; first differing lines: {diff:#?}");
        }
    }
}

#[test]
fn every_sample_block_is_rewritable_and_already_canonical() {
    for (name, text) in samples() {
        let doc = void_syntax::parse(&text);
        for b in &doc.blocks {
            let canonical =
                void_syntax::format::canonical_block_yaml(&text, b).unwrap_or_else(|| {
                    panic!(
                        "{name}: block at {} was not considered formattable",
                        b.range.start
                    )
                });
            assert_eq!(canonical, &text[b.yaml_range.clone().unwrap()], "{name}");
        }
    }
}
