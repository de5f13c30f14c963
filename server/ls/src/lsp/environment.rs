//! Variable resolution for open documents: finds the environment files on disk for a document
//! and hands them to `void_syntax::variables::resolve` (which does the parsing; docs/format.md §5).
//!
//! Results are cached per directory and dropped when an environment file changes
//! (`workspace/didChangeWatchedFiles`), the settings change, or the workspace folders change.
//! This is the only module of the server that reads environment files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use void_syntax::variables::{self, EnvFiles, EnvOptions, Source, Variables};

use super::settings::Settings;

/// Reads environment files from the file system.
struct DiskFiles;

impl EnvFiles for DiskFiles {
    fn read(&self, path: &Path) -> Option<String> {
        // Environment files are small; refuse anything absurd rather than read it into memory.
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() > 4 * 1024 * 1024 {
            return None;
        }
        std::fs::read_to_string(path).ok()
    }
}

/// Glob patterns of the files that feed variables, for `workspace/didChangeWatchedFiles`.
pub const WATCHED_GLOBS: &[&str] = &[
    "**/.env",
    "**/.env.*",
    "**/.voiden/env-*.yaml",
    "**/env-public.yaml",
    "**/env-private.yaml",
];

#[derive(Debug, Default)]
pub struct EnvCache {
    by_directory: Mutex<HashMap<PathBuf, Arc<Variables>>>,
}

impl EnvCache {
    pub fn invalidate(&self) {
        self.by_directory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The variables for a document at `file` (`None` for documents that are not files).
    pub fn variables(
        &self,
        file: Option<&Path>,
        roots: &[PathBuf],
        settings: &Settings,
    ) -> Arc<Variables> {
        let Some(file) = file else {
            return Arc::new(without_files(settings));
        };
        let directory = file.parent().map(Path::to_path_buf).unwrap_or_default();
        if let Some(hit) = self
            .by_directory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&directory)
        {
            return hit.clone();
        }
        let workspace_root = roots
            .iter()
            .filter(|r| file.starts_with(r))
            .max_by_key(|r| r.as_os_str().len())
            .cloned();
        let options = EnvOptions {
            file: file.to_path_buf(),
            workspace_root,
            profile: settings.env_profile.clone(),
            process_env: std::env::vars().collect(),
            overrides: settings.variables.clone(),
        };
        let resolved = Arc::new(variables::resolve(&DiskFiles, &options));
        self.by_directory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(directory, resolved.clone());
        resolved
    }
}

/// Process environment and overrides only (untitled documents have no directory to search).
fn without_files(settings: &Settings) -> Variables {
    let mut vars = Variables::new();
    for (k, v) in std::env::vars() {
        vars.insert(k, v, Source::Environment, false);
    }
    for (k, v) in &settings.variables {
        vars.insert(k.clone(), v.clone(), Source::Override, false);
    }
    vars
}
