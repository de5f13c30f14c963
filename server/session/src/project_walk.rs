//! Listing the files of a project folder under the rules of [`crate::project_files`]: the
//! walk the language server's workspace index makes, and the one `check` and `run` make of a
//! directory named on the command line.
//!
//! - **Confined**: a symlink is followed only when it leads to somewhere inside the project
//!   ([`Project::locate`]); one that leads out is reported ([`FileProblem::SymlinkOutside`]),
//!   never followed.
//! - **No loops**: every directory is entered once, by its real path, so a symlink back to an
//!   ancestor (or two paths to one directory) is not walked again; a file reached by two paths
//!   is listed once, under the first path found.
//! - **Bounded**: at most [`WalkLimits::max_files`] files listed and [`WalkLimits::max_depth`]
//!   levels deep; the walk says when it stopped early. Special files (pipes, devices, sockets)
//!   are never listed, so nothing listed can block a reader; one the walk would have taken by
//!   its name is reported ([`FileProblem::NotRegular`]).
//! - **Skips** what is not the user's: version-control and dependency folders
//!   ([`SKIPPED_DIRECTORIES`]) and hidden directories, except the app's `.voiden/`.
//!
//! Only names and types are read here (directory entries and symlink targets); the files
//! themselves are read by [`Project::read_text`]. This module knows nothing of `.void` syntax.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::project_files::{FileError, Project};

/// Directories never walked into: version control, dependencies, build output.
pub const SKIPPED_DIRECTORIES: &[&str] = &["node_modules", "target", "dist", "out", "__pycache__"];

/// The hidden directory that is walked: the app's environment files live there.
pub const VOIDEN_DIRECTORY: &str = ".voiden";

/// How far a walk goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkLimits {
    /// Most files listed; the walk stops at this many.
    pub max_files: usize,
    /// Most directory levels below the start.
    pub max_depth: usize,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            max_files: 20_000,
            max_depth: 32,
        }
    }
}

/// What a walk found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Walk {
    /// The accepted files, by the path they were reached under (inside the start directory),
    /// sorted.
    pub files: Vec<PathBuf>,
    /// Entries that were not followed, and why (symlinks leading out of the project, wanted
    /// files that are pipes, devices or sockets, entries that could not be read).
    pub problems: Vec<FileError>,
    /// Why the walk stopped before the end, when it did.
    pub stopped_early: Option<String>,
}

/// Whether a directory name is walked into.
pub fn walks_into(name: &str) -> bool {
    if name == VOIDEN_DIRECTORY {
        return true;
    }
    !name.starts_with('.') && !SKIPPED_DIRECTORIES.contains(&name)
}

/// Lists the regular files under `start` (a directory inside `project`) whose path `accept`
/// takes, under this module's rules.
pub fn walk(
    project: &Project,
    start: &Path,
    limits: WalkLimits,
    accept: &dyn Fn(&Path) -> bool,
) -> Walk {
    let mut out = Walk::default();
    let Ok(real_start) = project.locate(start) else {
        return out;
    };
    let mut entered: HashSet<PathBuf> = HashSet::from([real_start.clone()]);
    let mut listed: HashSet<PathBuf> = HashSet::new();
    // (the directory as reached, where it really is, depth)
    let mut pending: Vec<(PathBuf, PathBuf, usize)> = vec![(start.to_path_buf(), real_start, 0)];
    while let Some((dir, real_dir, depth)) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                out.problems.push(FileError {
                    path: dir.clone(),
                    problem: crate::project_files::FileProblem::Io(format!(
                        "cannot list this directory: {e}"
                    )),
                });
                continue;
            }
        };
        let mut names: Vec<(String, std::fs::FileType)> = entries
            .flatten()
            .filter_map(|e| Some((e.file_name().into_string().ok()?, e.file_type().ok()?)))
            .collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, file_type) in names {
            let path = dir.join(&name);
            let (is_dir, real) = if file_type.is_symlink() {
                if !walks_into(&name) && !accept(&path) {
                    continue; // neither a folder walked into nor a file wanted
                }
                // Followed only where it stays inside the project.
                match project.locate(&path) {
                    Ok(real) => match std::fs::metadata(&real) {
                        Ok(meta) if meta.is_dir() => (true, real),
                        Ok(meta) if meta.is_file() => (false, real),
                        Ok(meta) => {
                            out.problems.extend(special_file(&path, &meta, accept));
                            continue;
                        }
                        Err(_) => continue,
                    },
                    Err(e) if e.is_not_found() => continue, // a dangling link
                    Err(e) => {
                        out.problems.push(e);
                        continue;
                    }
                }
            } else if file_type.is_dir() || file_type.is_file() {
                (file_type.is_dir(), real_dir.join(&name))
            } else {
                if let Ok(meta) = std::fs::symlink_metadata(&path) {
                    out.problems.extend(special_file(&path, &meta, accept));
                }
                continue;
            };
            if is_dir {
                if !walks_into(&name) {
                    continue;
                }
                if depth + 1 > limits.max_depth {
                    out.stopped_early.get_or_insert_with(|| {
                        format!(
                            "{} is more than {} folders deep; not walked",
                            path.display(),
                            limits.max_depth
                        )
                    });
                    continue;
                }
                if entered.insert(real.clone()) {
                    pending.push((path, real, depth + 1));
                }
                continue;
            }
            // A file reached by two paths (a symlink inside the project) is listed once.
            if !accept(&path) || !listed.insert(real) {
                continue;
            }
            if out.files.len() >= limits.max_files {
                out.stopped_early = Some(format!(
                    "more than {} files; the rest are left out",
                    limits.max_files
                ));
                out.files.sort();
                return out;
            }
            out.files.push(path);
        }
    }
    out.files.sort();
    out
}

