//! The files in `examples/` are what users learn the format from: they must be written in the
//! Voiden app's canonical style (the formatter leaves them byte-identical), carry no
//! diagnostics at all, use fresh unique UUID v4 uids, and each hold at least one request
//! section (WebSocket, HTTP or GraphQL) and an assertions block for each. (That they pass against the embedded server is checked in
//! `cli_run.rs`.)

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::path::PathBuf;

fn examples() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "void"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 6,
        "expected the six examples, found {files:?}"
    );
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

#[test]
fn examples_are_in_canonical_style() {
    for (path, text) in examples() {
        let formatted = void_syntax::format(&text);
        assert!(
            formatted == text,
            "{} would change under `void-ls fmt`",
            path.display()
        );
    }
}

#[test]
fn examples_have_no_diagnostics() {
    for (path, text) in examples() {
        let doc = void_syntax::parse(&text);
        assert!(
            doc.diagnostics.is_empty(),
            "{}: {:#?}",
            path.display(),
            doc.diagnostics
        );
    }
}

#[test]
fn examples_use_unique_uuid_v4_uids() {
    let mut seen = HashSet::new();
    for (path, text) in examples() {
        for line in text.lines() {
            let Some(uid) = line.trim().strip_prefix("uid: ") else {
                continue;
            };
            let parsed = uuid::Uuid::parse_str(uid)
                .unwrap_or_else(|e| panic!("{}: `{uid}` is not a UUID: {e}", path.display()));
            assert_eq!(
                parsed.get_version_num(),
                4,
                "{}: {uid} is not v4",
                path.display()
            );
            assert!(
                seen.insert(uid.to_string()),
                "{}: uid {uid} used twice",
                path.display()
            );
        }
    }
}

#[test]
fn every_example_has_sections_with_assertions() {
    use void_syntax::model::BlockKind;
    for (path, text) in examples() {
        let doc = void_syntax::parse(&text);
        let requests = doc
            .blocks
            .iter()
            .filter(|b| {
                matches!(
                    b.kind,
                    BlockKind::SocketRequest(_)
                        | BlockKind::HttpRequest(_)
                        | BlockKind::GqlQuery(_)
                )
            })
            .count();
        let assertions = doc
            .blocks
            .iter()
            .filter(|b| {
                matches!(
                    b.kind,
                    BlockKind::WsAssertions(_) | BlockKind::AssertionsTable(_)
                )
            })
            .count();
        assert!(
            requests >= 1 && assertions >= requests,
            "{}",
            path.display()
        );
    }
}
