//! `{{variables}}`: where their values come from (docs/format.md §5), which are secret, how to
//! substitute and mask them, and the unresolved-variable diagnostics.
//!
//! Resolution order, last wins:
//! 1. the process environment (given as a map by the caller, source [`Source::Environment`]);
//! 2. `.env` files in every directory from the project root down to the `.void` file's
//!    directory (outermost first, so the file nearest the `.void` file wins): `.env`, then for
//!    the active environment `a.b` the app's legacy environment files `.env.a` and `.env.a.b`;
//! 3. the active environment of the app's environment files at the project root
//!    ([`crate::environments`]: profiles, the tree with inheritance, public and private files);
//! 4. overrides (command line `--env`/`--env-var`, editor settings), source [`Source::Override`].
//!
//! Secrets: every value from a private environment file (`env-private.yaml`,
//! `env-<profile>-private.yaml`), and every variable whose name contains
//! `TOKEN`, `SECRET`, `PASSWORD` or `KEY` (case-insensitive). [`Variables::mask`] hides them.
//!
//! This module does no I/O: the caller reads files through [`EnvFiles`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Severity, codes};
use crate::environments::{DEFAULT_PROFILE, Environments};
use crate::model::{Document, VariableKind};

/// What replaces a secret value in any text shown to people.
pub use crate::secrets::MASK;

/// Reads environment files for resolution. Implemented with `std::fs` by the CLI and the
/// language server, and with a map in tests.
pub trait EnvFiles {
    /// The file's text, or `None` when it does not exist or cannot be read.
    fn read(&self, path: &Path) -> Option<String>;

    /// The names of the files in `dir` (to find the app's environment profiles); empty when
    /// the directory does not exist or cannot be listed.
    fn list(&self, dir: &Path) -> Vec<String> {
        let _ = dir;
        Vec::new()
    }
}

impl EnvFiles for HashMap<PathBuf, String> {
    fn read(&self, path: &Path) -> Option<String> {
        self.get(path).cloned()
    }

    fn list(&self, dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = self
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// Files in memory for tests, from `(path, text)` pairs.
#[cfg(test)]
pub(crate) fn test_files(entries: &[(&str, &str)]) -> HashMap<PathBuf, String> {
    entries
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect()
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The process environment.
    Environment,
    /// A file: path and 0-based line of the definition.
    File { path: PathBuf, line: usize },
    /// An override from the command line or the editor settings.
    Override,
}

/// A resolved variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub value: String,
    pub source: Source,
    pub secret: bool,
    /// The app environment whose `variables` hold the value (the active environment, or an
    /// ancestor it inherits from), when it came from the app's environment files.
    pub environment: Option<String>,
}

impl Resolved {
    /// The value as it may be shown to people: [`MASK`] for secrets.
    pub fn display_value(&self) -> &str {
        if self.secret { MASK } else { &self.value }
    }
}

/// What to resolve against.
#[derive(Debug, Clone, Default)]
pub struct EnvOptions {
    /// The `.void` file (its directory starts the walk).
    pub file: PathBuf,
    /// Where the walk up stops (inclusive). `None`: only the file's own directory.
    pub workspace_root: Option<PathBuf>,
    /// The app's environment profile (`None`: `default`).
    pub profile: Option<String>,
    /// The active environment, a dotted path in the profile's tree (`None`: the first one).
    pub env_name: Option<String>,
    /// The process environment, lowest priority.
    pub process_env: Vec<(String, String)>,
    /// Overrides, highest priority, in order.
    pub overrides: Vec<(String, String)>,
}

/// The resolved variables of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    map: HashMap<String, Resolved>,
    /// The app environment in use, when the project defines environments.
    active: Option<ActiveEnvironment>,
    /// Names that only other environments of the profile define, with those environments.
    elsewhere: HashMap<String, Vec<String>>,
    /// The chosen environment or profile does not exist, in words.
    environment_problem: Option<String>,
    /// Environment files that exist but could not be read as the app reads them, in words.
    file_problems: Vec<String>,
}

/// Which app environment a file's variables come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActiveEnvironment {
    pub profile: String,
    /// Its dotted name, or `None` when the chosen one does not exist.
    pub name: Option<String>,
    pub display_name: Option<String>,
    /// Whether it was chosen (else it is the first of the tree).
    pub chosen: bool,
    /// The name that was chosen, when one was.
    pub requested: Option<String>,
}

