//! One bounded reader for every file a project supplies: `.void` documents, env files, the
//! app's environment YAML, certificates and keys (`caFile`, `clientCert`, `clientKey`), linked
//! files. The CLI and the language server both read through it, so a file can never make
//! either of them block, exhaust memory, or read outside the project behind the user's back.
//!
//! The rules, for every read:
//! - **Regular files only.** A directory, a named pipe (FIFO), a device (`/dev/zero`,
//!   `/dev/stdin`'s terminal or pipe) or a socket is refused by its type before it is opened, and
//!   the opened file is checked again (opened non-blocking, so even a pipe swapped in between
//!   the two checks cannot block the open).
//! - **A size cap** per kind of file ([`Limit`]): a larger file is refused, and a file that grows
//!   while it is read is cut off at the cap, never read into memory whole.
//! - **Confined to the project** when a [`Project`] has a root: a path outside it (absolute, or
//!   `..` climbing out) is refused, and so is a symlink inside the project that leads out of it
//!   (reported with its target, never followed silently).
//! - **Off the async runtime** when asked through [`Project::read_async`] (tokio's blocking
//!   pool); a synchronous read is bounded by the rules above, so it is brief.
//!
//! Writing follows the same rules, for the one file a project may make the tool write, its
//! session transcript ([`Project::check_transcript`], [`Project::create_transcript`]): inside
//! the project, through no symlink out of it, never onto a pipe or a device, and never over an
//! existing file that is not a transcript.
//!
//! Every refusal is a [`FileError`] whose text names the file and the cause in words. This
//! module knows nothing of `.void` syntax, sessions or LSP.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

use crate::sync::Unpoisoned;

/// The largest file of each kind that is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `.void` documents, linked `.void` files: 64 MiB.
    Document,
    /// `.env` files and the app's environment YAML: 4 MiB.
    Environment,
    /// PEM certificates and keys: 1 MiB.
    Certificate,
    /// Files an HTTP request sends (multipart fields, `restFile`): 64 MiB.
    Upload,
    /// Any other cap, in bytes.
    Bytes(u64),
}

impl Limit {
    pub const DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;
    pub const ENVIRONMENT_BYTES: u64 = 4 * 1024 * 1024;
    pub const CERTIFICATE_BYTES: u64 = 1024 * 1024;
    pub const UPLOAD_BYTES: u64 = 64 * 1024 * 1024;

    pub fn bytes(self) -> u64 {
        match self {
            Limit::Document => Self::DOCUMENT_BYTES,
            Limit::Environment => Self::ENVIRONMENT_BYTES,
            Limit::Certificate => Self::CERTIFICATE_BYTES,
            Limit::Upload => Self::UPLOAD_BYTES,
            Limit::Bytes(n) => n,
        }
    }
}

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    NotFound,
    Directory,
    /// A named pipe, a device or a socket: `what` says which, in words.
    NotRegular {
        what: &'static str,
    },
    TooLarge {
        size: Option<u64>,
        limit: u64,
    },
    /// The path itself is outside the project (absolute, or `..` climbing out).
    OutsideProject {
        root: PathBuf,
    },
    /// A symlink inside the project leads out of it.
    SymlinkOutside {
        target: PathBuf,
        root: PathBuf,
    },
    NotUtf8 {
        offset: usize,
    },
    /// An existing file that is not a transcript (writing one there would destroy it).
    NotATranscript,
    /// A component of the path that must be a directory is not one.
    ParentNotDirectory {
        parent: PathBuf,
    },
    Io(String),
}

/// A file that was not read, and why. Its text names the path and the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    pub problem: FileProblem,
}

impl FileError {
    fn new(path: &Path, problem: FileProblem) -> Self {
        FileError {
            path: path.to_path_buf(),
            problem,
        }
    }

