//! The real Voiden-app files (`common/samples.rs`): they must parse with no error, the nine
//! app-written files must format byte-identically, and the hand-written ones format stably.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

#[path = "common/samples.rs"]
mod samples;

use samples::{is_app_written, sample_files};

fn samples() -> Vec<(String, String)> {
    sample_files()
}

#[test]
fn samples_parse_without_errors() {
    for (name, text) in samples() {
        let doc = void_syntax::parse(&text);
        let errors: Vec<_> = doc
            .diagnostics
            .iter()
            .filter(|d| d.severity == void_syntax::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        assert!(!doc.blocks.is_empty(), "{name}: no blocks found");
        for b in &doc.blocks {
            assert!(
                b.yaml.is_some(),
                "{name}: block at {} did not parse",
                b.range.start
            );
            assert!(
                !matches!(
                    b.kind,
                    void_syntax::BlockKind::Malformed | void_syntax::BlockKind::Unknown
                ),
                "{name}: {:?}",
                b.type_name
            );
        }
    }
}

#[test]
fn app_written_samples_format_byte_identically() {
    let app: Vec<_> = samples()
        .into_iter()
        .filter(|(name, _)| is_app_written(name))
        .collect();
    assert!(
        app.len() >= 9 || samples::samples_dir().is_none(),
        "{} app-written samples",
        app.len()
    );
    for (name, text) in app {
        let formatted = void_syntax::format(&text);
        if formatted != text {
            let diff: Vec<_> = text
                .lines()
                .zip(formatted.lines())
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .take(5)
                .collect();
            panic!("{name} changed by formatting; first differing lines: {diff:#?}");
        }
    }
}

#[test]
fn every_app_written_block_is_rewritable_and_already_canonical() {
    for (name, text) in samples()
        .into_iter()
        .filter(|(name, _)| is_app_written(name))
    {
        let doc = void_syntax::parse(&text);
        for b in &doc.blocks {
            let canonical =
                void_syntax::format::canonical_block_yaml(&text, b).unwrap_or_else(|| {
                    panic!(
                        "{name}: block at {} was not considered formattable",
                        b.range.start
                    )
                });
            assert_eq!(canonical, &text[b.yaml_range.clone().unwrap()], "{name}");
        }
    }
}

#[test]
fn hand_written_samples_format_soundly() {
    for (name, text) in samples()
        .into_iter()
        .filter(|(name, _)| !is_app_written(name))
    {
        let once = void_syntax::format(&text);
        assert_eq!(void_syntax::format(&once), once, "{name}: not idempotent");
        let errors = void_syntax::parse(&once)
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == void_syntax::Severity::Error)
            .count();
        assert_eq!(errors, 0, "{name}: errors after formatting");
    }
}

/// The app's sample project keeps `env-public.yaml` and `env-private.yaml` at its root (where
/// older app versions wrote them) with one environment, `test`, split over both files: every
/// `{{variable}}` its files use resolves, with nothing chosen (the first environment).
#[test]
fn the_sample_project_environment_resolves_every_variable_the_samples_use() {
    use std::collections::HashMap;
    use void_syntax::variables::{self, EnvOptions};
    let Some(dir) = samples::samples_dir() else {
        return;
    };
    let env_dir = dir.join("env");
    let read = |name: &str| std::fs::read_to_string(env_dir.join(name)).unwrap();
    let files: HashMap<PathBuf, String> = [
        (
            "/p/env-public.yaml",
            "voiden-sample-project__env-public.yaml",
        ),
        (
            "/p/env-private.yaml",
            "voiden-sample-project__env-private.yaml",
        ),
        ("/p/.env.local", "voiden-sample-project__.env.local"),
    ]
    .into_iter()
    .map(|(at, name)| (PathBuf::from(at), read(name)))
    .collect();
    let options = EnvOptions {
        file: PathBuf::from("/p/blocks/sample.void"),
        workspace_root: Some(PathBuf::from("/p")),
        ..EnvOptions::default()
    };
    let vars = variables::load(&files, &options);
    assert_eq!(
        vars.active_environment().and_then(|a| a.name.as_deref()),
        Some("test")
    );
    assert!(vars.get("AUTH_TOKEN").is_some_and(|v| v.secret));
    let mut used = 0;
    for (name, text) in samples().into_iter().filter(|(n, _)| is_app_written(n)) {
        let doc = void_syntax::parse(&text);
        used += doc.variables.len();
        let unresolved = variables::diagnose_variables(&doc, &vars);
        assert!(unresolved.is_empty(), "{name}: {unresolved:#?}");
    }
    assert!(used > 0, "the samples use variables");
}

/// The sample project's `imports/voiden-endgame.void` links blocks of `blocks/json.void`,
/// `blocks/headers.void` and `blocks/query.void` (paths from the project root): laid out as in
/// the project, every link leads to a block of the type it shows in the app.
#[test]
fn the_sample_projects_linked_blocks_resolve() {
    use std::collections::HashMap;
    use std::path::Path;
    use void_syntax::links::{self, LinkContext};
    let files: HashMap<PathBuf, String> = samples()
        .into_iter()
        .filter(|(n, _)| is_app_written(n))
        .map(|(name, text)| {
            let relative = name
                .trim_start_matches("voiden-sample-project__")
                .replacen('_', "/", 1);
            (Path::new("/p").join(relative), text)
        })
        .collect();
    let Some(text) = files.get(Path::new("/p/imports/voiden-endgame.void")) else {
        assert!(
            samples::samples_dir().is_none(),
            "voiden-endgame.void is a sample"
        );
        return;
    };
    let doc = void_syntax::parse(text);
    let ctx = LinkContext {
        root: Path::new("/p"),
        file: Path::new("/p/imports/voiden-endgame.void"),
        files: &files,
    };
    let expansion = links::expand(&doc, text, &ctx);
    assert_eq!(expansion.links.len(), 4);
    let types: Vec<_> = expansion
        .links
        .iter()
        .map(|l| l.target.as_ref().unwrap().block_type.clone().unwrap())
        .collect();
    assert_eq!(
        types,
        ["request", "json_body", "headers-table", "query-table"]
    );
    assert!(links::diagnostics(&doc, &expansion).is_empty());
    assert!(!void_syntax::parse(&expansion.text).has_errors());
}
