//! The Voiden app's environments (docs/format.md §5.1), exactly as the app reads them: the
//! profiles of a project, the environment tree of a profile (its public and private files
//! merged, the private one winning), inheritance down the tree, and which environment is
//! active.
//!
//! - Files: profile `default` is `.voiden/env-public.yaml` + `.voiden/env-private.yaml`; a
//!   profile `NAME` is `.voiden/env-NAME-public.yaml` + `.voiden/env-NAME-private.yaml`. A file
//!   missing from `.voiden/` is looked for at the project root under the same name.
//! - A tree node is `{variables: {...}, children: {...}, intermediate: bool, displayName}`; an
//!   environment's name is its path, joined with dots; it has its ancestors' variables,
//!   overridden by its own. `intermediate: true` nodes only group and pass variables on.
//! - Values are what the app substitutes: JavaScript's `String(value)` of what `YAML.parse`
//!   gives (`08080` is `8080`, `true` is `true`, an empty value is `null`).
//! - The active environment is the one chosen; when none is chosen, the first selectable
//!   environment in file order (the app would resolve nothing until one is picked; a default
//!   keeps a project that defines environments free of false "unresolved" warnings).
//!
//! Every variable keeps where its value was written (file and line) and which environment
//! defined it, for hovers and go-to-definition. Values from private files are secrets. A file
//! that is not valid YAML is skipped, as the app skips it, and reported in
//! [`Environments::problems`]. No I/O here: files are read through [`EnvFiles`].

use std::path::{Path, PathBuf};

use crate::line_index::{ColumnUnit, LineIndex};
use crate::variables::EnvFiles;
use crate::yaml::{self, JsValue, Node, OffsetMap, Value};

/// The profile used when none is chosen.
pub const DEFAULT_PROFILE: &str = "default";

/// The directory of a project that holds the app's environment files.
pub const VOIDEN_DIR: &str = ".voiden";

/// The public and private file names of a profile.
pub fn profile_file_names(profile: &str) -> (String, String) {
    if profile.is_empty() || profile == DEFAULT_PROFILE {
        ("env-public.yaml".into(), "env-private.yaml".into())
    } else {
        (
            format!("env-{profile}-public.yaml"),
            format!("env-{profile}-private.yaml"),
        )
    }
}

/// Whether `name` is a profile name the app accepts (`[a-z0-9-]+`).
pub fn is_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The profiles of a project: `default`, then every `NAME` of an `env-NAME-public.yaml` or
/// `env-NAME-private.yaml` in `.voiden/` or at the root, sorted.
pub fn profiles(files: &dyn EnvFiles, root: &Path) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for dir in [root.join(VOIDEN_DIR), root.to_path_buf()] {
        for file in files.list(&dir) {
            let Some(middle) = file.strip_prefix("env-").and_then(|rest| {
                rest.strip_suffix("-public.yaml")
                    .or_else(|| rest.strip_suffix("-private.yaml"))
            }) else {
                continue;
            };
            if is_profile_name(middle)
                && middle != DEFAULT_PROFILE
                && !names.iter().any(|n| n == middle)
            {
                names.push(middle.to_string());
            }
        }
    }
    names.sort();
    names.insert(0, DEFAULT_PROFILE.to_string());
    names
}

/// A variable of an environment, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVariable {
    pub name: String,
    pub value: String,
    /// The file and 0-based line of the definition that wins.
    pub path: PathBuf,
    pub line: usize,
    /// The environment (dotted name) whose `variables` hold that definition: the environment
    /// itself, or an ancestor it inherits from.
    pub defined_in: String,
    /// Written in a private file.
    pub secret: bool,
}

/// One environment of a profile's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// The dotted path (`thor.test.local`).
    pub name: String,
    pub display_name: Option<String>,
    /// `false` for `intermediate: true` nodes, which cannot be active.
    pub selectable: bool,
    /// Its variables: inherited ones first, overridden in place, then its own.
    pub variables: Vec<EnvVariable>,
}

impl Environment {
    pub fn variable(&self, name: &str) -> Option<&EnvVariable> {
        self.variables.iter().find(|v| v.name == name)
    }
}