    /// Whether the file simply does not exist (callers that probe for optional files, such
    /// as `.env` lookups, stay silent about these).
    pub fn is_not_found(&self) -> bool {
        self.problem == FileProblem::NotFound
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.problem {
            FileProblem::NotFound => write!(f, "{path}: no such file"),
            FileProblem::Directory => write!(f, "{path}: is a directory, not a file"),
            FileProblem::NotRegular { what } => write!(
                f,
                "{path}: is {what}, not a regular file; only regular files are read"
            ),
            FileProblem::TooLarge { size, limit } => match size {
                Some(size) => write!(
                    f,
                    "{path}: is {}, larger than the {} this kind of file may have; not read",
                    void_syntax::vocab::human_size(*size),
                    void_syntax::vocab::human_size(*limit)
                ),
                None => write!(
                    f,
                    "{path}: is larger than the {} this kind of file may have; not read",
                    void_syntax::vocab::human_size(*limit)
                ),
            },
            FileProblem::OutsideProject { root } => write!(
                f,
                "{path}: is outside the project ({}); files a project names must stay inside it",
                root.display()
            ),
            FileProblem::SymlinkOutside { target, root } => write!(
                f,
                "{path}: is a symlink leading out of the project ({}) to {}; not followed",
                root.display(),
                target.display()
            ),
            FileProblem::NotUtf8 { offset } => write!(
                f,
                "{path}: is not valid UTF-8 text (first bad byte at offset {offset})"
            ),
            FileProblem::NotATranscript => write!(
                f,
                "{path}: exists and is not a transcript; it is never replaced (choose another path)"
            ),
            FileProblem::ParentNotDirectory { parent } => {
                write!(f, "{path}: {} is not a directory", parent.display())
            }
            FileProblem::Io(message) => write!(f, "{path}: {message}"),
        }
    }
}

impl std::error::Error for FileError {}

/// Where a project's files may come from: inside `root` (symlinks resolved), or anywhere when
/// there is no root (files the user named on the command line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// The root as given, made absolute and normalized (for paths written under it).
    root: Option<PathBuf>,
    /// The root with symlinks resolved (for the targets of symlinks).
    real_root: Option<PathBuf>,
}

impl Project {
    /// A project rooted at `root` (a directory; relative paths are taken from the current one).
    pub fn new(root: impl AsRef<Path>) -> Self {
        let root = normalize(&absolute(root.as_ref()));
        let real_root = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
        Project {
            root: Some(root),
            real_root: Some(real_root),
        }
    }

    /// No confinement: the files the user named explicitly (command-line arguments).
    pub fn unconfined() -> Self {
        Project::default()
    }

    /// The root, when the project has one.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Whether `path` (absolute, normalized) lies under the root as given or as resolved.
    fn holds(&self, path: &Path) -> bool {
        match (&self.root, &self.real_root) {
            (Some(root), Some(real)) => path.starts_with(root) || path.starts_with(real),
            _ => true,
        }
    }

    /// `path` made absolute and normalized, if it lies inside the project as written (symlinks
    /// are the caller's next check).
    fn lexically_inside(&self, path: &Path) -> Result<PathBuf, FileError> {
        let lexical = normalize(&absolute(path));
        if self.holds(&lexical) {
            Ok(lexical)
        } else {
            Err(FileError::new(
                path,
                FileProblem::OutsideProject {
                    root: self.root.clone().unwrap_or_default(),
                },
            ))
        }
    }

    /// Where `path` really is (symlinks resolved), if the rules allow reading it: it exists, and
    /// neither the path nor a symlink on the way leads out of the project.
    pub fn locate(&self, path: &Path) -> Result<PathBuf, FileError> {
        let lexical = self.lexically_inside(path)?;
        let real = match std::fs::canonicalize(&lexical) {
            Ok(real) => real,
            Err(e) => {
                // A symlink to a path that does not resolve (`/dev/stdin` on a pipe points at
                // `pipe:[…]`): where it points, if that is out of the project.
                if let Ok(target) = std::fs::read_link(&lexical) {
                    let target = match lexical.parent() {
                        Some(dir) if target.is_relative() => normalize(&dir.join(&target)),
                        _ => target,
                    };
                    if !self.holds(&target) {
                        return Err(FileError::new(
                            path,
                            FileProblem::SymlinkOutside {
                                target,
                                root: self.root.clone().unwrap_or_default(),
                            },
                        ));
                    }
                }
                // Else say what it is (a pipe behind `/dev/stdin`, named directly).
                if let Ok(meta) = std::fs::metadata(&lexical)
                    && let Some(refused) = not_regular(path, &meta)
                {
                    return Err(refused);
                }
                return Err(io_problem(path, &e));
            }
        };
        if let Some(real_root) = &self.real_root
            && !real.starts_with(real_root)
        {
            return Err(FileError::new(
                path,
                FileProblem::SymlinkOutside {
                    target: real,
                    root: self.root.clone().unwrap_or_default(),
                },
            ));
        }
        Ok(real)
    }

