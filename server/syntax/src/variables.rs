//! `{{variables}}`: where their values come from (docs/format.md §5), which are secret, how to
//! substitute and mask them, and the unresolved-variable diagnostics.
//!
//! Resolution order, last wins:
//! 1. the process environment (given as a map by the caller, source [`Source::Environment`]);
//! 2. `.env` then `.env.<profile>` in every directory from the workspace root down to the
//!    `.void` file's directory (outermost first, so the file nearest the `.void` file wins);
//! 3. `env-public.yaml` then `env-private.yaml`, each looked for in `<dir>/.voiden/` and in
//!    `<dir>/` itself, again outermost directory first. Nested keys become dotted names
//!    (`test.variables.TOKEN`); in the app's `<env>: {variables: {...}}` layout the variables of
//!    the active profile's environment are also available by their bare name (`TOKEN`);
//! 4. overrides (command line `--env-var`, editor settings), source [`Source::Override`].
//!
//! Secrets: every value from `env-private.yaml`, and every variable whose name contains
//! `TOKEN`, `SECRET`, `PASSWORD` or `KEY` (case-insensitive). [`Variables::mask`] hides them.
//!
//! This module does no I/O: the caller reads files through [`EnvFiles`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Severity, codes};
use crate::line_index::{ColumnUnit, LineIndex};
use crate::model::{Document, VariableKind};
use crate::yaml::{self, Node, OffsetMap, Value};

/// What replaces a secret value in any text shown to people.
pub const MASK: &str = "••••";

/// Secret values shorter than this are not searched for by [`Variables::mask`] (masking every
/// `a` or `1` in a log would hide everything and protect nothing).
pub const MIN_MASKED_LEN: usize = 4;

/// Reads environment files for resolution. Implemented with `std::fs` by the CLI and the
/// language server, and with a map in tests.
pub trait EnvFiles {
    /// The file's text, or `None` when it does not exist or cannot be read.
    fn read(&self, path: &Path) -> Option<String>;
}

impl EnvFiles for HashMap<PathBuf, String> {
    fn read(&self, path: &Path) -> Option<String> {
        self.get(path).cloned()
    }
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
    /// The active profile (`.env.<profile>`, and the app environment of that name).
    pub profile: Option<String>,
    /// The process environment, lowest priority.
    pub process_env: Vec<(String, String)>,
    /// Overrides, highest priority, in order.
    pub overrides: Vec<(String, String)>,
}

