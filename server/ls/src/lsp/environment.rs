//! Variable resolution for open documents: finds the environment files on disk for a document
//! and hands them to `void_syntax::variables::load` (which does the parsing; docs/format.md §5).
//!
//! Results are cached per directory and dropped when an environment file changes
//! (`workspace/didChangeWatchedFiles`), the settings change, the workspace folders change, or
//! the user picks another profile or environment.
//!
//! Which app environment is active (docs/format.md §5.1): the one picked in the editor for the
//! document's project (`void/environment`, kept per project root for the server's lifetime),
//! else the `envProfile` / `envName` settings, else the default profile's first environment.
//! This is the only module of the server that reads environment files; it reads them through
//! the bounded reader (`void_session::project_files`), confined to the document's project, and
//! keeps the files that exist but were not read for the diagnostics to report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use void_session::project_files::{EnvFileReader, FileError, Project, project_root_of};
use void_session::sync::Unpoisoned;
use void_syntax::environments::{self, Environments};
use void_syntax::variables::{self, EnvOptions, Source, Variables};

use tower_lsp_server::jsonrpc::{Error, Result};

use super::ext::{EnvironmentEntry, EnvironmentParams, EnvironmentResult};
use super::server::ServerState;
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
    "**/env-*-public.yaml",
    "**/env-*-private.yaml",
];

#[derive(Debug, Default)]
pub struct EnvCache {
    cached: Mutex<Cached>,
    /// The profile and environment picked in the editor, per project root.
    selections: Mutex<HashMap<PathBuf, Selection>>,
}

/// The variables per directory, and how many times they were dropped: a result computed from
/// settings or files read before a drop is returned to its caller but never cached, so a
/// computation that was running while an environment file or the settings changed cannot put
/// the old values back after the drop.
#[derive(Debug, Default)]
struct Cached {
    generation: u64,
    by_directory: HashMap<PathBuf, Arc<Resolved>>,
}

/// A profile and environment picked in the editor (`None`: the default profile, the first
/// environment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub profile: Option<String>,
    pub env_name: Option<String>,
}

impl EnvCache {
    /// The profile and environment in force for the project at `root`: the editor's pick, else
    /// the settings.
    pub fn selection(&self, root: &Path, settings: &Settings) -> Selection {
        self.selections
            .lock()
            .unpoisoned()
            .get(root)
            .cloned()
            .unwrap_or_else(|| Selection {
                profile: settings.env_profile.clone(),
                env_name: settings.env_name.clone(),
            })
    }

    /// Picks a profile and environment for the project at `root` (and drops the cache).
    pub fn select(&self, root: &Path, selection: Selection) {
        self.selections
            .lock()
            .unpoisoned()
            .insert(root.to_path_buf(), selection);
        self.invalidate();
    }

    /// Drops every cached result. Call it after the change is made (the settings written, the
    /// file saved): a computation that read the state before it is then not cached.
    pub fn invalidate(&self) {
        let mut cached = self.cached.lock().unpoisoned();
        cached.generation += 1;
        cached.by_directory.clear();
    }

    /// The variables for a document at `file` (`None` for documents that are not files).
    /// `settings` is read only after the cache's generation, so settings applied before an
    /// [`Self::invalidate`] are never cached as if they came after it.
    pub fn variables(
        &self,
        file: Option<&Path>,
        roots: &[PathBuf],
        settings: impl FnOnce() -> Settings,
    ) -> Arc<Resolved> {
        let generation = self.cached.lock().unpoisoned().generation;
        let settings = &settings();
        let Some(file) = file else {
            return Arc::new(Resolved {
                variables: Arc::new(without_files(settings)),
                unread: Vec::new(),
            });
        };
        let directory = file.parent().map(Path::to_path_buf).unwrap_or_default();
        if let Some(hit) = self.cached.lock().unpoisoned().by_directory.get(&directory) {
            return hit.clone();
        }
        let workspace_root = roots
            .iter()
            .filter(|r| file.starts_with(r))
            .max_by_key(|r| r.as_os_str().len())
            .cloned();
        let root = project_root_of(file, roots);
        let selection = self.selection(&root, settings);
        let options = EnvOptions {
            file: file.to_path_buf(),
            workspace_root: workspace_root.or_else(|| Some(root.clone())),
            profile: selection.profile,
            env_name: selection.env_name,
            process_env: std::env::vars().collect(),
            overrides: settings.variables.clone(),
        };
        let reader = EnvFileReader::new(Project::new(&root));
        let variables = Arc::new(variables::load(&reader, &options));
        let resolved = Arc::new(Resolved {
            variables,
            unread: reader.problems(),
        });
        let mut cached = self.cached.lock().unpoisoned();
        if cached.generation == generation {
            cached.by_directory.insert(directory, resolved.clone());
        }
        resolved
    }
}