    /// Reads a file's bytes under the rules of this module.
    pub fn read(&self, path: &Path, limit: Limit) -> Result<Vec<u8>, FileError> {
        let real = self.locate(path)?;
        read_regular(path, &real, limit.bytes())
    }

    /// Reads a file as UTF-8 text under the rules of this module.
    pub fn read_text(&self, path: &Path, limit: Limit) -> Result<String, FileError> {
        let bytes = self.read(path, limit)?;
        String::from_utf8(bytes).map_err(|e| {
            FileError::new(
                path,
                FileProblem::NotUtf8 {
                    offset: e.utf8_error().valid_up_to(),
                },
            )
        })
    }

    /// Whether `path` could be read under this module's rules (inside the project, a regular
    /// file, at most `limit`), without reading it; where it really is.
    pub fn check_readable(&self, path: &Path, limit: Limit) -> Result<PathBuf, FileError> {
        let real = self.locate(path)?;
        let meta = std::fs::metadata(&real).map_err(|e| io_problem(path, &e))?;
        if let Some(refused) = not_regular(path, &meta) {
            return Err(refused);
        }
        if meta.len() > limit.bytes() {
            return Err(FileError::new(
                path,
                FileProblem::TooLarge {
                    size: Some(meta.len()),
                    limit: limit.bytes(),
                },
            ));
        }
        Ok(real)
    }

    /// Where a transcript at `path` would be written, if the rules allow it; nothing is
    /// created. The path must stay inside the project (also through symlinks), every existing
    /// ancestor must be a directory, and an existing file must be a regular file that is empty
    /// or already a transcript ([`is_transcript`]).
    pub fn check_transcript(&self, path: &Path) -> Result<PathBuf, FileError> {
        let lexical = self.lexically_inside(path)?;
        // The longest part of the path that exists, resolved, must stay inside too.
        let existing = lexical
            .ancestors()
            .find(|p| std::fs::symlink_metadata(p).is_ok())
            .unwrap_or(Path::new("/"));
        let rest = lexical.strip_prefix(existing).unwrap_or(Path::new(""));
        let real = std::fs::canonicalize(existing).map_err(|e| io_problem(path, &e))?;
        if let Some(real_root) = &self.real_root
            && !real.starts_with(real_root)
        {
            return Err(FileError::new(
                path,
                FileProblem::SymlinkOutside {
                    target: real.join(rest),
                    root: self.root.clone().unwrap_or_default(),
                },
            ));
        }
        let meta = std::fs::metadata(&real).map_err(|e| io_problem(path, &e))?;
        if rest.as_os_str().is_empty() {
            // The file exists.
            if let Some(refused) = not_regular(path, &meta) {
                return Err(refused);
            }
            let file = open_nonblocking(&real, std::fs::OpenOptions::new().read(true))
                .map_err(|e| io_problem(path, &e))?;
            if !is_transcript(file) {
                return Err(FileError::new(path, FileProblem::NotATranscript));
            }
        } else if !meta.is_dir() {
            return Err(FileError::new(
                path,
                FileProblem::ParentNotDirectory {
                    parent: existing.to_path_buf(),
                },
            ));
        }
        // (`join("")` would add a trailing slash.)
        Ok(if rest.as_os_str().is_empty() {
            real
        } else {
            real.join(rest)
        })
    }

