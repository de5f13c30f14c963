//! The real Voiden-app files, `../shared/voiden-samples` beside the repository (the CI layout;
//! never copied into it), for the tests of every crate that read them (included by path).
//!
//! When they are absent a test must not pass having checked nothing: under `CI=true` it fails,
//! elsewhere it says so on stderr and checks nothing.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

/// The samples directory, or `None` (with a note) when it is absent outside CI.
pub fn samples_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/voiden-samples");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is absent: the Voiden sample files are needed under CI=true",
        dir.display()
    );
    eprintln!(
        "note: {} is absent; this test checks nothing",
        dir.display()
    );
    None
}

/// Every `.void` sample as `(file name, text)`, sorted by name (empty when absent outside CI).
pub fn sample_files() -> Vec<(String, String)> {
    let Some(dir) = samples_dir() else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "void"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    assert!(!out.is_empty(), "no .void files in {}", dir.display());
    out.sort();
    out
}

/// Whether a sample was written by the app itself (the sample project's files), as opposed to
/// hand-written documentation examples.
pub fn is_app_written(name: &str) -> bool {
    name.starts_with("voiden-sample-project__")
}
