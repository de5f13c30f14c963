//! Environment sources in the workspace index: which files define variables (`.env`,
//! `.env.<name>`, and the app's `env-public.yaml` / `env-private.yaml` /
//! `env-<profile>-public.yaml` / `env-<profile>-private.yaml`, docs/format.md §5), and every
//! definition each one writes, with the range of its name, for references and rename.
//!
//! The values are not kept here: what a `{{NAME}}` resolves to, in the active environment, is
//! the environment module's answer (`super::super::environment`). An app environment file
//! keeps every definition of every environment of its tree (`thor.test.local` and `odin`
//! alike), since a rename rewrites them all.

use std::path::Path;

use tower_lsp_server::ls_types::Range;
use void_syntax::environments::{self, Environments, VOIDEN_DIR};
use void_syntax::variables::parse_dotenv;
use void_syntax::{CompactString, LineIndex};

use super::super::position::{LspPositions, PositionEncoding};

/// What kind of environment file a file name is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvKind {
    /// `.env`, `.env.<name>`: `KEY=VALUE` lines.
    Dotenv,
    /// The app's environment YAML of a profile.
    AppYaml { profile: String, private: bool },
}

/// The kind of environment file `name` is, if it is one.
pub fn env_kind(name: &str) -> Option<EnvKind> {
    if name == ".env" || name.starts_with(".env.") {
        return Some(EnvKind::Dotenv);
    }
    let rest = name.strip_prefix("env-")?.strip_suffix(".yaml")?;
    let (profile, private) = match rest {
        "public" => ("", false),
        "private" => ("", true),
        _ => match rest.strip_suffix("-public") {
            Some(p) => (p, false),
            None => (rest.strip_suffix("-private")?, true),
        },
    };
    if !profile.is_empty() && !environments::is_profile_name(profile) {
        return None;
    }
    Some(EnvKind::AppYaml {
        profile: if profile.is_empty() {
            environments::DEFAULT_PROFILE.to_string()
        } else {
            profile.to_string()
        },
        private,
    })
}

/// Whether the file at `path` is read as an environment source of the project at `root`:
/// `.env` files anywhere in it, the app's YAML in `.voiden/` or at the root.
pub fn is_env_source(path: &Path, root: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    match env_kind(name) {
        Some(EnvKind::Dotenv) => true,
        Some(EnvKind::AppYaml { .. }) => path
            .parent()
            .is_some_and(|dir| dir == root || dir == root.join(VOIDEN_DIR)),
        None => false,
    }
}

/// One environment file, summarized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSummary {
    pub kind: EnvKind,
    pub definitions: Vec<EnvDefinition>,
    /// Why the file's definitions could not be read (YAML the app would skip), in words.
    pub problem: Option<String>,
}

/// One `NAME` written in an environment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvDefinition {
    pub name: CompactString,
    /// The name's text.
    pub range: Range,
    /// The app environment whose `variables` hold it (dotted), for YAML files.
    pub environment: Option<String>,
}

impl EnvSummary {
    /// The definitions of the environment file at `path` (whose name gave `kind`).
    pub fn of(path: &Path, kind: EnvKind, text: &str, encoding: PositionEncoding) -> EnvSummary {
        let index = LineIndex::new(text);
        let name_range = |line: usize, name: &str| -> Range {
            let line_range = index.line_range(text, line);
            let line_text = &text[line_range.clone()];
            let start =
                key_offset(line_text, name).map_or(line_range.start, |o| line_range.start + o);
            index.lsp_range(
                text,
                start..start + name.len().min(line_range.end - start),
                encoding,
            )
        };
        let mut out = EnvSummary {
            kind,
            definitions: Vec::new(),
            problem: None,
        };
        match out.kind {
            EnvKind::Dotenv => {
                for (name, _, line) in parse_dotenv(text) {
                    out.definitions.push(EnvDefinition {
                        range: name_range(line, &name),
                        name: CompactString::from(name),
                        environment: None,
                    });
                }
            }
            EnvKind::AppYaml { .. } => {
                let envs = Environments::from_text(path, text);
                out.problem = envs.problems.first().cloned();
                for env in &envs.environments {
                    for var in env.variables.iter().filter(|v| v.defined_in == env.name) {
                        out.definitions.push(EnvDefinition {
                            range: name_range(var.line, &var.name),
                            name: CompactString::from(var.name.as_str()),
                            environment: Some(env.name.clone()),
                        });
                    }
                }
            }
        }
        out
    }
}

