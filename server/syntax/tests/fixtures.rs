//! Snapshot tests over the fixture corpus in `tests/fixtures/` (repository root): for every
//! file, the model (blocks, sections, variables), the diagnostics and the formatted output are
//! rendered in a compact hand-written form and compared with insta snapshots. Also checks, for
//! every fixture, that formatting is idempotent and never changes meaning.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

fn fixtures() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "void"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(
        out.len() >= 40,
        "the fixture corpus has only {} files",
        out.len()
    );
    out
}

#[test]
fn model_snapshots() {
    for (name, text) in fixtures() {
        let doc = void_syntax::parse(&text);
        insta::assert_snapshot!(format!("model__{name}"), common::dump_model(&text, &doc));
    }
}

#[test]
fn diagnostics_snapshots() {
    for (name, text) in fixtures() {
        let doc = void_syntax::parse(&text);
        let vars = void_syntax::variables::Variables::new();
        let mut diags = doc.diagnostics.clone();
        diags.extend(void_syntax::variables::diagnose_variables(&doc, &vars));
        diags.sort_by_key(|d| (d.range.start, d.range.end));
        insta::assert_snapshot!(
            format!("diagnostics__{name}"),
            common::dump_diagnostics(&text, &diags)
        );
    }
}

#[test]
fn formatted_snapshots() {
    for (name, text) in fixtures() {
        let formatted = void_syntax::format(&text);
        let shown = if formatted == text {
            "(unchanged)\n".to_string()
        } else {
            formatted
        };
        insta::assert_snapshot!(format!("format__{name}"), shown);
    }
}

#[test]
fn formatting_is_idempotent_and_meaning_preserving() {
    for (name, text) in fixtures() {
        common::assert_format_sound(&name, &text);
    }
}

#[test]
fn valid_fixtures_have_no_errors_and_bad_ones_do() {
    for (name, text) in fixtures() {
        let doc = void_syntax::parse(&text);
        let has_problem = doc
            .diagnostics
            .iter()
            .any(|d| d.severity <= void_syntax::Severity::Warning);
        if name.starts_with("valid_") {
            assert!(!doc.has_errors(), "{name}: {:#?}", doc.diagnostics);
        }
        if name.starts_with("bad_") && name != "bad_unresolved_var" {
            assert!(has_problem, "{name} reports nothing");
        }
    }
}
