#!/usr/bin/env bash
# VS Code extension: type check, unit tests, TextMate grammar tests, the .vsix (release server
# bundled, via `cargo xtask dist`), and the end-to-end test in a real VS Code workbench
# (code-server 4.139.1 = VS Code 1.139, on Node 24) driven by Debian's Chromium.
# Installs everything under .tools/ (skipped when already there). Screenshots and logs go to
# artifacts/vscode/.
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"
source tests/lib/tools.sh
source tests/vscode-e2e/install-tools.sh

ARTIFACTS=$ROOT/artifacts/vscode
mkdir -p "$ARTIFACTS"

echo "-- installing chromium and code-server (skipped when present)"
ensure_chromium
ensure_code_server

echo "-- extension: npm ci, type check, bundle, unit tests"
(
  cd vscode-extension
  npm ci --no-audit --no-fund --loglevel=error
  npx --no-install tsc --noEmit -p .
  npm run --silent build
  node --test out-test/
)

echo "-- grammar tests (vscode-tmgrammar-test, with VS Code's own Markdown/YAML/JSON/XML grammars)"
BUILTIN=$TOOLS/code-server/lib/node_modules/code-server/lib/vscode/extensions
grammar_args=()
for g in "$BUILTIN"/markdown-basics/syntaxes/markdown.tmLanguage.json "$BUILTIN"/yaml/syntaxes/*.tmLanguage.json \
  "$BUILTIN"/json/syntaxes/JSON.tmLanguage.json "$BUILTIN"/xml/syntaxes/xml.tmLanguage.json \
  "$ROOT"/grammars/*.tmLanguage.json; do
  grammar_args+=(-g "$g")
done
(
  cd vscode-extension
  status=0
  out=$(npx --no-install vscode-tmgrammar-test -c "${grammar_args[@]}" '../grammars/tests/*.test.*' 2>&1) || status=$?
  # "grammar not found" lines name languages Markdown can embed that these tests do not load.
  grep -v '^grammar not found for' <<<"$out" || true
  exit "$status"
)

echo "-- packaging: cargo xtask dist (the release server, stripped, in the linux-x64 .vsix)"
VSIX=$(cargo xtask dist --profile release --target linux-x64 --no-universal --out "$ARTIFACTS" --skip-npm-ci | tail -n 1)
[[ -f $VSIX ]] || { echo "cargo xtask dist produced no .vsix (got: $VSIX)"; exit 1; }
echo "   $VSIX ($(du -h "$VSIX" | cut -f1))"

echo "-- end-to-end in code-server + chromium"
(
  cd tests/vscode-e2e
  npm ci --no-audit --no-fund --loglevel=error
)
E2E_WORK=$TOOLS/vscode-e2e-work
# If the test is killed before its own cleanup, stop the code-server process group it started
# (its id is in the pid file the test writes), and nothing else.
stop_code_server() {
  local pgid
  pgid=$(cat "$E2E_WORK/code-server.pgid" 2>/dev/null) || return 0
  [[ $pgid =~ ^[0-9]+$ ]] && kill -- "-$pgid" 2>/dev/null || true
}
trap stop_code_server EXIT
VOID_E2E_CODE_SERVER=$CODE_SERVER \
VOID_E2E_NODE24_BIN=$N24/bin \
VOID_E2E_VSIX=$VSIX \
VOID_E2E_CHROMIUM=$VOID_TEST_CHROMIUM \
VOID_E2E_ARTIFACTS=$ARTIFACTS \
VOID_E2E_WORK=$E2E_WORK \
  node tests/vscode-e2e/e2e.mjs