    /// Creates (or empties) the transcript at `path` under [`Project::check_transcript`]'s
    /// rules, creating missing directories one at a time inside the project, and opens it for
    /// writing.
    pub fn create_transcript(&self, path: &Path) -> Result<(PathBuf, File), FileError> {
        let target = self.check_transcript(path)?;
        let Some(parent) = target.parent() else {
            return Err(FileError::new(path, FileProblem::Directory));
        };
        // Missing directories are made one by one; one that appears meanwhile as something
        // other than a plain directory (a symlink swapped in) is refused.
        let mut missing: Vec<&Path> = parent
            .ancestors()
            .take_while(|p| std::fs::symlink_metadata(p).is_err())
            .collect();
        missing.reverse();
        for dir in missing {
            match std::fs::create_dir(dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io_problem(path, &e)),
            }
            let made = std::fs::symlink_metadata(dir).map_err(|e| io_problem(path, &e))?;
            if !made.is_dir() {
                return Err(FileError::new(
                    path,
                    FileProblem::ParentNotDirectory {
                        parent: dir.to_path_buf(),
                    },
                ));
            }
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true);
        let mut file = open_nonblocking(&target, &mut options).map_err(|e| io_problem(path, &e))?;
        let meta = file.metadata().map_err(|e| io_problem(path, &e))?;
        if let Some(refused) = not_regular(path, &meta) {
            return Err(refused);
        }
        if meta.len() > 0 {
            let reader = file.try_clone().map_err(|e| io_problem(path, &e))?;
            if !is_transcript(reader) {
                return Err(FileError::new(path, FileProblem::NotATranscript));
            }
            file.set_len(0).map_err(|e| io_problem(path, &e))?;
        }
        use std::io::Seek as _;
        file.rewind().map_err(|e| io_problem(path, &e))?;
        Ok((target, file))
    }

    /// [`Project::read`] on tokio's blocking pool, so the async runtime never waits on the
    /// file system. Dropping the future abandons the read (it is bounded and ends by itself).
    pub async fn read_async(&self, path: &Path, limit: Limit) -> Result<Vec<u8>, FileError> {
        let project = self.clone();
        let owned = path.to_path_buf();
        match tokio::task::spawn_blocking(move || project.read(&owned, limit)).await {
            Ok(result) => result,
            Err(e) => Err(FileError::new(
                path,
                FileProblem::Io(format!("the read was interrupted: {e}")),
            )),
        }
    }
}

