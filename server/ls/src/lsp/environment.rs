//! Variable resolution for open documents: finds the environment files on disk for a document
//! and hands them to `void_syntax::variables::resolve` (which does the parsing; docs/format.md §5).
//!
//! Results are cached per directory and dropped when an environment file changes
//! (`workspace/didChangeWatchedFiles`), the settings change, or the workspace folders change.
//! This is the only module of the server that reads environment files; it reads them through
//! the bounded reader (`void_session::project_files`), confined to the document's project, and
//! keeps the files that exist but were not read for the diagnostics to report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use void_session::project_files::{EnvFileReader, FileError, Project, project_root_of};
use void_session::sync::Unpoisoned;
use void_syntax::variables::{self, EnvOptions, Source, Variables};

use super::settings::Settings;

/// A document's variables, and the environment files that exist but were not read.
#[derive(Debug, Default)]
pub struct Resolved {
    pub variables: Arc<Variables>,
    pub unread: Vec<FileError>,
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
    by_directory: Mutex<HashMap<PathBuf, Arc<Resolved>>>,
}

impl EnvCache {
    pub fn invalidate(&self) {
        self.by_directory.lock().unpoisoned().clear();
    }

    /// The variables for a document at `file` (`None` for documents that are not files).
    pub fn variables(
        &self,
        file: Option<&Path>,
        roots: &[PathBuf],
        settings: &Settings,
    ) -> Arc<Resolved> {
        let Some(file) = file else {
            return Arc::new(Resolved {
                variables: Arc::new(without_files(settings)),
                unread: Vec::new(),
            });
        };
        let directory = file.parent().map(Path::to_path_buf).unwrap_or_default();
        if let Some(hit) = self.by_directory.lock().unpoisoned().get(&directory) {
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
        let reader = EnvFileReader::new(Project::new(project_root_of(file, roots)));
        let variables = Arc::new(variables::resolve(&reader, &options));
        let resolved = Arc::new(Resolved {
            variables,
            unread: reader.problems(),
        });
        self.by_directory
            .lock()
            .unpoisoned()
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
