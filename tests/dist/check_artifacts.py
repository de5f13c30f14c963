"""Checks what `cargo xtask dist` made, as a release reviewer would before publishing.

    python3 tests/dist/check_artifacts.py DIST_DIR VERSION PLATFORM...

For each platform: the stripped binary is an executable for that platform (ELF machine or PE
machine read from its header, no symbol table left); its `.vsix` declares that platform, holds
exactly that binary (same bytes) at `extension/server/void-ls[.exe]`, executable on Unix, and is
under 6 MB as vsce and the Marketplace count it (MiB: 6 x 1024 x 1024 bytes). The universal `.vsix` declares no platform and bundles no server. Every `.vsix`
carries the bundled extension and both licence texts. `SHA256SUMS` lists every artifact and
each sum is right. Exits 1 naming every problem found.
"""

import hashlib
import re
import struct
import sys
import zipfile
from pathlib import Path

MAX_VSIX_BYTES = 6 * 1024 * 1024  # vsce's "6 MB"

# VS Code platform -> (binary format, machine id in the header)
PLATFORMS = {
    "linux-x64": ("elf", 0x3E),
    "linux-arm64": ("elf", 0xB7),
    "win32-x64": ("pe", 0x8664),
}

problems = []


def problem(text):
    problems.append(text)
    print(f"FAIL {text}")


def ok(text):
    print(f"ok   {text}")


def elf_info(data):
    """(machine, has .symtab) of an ELF64 little-endian file, or None when it is not one."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    machine = struct.unpack_from("<H", data, 18)[0]
    shoff = struct.unpack_from("<Q", data, 40)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 58)
    sections = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab = sections[shstrndx]
    names_at = strtab[4]

    def name(entry):
        start = names_at + entry[0]
        return data[start : data.index(b"\0", start)].decode()

    has_symtab = any(name(s) == ".symtab" for s in sections)
    return machine, has_symtab


def pe_info(data):
    """(machine, symbol count) of a PE file, or None when it is not one."""
    if data[:2] != b"MZ":
        return None
    pe_at = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe_at : pe_at + 4] != b"PE\0\0":
        return None
    machine, _, _, _, symbols = struct.unpack_from("<HHIII", data, pe_at + 4)
    return machine, symbols


def check_binary(platform, path):
    data = path.read_bytes()
    kind, want = PLATFORMS[platform]
    if kind == "elf":
        info = elf_info(data)
        if info is None:
            return problem(f"{path.name}: not an ELF executable")
        machine, has_symtab = info
        if has_symtab:
            problem(f"{path.name}: not stripped (has .symtab)")
    else:
        info = pe_info(data)
        if info is None:
            return problem(f"{path.name}: not a PE executable")
        machine, symbols = info
        if symbols:
            problem(f"{path.name}: not stripped ({symbols} COFF symbols)")
    if machine != want:
        return problem(f"{path.name}: machine {machine:#x}, expected {want:#x} for {platform}")
    ok(f"{path.name}: {kind.upper()} for {platform}, stripped, {len(data) / 1e6:.1f} MB")


def target_platform(vsix):
    manifest = vsix.read("extension.vsixmanifest").decode()
    found = re.search(r'TargetPlatform="([^"]+)"', manifest)
    return found.group(1) if found else None


def check_vsix_common(path, vsix):
    names = set(vsix.namelist())
    for needed in ("extension/package.json", "extension/dist/extension.js",
                   "extension/LICENSE-MIT", "extension/LICENSE-APACHE",
                   "extension/grammars/void.tmLanguage.json"):
        if needed not in names:
            problem(f"{path.name}: lacks {needed}")
    size = path.stat().st_size
    if size >= MAX_VSIX_BYTES:
        problem(f"{path.name}: {size} bytes, over the {MAX_VSIX_BYTES} limit")
    return size


def check_platform_vsix(platform, path, binary):
    with zipfile.ZipFile(path) as vsix:
        size = check_vsix_common(path, vsix)
        declared = target_platform(vsix)
        if declared != platform:
            problem(f"{path.name}: declares platform {declared!r}, expected {platform!r}")
        exe = "void-ls.exe" if platform.startswith("win32") else "void-ls"
        servers = [n for n in vsix.namelist() if n.startswith("extension/server/")]
        if servers != [f"extension/server/{exe}"]:
            return problem(f"{path.name}: server folder holds {servers}, expected only {exe}")
        info = vsix.getinfo(f"extension/server/{exe}")
        if vsix.read(info) != binary.read_bytes():
            problem(f"{path.name}: bundled {exe} differs from {binary.name}")
        mode = info.external_attr >> 16
        if not platform.startswith("win32") and not mode & 0o111:
            problem(f"{path.name}: bundled {exe} is not executable (mode {oct(mode)})")
    ok(f"{path.name}: {platform}, bundles {binary.name}, {size / 2**20:.2f} MiB ({size} bytes)")


def check_universal_vsix(path):
    with zipfile.ZipFile(path) as vsix:
        size = check_vsix_common(path, vsix)
        declared = target_platform(vsix)
        if declared:
            problem(f"{path.name}: universal package declares platform {declared!r}")
        servers = [n for n in vsix.namelist() if n.startswith("extension/server/")]
        if servers:
            problem(f"{path.name}: universal package bundles {servers}")
    ok(f"{path.name}: universal, no server bundled, {size / 2**20:.2f} MiB ({size} bytes)")


def check_sums(dist, expected):
    sums = dist / "SHA256SUMS"
    if not sums.is_file():
        return problem("SHA256SUMS is missing")
    listed = {}
    for line in sums.read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    for name in expected:
        if name not in listed:
            problem(f"SHA256SUMS does not list {name}")
        elif hashlib.sha256((dist / name).read_bytes()).hexdigest() != listed[name]:
            problem(f"SHA256SUMS: wrong sum for {name}")
    ok(f"SHA256SUMS: {len(listed)} files, every sum right")


def main():
    dist, version, platforms = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    expected = []
    for platform in platforms:
        suffix = ".exe" if platform.startswith("win32") else ""
        binary = dist / f"void-ls-{platform}-{version}{suffix}"
        vsix = dist / f"void-ls-{platform}-{version}.vsix"
        for f in (binary, vsix):
            if not f.is_file():
                problem(f"{f.name} is missing")
        if binary.is_file():
            check_binary(platform, binary)
        if binary.is_file() and vsix.is_file():
            check_platform_vsix(platform, vsix, binary)
        expected += [binary.name, vsix.name]
    universal = dist / f"void-ls-{version}.vsix"
    if universal.is_file():
        check_universal_vsix(universal)
    else:
        problem(f"{universal.name} is missing")
    expected.append(universal.name)
    check_sums(dist, expected)
    if problems:
        print(f"{len(problems)} problem(s) in {dist}")
        sys.exit(1)
    print(f"dist artifacts: {len(expected)} checked")


if __name__ == "__main__":
    main()