/// Whether a name marks its value as secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["TOKEN", "SECRET", "PASSWORD", "KEY"]
        .iter()
        .any(|w| upper.contains(w))
}

impl Variables {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable (later calls win). Secret when `secret` or by name.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        source: Source,
        secret: bool,
    ) {
        let name = name.into();
        let secret = secret || is_secret_name(&name);
        self.map.insert(
            name,
            Resolved {
                value: value.into(),
                source,
                secret,
                environment: None,
            },
        );
    }

    /// The app environment in use, when the project defines environments.
    pub fn active_environment(&self) -> Option<&ActiveEnvironment> {
        self.active.as_ref()
    }

    /// Why the chosen environment or profile cannot be used (it does not exist), in words.
    pub fn environment_problem(&self) -> Option<&str> {
        self.environment_problem.as_deref()
    }

    /// Environment files that exist but could not be read as the app reads them, in words.
    pub fn file_problems(&self) -> &[String] {
        &self.file_problems
    }

    /// The other environments of the profile that define `name` (when this one does not).
    pub fn defined_elsewhere(&self, name: &str) -> &[String] {
        self.elsewhere.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn get(&self, name: &str) -> Option<&Resolved> {
        self.map.get(name)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every variable, sorted by name.
    pub fn iter(&self) -> Vec<(&str, &Resolved)> {
        let mut v: Vec<_> = self.map.iter().map(|(k, v)| (k.as_str(), v)).collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }

    /// Replaces every `{{NAME}}` with its value. `{{process.*}}` and other runtime names are
    /// looked up like any other (the caller inserts them); an unknown name is an error listing
    /// every unresolved name in order of appearance.
    pub fn substitute(&self, text: &str) -> Result<String, Vec<String>> {
        self.substitute_with(text, |value, _| value.to_string())
    }

    /// [`Variables::substitute`] that leaves the `{{NAME}}`s for which `keep(NAME)` holds as
    /// they are written (a reply's `{{$msg...}}` values and the names it captures are filled
    /// in when it is sent).
    pub fn substitute_except(
        &self,
        text: &str,
        keep: impl Fn(&str) -> bool,
    ) -> Result<String, Vec<String>> {
        self.substitute_inner(text, &keep, |value, _| value.to_string())
    }

    /// [`Variables::substitute`] for a URL: a value that lands in the value of a query
    /// parameter (after `?` and the parameter's `=`, before any `#`) is percent-encoded as a
    /// query component, so `a&x=1` stays one value and a space cannot end the request line.
    /// A value standing for a whole query or a key (`?{{QUERY}}`) is left as it is, and so is
    /// everything before the `?` (`{{BASE_URL}}/path`).
    pub fn substitute_url(&self, text: &str) -> Result<String, Vec<String>> {
        self.substitute_with(text, |value, before| {
            let query = before
                .find('?')
                .map(|q| &before[q + 1..])
                .filter(|q| !q.contains('#'));
            let in_value = query
                .and_then(|q| q.rsplit('&').next())
                .is_some_and(|param| param.contains('='));
            if in_value {
                percent_encode(value)
            } else {
                value.to_string()
            }
        })
    }

    /// Substitutes `{{NAME}}`s, writing each value as `write(value, text so far)` returns.
    fn substitute_with(
        &self,
        text: &str,
        write: impl Fn(&str, &str) -> String,
    ) -> Result<String, Vec<String>> {
        self.substitute_inner(text, &|_| false, write)
    }

    /// Substitutes `{{NAME}}`s but those `keep` names, writing each value as `write(value, text
    /// so far)` returns.
    fn substitute_inner(
        &self,
        text: &str,
        keep: &dyn Fn(&str) -> bool,
        write: impl Fn(&str, &str) -> String,
    ) -> Result<String, Vec<String>> {
        let mut out = String::with_capacity(text.len());
        let mut missing = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let Some(close) = rest[open + 2..].find("}}") else {
                break;
            };
            let inner = &rest[open + 2..open + 2 + close];
            out.push_str(&rest[..open]);
            let name = inner.trim();
            if inner.contains(['{', '}', '\n', '|']) || name.is_empty() {
                out.push_str(&rest[open..open + 2]);
                rest = &rest[open + 2..];
                continue;
            }
            if keep(name) {
                out.push_str(&rest[open..open + 4 + close]);
                rest = &rest[open + 4 + close..];
                continue;
            }
            match self.map.get(name) {
                Some(r) => {
                    let written = write(&r.value, &out);
                    out.push_str(&written);
                }
                None => {
                    if !missing.iter().any(|m| m == name) {
                        missing.push(name.to_string());
                    }
                    out.push_str(&rest[open..open + 4 + close]);
                }
            }
            rest = &rest[open + 4 + close..];
        }
        out.push_str(rest);
        if missing.is_empty() {
            Ok(out)
        } else {
            Err(missing)
        }
    }

    /// A masker for every secret value (see [`crate::secrets`]: every form it travels in).
    pub fn masker(&self) -> crate::secrets::Masker {
        crate::secrets::Masker::new(
            self.map
                .values()
                .filter(|r| r.secret)
                .map(|r| r.value.as_str()),
        )
    }

    /// `text` with every secret value replaced by [`MASK`], in every form it travels in
    /// (raw, percent-encoded, JSON-escaped, base64).
    pub fn mask(&self, text: &str) -> String {
        self.masker().mask(text).into_owned()
    }
}

