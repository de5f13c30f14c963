#!/usr/bin/env bash
# Editors beyond VS Code and the Neovim plugin, and the files in editors/ meant for upstream:
# - Emacs: Debian's emacs-nox and elpa-eglot, running tests/editors/eglot.el (the init.el block
#   of docs/editors/emacs.md, as written) against the release void-ls on PATH;
# - Neovim: editors/nvim-lspconfig/lsp/void_ls.lua declares the same server as the plugin's
#   lsp/void_ls.lua (and the plugin's honours VOID_LS_PATH);
# - Mason: editors/mason/packages/void-ls/package.yaml names, for each platform, the file
#   `cargo xtask dist` makes, at the crate's version.
# Helix and Zed have no package in the registries this machine reaches; their configurations
# are documented (docs/editors/helix.md, docs/editors/zed.md) but not run here.
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"
source tests/lib/tools.sh
ensure_neovim
ART=$ROOT/artifacts/editors
rm -rf "$ART" && mkdir -p "$ART/bin"

cargo build --release --locked -p void-ls
ln -s "${CARGO_TARGET_DIR:-$ROOT/target}/release/void-ls" "$ART/bin/void-ls"

echo "-- Emacs + eglot"
apt_install emacs-nox elpa-eglot
emacs --version | head -1
PATH=$ART/bin:$PATH VOID_ROOT=$ROOT HOME=$ART timeout 180 \
  emacs --batch -l tests/editors/eglot.el 2>"$ART/emacs-stderr.log" | tee "$ART/eglot.log"
grep -q '^eglot: every check passed' "$ART/eglot.log"

echo "-- nvim-lspconfig's void_ls and the plugin's lsp/void_ls.lua agree"
VOID_LS_PATH='' timeout 60 "$NVIM" --headless --clean -l /dev/stdin "$ROOT" <<'LUA'
local root = arg[1]
local plugin = dofile(root .. '/nvim-plugin/lsp/void_ls.lua')
local upstream = dofile(root .. '/editors/nvim-lspconfig/lsp/void_ls.lua')
for _, key in ipairs({ 'cmd', 'filetypes', 'root_markers' }) do
  assert(vim.deep_equal(plugin[key], upstream[key]), key .. ' differs: ' .. vim.inspect(plugin[key]) .. ' vs ' .. vim.inspect(upstream[key]))
end
vim.env.VOID_LS_PATH = '/opt/void-ls/bin/void-ls'
local with_env = dofile(root .. '/nvim-plugin/lsp/void_ls.lua')
assert(with_env.cmd[1] == '/opt/void-ls/bin/void-ls', 'VOID_LS_PATH is not used: ' .. vim.inspect(with_env.cmd))
io.stdout:write('ok   cmd, filetypes and root_markers agree; VOID_LS_PATH is honoured\n')
LUA

echo "-- Mason package: asset names are what cargo xtask dist makes"
python3 - <<'PY'
import re
text = open("editors/mason/packages/void-ls/package.yaml", encoding="utf-8").read()
crate = re.search(r'^version = "([^"]+)"', open("Cargo.toml", encoding="utf-8").read(), re.M).group(1)
source = re.search(r"^  id: pkg:github/[^@]+@v(\S+)$", text, re.M).group(1)
assert source == crate, f"Mason source version v{source}, crate version {crate}"
files = [f.replace('{{ version | strip_prefix "v" }}', crate) for f in re.findall(r"^\s+file: (.+)$", text, re.M)]
want = {f"void-ls-{p}-{crate}{'.exe' if p.startswith('win32') else ''}"
        for p in ("linux-x64", "linux-arm64", "win32-x64", "darwin-arm64", "darwin-x64")}
assert set(files) == want, f"Mason assets {sorted(files)} != dist names {sorted(want)}"
print(f"ok   Mason assets match the {len(want)} dist binaries of {crate}")
PY
echo "editors stage passed"
