//! Editor settings: from `initializationOptions` at start-up and from
//! `workspace/didChangeConfiguration` afterwards (docs/lsp-extensions.md, "Settings").
//!
//! Accepted shapes: the settings object itself, or the same object under a `void` key (what
//! VS Code sends for the `void.*` section). Keys: `envProfile` (or `env.profile`), `envName`
//! (or `env.name`), `variables`
//! (object of name to string/number/bool), `logLevel` (`error`, `warn`, `info`, `debug`,
//! `trace`), `workspaceTrusted` (bool: the editor's Workspace Trust). Unknown keys are ignored; a key of the wrong type is ignored with a warning, never
//! an error. This module only parses; applying is the server's job.

use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The app's environment profile (docs/format.md §5.1); `None`: `default`.
    pub env_profile: Option<String>,
    /// The active app environment, a dotted path; `None`: the profile's first environment.
    pub env_name: Option<String>,
    /// Extra variables, highest priority, in the order given.
    pub variables: Vec<(String, String)>,
    /// A tracing filter level for the server's stderr log.
    pub log_level: Option<String>,
    /// The editor's Workspace Trust, when the client says (`Some(false)`: no connections).
    pub workspace_trusted: Option<bool>,
}

impl Settings {
    /// Parses settings; `warnings` says what was ignored and why.
    pub fn from_json(value: &Value) -> (Settings, Vec<String>) {
        let mut warnings = Vec::new();
        let root = match value.get("void") {
            Some(inner) if inner.is_object() => inner,
            _ => value,
        };
        let mut settings = Settings::default();
        let Some(object) = root.as_object() else {
            if !root.is_null() {
                warnings.push(format!("settings must be an object, got {root}"));
            }
            return (settings, warnings);
        };
        let profile = object
            .get("envProfile")
            .or_else(|| object.get("env").and_then(|e| e.get("profile")));
        match profile {
            None | Some(Value::Null) => {}
            Some(Value::String(p)) if p.trim().is_empty() => {}
            Some(Value::String(p)) => settings.env_profile = Some(p.trim().to_string()),
            Some(other) => warnings.push(format!("envProfile must be a string, got {other}")),
        }
        let name = object
            .get("envName")
            .or_else(|| object.get("env").and_then(|e| e.get("name")));
        match name {
            None | Some(Value::Null) => {}
            Some(Value::String(n)) if n.trim().is_empty() => {}
            Some(Value::String(n)) => settings.env_name = Some(n.trim().to_string()),
            Some(other) => warnings.push(format!("envName must be a string, got {other}")),
        }
        match object.get("variables") {
            None | Some(Value::Null) => {}
            Some(Value::Object(vars)) => {
                for (name, v) in vars {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        other => {
                            warnings.push(format!(
                                "variables.{name} must be a string, number or boolean, got {other}"
                            ));
                            continue;
                        }
                    };
                    settings.variables.push((name.clone(), text));
                }
            }
            Some(other) => warnings.push(format!("variables must be an object, got {other}")),
        }
        match object.get("workspaceTrusted") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(trusted)) => settings.workspace_trusted = Some(*trusted),
            // Anything else is not a statement of trust: treat it as untrusted.
            Some(other) => {
                warnings.push(format!(
                    "workspaceTrusted must be true or false, got {other}; treated as false"
                ));
                settings.workspace_trusted = Some(false);
            }
        }
        match object.get("logLevel") {
            None | Some(Value::Null) => {}
            Some(Value::String(level)) => {
                let level = level.trim().to_ascii_lowercase();
                if ["off", "error", "warn", "info", "debug", "trace"].contains(&level.as_str()) {
                    settings.log_level = Some(level);
                } else {
                    warnings.push(format!(
                        "logLevel `{level}` is not one of off, error, warn, info, debug, trace"
                    ));
                }
            }
            Some(other) => warnings.push(format!("logLevel must be a string, got {other}")),
        }
        (settings, warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flat_and_nested_shapes() {
        let (flat, w) = Settings::from_json(
            &json!({"envProfile": "dev", "variables": {"A": "1", "N": 2}, "logLevel": "DEBUG"}),
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(flat.env_profile.as_deref(), Some("dev"));
        assert_eq!(
            flat.variables,
            vec![("A".into(), "1".into()), ("N".into(), "2".into())]
        );
        assert_eq!(flat.log_level.as_deref(), Some("debug"));
        let (nested, _) = Settings::from_json(&json!({"void": {"env": {"profile": "prod"}}}));
        assert_eq!(nested.env_profile.as_deref(), Some("prod"));
    }

    #[test]
    fn workspace_trust_is_read_and_anything_but_a_bool_is_untrusted() {
        let (s, _) = Settings::from_json(&json!({"workspaceTrusted": false}));
        assert_eq!(s.workspace_trusted, Some(false));
        let (s, _) = Settings::from_json(&json!({"void": {"workspaceTrusted": true}}));
        assert_eq!(s.workspace_trusted, Some(true));
        let (s, w) = Settings::from_json(&json!({"workspaceTrusted": "yes"}));
        assert_eq!(s.workspace_trusted, Some(false));
        assert_eq!(w.len(), 1);
        assert_eq!(Settings::from_json(&json!({})).0.workspace_trusted, None);
    }

    #[test]
    fn wrong_types_are_ignored_with_warnings() {
        let (s, w) =
            Settings::from_json(&json!({"envProfile": 3, "variables": [1], "logLevel": "loud"}));
        assert_eq!(s, Settings::default());
        assert_eq!(w.len(), 3);
        let (s, w) = Settings::from_json(&Value::Null);
        assert_eq!(s, Settings::default());
        assert!(w.is_empty());
    }
}
