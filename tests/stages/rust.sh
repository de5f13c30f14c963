#!/usr/bin/env bash
# Rust: formatting, lints, the shape check, and every crate's unit and integration tests (nextest when present).
set -euo pipefail
cd "$ROOT"
source tests/lib/tools.sh
ensure_peers
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The code's shape: no function over 120 lines in server/*/src, no import loop in the session
# crate (xtask/src/shape.rs).
cargo run -q --locked -p xtask -- shape
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