/// The environments of one profile of one project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environments {
    pub profile: String,
    /// The files read (public, then private), where they exist.
    pub files: Vec<PathBuf>,
    /// Every environment, in the app's order (depth first, file order; the public file's
    /// environments before those only the private file has).
    pub environments: Vec<Environment>,
    /// Files that exist but are not valid YAML (skipped, as the app skips them), in words.
    pub problems: Vec<String>,
}

impl Environments {
    /// Reads a profile's files under `root` (`None`: the default profile).
    pub fn load(files: &dyn EnvFiles, root: &Path, profile: Option<&str>) -> Environments {
        let profile = profile
            .filter(|p| !p.is_empty())
            .unwrap_or(DEFAULT_PROFILE)
            .to_string();
        let (public, private) = profile_file_names(&profile);
        let mut out = Environments {
            profile,
            ..Environments::default()
        };
        let mut tree = Tree::default();
        for (name, secret) in [(public, false), (private, true)] {
            let Some((path, text)) = read_with_fallback(files, root, &name) else {
                continue;
            };
            match file_tree(&path, &text, secret) {
                Ok(file) => tree.merge(file),
                Err(problem) => out.problems.push(problem),
            }
            out.files.push(path);
        }
        tree.flatten("", &[], &mut out.environments);
        out
    }

    /// The environments of one file's text alone (a file given on the command line).
    pub fn from_text(path: &Path, text: &str) -> Environments {
        let mut out = Environments {
            profile: DEFAULT_PROFILE.to_string(),
            files: vec![path.to_path_buf()],
            ..Environments::default()
        };
        match file_tree(path, text, false) {
            Ok(tree) => tree.flatten("", &[], &mut out.environments),
            Err(problem) => out.problems.push(problem),
        }
        out
    }

    pub fn get(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// The environments that can be active.
    pub fn selectable(&self) -> impl Iterator<Item = &Environment> {
        self.environments.iter().filter(|e| e.selectable)
    }

    /// The active environment: `chosen` when it names a selectable environment, else (nothing
    /// chosen) the first selectable one. A chosen name that does not exist gives `None`.
    pub fn active(&self, chosen: Option<&str>) -> Option<&Environment> {
        match chosen.filter(|c| !c.is_empty()) {
            Some(name) => self.get(name).filter(|e| e.selectable),
            None => self.selectable().next(),
        }
    }

    /// The selectable environments that define `name` (for "defined in ..." hints).
    pub fn defining(&self, name: &str) -> Vec<&str> {
        self.selectable()
            .filter(|e| e.variable(name).is_some())
            .map(|e| e.name.as_str())
            .collect()
    }
}

/// `<root>/.voiden/<name>`, else `<root>/<name>` when the first does not exist.
fn read_with_fallback(files: &dyn EnvFiles, root: &Path, name: &str) -> Option<(PathBuf, String)> {
    let in_voiden = root.join(VOIDEN_DIR).join(name);
    if let Some(text) = files.read(&in_voiden) {
        return Some((in_voiden, text));
    }
    let at_root = root.join(name);
    files.read(&at_root).map(|text| (at_root, text))
}

/// A definition as written: value, file, line, and whether the file is private.
#[derive(Debug, Clone)]
struct Written {
    value: String,
    path: PathBuf,
    line: usize,
    secret: bool,
}

/// A node of the merged tree, keys in the app's order.
#[derive(Debug, Clone, Default)]
struct Tree {
    /// `(environment key, node)`.
    nodes: Vec<(String, EnvNode)>,
}

#[derive(Debug, Clone, Default)]
struct EnvNode {
    variables: Vec<(String, Written)>,
    children: Tree,
    intermediate: Option<bool>,
    display_name: Option<String>,
}

impl Tree {
    /// `lodash.merge(this, other)`: environments and variables by key, `other` winning, new
    /// keys after the existing ones.
    fn merge(&mut self, other: Tree) {
        for (key, node) in other.nodes {
            match self.nodes.iter_mut().find(|(k, _)| *k == key) {
                Some((_, mine)) => mine.merge(node),
                None => self.nodes.push((key, node)),
            }
        }
    }