/// A value percent-encoded for a query parameter or a path parameter: every byte but the
/// unreserved ones (RFC 3986: letters, digits, `-._~`) as `%XX`.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The directories from the workspace root (or the file's own directory) down to the file's
/// directory, outermost first.
fn directories(opts: &EnvOptions) -> Vec<PathBuf> {
    let Some(dir) = opts.file.parent() else {
        return Vec::new();
    };
    let mut dirs = vec![dir.to_path_buf()];
    if let Some(root) = &opts.workspace_root {
        if dir.starts_with(root) {
            let mut d = dir;
            while d != root.as_path() {
                match d.parent() {
                    Some(p) => {
                        dirs.push(p.to_path_buf());
                        d = p;
                    }
                    None => break,
                }
            }
        }
    }
    dirs.reverse();
    dirs
}

/// Loads the variables a file sees from its sources, in the resolution order above.
pub fn load(files: &dyn EnvFiles, opts: &EnvOptions) -> Variables {
    let mut vars = Variables::new();
    for (k, v) in &opts.process_env {
        vars.insert(k.clone(), v.clone(), Source::Environment, false);
    }
    let root = opts
        .workspace_root
        .clone()
        .or_else(|| opts.file.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let envs = Environments::load(files, &root, opts.profile.as_deref());
    let chosen = opts.env_name.as_deref().filter(|n| !n.is_empty());
    let active = envs.active(chosen);
    // The legacy `.env.<name>` files follow the active environment (chosen, or the default).
    let env_name = chosen.or(active.map(|e| e.name.as_str()));
    let mut legacy_found = false;
    for dir in &directories(opts) {
        let mut names = vec![".env".to_string()];
        if let Some(name) = env_name {
            let mut prefix = String::new();
            for part in name.split('.') {
                if !prefix.is_empty() {
                    prefix.push('.');
                }
                prefix.push_str(part);
                names.push(format!(".env.{prefix}"));
            }
        }
        for name in names {
            let path = dir.join(&name);
            if let Some(text) = files.read(&path) {
                legacy_found |= name != ".env";
                for (k, v, line) in parse_dotenv(&text) {
                    let source = Source::File {
                        path: path.clone(),
                        line,
                    };
                    vars.insert(k, v, source, false);
                }
            }
        }
    }
    vars.file_problems = envs.problems.clone();
    let profile_chosen = opts
        .profile
        .as_deref()
        .is_some_and(|p| !p.is_empty() && p != DEFAULT_PROFILE);
    if profile_chosen && envs.files.is_empty() {
        vars.environment_problem = Some(format!(
            "profile `{}` has no environment files (.voiden/env-{0}-public.yaml or env-{0}-private.yaml)",
            envs.profile
        ));
    } else if let Some(requested) = chosen.filter(|_| active.is_none()) {
        let names: Vec<String> = envs.selectable().map(|e| format!("`{}`", e.name)).collect();
        vars.environment_problem = Some(if !names.is_empty() {
            format!(
                "environment `{requested}` does not exist in profile `{}`; its environments: {}",
                envs.profile,
                names.join(", ")
            )
        } else if !legacy_found {
            format!(
                "environment `{requested}` does not exist: no app environment files (profile `{}`) and no `.env.{requested}` file",
                envs.profile
            )
        } else {
            String::new()
        })
        .filter(|p| !p.is_empty());
    }
    if !envs.environments.is_empty() || chosen.is_some() {
        vars.active = Some(ActiveEnvironment {
            profile: envs.profile.clone(),
            name: active.map(|e| e.name.clone()),
            display_name: active.and_then(|e| e.display_name.clone()),
            chosen: chosen.is_some(),
            requested: chosen.map(str::to_string),
        });
    }
    if let Some(env) = active {
        for v in &env.variables {
            vars.insert(
                v.name.clone(),
                v.value.clone(),
                Source::File {
                    path: v.path.clone(),
                    line: v.line,
                },
                v.secret,
            );
            if let Some(r) = vars.map.get_mut(&v.name) {
                r.environment = Some(v.defined_in.clone());
            }
        }
    }
    for other in envs.selectable() {
        if active.is_some_and(|a| a.name == other.name) {
            continue;
        }
        for v in &other.variables {
            if active.is_none_or(|a| a.variable(&v.name).is_none()) {
                let list = vars.elsewhere.entry(v.name.clone()).or_default();
                if !list.contains(&other.name) {
                    list.push(other.name.clone());
                }
            }
        }
    }
    for (k, v) in &opts.overrides {
        vars.insert(k.clone(), v.clone(), Source::Override, false);
    }
    vars
}

/// Parses a `.env` file: `KEY=VALUE` lines (optional `export `), `#` comments, values in
/// single or double quotes, ` #` comments after unquoted values. Returns `(name, value, line)`.
pub fn parse_dotenv(text: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for (line_no, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        let value = value.trim();
        let value = if let Some(v) = value
            .strip_prefix('"')
            .and_then(|v| v.rfind('"').map(|e| &v[..e]))
        {
            v.replace("\\n", "\n").replace("\\\"", "\"")
        } else if let Some(v) = value
            .strip_prefix('\'')
            .and_then(|v| v.rfind('\'').map(|e| &v[..e]))
        {
            v.to_string()
        } else {
            match value.find(" #") {
                Some(i) => value[..i].trim_end().to_string(),
                None => value.to_string(),
            }
        };
        out.push((key.to_string(), value, line_no));
    }
    out
}

/// The variables of one app environment file given on the command line (`--env FILE.yaml`):
/// those of environment `env_name` of its tree, or of its first environment. Returns
/// `(name, value, line)`; an empty list when the file is not valid YAML or has no environment.
pub fn parse_env_yaml(text: &str, env_name: Option<&str>) -> Vec<(String, String, usize)> {
    let envs = Environments::from_text(Path::new(""), text);
    envs.active(env_name)
        .map(|e| {
            e.variables
                .iter()
                .map(|v| (v.name.clone(), v.value.clone(), v.line))
                .collect()
        })
        .unwrap_or_default()
}

/// Warnings for every `{{NAME}}` that has no value. `{{process.*}}`, `{{$faker.*}}`,
/// `{{$req.*}}` and `{{$res.*}}` are never reported, nor a name an MCP tool of its section binds
/// to a parameter ([`crate::mcp_tools`]). When the project has app environments,
/// the message names the active one, and the others that define the name. A chosen
/// environment or profile that does not exist is an error, and an environment file the app
/// cannot read a warning, both at the start of the document.
pub fn diagnose_variables(doc: &Document, vars: &Variables) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    if let Some(problem) = vars.environment_problem() {
        out.push(Diagnostic::new(
            0..0,
            Severity::Error,
            codes::UNKNOWN_ENVIRONMENT,
            problem.to_string(),
        ));
    }
    out.extend(vars.file_problems().iter().map(|p| {
        Diagnostic::new(
            0..0,
            Severity::Warning,
            codes::ENV_FILE_NOT_READ,
            format!("environment file not read: {p}"),
        )
    }));
    let bound = crate::mcp_tools::tool_bindings(doc);
    let captured = captured_names(doc, vars, &mut out);
    let unresolved = doc
        .variables
        .iter()
        .filter(|v| v.kind() == VariableKind::Environment && vars.get(&v.name).is_none())
        .filter(|v| {
            let section = doc.section_at(v.range.start);
            crate::mcp_tools::binding_of(&bound, section, &v.name).is_none()
                && !captured.iter().any(|(s, n)| *s == section && *n == v.name)
        })
        .map(|v| {
            Diagnostic::new(
                v.name_range.clone(),
                Severity::Warning,
                codes::UNRESOLVED_VARIABLE,
                unresolved_message(&v.name, vars),
            )
        });
    out.extend(unresolved);
    out
}

