//! The parsed model's heap size on the ~1 MB, 2,000-block document: bytes allocated by
//! `void_syntax::parse` and still live after it (what an editor keeps per open file, besides the
//! text and its line index), and how many allocations the parse makes. Counted by an
//! instrumented global allocator (stats_alloc). Run: `cargo bench -p void-syntax --bench
//! model_memory`.

#[path = "../tests/common/big.rs"]
mod big;

use std::alloc::System;
use std::io::Write;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    let text = big::big_document();
    let region = Region::new(ALLOCATOR);
    let doc = void_syntax::parse(&text);
    let change = region.change();
    let kept = change.bytes_allocated as isize - change.bytes_deallocated as isize;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "document: {} bytes, {} blocks",
        text.len(),
        doc.blocks.len()
    );
    let _ = writeln!(
        out,
        "model heap kept after parse: {kept} bytes ({:.2} x the text)",
        kept as f64 / text.len() as f64
    );
    let _ = writeln!(
        out,
        "allocations during parse: {} (+ {} reallocations), {} bytes allocated in total",
        change.allocations, change.reallocations, change.bytes_allocated
    );
    drop(doc);
}
