#!/usr/bin/env bash
# The whole test suite, as the README gives it. Installs what the tests need (apt, PyPI, npm,
# crates) into the repository's ignored `.tools/` folder, so it runs on a fresh machine.
#
# Each stage is a script under tests/; a stage that fails stops the run with its name.
# Set VOID_SKIP_STAGES="vscode nvim" to skip stages while iterating locally (CI never does).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export ROOT
mkdir -p artifacts

skip() { [[ " ${VOID_SKIP_STAGES:-} " == *" $1 "* ]]; }

stage() {
  local name=$1; shift
  if skip "$name"; then echo "== stage $name: skipped (VOID_SKIP_STAGES)"; return; fi
  echo "== stage $name"
  local start=$SECONDS
  if ! "$@"; then
    echo "== stage $name FAILED after $((SECONDS - start)) s"
    exit 1
  fi
  echo "== stage $name passed in $((SECONDS - start)) s"
}

stage rust      bash tests/stages/rust.sh
for s in tests/stages/*.sh; do
  name=$(basename "$s" .sh)
  [[ $name == rust ]] && continue
  stage "$name" bash "$s"
done
echo "== all stages passed"
