//! The ordering stress test: thousands of incremental edits interleaved with pipelined requests
//! (never awaited before the next message is sent), then the server's text must equal the
//! client's, byte for byte. Runs once with UTF-16 positions and once with UTF-8, on text full
//! of surrogate pairs, CRLF and lone CR.

use serde_json::{Value, json};

use super::harness::*;

/// A tiny deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The client's own position computation (independent of the server's): lines end at `\n`,
/// `\r\n` or `\r`; columns count UTF-16 units or bytes.
fn position_of(text: &str, offset: usize, utf8: bool) -> Value {
    let before = &text[..offset];
    let mut line = 0;
    let mut line_start = 0;
    let bytes = before.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let column_text = &text[line_start..offset];
    let character = if utf8 {
        column_text.len()
    } else {
        column_text.encode_utf16().count()
    };
    json!({ "line": line, "character": character })
}

/// A random offset on a char boundary that is not between `\r` and `\n`.
fn addressable_offset(text: &str, rng: &mut Rng) -> usize {
    let mut at = rng.below(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    if at > 0 && text.as_bytes()[at - 1] == b'\r' && text.as_bytes().get(at) == Some(&b'\n') {
        at -= 1;
    }
    at
}

const INSERTS: &[&str] = &[
    "a",
    "é",
    "😀",
    "\n",
    "\r\n",
    "\r",
    "```void\n---\ntype: ws-message\n",
    "{{X}}",
    "  - ",
    "",
    "漢字",
    "---\n",
    "```\n",
];

async fn stress(capabilities: Value, utf8: bool, seed: u64) {
    let (mut client, init) = TestClient::start(capabilities, Value::Null, None).await;
    assert_eq!(
        init["capabilities"]["positionEncoding"],
        if utf8 { "utf-8" } else { "utf-16" }
    );
    let uri = "file:///stress/doc.void";
    let mut text =
        String::from("# Title 😀\r\n\r\n```void\n---\ntype: socket-request\n---\n```\nend\r");
    client.open(uri, &text).await;
    let mut rng = Rng(seed);
    let mut version = 1;
    let mut pending = Vec::new();
    const EDITS: usize = 3000;
    for step in 0..EDITS {
        version += 1;
        let mut changes = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let start = addressable_offset(&text, &mut rng);
            let mut end = start;
            if rng.below(3) == 0 {
                end = addressable_offset(&text[start..], &mut rng).min(12) + start;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                if end > 0
                    && text.as_bytes()[end - 1] == b'\r'
                    && text.as_bytes().get(end) == Some(&b'\n')
                {
                    end -= 1;
                }
                end = end.max(start);
            }
            let insert = INSERTS[rng.below(INSERTS.len())];
            let range = json!({ "start": position_of(&text, start, utf8), "end": position_of(&text, end, utf8) });
            text.replace_range(start..end, insert);
            changes.push(json!({ "range": range, "text": insert }));
        }
        client.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes })).await;
        if step % 3 == 0 {
            let at = addressable_offset(&text, &mut rng);
            let position = position_of(&text, at, utf8);
            let (method, params) = match rng.below(6) {
                0 => (
                    "textDocument/hover",
                    json!({ "textDocument": { "uri": uri }, "position": position }),
                ),
                1 => (
                    "textDocument/completion",
                    json!({ "textDocument": { "uri": uri }, "position": position }),
                ),
                2 => (
                    "textDocument/documentSymbol",
                    json!({ "textDocument": { "uri": uri } }),
                ),
                3 => (
                    "textDocument/semanticTokens/full",
                    json!({ "textDocument": { "uri": uri } }),
                ),
                4 => (
                    "textDocument/foldingRange",
                    json!({ "textDocument": { "uri": uri } }),
                ),
                _ => ("void/debugDocument", json!({ "uri": uri })),
            };
            pending.push((method, client.request_start(method, params).await));
        }
        if step % 500 == 499 {
            let (server_version, server_text) = client.server_text(uri).await;
            assert_eq!(server_version, version);
            assert_eq!(
                server_text,
                text,
                "diverged after {} edits (seed {seed})",
                step + 1
            );
        }
    }
    let answered = pending.len();
    for (method, rx) in pending {
        let response = tokio::time::timeout(TIMEOUT, rx)
            .await
            .expect("answered in time")
            .expect("response");
        if let Some(error) = response.get("error") {
            panic!("{method} failed: {error}");
        }
    }
    let (server_version, server_text) = client.server_text(uri).await;
    assert_eq!(server_version, version);
    assert_eq!(server_text, text);
    // Diagnostics arrive for the final version (stale versions may be skipped).
    client.diagnostics(uri, version).await;
    assert!(answered >= EDITS / 3);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_interleaved_edits_and_requests_utf16() {
    stress(basic_capabilities(), false, 0x9E37_79B9_7F4A_7C15).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_interleaved_edits_and_requests_utf8() {
    stress(modern_capabilities(), true, 0xD1B5_4A32_D192_ED03).await;
}
