//! Diagnostics of the project's `.void` files that are not open, made from the workspace index
//! (never by reading or parsing a file on the request path): every `{{NAME}}` the environment
//! of its folder does not define, with the words an open document gets. So renaming or
//! removing a variable in an env file shows its broken uses across the project at once.
//!
//! What an open document gets is computed from its text ([`super::diagnostics::compute`]); this
//! module leaves open documents out. How the results reach the client (pushed, or pulled with
//! `workspace/diagnostic`) is [`super::diagnostics`]'s and [`super::pull_diagnostics`]'s.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Uri};
use void_syntax::codes;
use void_syntax::variables::unresolved_message;

use super::index::IndexedFile;
use super::server::ServerState;

/// The diagnostics of every indexed `.void` file of the workspace that is not open, by URI
/// (files without problems included, with none).
pub fn compute(state: &ServerState) -> HashMap<Uri, Vec<Diagnostic>> {
    state
        .index
        .disk_files()
        .iter()
        .filter(|file| file.in_workspace && file.void().is_some())
        .filter(|file| state.store.get(&file.uri).is_none())
        .map(|file| (file.uri.clone(), of_file(state, file)))
        .collect()
}

/// The diagnostics of one indexed `.void` file, from its summary.
pub fn of_file(state: &ServerState, file: &IndexedFile) -> Vec<Diagnostic> {
    let Some(summary) = file.void() else {
        return Vec::new();
    };
    if summary.variables.is_empty() {
        return Vec::new();
    }
    let variables = state.variables_for(&file.uri);
    summary
        .variables
        .iter()
        .filter(|v| variables.get(&v.name).is_none())
        .filter(|v| {
            !summary
                .local_names
                .iter()
                .any(|(section, name)| *section == v.section && *name == v.name)
        })
        .map(|v| Diagnostic {
            range: v.range,
            severity: Some(DiagnosticSeverity::WARNING),
            code: Some(NumberOrString::String(
                codes::UNRESOLVED_VARIABLE.to_string(),
            )),
            source: Some("void".into()),
            message: unresolved_message(&v.name, &variables),
            ..Default::default()
        })
        .collect()
}

/// A result id for a list of diagnostics: equal lists get equal ids, so a client that asks
/// again with the id it holds is answered "unchanged".
pub fn result_id(diagnostics: &[Diagnostic]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(diagnostics)
        .unwrap_or_default()
        .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