/// The project a file belongs to: the innermost of `workspace_folders` that holds it, else
/// the nearest ancestor directory holding `.voiden` or `.git`, else the file's own directory.
pub fn project_root_of(file: &Path, workspace_folders: &[PathBuf]) -> PathBuf {
    let file = normalize(&absolute(file));
    if let Some(folder) = workspace_folders
        .iter()
        .map(|f| normalize(&absolute(f)))
        .filter(|f| file.starts_with(f))
        .max_by_key(|f| f.as_os_str().len())
    {
        return folder;
    }
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    dir.ancestors()
        .find(|d| d.join(".voiden").is_dir() || d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(dir)
}

/// Environment files (`.env*`, the app's environment YAML) for
/// `void_syntax::variables::load`, read under this module's rules. A missing file is
/// silently absent; any other refusal is kept in [`EnvFileReader::problems`] for the caller to
/// report (a warning in `check`, `run` and the editor).
#[derive(Debug, Default)]
pub struct EnvFileReader {
    project: Project,
    problems: std::sync::Mutex<Vec<FileError>>,
}

impl EnvFileReader {
    pub fn new(project: Project) -> Self {
        EnvFileReader {
            project,
            problems: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The files that exist but were not read, and why (each reported once).
    pub fn problems(&self) -> Vec<FileError> {
        self.problems.lock().unpoisoned().clone()
    }
}

impl void_syntax::variables::EnvFiles for EnvFileReader {
    /// The names of the regular files in `dir`, when the directory is inside the project.
    fn list(&self, dir: &Path) -> Vec<String> {
        let Ok(real) = self.project.locate(dir) else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(real) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }

    fn read(&self, path: &Path) -> Option<String> {
        match self.project.read_text(path, Limit::Environment) {
            Ok(text) => Some(text),
            Err(e) if e.is_not_found() => None,
            Err(e) => {
                let mut problems = self.problems.lock().unpoisoned();
                if !problems.contains(&e) {
                    problems.push(e);
                }
                None
            }
        }
    }
}

/// Whether an open file is empty or holds a transcript: its first line (at most 64 KiB) is a
/// JSON object with the record fields `t`, `dir` and `kind`.
pub fn is_transcript(file: File) -> bool {
    use std::io::BufRead as _;
    let mut first = Vec::new();
    let mut reader = std::io::BufReader::new(file.take(64 * 1024));
    if reader.read_until(b'\n', &mut first).is_err() {
        return false;
    }
    if first.is_empty() {
        return true;
    }
    match serde_json::from_slice::<serde_json::Value>(&first) {
        Ok(serde_json::Value::Object(record)) => ["t", "dir", "kind"]
            .iter()
            .all(|field| record.contains_key(*field)),
        _ => false,
    }
}

/// Linked `.void` files (`linkedBlock`, `linkedFile`) are read under this module's rules, as
/// documents: inside the project, regular files, at most [`Limit::Document`].
impl void_syntax::links::LinkFiles for Project {
    fn read(&self, path: &Path) -> Result<String, Option<String>> {
        self.read_text(path, Limit::Document).map_err(|e| {
            if e.is_not_found() {
                None
            } else {
                Some(e.to_string())
            }
        })
    }
}

/// The warning for an environment file that exists but was not read, at the start of the
/// document whose variables it would have given (the editor and `check` show the same words).
pub fn env_file_diagnostic(problem: &FileError) -> void_syntax::Diagnostic {
    void_syntax::Diagnostic::new(
        0..0,
        void_syntax::Severity::Warning,
        void_syntax::diagnostics::codes::ENV_FILE_NOT_READ,
        format!("environment file not read: {problem}"),
    )
}

/// What kind of non-regular file `meta` describes, in words.
pub fn kind_in_words(meta: &Metadata) -> Option<&'static str> {
    let file_type = meta.file_type();
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    if file_type.is_symlink() {
        return Some("a symlink");
    }
    Some("not a regular file")
}

/// Why a file that is not a regular file (a directory, a pipe, a device, a socket) is not read;
/// `None` for a regular file.
pub(crate) fn not_regular(path: &Path, meta: &Metadata) -> Option<FileError> {
    kind_in_words(meta).map(|what| {
        FileError::new(
            path,
            if meta.is_dir() {
                FileProblem::Directory
            } else {
                FileProblem::NotRegular { what }
            },
        )
    })
}

fn io_problem(path: &Path, e: &std::io::Error) -> FileError {
    match e.kind() {
        std::io::ErrorKind::NotFound => FileError::new(path, FileProblem::NotFound),
        _ => FileError::new(path, FileProblem::Io(format!("cannot read or write: {e}"))),
    }
}

/// Opens a file without blocking on a pipe or acquiring a terminal, and without following a
/// symlink in the last component (the caller resolved it already).
pub fn open_nonblocking(path: &Path, options: &mut std::fs::OpenOptions) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Reads `real` (already located) as a regular file of at most `limit` bytes; errors name
/// `shown`.
fn read_regular(shown: &Path, real: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let meta = std::fs::metadata(real).map_err(|e| io_problem(shown, &e))?;
    if let Some(refused) = not_regular(shown, &meta) {
        return Err(refused);
    }
    if meta.len() > limit {
        return Err(FileError::new(
            shown,
            FileProblem::TooLarge {
                size: Some(meta.len()),
                limit,
            },
        ));
    }
    let file = open_nonblocking(real, std::fs::OpenOptions::new().read(true))
        .map_err(|e| io_problem(shown, &e))?;
    // Checked again on the open file: the path may have been swapped since.
    let opened = file.metadata().map_err(|e| io_problem(shown, &e))?;
    if let Some(refused) = not_regular(shown, &opened) {
        return Err(refused);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len().min(limit)).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_problem(shown, &e))?;
    if bytes.len() as u64 > limit {
        return Err(FileError::new(
            shown,
            FileProblem::TooLarge { size: None, limit },
        ));
    }
    Ok(bytes)
}

/// `path` made absolute against the current directory (no file system access).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `path` with `.` and `..` components folded away, without touching the file system (so a
/// symlink is not resolved here; [`Project::locate`] resolves them separately).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `..` at the root stays at the root.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn project() -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        let project = Project::new(dir.path());
        (dir, project)
    }

    fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[test]
    fn regular_files_inside_the_project_are_read() {
        let (dir, project) = project();
        std::fs::write(dir.path().join(".env"), "A=1\n").unwrap();
        assert_eq!(
            project
                .read_text(&dir.path().join(".env"), Limit::Environment)
                .unwrap(),
            "A=1\n"
        );
        // A symlink that stays inside is followed.
        symlink(".env", dir.path().join("alias")).unwrap();
        assert_eq!(
            project.read(&dir.path().join("alias"), Limit::Environment),
            Ok(b"A=1\n".to_vec())
        );
    }

    #[test]
    fn pipes_devices_and_directories_are_refused_by_type_without_blocking() {
        let (dir, project) = project();
        let fifo = dir.path().join("pipe");
        mkfifo(&fifo);
        let err = project.read(&fifo, Limit::Certificate).unwrap_err();
        assert_eq!(
            err.problem,
            FileProblem::NotRegular {
                what: "a named pipe (FIFO)"
            }
        );
        assert!(err.to_string().contains("named pipe"), "{err}");

        let unconfined = Project::unconfined();
        for device in ["/dev/zero", "/dev/null", "/dev/urandom"] {
            let err = unconfined
                .read(Path::new(device), Limit::Certificate)
                .unwrap_err();
            assert_eq!(
                err.problem,
                FileProblem::NotRegular {
                    what: "a character device"
                },
                "{device}"
            );
        }
        let err = project.read(dir.path(), Limit::Environment).unwrap_err();
        assert_eq!(err.problem, FileProblem::Directory);
        assert!(err.to_string().contains("is a directory"), "{err}");
    }

    #[test]
    fn symlinks_and_paths_leading_out_are_reported_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "HOME_TOKEN=x\n").unwrap();
        let (dir, project) = project();
        symlink(outside.path().join("secret"), dir.path().join(".env")).unwrap();
        let err = project
            .read(&dir.path().join(".env"), Limit::Environment)
            .unwrap_err();
        assert!(
            matches!(err.problem, FileProblem::SymlinkOutside { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("symlink leading out"), "{err}");
        assert!(err.to_string().contains("secret"), "{err}");

        let climbing = dir.path().join("../x/../secret");
        assert!(matches!(
            project
                .read(&climbing, Limit::Environment)
                .unwrap_err()
                .problem,
            FileProblem::OutsideProject { .. }
        ));
        assert!(matches!(
            project
                .read(Path::new("/etc/hostname"), Limit::Environment)
                .unwrap_err()
                .problem,
            FileProblem::OutsideProject { .. }
        ));
        // A symlink to a device is refused as leading out before its type is even looked at.
        symlink("/dev/zero", dir.path().join("zero")).unwrap();
        assert!(matches!(
            project
                .read(&dir.path().join("zero"), Limit::Environment)
                .unwrap_err()
                .problem,
            FileProblem::SymlinkOutside { .. }
        ));
    }

    #[test]
    fn files_over_the_cap_are_refused() {
        let (dir, project) = project();
        let big = dir.path().join("big.pem");
        std::fs::write(&big, vec![b'a'; 2048]).unwrap();
        let err = project.read(&big, Limit::Bytes(1024)).unwrap_err();
        assert_eq!(
            err.problem,
            FileProblem::TooLarge {
                size: Some(2048),
                limit: 1024
            }
        );
        assert!(err.to_string().contains("larger than"), "{err}");
        assert!(project.read(&big, Limit::Bytes(2048)).is_ok());
    }

    #[test]
    fn missing_and_non_utf8_files_say_so() {
        let (dir, project) = project();
        let missing = project
            .read(&dir.path().join("nope"), Limit::Environment)
            .unwrap_err();
        assert!(missing.is_not_found());
        std::fs::write(dir.path().join("bin"), b"ok\xffno").unwrap();
        let err = project
            .read_text(&dir.path().join("bin"), Limit::Environment)
            .unwrap_err();
        assert_eq!(err.problem, FileProblem::NotUtf8 { offset: 2 });
    }

    #[tokio::test]
    async fn async_reads_of_a_pipe_return_at_once() {
        let (dir, project) = project();
        let fifo = dir.path().join("ca.pem");
        mkfifo(&fifo);
        let started = std::time::Instant::now();
        let err = project
            .read_async(&fifo, Limit::Certificate)
            .await
            .unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(matches!(err.problem, FileProblem::NotRegular { .. }));
    }

    #[test]
    fn env_files_that_cannot_be_read_are_reported_and_missing_ones_are_not() {
        use void_syntax::variables::EnvFiles as _;
        let (dir, project) = project();
        std::fs::write(dir.path().join(".env"), "A=1\n").unwrap();
        symlink("/dev/zero", dir.path().join(".env.zero")).unwrap();
        let reader = EnvFileReader::new(project);
        assert_eq!(
            reader.read(&dir.path().join(".env")).as_deref(),
            Some("A=1\n")
        );
        assert_eq!(reader.read(&dir.path().join(".env.none")), None);
        assert_eq!(reader.read(&dir.path().join(".env.zero")), None);
        assert_eq!(reader.read(&dir.path().join(".env.zero")), None);
        let problems = reader.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].to_string().contains("/dev/zero"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn the_project_root_is_the_workspace_folder_or_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("repo/api");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::create_dir(dir.path().join("repo/.git")).unwrap();
        let file = nested.join("x.void");
        assert_eq!(project_root_of(&file, &[]), dir.path().join("repo"));
        assert_eq!(
            project_root_of(&file, &[dir.path().to_path_buf(), nested.clone()]),
            nested
        );
        let lone = tempfile::tempdir().unwrap();
        assert_eq!(
            project_root_of(&lone.path().join("y.void"), &[]),
            lone.path()
        );
    }

    #[test]
    fn transcripts_stay_inside_and_never_replace_other_files() {
        let outside = tempfile::tempdir().unwrap();
        let precious = outside.path().join("important.txt");
        std::fs::write(&precious, "keep me\n").unwrap();
        let (dir, project) = project();
        let root = dir.path();

        // Inside, in directories that do not exist yet: created.
        let (path, _) = project
            .create_transcript(&root.join("logs/run/t.jsonl"))
            .unwrap();
        assert!(path.starts_with(std::fs::canonicalize(root).unwrap()));
        assert!(root.join("logs/run/t.jsonl").is_file());

        let refuse = |path: &Path| project.create_transcript(path).unwrap_err();
        assert!(matches!(
            refuse(&root.join("../x/../important.txt")).problem,
            FileProblem::OutsideProject { .. }
        ));
        assert!(matches!(
            refuse(&precious).problem,
            FileProblem::OutsideProject { .. }
        ));
        // A directory symlinked out of the project, and a file symlinked out.
        symlink(outside.path(), root.join("out")).unwrap();
        let err = refuse(&root.join("out/important.txt"));
        assert!(
            matches!(err.problem, FileProblem::SymlinkOutside { .. }),
            "{err}"
        );
        let err = refuse(&root.join("out/new/dir/t.jsonl"));
        assert!(
            matches!(err.problem, FileProblem::SymlinkOutside { .. }),
            "{err}"
        );
        assert!(!outside.path().join("new").exists());
        symlink(&precious, root.join("link.jsonl")).unwrap();
        assert!(matches!(
            refuse(&root.join("link.jsonl")).problem,
            FileProblem::SymlinkOutside { .. }
        ));
        // An existing file that is not a transcript, inside the project.
        std::fs::write(root.join("notes.md"), "# my notes\n").unwrap();
        let err = refuse(&root.join("notes.md"));
        assert_eq!(err.problem, FileProblem::NotATranscript);
        assert!(err.to_string().contains("never replaced"), "{err}");
        assert_eq!(
            std::fs::read_to_string(root.join("notes.md")).unwrap(),
            "# my notes\n"
        );
        // A FIFO: refused without blocking.
        mkfifo(&root.join("pipe.jsonl"));
        assert!(matches!(
            refuse(&root.join("pipe.jsonl")).problem,
            FileProblem::NotRegular { .. }
        ));
        // A file in place of a directory.
        assert!(matches!(
            refuse(&root.join("notes.md/t.jsonl")).problem,
            FileProblem::ParentNotDirectory { .. }
        ));
        // An old transcript is replaced.
        std::fs::write(
            root.join("old.jsonl"),
            "{\"t\":\"2026-01-01T00:00:00.000Z\",\"dir\":\"event\",\"kind\":\"open\",\"text\":\"x\",\"size\":1}\n",
        )
        .unwrap();
        project.create_transcript(&root.join("old.jsonl")).unwrap();
        assert_eq!(std::fs::read_to_string(root.join("old.jsonl")).unwrap(), "");
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me\n");
    }

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
    }
}
