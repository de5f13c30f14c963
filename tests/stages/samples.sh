#!/usr/bin/env bash
# Format compatibility with the real Voiden app: `void-ls check` and `void-ls fmt --check` must
# exit 0 on every file in ../shared/voiden-samples (the app-written files must come out of the
# formatter byte-identical). Also checks the CLI's exit codes on the fixture corpus: the valid
# fixtures pass `check`, a malformed one fails with 1, and unreadable inputs give 2.
# Skips cleanly when ../shared is absent (a clone outside the shared work tree).
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"

cargo build --locked -p void-ls
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/void-ls

SAMPLES=$ROOT/../shared/voiden-samples
if [[ -d $SAMPLES ]]; then
  shopt -s nullglob
  files=("$SAMPLES"/*.void)
  [[ ${#files[@]} -gt 0 ]] || { echo "no .void files in $SAMPLES"; exit 1; }
  echo "void-ls check on ${#files[@]} Voiden sample files"
  "$BIN" check "${files[@]}"
  echo "void-ls fmt --check on ${#files[@]} Voiden sample files"
  "$BIN" fmt --check "${files[@]}"
else
  echo "note: $SAMPLES is absent; skipping the Voiden sample checks"
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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '\xff\xfe not utf-8' >"$tmp/binary.void"
expect 2 "$BIN" fmt --check "$tmp/binary.void"
cp tests/fixtures/fmt_flow_style.void "$tmp/flow.void"
expect 0 "$BIN" fmt "$tmp/flow.void"
expect 0 "$BIN" fmt --check "$tmp/flow.void"
expect 0 "$BIN" check "$tmp/flow.void"
echo "samples stage passed"
