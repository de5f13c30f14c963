//! Build script of `void-ls`: finds the commit the binary is built from, for `void-ls --version`
//! (`void-ls 0.1.0 (commit 1a2b3c4d5e6f)`), and passes it to the compiler as
//! `VOID_LS_COMMIT`.
//!
//! Where the commit comes from, first match wins:
//! 1. the `VOID_LS_COMMIT` environment variable (packagers who build outside git set it);
//! 2. git, when the package sits in a git checkout of this repository (also what
//!    `cargo install --git` builds from);
//! 3. `COMMIT` next to this file, which `git archive` fills in (`export-subst` in
//!    `.gitattributes`), so a source tarball knows its commit without `.git`;
//! 4. `.cargo_vcs_info.json`, which `cargo package` writes into a published crate;
//!
//! else `unknown`. A build never fails for want of a commit.
//!
//! Debug builds (tests, `cargo run`) skip git: watching HEAD would rebuild the whole package,
//! the language server library included, after every commit. They say `unknown, debug build`
//! unless one of the other sources names the commit.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=VOID_LS_COMMIT");
    println!("cargo:rerun-if-changed=COMMIT");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let debug = std::env::var("PROFILE").is_ok_and(|p| p == "debug");
    let commit = from_env()
        .or_else(|| (!debug).then(|| from_git(&manifest_dir)).flatten())
        .or_else(|| from_archive(&manifest_dir))
        .or_else(|| from_cargo_vcs_info(&manifest_dir))
        .unwrap_or_else(|| {
            if debug {
                "unknown, debug build"
            } else {
                "unknown"
            }
            .to_owned()
        });
    println!("cargo:rustc-env=VOID_LS_COMMIT={commit}");
}

/// A commit id shortened to 12 hex digits, or `None` when `text` is not one.
fn short_commit(text: &str) -> Option<String> {
    let text = text.trim();
    let is_id = text.len() >= 7 && text.bytes().all(|b| b.is_ascii_hexdigit());
    is_id.then(|| text.chars().take(12).collect())
}

fn from_env() -> Option<String> {
    let value = std::env::var("VOID_LS_COMMIT").ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn git(manifest_dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(manifest_dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The checkout's HEAD, when the checkout is this repository (a tarball unpacked inside some
/// other repository must not report that repository's commit). Re-runs when HEAD moves.
fn from_git(manifest_dir: &Path) -> Option<String> {
    let top = PathBuf::from(git(manifest_dir, &["rev-parse", "--show-toplevel"])?);
    let ours = manifest_dir.parent()?.parent()?;
    if top.canonicalize().ok()? != ours.canonicalize().ok()? {
        return None;
    }
    let commit = short_commit(&git(manifest_dir, &["rev-parse", "HEAD"])?)?;
    // HEAD itself, the branch it names and packed refs: any commit or checkout changes one.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(branch) = git(manifest_dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(manifest_dir, &["rev-parse", "--git-path", &name]) {
            let path = manifest_dir.join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    Some(commit)
}

/// `COMMIT` holds `$Format:%H$` in git; `git archive` replaces it with the commit id.
fn from_archive(manifest_dir: &Path) -> Option<String> {
    short_commit(&std::fs::read_to_string(manifest_dir.join("COMMIT")).ok()?)
}

/// `{"git": {"sha1": "..."}, ...}` in a package made by `cargo package`.
fn from_cargo_vcs_info(manifest_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(manifest_dir.join(".cargo_vcs_info.json")).ok()?;
    let start = text.find("\"sha1\"")? + "\"sha1\"".len();
    let rest = text[start..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    short_commit(&rest[..rest.find('"')?])
}
