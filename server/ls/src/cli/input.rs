//! Reading the files named on the command line, with clear errors (never a panic): a missing
//! file, a directory, a file that is not UTF-8 (with the offset of the first bad byte), or any
//! other I/O error. Also the `std::fs` implementation of `void_syntax::variables::EnvFiles`
//! and the workspace-root rule used to resolve `{{variables}}` from the command line.
//!
//! Shared by `check`, `fmt` and `run`. It must not parse `.void` text itself.

use std::fmt;
use std::path::{Path, PathBuf};

use void_syntax::variables::{EnvFiles, EnvOptions};

/// Why a file could not be read.
#[derive(Debug)]
pub enum InputError {
    NotFound(PathBuf),
    IsDirectory(PathBuf),
    NotUtf8 { path: PathBuf, offset: usize },
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::NotFound(p) => write!(f, "{}: no such file", p.display()),
            InputError::IsDirectory(p) => {
                write!(f, "{}: is a directory, not a .void file", p.display())
            }
            InputError::NotUtf8 { path, offset } => write!(
                f,
                "{}: not valid UTF-8 (first bad byte at offset {offset}); .void files are UTF-8 text",
                path.display()
            ),
            InputError::Io(p, e) => write!(f, "{}: cannot read: {e}", p.display()),
        }
    }
}

impl std::error::Error for InputError {}

/// Reads a `.void` file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(InputError::IsDirectory(path.to_path_buf())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(InputError::NotFound(path.to_path_buf()));
        }
        Err(e) => return Err(InputError::Io(path.to_path_buf(), e)),
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => InputError::NotFound(path.to_path_buf()),
        _ => InputError::Io(path.to_path_buf(), e),
    })?;
    String::from_utf8(bytes).map_err(|e| InputError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Reads environment files from disk.
pub struct FsEnvFiles;

impl EnvFiles for FsEnvFiles {
    fn read(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
}

/// The workspace root of a file: the nearest ancestor directory holding `.voiden` or `.git`,
/// else the file's own directory.
pub fn workspace_root(file: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(file).ok()?;
    let dir = absolute.parent()?;
    dir.ancestors()
        .find(|d| d.join(".voiden").is_dir() || d.join(".git").exists())
        .or(Some(dir))
        .map(Path::to_path_buf)
}

/// Resolution options for a file on the command line: the process environment, the file's
/// workspace, and the given overrides.
pub fn env_options(file: &Path, overrides: Vec<(String, String)>) -> EnvOptions {
    EnvOptions {
        file: std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf()),
        workspace_root: workspace_root(file),
        profile: std::env::var("VOID_ENV_PROFILE")
            .ok()
            .filter(|p| !p.is_empty()),
        process_env: std::env::vars().collect(),
        overrides,
    }
}
