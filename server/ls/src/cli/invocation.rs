//! How a person runs this binary again, for the hints the CLI prints ("Next:", "start
//! `void-ls echo-server`"): `void-ls` when that name on `PATH` is this program; the `cargo run`
//! line when it runs from a Cargo target directory (the README's first command) and is not on
//! `PATH`; else its full path. A hint must work when pasted as it is.

use std::path::{Path, PathBuf};

/// The command that runs this binary, e.g. `void-ls` or `cargo run --release -p void-ls --`.
pub fn program() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return "void-ls".into();
    };
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(exe_name()))
            .find(|candidate| candidate.is_file())
    });
    program_for(&exe, on_path.as_deref())
}

fn exe_name() -> &'static str {
    if cfg!(windows) {
        "void-ls.exe"
    } else {
        "void-ls"
    }
}

/// [`program`] for a given executable and the first `void-ls` found on `PATH`.
pub fn program_for(exe: &Path, on_path: Option<&Path>) -> String {
    let same = |a: &Path, b: &Path| canonical(a) == canonical(b);
    if on_path.is_some_and(|p| same(p, exe)) {
        return "void-ls".into();
    }
    let profile_dir = exe
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str());
    let in_target = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|n| n == "target");
    match profile_dir {
        Some("release") if in_target => "cargo run --release -p void-ls --".into(),
        Some("debug") if in_target => "cargo run -p void-ls --".into(),
        _ => shell_word(&exe.display().to_string()),
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// `text` quoted for a POSIX shell when it holds anything but safe characters.
fn shell_word(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_a_command_that_works_as_pasted() {
        let release = Path::new("/src/void/target/release/void-ls");
        assert_eq!(
            program_for(release, None),
            "cargo run --release -p void-ls --"
        );
        assert_eq!(
            program_for(Path::new("/src/void/target/debug/void-ls"), None),
            "cargo run -p void-ls --"
        );
        assert_eq!(program_for(release, Some(release)), "void-ls");
        assert_eq!(
            program_for(Path::new("/opt/void ls/bin/void-ls"), None),
            "'/opt/void ls/bin/void-ls'"
        );
        assert_eq!(
            program_for(
                Path::new("/usr/local/bin/void-ls"),
                Some(Path::new("/home/me/.cargo/bin/void-ls"))
            ),
            "/usr/local/bin/void-ls"
        );
    }
}
