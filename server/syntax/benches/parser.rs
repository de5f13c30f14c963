//! Parser throughput on the ~1 MB, 2,000-block document, as a ratio to pulldown-cmark parsing
//! the same text alone (Markdown events with offsets, nothing else), measured in one run with
//! the two interleaved so machine noise hits both. Run: `cargo bench -p void-syntax --bench
//! parser`. Prints medians, MB/s and the ratio; exits 1 when the ratio is below the target
//! 0.5 given with `--enforce`.
//!
//! It also times two stages on their own: the spanned YAML trees of every block, and dropping
//! a parsed document. The model's heap size is measured by the `model_memory` bench (its
//! counting allocator would slow the allocations timed here).

#[path = "../tests/common/big.rs"]
mod big;

use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn pulldown_only(text: &str) -> usize {
    pulldown_cmark::Parser::new_ext(text, pulldown_cmark::Options::empty())
        .into_offset_iter()
        .map(|(_, r)| r.end)
        .fold(0, usize::wrapping_add)
}

/// Our spanned YAML trees of every block (fast reader, saphyr fallback), built and dropped.
fn yaml_trees_only(text: &str, ranges: &[std::ops::Range<usize>]) -> usize {
    let mut n = 0;
    for r in ranges {
        let snippet = &text[r.clone()];
        let map = void_syntax::yaml::OffsetMap::contiguous(snippet, r.start);
        if let Ok(Some(tree)) = void_syntax::yaml::parse(snippet, &map) {
            n += tree.root().range().end;
        }
    }
    n
}

/// saphyr-parser's events over every block's YAML, nothing built: the YAML floor.
fn yaml_events_only(text: &str, ranges: &[std::ops::Range<usize>]) -> usize {
    let mut n = 0;
    for r in ranges {
        let mut p = saphyr_parser::Parser::new_from_str(&text[r.clone()]);
        while let Some(Ok(_)) = p.next_event() {
            n += 1;
        }
    }
    n
}

fn main() {
    let enforce = std::env::args().any(|a| a == "--enforce");
    let text = big::big_document();
    let doc = void_syntax::parse(&text);
    assert_eq!(doc.blocks.len(), 2000);
    let rounds = 30;
    let mut markdown = Vec::with_capacity(rounds);
    let mut ours = Vec::with_capacity(rounds);
    let mut yaml = Vec::with_capacity(rounds);
    let mut trees = Vec::with_capacity(rounds);
    let mut drops = Vec::with_capacity(rounds);
    let ranges: Vec<_> = doc
        .blocks
        .iter()
        .filter_map(|b| b.yaml_range.clone())
        .collect();
    for _ in 0..3 {
        black_box(pulldown_only(black_box(&text)));
        black_box(void_syntax::parse(black_box(&text)));
    }
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(pulldown_only(black_box(&text)));
        markdown.push(t.elapsed());
        let t = Instant::now();
        black_box(void_syntax::parse(black_box(&text)));
        ours.push(t.elapsed());
        let t = Instant::now();
        black_box(yaml_events_only(black_box(&text), &ranges));
        yaml.push(t.elapsed());
        let t = Instant::now();
        black_box(yaml_trees_only(black_box(&text), &ranges));
        trees.push(t.elapsed());
        let parsed = void_syntax::parse(black_box(&text));
        let t = Instant::now();
        drop(black_box(parsed));
        drops.push(t.elapsed());
    }
    let (m, o, y) = (median(markdown), median(ours), median(yaml));
    let (tr, dr) = (median(trees), median(drops));
    let mb = text.len() as f64 / 1e6;
    let ratio = m.as_secs_f64() / o.as_secs_f64();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "document: {} bytes, {} blocks, {} sections",
        text.len(),
        doc.blocks.len(),
        doc.sections.len()
    );
    let _ = writeln!(
        out,
        "pulldown-cmark alone: median {:.2} ms ({:.0} MB/s)",
        m.as_secs_f64() * 1e3,
        mb / m.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "saphyr-parser events over the blocks' YAML alone: median {:.2} ms ({:.0} MB/s)",
        y.as_secs_f64() * 1e3,
        mb / y.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  stage: spanned YAML trees of every block: median {:.2} ms",
        tr.as_secs_f64() * 1e3
    );
    let _ = writeln!(
        out,
        "  stage: dropping a parsed document: median {:.2} ms",
        dr.as_secs_f64() * 1e3
    );
    let _ = writeln!(
        out,
        "void_syntax::parse:   median {:.2} ms ({:.0} MB/s)",
        o.as_secs_f64() * 1e3,
        mb / o.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "throughput ratio (parse / pulldown-cmark): {ratio:.2} (target >= 0.5)"
    );
    if enforce && ratio < 0.5 {
        std::process::exit(1);
    }
}
