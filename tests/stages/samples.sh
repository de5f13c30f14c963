#!/usr/bin/env bash
# Compatibility with the real Voiden app, on ../shared/voiden-samples (see its SOURCES.txt):
# - the files the app itself wrote (`voiden-sample-project__*`) come out of `void-ls fmt`
#   byte-identical, in place;
# - laid out as in the app's sample project (blocks/, imports/, env-public.yaml, ...) in a
#   scratch folder, they check with no error and no unresolved variable (the project's
#   environment resolves every one), their links lead to the blocks they name; the one link
#   to start.void, a file the samples do not include, is the only error, in its own words;
# - the hand-written ones (the sockets plugin's documentation examples) check clean, are
#   formatted once and are then stable.
# Also checks the CLI's exit codes on the fixture corpus: the valid fixtures pass `check`, a
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
  app=("$VOID_SAMPLES"/voiden-sample-project__*.void)
  [[ ${#app[@]} -ge 9 ]] || { echo "FAIL: expected the 9 app-written sample files, found ${#app[@]}"; exit 1; }
  echo "void-ls fmt --check on ${#app[@]} app-written sample files (byte-identical)"
  "$BIN" fmt --check "${app[@]}"

  # The sample project as the app lays it out: voiden-sample-project__blocks_json.void is
  # blocks/json.void, and so on.
  project=$tmp/sample-project
  mkdir -p "$project/.voiden"
  for f in "${app[@]}"; do
    name=${f##*/voiden-sample-project__}
    case $name in
      blocks_* | imports_*) rel=${name/_//} ;;
      *) rel=$name ;;
    esac
    mkdir -p "$(dirname "$project/$rel")"
    cp "$f" "$project/$rel"
  done
  for f in "$VOID_SAMPLES"/env/voiden-sample-project__*; do
    cp "$f" "$project/${f##*/voiden-sample-project__}"
  done
  mapfile -t laid_out < <(cd "$project" && find . -name '*.void' ! -name 'initiate-protocol..void' | sort)
  echo "void-ls check on ${#laid_out[@]} files of the sample project"
  (cd "$project" && "$BIN" check "${laid_out[@]}") >"$tmp/check.txt" || { cat "$tmp/check.txt"; echo "FAIL: the sample project does not check"; exit 1; }
  if grep -q 'unresolved-variable' "$tmp/check.txt"; then
    cat "$tmp/check.txt"
    echo "FAIL: the sample project's environment does not resolve every variable"
    exit 1
  fi
  set +e
  (cd "$project" && "$BIN" check imports/initiate-protocol..void) >"$tmp/initiate.txt"
  status=$?
  set -e
  if [[ $status -ne 1 ]] || [[ $(grep -c ': error: ' "$tmp/initiate.txt") -ne 1 ]] ||
    ! grep -q 'error: the linked file .*/start.void does not exist \[link-unresolved\]' "$tmp/initiate.txt"; then
    cat "$tmp/initiate.txt"
    echo "FAIL: initiate-protocol..void should have exactly one error, its link to start.void (not in the samples)"
    exit 1
  fi

  for f in "$VOID_SAMPLES"/*.void; do
    case $f in */voiden-sample-project__*) continue ;; esac
    "$BIN" check "$f" >/dev/null || { "$BIN" check "$f"; echo "FAIL: $f does not check"; exit 1; }
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
