#!/usr/bin/env bash
# Language server from the outside: builds the release binary and drives it over stdio with
# pytest-lsp (a real external LSP client on pygls), with VS Code's and Neovim's capabilities.
set -euo pipefail
cd "$ROOT"
source tests/lib/tools.sh
ensure_python
if ! "$VOID_TEST_PYTHON" -c 'import pytest_lsp' 2>/dev/null; then
  "$TOOLS/venv/bin/pip" install -q 'pytest-lsp>=1,<2'
fi
cargo build --release --locked -p void-ls
export VOID_LS_BIN=$ROOT/target/release/void-ls
if [[ -n ${CARGO_TARGET_DIR:-} ]]; then VOID_LS_BIN=$CARGO_TARGET_DIR/release/void-ls; fi
cd tests/lsp-external
"$VOID_TEST_PYTHON" -m pytest -q -p no:cacheprovider --junitxml="$ROOT/artifacts/lsp-external.xml" test_void_ls.py