/// The resolved variables of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variables {
    map: HashMap<String, Resolved>,
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
            },
        );
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
            match self.map.get(name) {
                Some(r) => out.push_str(&r.value),
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

    /// `text` with every secret value (at least [`MIN_MASKED_LEN`] bytes long) replaced by
    /// [`MASK`]; longer secrets are replaced first.
    pub fn mask(&self, text: &str) -> String {
        let mut secrets: Vec<&str> = self
            .map
            .values()
            .filter(|r| r.secret && r.value.len() >= MIN_MASKED_LEN)
            .map(|r| r.value.as_str())
            .collect();
        if secrets.is_empty() {
            return text.to_string();
        }
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        let mut out = text.to_string();
        for s in secrets {
            if out.contains(s) {
                out = out.replace(s, MASK);
            }
        }
        out
    }
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

/// Resolves the variables for a file.
pub fn resolve(files: &dyn EnvFiles, opts: &EnvOptions) -> Variables {
    let mut vars = Variables::new();
    for (k, v) in &opts.process_env {
        vars.insert(k.clone(), v.clone(), Source::Environment, false);
    }
    let dirs = directories(opts);
    for dir in &dirs {
        let mut names = vec![".env".to_string()];
        if let Some(p) = &opts.profile {
            names.push(format!(".env.{p}"));
        }
        for name in names {
            let path = dir.join(&name);
            if let Some(text) = files.read(&path) {
                for (k, v, line) in parse_dotenv(&text) {
                    vars.insert(
                        k,
                        v,
                        Source::File {
                            path: path.clone(),
                            line,
                        },
                        false,
                    );
                }
            }
        }
    }
    for (file_name, secret) in [("env-public.yaml", false), ("env-private.yaml", true)] {
        for dir in &dirs {
            for path in [dir.join(".voiden").join(file_name), dir.join(file_name)] {
                if let Some(text) = files.read(&path) {
                    for (k, v, line) in parse_env_yaml(&text, opts.profile.as_deref()) {
                        vars.insert(
                            k,
                            v,
                            Source::File {
                                path: path.clone(),
                                line,
                            },
                            secret,
                        );
                    }
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

/// Parses an app environment YAML file into dotted names. In the app's `<env>: {variables:
/// {NAME: value}}` layout, the variables of the environment named `profile` also get their
/// bare name. Returns `(name, value, line)`.
pub fn parse_env_yaml(text: &str, profile: Option<&str>) -> Vec<(String, String, usize)> {
    let Ok(Some(tree)) = yaml::parse(text, &OffsetMap::contiguous(text, 0)) else {
        return Vec::new();
    };
    let root = tree.root();
    let index = LineIndex::new(text);
    let mut out = Vec::new();
    flatten(root, String::new(), text, &index, &mut out);
    if let Some(env) = profile
        .and_then(|p| root.get(p))
        .and_then(|e| e.get("variables"))
    {
        let mut bare = Vec::new();
        flatten(env, String::new(), text, &index, &mut bare);
        out.extend(bare);
    }
    out
}

fn flatten(
    node: Node<'_>,
    prefix: String,
    text: &str,
    index: &LineIndex,
    out: &mut Vec<(String, String, usize)>,
) {
    match node.value() {
        Value::Mapping { entries, .. } => {
            for e in entries {
                let Some(k) = e.key.as_scalar() else { continue };
                let name = if prefix.is_empty() {
                    k.value.to_string()
                } else {
                    format!("{prefix}.{}", k.value)
                };
                if let Value::Scalar(_) = e.value.value() {
                    let line = index
                        .position(text, e.key.range().start, ColumnUnit::Utf8)
                        .0;
                    let value = e
                        .value
                        .as_scalar()
                        .filter(|s| !s.is_null())
                        .map_or(String::new(), |s| s.value.to_string());
                    out.push((name, value, line));
                } else {
                    flatten(e.value, name, text, index, out);
                }
            }
        }
        Value::Sequence { .. } | Value::Scalar(_) | Value::Alias => {}
    }
}

/// Warnings for every `{{NAME}}` that has no value. `{{process.*}}`, `{{$faker.*}}`,
/// `{{$req.*}}` and `{{$res.*}}` are never reported.
pub fn diagnose_variables(doc: &Document, vars: &Variables) -> Vec<Diagnostic> {
    doc.variables
        .iter()
        .filter(|v| v.kind() == VariableKind::Environment && vars.get(&v.name).is_none())
        .map(|v| {
            Diagnostic::new(
                v.name_range.clone(),
                Severity::Warning,
                codes::UNRESOLVED_VARIABLE,
                format!(
                    "`{{{{{}}}}}` has no value: define it in .env, .voiden/env-public.yaml or env-private.yaml, or pass it as an override",
                    v.name
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn files(entries: &[(&str, &str)]) -> HashMap<PathBuf, String> {
        entries
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect()
    }

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
            profile: Some("ci".into()),
            process_env: vec![
                ("BASE".into(), "env".into()),
                ("HOME".into(), "/root".into()),
            ],
            overrides: vec![("OVR".into(), "o".into())],
        };
        let vars = resolve(&fs, &opts);
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
        assert_eq!(vars.get("ci.variables.HOST").unwrap().value, "h.example");
        assert_eq!(vars.get("HOST").unwrap().value, "h.example");
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
