//! Running cargo from inside `cargo xtask`, so that a build reuses what a plain `cargo build`
//! built, and the names of the profiles the tasks build with.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo profile of what ships and what the benchmarks measure (`Cargo.toml`: fat LTO, one
/// codegen unit, stripped). `release` is the quicker everyday profile.
pub const SHIPPED_PROFILE: &str = "dist";

/// A `cargo` command in `root` without the variables `cargo run` set for xtask itself (they
/// would change fingerprints, so the build would redo dependencies a plain `cargo build` had
/// already built). `CARGO_HOME` and `CARGO_TARGET_DIR` are the user's and stay.
pub fn command(root: &Path) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_by_cargo_run =
            (name.starts_with("CARGO_") && name != "CARGO_TARGET_DIR" && name != "CARGO_HOME")
                || name == "LD_LIBRARY_PATH";
        if set_by_cargo_run {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd
}

/// The target folder: `CARGO_TARGET_DIR` (relative to `root` when relative) or `root/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// The folder under the target folder that a profile's output goes to (`dev` is `debug`).
pub fn profile_dir(profile: &str) -> &str {
    match profile {
        "dev" | "test" => "debug",
        "bench" => "release",
        other => other,
    }
}