    fn flatten(&self, prefix: &str, inherited: &[EnvVariable], out: &mut Vec<Environment>) {
        for (key, node) in &self.nodes {
            let name = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            let mut variables = inherited.to_vec();
            for (var, written) in &node.variables {
                let defined = EnvVariable {
                    name: var.clone(),
                    value: written.value.clone(),
                    path: written.path.clone(),
                    line: written.line,
                    defined_in: name.clone(),
                    secret: written.secret,
                };
                match variables.iter_mut().find(|v| v.name == *var) {
                    Some(slot) => *slot = defined,
                    None => variables.push(defined),
                }
            }
            out.push(Environment {
                name: name.clone(),
                display_name: node.display_name.clone(),
                selectable: node.intermediate != Some(true),
                variables: variables.clone(),
            });
            node.children.flatten(&name, &variables, out);
        }
    }
}

impl EnvNode {
    fn merge(&mut self, other: EnvNode) {
        for (name, written) in other.variables {
            match self.variables.iter_mut().find(|(n, _)| *n == name) {
                Some((_, mine)) => *mine = written,
                None => self.variables.push((name, written)),
            }
        }
        self.children.merge(other.children);
        if other.intermediate.is_some() {
            self.intermediate = other.intermediate;
        }
        if other.display_name.is_some() {
            self.display_name = other.display_name;
        }
    }
}

/// The tree of one environment file.
fn file_tree(path: &Path, text: &str, secret: bool) -> Result<Tree, String> {
    let tree = match yaml::parse(text, &OffsetMap::contiguous(text, 0)) {
        Ok(Some(tree)) => tree,
        Ok(None) => return Ok(Tree::default()),
        Err(e) => {
            return Err(format!(
                "{} is not valid YAML ({}); its environments are left out",
                path.display(),
                e.message
            ));
        }
    };
    // The app reads the file with `YAML.parse`: what it rejects (a repeated key, an alias...)
    // makes it skip the whole file.
    if let Err(e) = JsValue::from_yaml(tree.root()) {
        return Err(format!(
            "{} cannot be read as the app reads it ({e}); its environments are left out",
            path.display()
        ));
    }
    let reader = FileReader {
        path,
        text,
        index: LineIndex::new(text),
        secret,
    };
    Ok(reader.tree(tree.root()))
}

struct FileReader<'a> {
    path: &'a Path,
    text: &'a str,
    index: LineIndex,
    secret: bool,
}

impl FileReader<'_> {
    fn line_of(&self, node: Node<'_>) -> usize {
        self.index
            .position(self.text, node.range().start, ColumnUnit::Utf8)
            .0
    }

    fn tree(&self, node: Node<'_>) -> Tree {
        let mut tree = Tree::default();
        let Value::Mapping { entries, .. } = node.value() else {
            return tree;
        };
        for entry in entries {
            let key = key_string(entry.key);
            let env = self.env_node(entry.value);
            match tree.nodes.iter_mut().find(|(k, _)| *k == key) {
                Some((_, existing)) => *existing = env,
                None => tree.nodes.push((key, env)),
            }
        }
        tree
    }

    fn env_node(&self, node: Node<'_>) -> EnvNode {
        let mut env = EnvNode::default();
        let Value::Mapping { entries, .. } = node.value() else {
            // Not a mapping: an environment with nothing of its own.
            return env;
        };
        for entry in entries {
            match key_string(entry.key).as_str() {
                "variables" => {
                    if let Value::Mapping { entries, .. } = entry.value.value() {
                        for var in entries {
                            let written = Written {
                                value: js_string(var.value),
                                path: self.path.to_path_buf(),
                                line: self.line_of(var.key),
                                secret: self.secret,
                            };
                            let name = key_string(var.key);
                            match env.variables.iter_mut().find(|(n, _)| *n == name) {
                                Some((_, slot)) => *slot = written,
                                None => env.variables.push((name, written)),
                            }
                        }
                    }
                }
                "children" => env.children = self.tree(entry.value),
                "intermediate" => {
                    env.intermediate = Some(matches!(
                        JsValue::from_yaml(entry.value),
                        Ok(JsValue::Bool(true))
                    ))
                }
                "displayName" => {
                    env.display_name = match JsValue::from_yaml(entry.value) {
                        Ok(JsValue::Null) | Err(_) => None,
                        Ok(v) => Some(v.to_js_string()),
                    }
                }
                _ => {}
            }
        }
        env
    }
}

/// The property name the app makes of a key.
fn key_string(key: Node<'_>) -> String {
    JsValue::from_yaml(key)
        .map(|k| k.property_key())
        .unwrap_or_default()
}

