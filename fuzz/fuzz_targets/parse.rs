//! Fuzz target for the `.void` parser and formatter: any bytes (read as lossy UTF-8) must
//! parse and format without panicking, diagnostics must stay inside the text, and formatting
//! must be idempotent. Run: `cargo +nightly fuzz run parse` from `fuzz/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let doc = void_syntax::parse(&text);
    for d in &doc.diagnostics {
        assert!(d.range.start <= d.range.end && d.range.end <= text.len());
    }
    let once = void_syntax::format(&text);
    assert_eq!(void_syntax::format(&once), once, "formatting is not idempotent");
});
