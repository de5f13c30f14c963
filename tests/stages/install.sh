#!/usr/bin/env bash
# The README's "Install" section, followed literally on a fresh account: every ```sh block of
# that section runs as written, in order, from the repository root, with HOME set to an empty
# folder (so ~/.cargo/bin, ~/.config/nvim and ~/.local/share/nvim start empty). Then each
# install opens examples/echo.void:
# - CLI: `void-ls` on PATH is the one in ~/.cargo/bin, `--version` names this commit, and
#   `void-ls run examples/echo.void --echo-server` passes;
# - Neovim 0.11: tests/install/nvim_check.lua (filetype, void_ls attached through
#   `vim.lsp.enable`, document symbols, `:checkhealth void` clean);
# - VS Code: the `.vsix` the README installs, in code-server with default settings, opens
#   echo.void and shows the server's code lenses, running the void-ls from PATH
#   (tests/install/vscode_open.mjs).
# Only what a user already has is shared with the machine: the Rust toolchain (CARGO_HOME,
# RUSTUP_HOME), npm's download cache, and, to reuse the release build of the other stages,
# CARGO_TARGET_DIR. Artifacts (the script that ran, logs, a screenshot) go to artifacts/install/.
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"
source tests/lib/tools.sh
source tests/vscode-e2e/install-tools.sh
ensure_neovim
ensure_chromium
ensure_code_server
(cd tests/vscode-e2e && npm ci --no-audit --no-fund --loglevel=error)

ART=$ROOT/artifacts/install
SANDBOX=$TOOLS/fresh-install
rm -rf "$ART" "$SANDBOX"
mkdir -p "$ART" "$SANDBOX/home" "$SANDBOX/bin"

REAL_HOME=$HOME
export CARGO_HOME=${CARGO_HOME:-$REAL_HOME/.cargo}
export RUSTUP_HOME=${RUSTUP_HOME:-$REAL_HOME/.rustup}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export npm_config_cache=${npm_config_cache:-$REAL_HOME/.npm}
export HOME=$SANDBOX/home
# `cargo install` puts binaries in $CARGO_HOME/bin; on the fresh account that is ~/.cargo/bin.
export CARGO_INSTALL_ROOT=$HOME/.cargo
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME VOID_LS_PATH VSCODE_IPC_HOOK_CLI
# What rustup's installer leaves in a user's shell profiles: ~/.cargo/bin on PATH in login
# shells too (VS Code's server takes the extension host's environment from a login shell).
printf 'export PATH="$HOME/.cargo/bin:$PATH"\n' | tee "$HOME/.profile" >"$HOME/.bashrc"

# The editors the user has: `nvim` (0.11) and `code` (here code-server, with its data in the
# sandbox). The Rust toolchain's bin folder stays on PATH, after ~/.cargo/bin.
ln -s "$NVIM" "$SANDBOX/bin/nvim"
CODE_DATA=$SANDBOX/code-data
CODE_EXTENSIONS=$SANDBOX/code-extensions
mkdir -p "$CODE_DATA/User" "$CODE_EXTENSIONS"
cat >"$SANDBOX/bin/code" <<EOF
#!/usr/bin/env bash
PATH=$N24/bin:\$PATH exec "$CODE_SERVER" --user-data-dir "$CODE_DATA" --extensions-dir "$CODE_EXTENSIONS" "\$@"
EOF
chmod +x "$SANDBOX/bin/code"
export PATH=$HOME/.cargo/bin:$SANDBOX/bin:$PATH

echo "-- the README's install section, as written"
python3 - README.md >"$ART/readme-install.sh" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = re.search(r"^## Install\n(.*?)(?=^## )", text, re.S | re.M)
if not section:
    sys.exit("README.md has no '## Install' section")
blocks = re.findall(r"^```sh\n(.*?)^```", section.group(1), re.S | re.M)
if len(blocks) < 3:
    sys.exit(f"README.md's install section has {len(blocks)} sh blocks, expected one each for the CLI, VS Code and Neovim")
print("set -euxo pipefail")
print("\n".join(blocks))
PY
cat "$ART/readme-install.sh"
bash "$ART/readme-install.sh" 2>&1 | tee "$ART/readme-install.log"

echo "-- CLI"
found=$(command -v void-ls)
[[ $found == "$HOME/.cargo/bin/void-ls" ]] || { echo "FAIL void-ls on PATH is $found, not ~/.cargo/bin/void-ls"; exit 1; }
version=$(void-ls --version)
echo "ok   $found: $version"
if git rev-parse HEAD >/dev/null 2>&1; then
  commit=$(git rev-parse --short=12 HEAD)
  [[ $version == "void-ls "*" (commit $commit)" ]] || { echo "FAIL --version does not name commit $commit"; exit 1; }
  echo "ok   --version names this checkout's commit"
fi
void-ls run examples/echo.void --echo-server --color never | tee "$ART/cli-echo.txt"
echo "ok   void-ls run examples/echo.void passed"

echo "-- Neovim"
timeout 120 nvim --headless examples/echo.void -c "luafile tests/install/nvim_check.lua" 2>&1 | tee "$ART/nvim.log"
grep -q '^nvim: every check passed' "$ART/nvim.log"

echo "-- VS Code (code-server)"
stop_code_server() {
  local pgid
  pgid=$(cat "$CODE_DATA/code-server.pgid" 2>/dev/null) || return 0
  [[ $pgid =~ ^[0-9]+$ ]] && kill -- "-$pgid" 2>/dev/null || true
}
trap stop_code_server EXIT
VOID_CODE_SERVER=$CODE_SERVER VOID_NODE24_BIN=$N24/bin VOID_CHROMIUM=$VOID_TEST_CHROMIUM \
VOID_USER_DATA=$CODE_DATA VOID_EXTENSIONS=$CODE_EXTENSIONS VOID_FOLDER=$ROOT/examples \
VOID_EXPECT_SERVER=$HOME/.cargo/bin/void-ls VOID_ARTIFACTS=$ART \
  timeout 300 node tests/install/vscode_open.mjs
echo "install stage passed"
