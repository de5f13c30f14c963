#!/usr/bin/env bash
# Format compatibility with the real Voiden app, on ../shared/voiden-samples (see its
# SOURCES.txt): `void-ls check` exits 0 on every file; the files the app itself wrote
# (`voiden-sample-project__*`) come out of `void-ls fmt` byte-identical; the hand-written ones
# (the sockets plugin's documentation examples) are formatted once and are then stable. Also
# checks the CLI's exit codes on the fixture corpus: the valid fixtures pass `check`, a
# malformed one fails with 1, and unreadable inputs give 2. Missing samples fail under CI=true.
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"
source tests/lib/tools.sh

cargo build --locked -p void-ls
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/void-ls
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ensure_samples; then
  files=("$VOID_SAMPLES"/*.void)
  app=("$VOID_SAMPLES"/voiden-sample-project__*.void)
  [[ ${#app[@]} -ge 9 ]] || { echo "FAIL: expected the 9 app-written sample files, found ${#app[@]}"; exit 1; }
  echo "void-ls check on ${#files[@]} Voiden sample files"
  "$BIN" check "${files[@]}"
  echo "void-ls fmt --check on ${#app[@]} app-written sample files (byte-identical)"
  "$BIN" fmt --check "${app[@]}"
  for f in "${files[@]}"; do
    case $f in */voiden-sample-project__*) continue ;; esac
    cp "$f" "$tmp/hand.void"
    "$BIN" fmt "$tmp/hand.void"
    "$BIN" fmt --check "$tmp/hand.void" || { echo "FAIL: fmt is not stable on $f"; exit 1; }
    "$BIN" check "$tmp/hand.void" >/dev/null || { echo "FAIL: $f no longer checks after fmt"; exit 1; }
  done
fi

expect() {
  local want=$1; shift
  set +e
  "$@" >/dev/null 2>&1
  local got=$?
  set -e
  if [[ $got -ne $want ]]; then
    echo "FAIL: expected exit $want, got $got: $*"
    exit 1
  fi
}
expect 0 "$BIN" check tests/fixtures/valid_*.void
expect 1 "$BIN" check tests/fixtures/bad_yaml_indent.void
expect 2 "$BIN" check tests/fixtures/does-not-exist.void
expect 2 "$BIN" check tests/fixtures
expect 1 "$BIN" fmt --check tests/fixtures/fmt_flow_style.void
printf '\xff\xfe not utf-8' >"$tmp/binary.void"
expect 2 "$BIN" fmt --check "$tmp/binary.void"
cp tests/fixtures/fmt_flow_style.void "$tmp/flow.void"
expect 0 "$BIN" fmt "$tmp/flow.void"
expect 0 "$BIN" fmt --check "$tmp/flow.void"
expect 0 "$BIN" check "$tmp/flow.void"
echo "samples stage passed"