/// A pipe, device or socket the walk would have listed by its name: never listed (nothing
/// listed may block a reader), but said, so a `.void` file that is a pipe is not silently
/// missing.
fn special_file(
    path: &Path,
    meta: &std::fs::Metadata,
    accept: &dyn Fn(&Path) -> bool,
) -> Option<FileError> {
    if accept(path) {
        crate::project_files::not_regular(path, meta)
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn void_files(path: &Path) -> bool {
        path.extension().is_some_and(|e| e == "void")
    }

    fn names(root: &Path, walk: &Walk) -> Vec<String> {
        walk.files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn walks_nested_folders_and_skips_what_is_not_the_users() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "a.void",
            "api/b.void",
            "api/deep/c.void",
            "api/notes.md",
            ".git/x.void",
            "node_modules/pkg/y.void",
            ".hidden/z.void",
            ".voiden/env-public.yaml",
        ] {
            std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            std::fs::write(root.join(path), "").unwrap();
        }
        let project = Project::new(root);
        let walk = walk(&project, root, WalkLimits::default(), &void_files);
        assert_eq!(
            names(root, &walk),
            ["a.void", "api/b.void", "api/deep/c.void"]
        );
        assert!(walk.problems.is_empty() && walk.stopped_early.is_none());
        let yaml = super::walk(&project, root, WalkLimits::default(), &|p| {
            p.extension().is_some_and(|e| e == "yaml")
        });
        assert_eq!(names(root, &yaml), [".voiden/env-public.yaml"]);
    }

    #[test]
    fn symlinks_out_of_the_project_and_loops_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.void"), "").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("api")).unwrap();
        std::fs::write(root.join("api/a.void"), "").unwrap();
        symlink(outside.path(), root.join("out")).unwrap();
        symlink(outside.path().join("secret.void"), root.join("s.void")).unwrap();
        symlink(root, root.join("api/loop")).unwrap();
        symlink("a.void", root.join("api/alias.void")).unwrap();
        symlink("missing.void", root.join("dangling.void")).unwrap();
        // Not reported: a link to a folder that is never walked into, or to an unwanted file.
        symlink(outside.path(), root.join("node_modules")).unwrap();
        symlink(outside.path().join("secret.void"), root.join("notes.md")).unwrap();
        let project = Project::new(root);
        let walk = walk(&project, root, WalkLimits::default(), &void_files);
        assert_eq!(names(root, &walk), ["api/a.void"], "{walk:?}");
        let outside_problems: Vec<String> = walk.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(outside_problems.len(), 2, "{outside_problems:?}");
        assert!(
            outside_problems
                .iter()
                .all(|p| p.contains("symlink leading out")),
            "{outside_problems:?}"
        );
    }

    #[test]
    fn the_walk_stops_at_its_limits_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for i in 0..5 {
            std::fs::write(root.join(format!("{i}.void")), "").unwrap();
        }
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::write(root.join("a/b/c/deep.void"), "").unwrap();
        let project = Project::new(root);
        let limited = walk(
            &project,
            root,
            WalkLimits {
                max_files: 3,
                max_depth: 32,
            },
            &void_files,
        );
        assert_eq!(limited.files.len(), 3);
        assert!(limited.stopped_early.unwrap().contains("more than 3 files"));
        let shallow = walk(
            &project,
            root,
            WalkLimits {
                max_files: 100,
                max_depth: 2,
            },
            &void_files,
        );
        assert_eq!(shallow.files.len(), 5);
        assert!(
            shallow.stopped_early.unwrap().contains("folders deep"),
            "deep folders are reported"
        );
    }

    #[test]
    fn a_fifo_is_never_listed_and_a_wanted_one_is_said() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["pipe.void", "pipe.txt"] {
            let status = std::process::Command::new("mkfifo")
                .arg(dir.path().join(name))
                .status()
                .unwrap();
            assert!(status.success());
        }
        symlink(dir.path().join("pipe.void"), dir.path().join("link.void")).unwrap();
        let project = Project::new(dir.path());
        let walk = walk(&project, dir.path(), WalkLimits::default(), &void_files);
        assert!(walk.files.is_empty());
        let said: Vec<String> = walk.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 2, "{said:?}");
        for (said, name) in said.iter().zip(["link.void", "pipe.void"]) {
            assert!(
                said.ends_with(&format!(
                    "{name}: is a named pipe (FIFO), not a regular file; only regular files are read"
                )),
                "{said}"
            );
        }
    }
}
