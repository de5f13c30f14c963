//! Reading the files named on the command line and the environment files they use, through
//! the one bounded reader (`void_session::project_files`): regular files only, with a size cap,
//! never a pipe or a device; errors name the file and the cause (a missing file, a directory,
//! a file that is not UTF-8 with the offset of the first bad byte). Also the options that
//! resolve `{{variables}}` for a file from the command line.
//!
//! Shared by `check`, `fmt` and `run`. It must not parse `.void` text itself.

use std::path::{Path, PathBuf};

use void_session::project_files::{EnvFileReader, FileError, Limit, Project, project_root_of};
use void_syntax::Document;
use void_syntax::links::{self, Expansion, LinkContext};
use void_syntax::variables::{self, EnvOptions, Variables};

/// Reads a `.void` file as UTF-8 text. The user named it, so it may be anywhere; it must still
/// be a regular file of reasonable size.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    Project::unconfined().read_text(path, Limit::Document)
}

/// The workspace root of a file: the nearest ancestor directory holding `.voiden` or `.git`,
/// else the file's own directory.
pub fn workspace_root(file: &Path) -> Option<PathBuf> {
    Some(project_root_of(file, &[]))
}

/// The app environment chosen on the command line (`check` and `run`): docs/format.md §5.1.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EnvironmentArgs {
    /// The app's environment profile: `.voiden/env-<PROFILE>-public.yaml` and
    /// `-private.yaml` (default: `default`, `.voiden/env-public.yaml` and `env-private.yaml`).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// The active environment: a dotted path in the profile's tree (`thor.test.local`), or the
    /// name of a legacy `.env.<NAME>` file (default: the tree's first environment).
    #[arg(long = "env-name", value_name = "PATH")]
    pub env_name: Option<String>,
}

/// Resolution options for a file on the command line: the process environment, the file's
/// project, the chosen app environment, and the given overrides.
pub fn env_options(
    file: &Path,
    environment: &EnvironmentArgs,
    overrides: Vec<(String, String)>,
) -> EnvOptions {
    EnvOptions {
        file: std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf()),
        workspace_root: workspace_root(file),
        profile: environment.profile.clone(),
        env_name: environment.env_name.clone(),
        process_env: std::env::vars().collect(),
        overrides,
    }
}

/// The links of the document at `path` (`linkedBlock`, `linkedFile`) followed through the
/// bounded reader, confined to the file's project (docs/format.md §6).
pub fn expand_links(path: &Path, text: &str, doc: &Document) -> Expansion {
    let file = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let root = project_root_of(&file, &[]);
    let project = Project::new(&root);
    let ctx = LinkContext {
        root: &root,
        file: &file,
        files: &project,
    };
    links::expand(doc, text, &ctx)
}

/// Resolves the variables of `options.file`, reading its project's environment files through
/// the bounded reader. The second value lists the environment files that exist but were not
/// read, and why (a symlink out of the project, a pipe, a device, a huge file).
pub fn resolve_variables(options: &EnvOptions) -> (Variables, Vec<FileError>) {
    let root = options
        .workspace_root
        .clone()
        .unwrap_or_else(|| project_root_of(&options.file, &[]));
    let reader = EnvFileReader::new(Project::new(root));
    let vars = variables::load(&reader, options);
    (vars, reader.problems())
}
