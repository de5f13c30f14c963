//! Differential test of the fast YAML reader (`yaml::fast`) against the saphyr-parser path:
//! whenever the fast reader accepts a snippet, its tree (values, styles, byte ranges) must equal
//! saphyr's. Run over every fixture, every Voiden sample (skipped when ../shared is absent), the
//! generated 1 MB document, and generated line soups that probe the subset's edges. Also checks
//! that the fast reader accepts (nearly) every block of the app-written files.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/samples.rs"]
mod samples;

use std::path::PathBuf;

use proptest::prelude::*;
use void_syntax::yaml::{self, OffsetMap};

/// `(accepted by the fast reader, total)` after checking equality on every snippet of `text`.
fn check_text(name: &str, text: &str) -> (usize, usize) {
    let doc = void_syntax::parse(text);
    let mut ranges: Vec<_> = doc
        .blocks
        .iter()
        .filter(|b| !b.in_container)
        .filter_map(|b| b.yaml_range.clone())
        .collect();
    if let Some(fm) = &doc.frontmatter {
        ranges.push(fm.yaml_range.clone());
    }
    let mut accepted = 0;
    for r in &ranges {
        let snippet = &text[r.clone()];
        if check_snippet(name, snippet, r.start) {
            accepted += 1;
        } else {
            eprintln!("{name}: the fast reader bailed on:\n{snippet}");
        }
    }
    (accepted, ranges.len())
}

/// Checks one snippet at two file offsets and as two pieces; whether the fast reader accepted.
fn check_snippet(name: &str, snippet: &str, file_start: usize) -> bool {
    let mut accepted = false;
    let split = snippet.len() / 2;
    let split = (0..=split)
        .rev()
        .find(|i| snippet.is_char_boundary(*i))
        .unwrap_or(0);
    let maps = [
        OffsetMap::contiguous(snippet, file_start),
        OffsetMap::contiguous(snippet, 0),
        OffsetMap::pieces(snippet, vec![(0, 10), (split, 10 + split + 7)]),
    ];
    for map in &maps {
        if let Some(fast) = void_syntax::yaml::fast::parse(snippet, map) {
            accepted = true;
            let slow = yaml::parse_with_saphyr(snippet, map);
            assert_eq!(
                Ok(Some(fast)),
                slow,
                "{name}: the fast reader differs from saphyr on:\n{snippet}"
            );
        }
    }
    accepted
}

fn dir_files(dir: PathBuf) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("note: {} is absent; skipping", dir.display());
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "void"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fixtures_agree() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let files = dir_files(dir);
    assert!(files.len() >= 40);
    let (mut acc, mut total) = (0, 0);
    for (name, text) in files {
        let (a, t) = check_text(&name, &text);
        acc += a;
        total += t;
    }
    eprintln!("fixtures: fast reader accepted {acc} of {total} snippets");
    assert!(acc * 2 > total, "accepted only {acc} of {total}");
}

#[test]
fn samples_agree_and_are_accepted() {
    let files = samples::sample_files();
    let (mut acc, mut total) = (0, 0);
    for (name, text) in files {
        let (a, t) = check_text(&name, &text);
        eprintln!("{name}: fast reader accepted {a} of {t} snippets");
        // The plugin's documentation examples are hand-written (flow style): only the files the
        // app wrote itself must be wholly inside the subset.
        if samples::is_app_written(&name) {
            acc += a;
            total += t;
        }
    }
    // Every block the app wrote is in the subset.
    assert_eq!(acc, total, "the fast reader bailed on app-written YAML");
}

#[test]
fn big_document_agrees_and_is_accepted() {
    let text = common::big::big_document();
    let (acc, total) = check_text("big", &text);
    assert_eq!(total, 2001);
    assert_eq!(
        acc, total,
        "the fast reader bailed on blocks of the big document"
    );
}

