//! The real `void-ls` binary for the CLI tests: run in a folder, with its exit code, stdout and
//! stderr (included by path by each test file that needs it).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

/// `void-ls ARGS...` run in `dir`: (exit code, stdout, stderr).
pub fn void_ls(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_void-ls"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