/// The profiles and environments of the project of `file`, and which are in force: the answer
/// of `void/environment`.
pub fn overview(cache: &EnvCache, file: &Path, roots: &[PathBuf], settings: &Settings) -> Overview {
    let root = project_root_of(file, roots);
    let selection = cache.selection(&root, settings);
    let reader = EnvFileReader::new(Project::new(&root));
    let profiles = environments::profiles(&reader, &root);
    let envs = Environments::load(&reader, &root, selection.profile.as_deref());
    let active = envs.active(selection.env_name.as_deref());
    let resolved = cache.variables(Some(file), roots, || settings.clone());
    Overview {
        project_root: root,
        profile: envs.profile.clone(),
        profiles,
        environment: active.map(|e| e.name.clone()),
        chosen: selection.env_name.is_some(),
        environments: envs
            .selectable()
            .map(|e| (e.name.clone(), e.display_name.clone()))
            .collect(),
        problem: resolved.variables.environment_problem().map(str::to_string),
    }
}

/// `void/environment` (docs/lsp-extensions.md): answers the project's environments, after
/// applying `select` when given. A profile the project does not have, or an environment its
/// profile does not have, is `InvalidParams` naming the ones there are; the pick re-checks
/// every open document.
pub fn request(state: &ServerState, params: EnvironmentParams) -> Result<EnvironmentResult> {
    let file = params.uri.to_file_path().ok_or_else(|| {
        Error::invalid_params(format!(
            "{} is not a file: environments belong to a project on disk",
            params.uri.as_str()
        ))
    })?;
    let roots = state.roots();
    let settings = state.settings();
    if let Some(select) = params.select {
        let root = project_root_of(&file, &roots);
        let reader = EnvFileReader::new(Project::new(&root));
        let profile = select
            .profile
            .filter(|p| !p.is_empty() && p != environments::DEFAULT_PROFILE);
        let profiles = environments::profiles(&reader, &root);
        if let Some(p) = &profile
            && !profiles.contains(p)
        {
            return Err(Error::invalid_params(format!(
                "profile `{p}` does not exist in {}; its profiles: {}",
                root.display(),
                profiles.join(", ")
            )));
        }
        let env_name = select.env_name.filter(|n| !n.is_empty());
        if let Some(name) = &env_name {
            let envs = Environments::load(&reader, &root, profile.as_deref());
            let names: Vec<&str> = envs.selectable().map(|e| e.name.as_str()).collect();
            if !names.is_empty() && !names.contains(&name.as_str()) {
                return Err(Error::invalid_params(format!(
                    "environment `{name}` does not exist in profile `{}`; its environments: {}",
                    envs.profile,
                    names.join(", ")
                )));
            }
        }
        state.env.select(&root, Selection { profile, env_name });
        state.recheck_all();
    }
    let o = overview(&state.env, &file, &roots, &settings);
    Ok(EnvironmentResult {
        project_root: o.project_root.display().to_string(),
        profile: o.profile,
        profiles: o.profiles,
        environment: o.environment,
        chosen: o.chosen,
        environments: o
            .environments
            .into_iter()
            .map(|(name, display_name)| EnvironmentEntry { name, display_name })
            .collect(),
        problem: o.problem,
    })
}

/// What `void/environment` answers (see [`overview`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub project_root: PathBuf,
    pub profile: String,
    pub profiles: Vec<String>,
    pub environment: Option<String>,
    pub chosen: bool,
    /// The selectable environments of the profile, with their display names.
    pub environments: Vec<(String, Option<String>)>,
    pub problem: Option<String>,
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