/// The names the replies of each WebSocket section capture (docs/format.md §4.4), with their
/// section: they get a value at run time, so in that section they are not unresolved. A
/// capture name that the environment defines too is a warning (`out`): once captured, the
/// captured value wins for the rest of the session.
fn captured_names(
    doc: &Document,
    vars: &Variables,
    out: &mut Vec<Diagnostic>,
) -> Vec<(usize, String)> {
    let mut names = Vec::new();
    for (index, section) in doc.sections.iter().enumerate() {
        if !section.is_websocket(doc) {
            continue;
        }
        for (name, _, message) in section.captured_names(doc) {
            if let (Some(resolved), Some(capture)) = (vars.get(&name), &message.capture) {
                let from = match &resolved.source {
                    Source::File { path, line } => {
                        format!(" (from {}:{})", path.display(), line + 1)
                    }
                    Source::Override => " (from the settings or the command line)".to_string(),
                    Source::Environment => " (from the process environment)".to_string(),
                };
                out.push(Diagnostic::new(
                    capture.range.clone(),
                    Severity::Warning,
                    codes::CAPTURE_SHADOWS_VARIABLE,
                    format!(
                        "capture `{name}` shadows the environment variable `{{{{{name}}}}}`{from}: messages sent before it is captured use the environment's value, later ones the captured value"
                    ),
                ));
            }
            names.push((index, name));
        }
    }
    names
}

