//! `workspace/symbol`: the sections, requests and messages of every `.void` file of the
//! workspace, from the workspace index (open documents as the editor has them), matched
//! against the query as editors match symbol names: case-insensitively, a substring first, then
//! the query's characters in order. A request is named by its section's label and its URL
//! (`Login · WSS wss://{{HOST}}/chat`), so either finds it. At most [`MAX_RESULTS`] symbols,
//! best matches first.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::index::summary::Protocol;
use super::index::{IndexedFile, scan};
use super::server::ServerState;

/// Most symbols answered.
pub const MAX_RESULTS: usize = 500;

pub async fn symbol(
    state: &Arc<ServerState>,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    scan::up_to_date(state).await;
    let roots = state.roots();
    let view = state
        .index
        .view(&state.store.all(), &roots, state.encoding());
    let query = Query::new(&params.query);
    let mut found: Vec<(u32, SymbolInformation)> = Vec::new();
    for file in view.iter().filter(|f| f.in_workspace || roots.is_empty()) {
        for symbol in symbols_of(file) {
            if let Some(score) = query.score(&symbol.name) {
                found.push((score, symbol));
            }
        }
    }
    found.sort_by(|(a, x), (b, y)| {
        a.cmp(b)
            .then(x.name.len().cmp(&y.name.len()))
            .then_with(|| x.location.uri.as_str().cmp(y.location.uri.as_str()))
            .then(
                x.location
                    .range
                    .start
                    .line
                    .cmp(&y.location.range.start.line),
            )
    });
    found.truncate(MAX_RESULTS);
    Ok(Some(WorkspaceSymbolResponse::Flat(
        found.into_iter().map(|(_, s)| s).collect(),
    )))
}

/// The symbols of one indexed file: sections (with a separator), requests, messages.
pub fn symbols_of(file: &IndexedFile) -> Vec<SymbolInformation> {
    let Some(summary) = file.void() else {
        return Vec::new();
    };
    let file_name = file
        .path
        .strip_prefix(&*file.project)
        .unwrap_or(&file.path)
        .display()
        .to_string();
    let section_name = |i: usize| {
        summary
            .sections
            .get(i)
            .and_then(|s| s.name.as_deref())
            .map(str::to_string)
    };
    let mut out = Vec::new();
    for (i, section) in summary.sections.iter().enumerate() {
        if !section.has_separator {
            continue;
        }
        let name = section_name(i).unwrap_or_else(|| format!("Section {}", i + 1));
        out.push(information(
            name,
            SymbolKind::NAMESPACE,
            file,
            section.range,
            &file_name,
        ));
    }
    for request in &summary.requests {
        let what = format!("{} {}", request.method, request.url);
        let label = section_name(request.section);
        let name = match &label {
            Some(label) => format!("{label} · {what}"),
            None => what,
        };
        let kind = match request.protocol {
            Protocol::WebSocket | Protocol::Grpc => SymbolKind::INTERFACE,
            Protocol::Http => SymbolKind::METHOD,
        };
        out.push(information(name, kind, file, request.range, &file_name));
    }
    for message in &summary.messages {
        let container = section_name(message.section)
            .map_or_else(|| file_name.clone(), |s| format!("{s} · {file_name}"));
        out.push(information(
            message.name.to_string(),
            SymbolKind::EVENT,
            file,
            message.range,
            &container,
        ));
    }
    out
}

#[allow(deprecated)] // reason: `deprecated` is a required field of the LSP struct
fn information(
    name: String,
    kind: SymbolKind,
    file: &IndexedFile,
    range: Range,
    container: &str,
) -> SymbolInformation {
    SymbolInformation {
        name,
        kind,
        tags: None,
        deprecated: None,
        location: Location::new(file.uri.clone(), range),
        container_name: Some(container.to_string()),
    }
}

/// A workspace symbol query, matched as editors match symbol names.
pub struct Query {
    lower: Vec<char>,
}

impl Query {
    pub fn new(query: &str) -> Self {
        Query {
            lower: query
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect(),
        }
    }

    /// How well `name` matches (lower is better), or `None`: 0 a prefix, 1 a substring at a
    /// word start, 2 any substring, then 3 and up the characters in order, more for every gap.
    pub fn score(&self, name: &str) -> Option<u32> {
        if self.lower.is_empty() {
            return Some(0);
        }
        let name: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
        let n = self.lower.len();
        if let Some(at) = name.windows(n).position(|w| w == self.lower.as_slice()) {
            let word_start = at == 0 || !name[at - 1].is_alphanumeric();
            return Some(match (at, word_start) {
                (0, _) => 0,
                (_, true) => 1,
                _ => 2,
            });
        }
        let mut gaps = 0u32;
        let mut wanted = self.lower.iter().peekable();
        let mut previous_matched = true;
        for c in &name {
            match wanted.peek() {
                Some(w) if *w == c => {
                    wanted.next();
                    if !previous_matched {
                        gaps += 1;
                    }
                    previous_matched = true;
                }
                Some(_) => previous_matched = false,
                None => break,
            }
        }
        wanted.peek().is_none().then_some(3 + gaps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_match_substrings_first_then_characters_in_order() {
        let q = Query::new("chat");
        assert_eq!(q.score("chat service"), Some(0));
        assert_eq!(q.score("Login · WSS wss://x/chat"), Some(1));
        assert_eq!(q.score("groupchat"), Some(2));
        assert_eq!(q.score("cHAT"), Some(0));
        assert!(q.score("c h a t").is_some_and(|s| s > 3));
        assert_eq!(q.score("hatc"), None);
        assert_eq!(Query::new("").score("anything"), Some(0));
        assert_eq!(Query::new("wss chat").score("WSS wss://h/chat"), Some(4));
    }
}
