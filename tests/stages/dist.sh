#!/usr/bin/env bash
# Release artifacts: `cargo xtask dist` for every platform this machine builds (linux-x64, and
# cross-compiled linux-arm64 and win32-x64 with Debian's cross gcc as linkers and rustup's
# standard library for those targets), then tests/dist/check_artifacts.py checks each binary's
# platform, that it is stripped, that each platform .vsix holds exactly its binary and stays
# under 6 MB, the universal .vsix, and SHA256SUMS. The linux-x64 binary runs here (`--version`,
# the demo), the linux-arm64 one too under qemu-user. (win32-x64 is compiled and linked, not
# run: no Wine.)
#
# CI builds with the `dist` profile, what `cargo xtask dist` ships (fat LTO, one codegen unit), so
# the size limit is checked on the artifacts users get: the everyday `release` profile's binaries
# are a third larger, and its win32 .vsix passed the 6 MB limit while the shipped one is far
# under it. (tests/stages/vscode.sh packages its own release-profile .vsix for the e2e.)
# Artifacts go to artifacts/dist/.
set -euo pipefail
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"
source tests/lib/tools.sh

echo "-- cross toolchains (Debian's gcc for aarch64 and mingw-w64; rustup's std for the targets)"
apt_install gcc-aarch64-linux-gnu gcc-mingw-w64-x86-64 binutils
installed=$(rustup target list --installed)
for target in aarch64-unknown-linux-gnu x86_64-pc-windows-gnu; do
  grep -qx "$target" <<<"$installed" || rustup target add "$target"
done

OUT=$ROOT/artifacts/dist
rm -rf "$OUT"
echo "-- cargo xtask dist --profile dist"
start=$SECONDS
cargo xtask dist --profile dist --out "$OUT" --target linux-x64 --target linux-arm64 --target win32-x64 \
  | tee "$ROOT/artifacts/dist.txt"
echo "   built and packaged in $((SECONDS - start)) s"
ls -l "$OUT"

VERSION=$(python3 -c 'import json; print(json.load(open("vscode-extension/package.json"))["version"])')
python3 tests/dist/check_artifacts.py "$OUT" "$VERSION" linux-x64 linux-arm64 win32-x64
(cd "$OUT" && sha256sum -c SHA256SUMS)

echo "-- the commit in --version: from git here, and from a source tarball without .git"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rustc --edition 2024 -o "$tmp/build-script" server/ls/build.rs
if git rev-parse HEAD >/dev/null 2>&1; then
  want=$(git rev-parse --short=12 HEAD)
  git archive HEAD server/ls | tar -x -C "$tmp"
  got=$(cd "$tmp" && CARGO_MANIFEST_DIR=$tmp/server/ls ./build-script | sed -n 's/^cargo:rustc-env=VOID_LS_COMMIT=//p')
  [[ $got == "$want" ]] || { echo "FAIL a git archive tarball reports commit '$got', expected $want"; exit 1; }
  echo "ok   a git archive tarball (no .git) reports commit $got"
elif [[ ${CI:-} == true ]]; then
  echo "FAIL this checkout is not a git repository: the commit in --version cannot be checked"; exit 1
fi

echo "-- the stripped linux-x64 binary runs"
BIN=$OUT/void-ls-linux-x64-$VERSION
version=$("$BIN" --version)
echo "$version"
[[ $version == "void-ls $VERSION (commit "*")" && $version != *"(commit unknown)" ]] || { echo "FAIL --version: $version"; exit 1; }
"$BIN" demo --color never >"$ROOT/artifacts/dist-demo.txt"
grep -q PASSED "$ROOT/artifacts/dist-demo.txt"

echo "-- the linux-arm64 binary runs too, under qemu-user (Debian's qemu-user, libc from the cross packages)"
apt_install qemu-user
ARM=$OUT/void-ls-linux-arm64-$VERSION
qemu-aarch64 -L /usr/aarch64-linux-gnu "$ARM" --version
qemu-aarch64 -L /usr/aarch64-linux-gnu "$ARM" demo --color never >"$ROOT/artifacts/dist-demo-arm64.txt"
grep -q PASSED "$ROOT/artifacts/dist-demo-arm64.txt"
echo "dist stage passed"