/// The text the app substitutes for a value: `String(value)`.
fn js_string(node: Node<'_>) -> String {
    JsValue::from_yaml(node)
        .map(|v| v.to_js_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use crate::variables::test_files as files;

    const PUBLIC: &str = "thor:\n  variables:\n    description: God of Thunder\n    BASE_URL: thor.com\n  children:\n    production:\n      variables:\n        BASE_URL: prod.thor.com\n    test:\n      intermediate: true\n      children:\n        staging:\n          displayName: Staging\n          variables:\n            BASE_URL: staging.thor.com\n        local:\n          variables:\n            BASE_URL: localhost:8080\n            PORT: 08080\nodin:\n  variables:\n    BASE_URL: odin.com\n";
    const PRIVATE: &str = "thor:\n  children:\n    test:\n      variables:\n        PASSWORD: hunter2\nloki:\n  variables:\n    X: y\n";

    #[test]
    fn the_tree_inherits_overrides_and_merges_private_over_public() {
        let fs = files(&[
            ("/p/.voiden/env-public.yaml", PUBLIC),
            ("/p/.voiden/env-private.yaml", PRIVATE),
        ]);
        let envs = Environments::load(&fs, Path::new("/p"), None);
        let names: Vec<_> = envs.environments.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "thor",
                "thor.production",
                "thor.test",
                "thor.test.staging",
                "thor.test.local",
                "odin",
                "loki"
            ]
        );
        let local = envs.get("thor.test.local").unwrap();
        assert_eq!(local.variable("BASE_URL").unwrap().value, "localhost:8080");
        assert_eq!(local.variable("PORT").unwrap().value, "8080");
        let desc = local.variable("description").unwrap();
        assert_eq!((desc.defined_in.as_str(), desc.line), ("thor", 2));
        let password = local.variable("PASSWORD").unwrap();
        assert!(password.secret);
        assert_eq!(password.defined_in, "thor.test");
        assert_eq!(password.path, PathBuf::from("/p/.voiden/env-private.yaml"));
        assert!(!envs.get("thor.test").unwrap().selectable);
        assert_eq!(
            envs.get("thor.test.staging")
                .unwrap()
                .display_name
                .as_deref(),
            Some("Staging")
        );
        assert_eq!(envs.active(None).unwrap().name, "thor");
        assert_eq!(envs.active(Some("odin")).unwrap().name, "odin");
        assert!(envs.active(Some("thor.test")).is_none());
        assert!(envs.active(Some("nope")).is_none());
        assert_eq!(
            envs.defining("PASSWORD"),
            ["thor.test.staging", "thor.test.local"]
        );
    }

    #[test]
    fn profiles_have_their_own_files_and_the_root_is_a_fallback() {
        let fs = files(&[
            ("/p/env-public.yaml", "old:\n  variables:\n    A: root\n"),
            (
                "/p/.voiden/env-ci-public.yaml",
                "ci:\n  variables:\n    A: ci\n",
            ),
            (
                "/p/env-ci-private.yaml",
                "ci:\n  variables:\n    B: secret\n",
            ),
            ("/p/.voiden/env-Bad_Name-public.yaml", "x: {}\n"),
        ]);
        let default = Environments::load(&fs, Path::new("/p"), None);
        assert_eq!(
            default.active(None).unwrap().variable("A").unwrap().value,
            "root"
        );
        let ci = Environments::load(&fs, Path::new("/p"), Some("ci"));
        let env = ci.active(None).unwrap();
        assert_eq!(env.variable("A").unwrap().value, "ci");
        assert!(env.variable("B").unwrap().secret);
        assert_eq!(profiles(&fs, Path::new("/p")), ["default", "ci"]);
    }

    #[test]
    fn a_file_the_app_cannot_read_is_skipped_and_reported() {
        let fs = files(&[
            (
                "/p/.voiden/env-public.yaml",
                "a:\n  variables: {X: 1}\na:\n  variables: {X: 2}\n",
            ),
            ("/p/.voiden/env-private.yaml", "b: [\n"),
        ]);
        let envs = Environments::load(&fs, Path::new("/p"), None);
        assert!(envs.environments.is_empty());
        assert_eq!(envs.problems.len(), 2, "{:?}", envs.problems);
    }
}