#[test]
fn edge_cases_agree() {
    for snippet in [
        "a: x\nb:\nc: \"q\\\"x\"\nd: 'it''s'\n",
        "a:\n  b: 1\n  c:\n    - x\n    - k: v\n      j: w\nz: 2\n",
        "body: |-\n  {\n    x\n\n  }\n\nn: 1\n",
        "a:\n  body: |-\n    x\n\n  c: 1\n",
        "a:\n  body: |\n    x\n  c: 1\n",
        "a:\n  body: |+\n    x\n\n\n  c: 1\nd: 2\n",
        "a:\n  - k: |-\n      x\n    j: 1\n",
        "body: |2-\n    x\n  y\nn: 1\n",
        "body: |-2\n    x\n  y\n",
        "long: aaa bbb\n  ccc ddd\n  eee\nn: 1\n",
        "s:\n  - aaa bbb\n    ccc\n  - b\n",
        "a:\nb: x\n",
        "a:\n  b:\nc:\n",
        "r:\n  - - k: v\n      j:\n        - x\n    - \" \"\n  - z\n",
        "a: -1\nb: x-y\nc: a:b\nd: ~\ne: null\nf: é€😀\n",
    ] {
        check_snippet("edge", snippet, 3);
    }
}

fn fragment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a:",
        "a: x",
        "bb: y z",
        "- c",
        "- k: v",
        "- k:",
        "-",
        "- - x",
        "t: |-",
        "t: |",
        "t: |+",
        "t: |2",
        "t: |-1",
        "t: >",
        "text",
        "x y",
        "more: text",
        "q: \"a\\\"b\\n\"",
        "q: \"a",
        "q: \"\\x41\"",
        "s: 'it''s'",
        "s: 'a",
        "",
        "e: a: b",
        "f: x #c",
        "# c",
        "g: -1",
        "h: [1]",
        "i: {a: 1}",
        "j: &a x",
        "k: *a",
        "l: !t x",
        "m: ---",
        "n: a:b",
        "o: é",
        "p: ~",
        "r: \"\"",
        "u: ''",
        "v: \"x\" ",
        "w: x ",
        "   ",
        "? k",
        ": v",
        "- \"q\"",
        "- 'q'",
        "- a b",
        "- |",
        "x:y",
        "---",
        "...",
        "%YAML 1.2",
        "z: 'a''",
        "\"k\": v",
        "k : v",
        "t: |9",
        "y: a,b",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2048),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Line soups: random fragments at random indentation. Mostly invalid or outside the
    /// subset; whenever the fast reader accepts one, it must agree with saphyr.
    #[test]
    fn line_soups_agree(lines in prop::collection::vec((0usize..7, fragment()), 1..12)) {
        let mut snippet = String::new();
        for (indent, frag) in &lines {
            if !frag.is_empty() {
                snippet.push_str(&" ".repeat(*indent));
            }
            snippet.push_str(frag);
            snippet.push('\n');
        }
        check_snippet("soup", &snippet, 5);
    }

    /// Line soups biased to the subset: even indentation, valid fragments only.
    #[test]
    fn subset_soups_agree(lines in prop::collection::vec((0usize..4, prop::sample::select(vec![
        "a: x", "b:", "- c", "- k: v", "- k:", "t: |-", "t: |", "t: |+", "t: |2", "text",
        "x y z", "q: \"a\\\"b\"", "s: 'it''s'", "", "g: -1", "- \"q\"", "- a b", "n: a:b",
        "r: \"\"", "m: 5s", "  more", "p: null", "- - x", "- - k: v", "body: |-", "t: |2-",
    ])), 1..16)) {
        let mut snippet = String::new();
        for (indent, frag) in &lines {
            if !frag.is_empty() {
                snippet.push_str(&" ".repeat(indent * 2));
            }
            snippet.push_str(frag);
            snippet.push('\n');
        }
        check_snippet("subset", &snippet, 0);
    }
}