/// Where `name` is written as a key on `line` (`NAME=`, `export NAME=`, `NAME:`, `"NAME":`).
fn key_offset(line: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = line[from..].find(name) {
        let start = from + found;
        let end = start + name.len();
        let before = line[..start].chars().next_back();
        let after = line[end..].chars().next();
        let starts = before
            .is_none_or(|c| c.is_whitespace() || c == '"' || c == '\'' || c == '{' || c == ',');
        let ends = after
            .is_none_or(|c| c == '=' || c == ':' || c == '"' || c == '\'' || c.is_whitespace());
        if starts && ends {
            return Some(start);
        }
        from = end;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn environment_file_names() {
        assert_eq!(env_kind(".env"), Some(EnvKind::Dotenv));
        assert_eq!(env_kind(".env.local"), Some(EnvKind::Dotenv));
        assert_eq!(
            env_kind("env-private.yaml"),
            Some(EnvKind::AppYaml {
                profile: "default".into(),
                private: true
            })
        );
        assert_eq!(
            env_kind("env-ci-public.yaml"),
            Some(EnvKind::AppYaml {
                profile: "ci".into(),
                private: false
            })
        );
        assert_eq!(env_kind("env-Bad_Name-public.yaml"), None);
        assert_eq!(env_kind("environment.yaml"), None);
        assert_eq!(env_kind(".envrc"), None);
        let root = Path::new("/p");
        assert!(is_env_source(Path::new("/p/.voiden/env-public.yaml"), root));
        assert!(is_env_source(Path::new("/p/env-public.yaml"), root));
        assert!(!is_env_source(Path::new("/p/deep/env-public.yaml"), root));
        assert!(is_env_source(Path::new("/p/deep/.env"), root));
    }

    /// Each definition of `summary`: its name, environment, and where its name starts.
    fn definitions_found(summary: &EnvSummary) -> Vec<(String, Option<String>, u32, u32)> {
        summary
            .definitions
            .iter()
            .map(|d| {
                (
                    d.name.to_string(),
                    d.environment.clone(),
                    d.range.start.line,
                    d.range.start.character,
                )
            })
            .collect()
    }

    #[test]
    fn definitions_carry_the_range_of_their_names() {
        let text = "# c\nexport HOST=h\n  TOKEN = 'x'\nHOSTNAME=y\n";
        let s = EnvSummary::of(
            Path::new("/p/.env"),
            EnvKind::Dotenv,
            text,
            PositionEncoding::Utf16,
        );
        assert_eq!(
            definitions_found(&s),
            [
                ("HOST".into(), None, 1, 7),
                ("TOKEN".into(), None, 2, 2),
                ("HOSTNAME".into(), None, 3, 0)
            ]
        );

        let yaml = "dev:\n  variables:\n    HOST: a\n    \"TOKEN\": b\n  children:\n    local:\n      variables:\n        HOST: c\n";
        let kind = env_kind("env-public.yaml").unwrap();
        let s = EnvSummary::of(
            Path::new("/p/.voiden/env-public.yaml"),
            kind,
            yaml,
            PositionEncoding::Utf16,
        );
        assert_eq!(
            definitions_found(&s),
            [
                ("HOST".into(), Some("dev".into()), 2, 4),
                ("TOKEN".into(), Some("dev".into()), 3, 5),
                ("HOST".into(), Some("dev.local".into()), 7, 8)
            ]
        );
        assert!(s.problem.is_none());
        let broken = EnvSummary::of(
            Path::new("/p/env-public.yaml"),
            env_kind("env-public.yaml").unwrap(),
            "a: [\n",
            PositionEncoding::Utf16,
        );
        assert!(broken.problem.unwrap().contains("not valid YAML"));
    }
}