/// Why `{{name}}` has no value, in words.
pub fn unresolved_message(name: &str, vars: &Variables) -> String {
    let mut message = format!("`{{{{{name}}}}}` has no value");
    match vars.active_environment() {
        Some(ActiveEnvironment {
            name: Some(env),
            profile,
            ..
        }) => {
            message.push_str(&format!(" in environment `{env}`"));
            if profile != DEFAULT_PROFILE {
                message.push_str(&format!(" (profile `{profile}`)"));
            }
        }
        Some(ActiveEnvironment {
            requested: Some(requested),
            ..
        }) => match vars.environment_problem() {
            Some(problem) => message.push_str(&format!(" ({problem})")),
            None => message.push_str(&format!(" in environment `{requested}`")),
        },
        _ => {}
    }
    let elsewhere = vars.defined_elsewhere(name);
    if !elsewhere.is_empty() {
        let list: Vec<String> = elsewhere.iter().map(|e| format!("`{e}`")).collect();
        message.push_str(&format!("; defined in {}", list.join(", ")));
    } else {
        message.push_str(
            ": define it in .env, .voiden/env-public.yaml or env-private.yaml, or pass it as an override",
        );
    }
    message
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use crate::variables::test_files as files;

    #[test]
    fn later_sources_win_and_sources_are_recorded() {
        let fs = files(&[
            ("/w/.env", "BASE=outer\nONLY_OUTER=1\n"),
            ("/w/api/.env", "# comment\nBASE=inner\n"),
            ("/w/api/.env.ci", "BASE=ci\n"),
            (
                "/w/.voiden/env-public.yaml",
                "ci:\n  variables:\n    HOST: h.example\n",
            ),
            (
                "/w/.voiden/env-private.yaml",
                "ci:\n  variables:\n    PASS: hunter22\n",
            ),
        ]);
        let opts = EnvOptions {
            file: "/w/api/x.void".into(),
            workspace_root: Some("/w".into()),
            profile: None,
            env_name: Some("ci".into()),
            process_env: vec![
                ("BASE".into(), "env".into()),
                ("HOME".into(), "/root".into()),
            ],
            overrides: vec![("OVR".into(), "o".into())],
        };
        let vars = load(&fs, &opts);
        assert_eq!(vars.get("BASE").unwrap().value, "ci");
        assert_eq!(
            vars.get("BASE").unwrap().source,
            Source::File {
                path: "/w/api/.env.ci".into(),
                line: 0
            }
        );
        assert_eq!(vars.get("ONLY_OUTER").unwrap().value, "1");
        assert_eq!(vars.get("HOME").unwrap().source, Source::Environment);
        assert_eq!(vars.get("HOST").unwrap().value, "h.example");
        assert_eq!(vars.get("HOST").unwrap().environment.as_deref(), Some("ci"));
        assert!(vars.get("ci.variables.HOST").is_none());
        let pass = vars.get("PASS").unwrap();
        assert!(pass.secret);
        assert_eq!(
            pass.source,
            Source::File {
                path: "/w/.voiden/env-private.yaml".into(),
                line: 2
            }
        );
        assert_eq!(vars.get("OVR").unwrap().source, Source::Override);
        assert_eq!(vars.mask("login hunter22 ok"), format!("login {MASK} ok"));
        assert_eq!(
            vars.substitute("{{HOST}}/{{ BASE }}").unwrap(),
            "h.example/ci"
        );
        assert_eq!(
            vars.substitute("{{NOPE}} {{NOPE}} {{X}}").unwrap_err(),
            vec!["NOPE", "X"]
        );
    }

    #[test]
    fn legacy_env_files_follow_the_active_environment() {
        let fs = files(&[
            ("/w/.env", "A=base\nB=base\nC=base\n"),
            ("/w/.env.foo", "B=foo\nC=foo\n"),
            ("/w/.env.foo.bar", "C=bar\n"),
        ]);
        let opts = EnvOptions {
            file: "/w/x.void".into(),
            workspace_root: Some("/w".into()),
            env_name: Some("foo.bar".into()),
            ..EnvOptions::default()
        };
        let vars = load(&fs, &opts);
        let got: Vec<_> = ["A", "B", "C"]
            .iter()
            .map(|n| vars.get(n).unwrap().value.as_str())
            .collect();
        assert_eq!(got, ["base", "foo", "bar"]);
        assert!(vars.active_environment().unwrap().name.is_none());
        assert!(vars.environment_problem().is_none());
        assert!(unresolved_message("D", &vars).contains("in environment `foo.bar`"));
        let opts = EnvOptions {
            env_name: Some("nope".into()),
            ..opts
        };
        let vars = load(&fs, &opts);
        assert!(
            vars.environment_problem()
                .is_some_and(|p| p.contains("no `.env.nope` file")),
            "{:?}",
            vars.environment_problem()
        );
    }

    #[test]
    fn a_name_of_another_environment_is_named_in_the_warning() {
        let fs = files(&[(
            "/w/.voiden/env-public.yaml",
            "dev:\n  variables:\n    A: 1\nprod:\n  variables:\n    A: 2\n    ONLY_PROD: x\n",
        )]);
        let opts = EnvOptions {
            file: "/w/x.void".into(),
            workspace_root: Some("/w".into()),
            ..EnvOptions::default()
        };
        let vars = load(&fs, &opts);
        assert_eq!(vars.get("A").unwrap().value, "1");
        assert_eq!(
            unresolved_message("ONLY_PROD", &vars),
            "`{{ONLY_PROD}}` has no value in environment `dev`; defined in `prod`"
        );
    }

    #[test]
    fn values_in_a_query_are_percent_encoded_and_the_rest_is_not() {
        let mut vars = Variables::new();
        vars.insert("BASE", "wss://h.example:8443/api", Source::Override, false);
        vars.insert("TOKEN", "a&x=1 é+%", Source::Override, false);
        vars.insert("QUERY", "a=1&b=2", Source::Override, false);
        assert_eq!(
            vars.substitute_url("{{BASE}}/ws?token={{TOKEN}}&v=2")
                .unwrap(),
            "wss://h.example:8443/api/ws?token=a%26x%3D1%20%C3%A9%2B%25&v=2"
        );
        assert_eq!(
            vars.substitute_url("{{BASE}}?{{QUERY}}").unwrap(),
            "wss://h.example:8443/api?a=1&b=2"
        );
        assert_eq!(
            vars.substitute_url("{{BASE}}/{{TOKEN}}").unwrap(),
            "wss://h.example:8443/api/a&x=1 é+%"
        );
        // A `?` inside a value counts: what follows it is a query.
        vars.insert("WITH_QUERY", "wss://h/p?k=", Source::Override, false);
        assert_eq!(
            vars.substitute_url("{{WITH_QUERY}}{{TOKEN}}").unwrap(),
            "wss://h/p?k=a%26x%3D1%20%C3%A9%2B%25"
        );
        assert_eq!(
            vars.substitute_url("wss://h/p?k={{NOPE}}").unwrap_err(),
            vec!["NOPE"]
        );
    }

    #[test]
    fn names_an_mcp_tool_binds_are_not_unresolved_in_its_section() {
        let text = "```void\n---\ntype: json_body\nattrs:\n  uid: a\n  body: '{\"email\": \"{{customer_email}}\", \"at\": \"{{BASE_URL}}\"}'\n---\n```\n\n```void\n---\ntype: tool\nattrs:\n  uid: b\n  name: create_customer\ncontent:\n  - type: toolparams\n    attrs:\n      uid: c\n      rows:\n        - name: email\n          binds: customer_email\n          source: agent\n---\n```\n\n```void\n---\ntype: request-separator\nattrs:\n  uid: d\n---\n```\n\n```void\n---\ntype: json_body\nattrs:\n  uid: e\n  body: '{{customer_email}}'\n---\n```\n";
        let doc = crate::parse(text);
        let warnings: Vec<_> = diagnose_variables(&doc, &Variables::new())
            .into_iter()
            .map(|d| text[d.range].to_string())
            .collect();
        assert_eq!(
            warnings,
            ["BASE_URL", "customer_email"],
            "the second section has no tool"
        );
    }

    #[test]
    fn captured_names_are_not_unresolved_and_a_capture_that_shadows_a_variable_is_named() {
        let request = "```void\n---\ntype: socket-request\nattrs:\n  uid: r\ncontent:\n  - type: smethod\n    content: WS\n  - type: surl\n    content: ws://127.0.0.1:1/x\n---\n```\n\n";
        let text = format!(
            "{request}```void\n---\ntype: ws-message\nattrs:\n  uid: a\n  send: on-receive\n  capture: TOKEN = json.token; USER = json.user\n---\n```\n\n```void\n---\ntype: ws-message\nattrs:\n  uid: b\n  body: '{{{{TOKEN}}}} {{{{USER}}}} {{{{OTHER}}}} {{{{$msg.text}}}}'\n---\n```\n"
        );
        let doc = crate::parse(&text);
        let mut vars = Variables::new();
        vars.insert(
            "TOKEN",
            "from-env",
            Source::File {
                path: PathBuf::from("/w/.env"),
                line: 2,
            },
            false,
        );
        let diags = diagnose_variables(&doc, &vars);
        let unresolved: Vec<_> = diags
            .iter()
            .filter(|d| d.code == codes::UNRESOLVED_VARIABLE)
            .map(|d| &text[d.range.clone()])
            .collect();
        assert_eq!(unresolved, ["OTHER"]);
        let shadow: Vec<_> = diags
            .iter()
            .filter(|d| d.code == codes::CAPTURE_SHADOWS_VARIABLE)
            .collect();
        assert_eq!(shadow.len(), 1, "{diags:#?}");
        assert!(
            shadow[0].message.contains("capture `TOKEN` shadows"),
            "{}",
            shadow[0].message
        );
        assert!(
            shadow[0].message.contains("/w/.env:3"),
            "{}",
            shadow[0].message
        );
    }

    #[test]
    fn secret_names() {
        assert!(is_secret_name("AUTH_TOKEN"));
        assert!(is_secret_name("api_key"));
        assert!(!is_secret_name("BASE_URL"));
    }

    #[test]
    fn dotenv_quotes_and_comments() {
        let parsed = parse_dotenv("export A=\"x y\"\nB='z'\nC=plain # note\n bad line\n");
        let pairs: Vec<_> = parsed
            .iter()
            .map(|(k, v, _)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs, vec![("A", "x y"), ("B", "z"), ("C", "plain")]);
    }
}
