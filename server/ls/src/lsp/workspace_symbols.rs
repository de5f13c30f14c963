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
    // Names are scored first; LSP values are built only for the symbols answered (building
    // one for each of a large project's symbols was most of a request's time).
    let mut found: Vec<(u32, Candidate, &IndexedFile)> = Vec::new();
    let mut lowered = Vec::new();
    for file in view.iter().filter(|f| f.in_workspace || roots.is_empty()) {
        for candidate in candidates_of(file) {
            if let Some(score) = query.score_into(&candidate.name, &mut lowered) {
                found.push((score, candidate, file));
            }
        }
    }
    found.sort_by(|(a, x, xf), (b, y, yf)| {
        a.cmp(b)
            .then(x.name.len().cmp(&y.name.len()))
            .then_with(|| xf.uri.as_str().cmp(yf.uri.as_str()))
            .then(x.range.start.line.cmp(&y.range.start.line))
    });
    found.truncate(MAX_RESULTS);
    Ok(Some(WorkspaceSymbolResponse::Flat(
        found
            .into_iter()
            .map(|(_, candidate, file)| candidate.information(file))
            .collect(),
    )))
}

/// A symbol of a file before it is matched: its name, kind and range, and the section a
/// message belongs to (its container names it).
pub struct Candidate {
    pub name: String,
    pub kind: SymbolKind,
    pub range: Range,
    message_section: Option<usize>,
}

/// The symbols of an indexed `.void` file: its labelled sections, its requests (by section
/// label and URL) and its messages.
pub fn candidates_of(file: &IndexedFile) -> Vec<Candidate> {
    let Some(summary) = file.void() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, section) in summary.sections.iter().enumerate() {
        if !section.has_separator {
            continue;
        }
        let name = section_name(file, i).unwrap_or_else(|| format!("Section {}", i + 1));
        out.push(Candidate {
            name,
            kind: SymbolKind::NAMESPACE,
            range: section.range,
            message_section: None,
        });
    }
    for request in &summary.requests {
        let what = format!("{} {}", request.method, request.url);
        let name = match section_name(file, request.section) {
            Some(label) => format!("{label} · {what}"),
            None => what,
        };
        let kind = match request.protocol {
            Protocol::WebSocket | Protocol::Grpc => SymbolKind::INTERFACE,
            Protocol::Http => SymbolKind::METHOD,
        };
        out.push(Candidate {
            name,
            kind,
            range: request.range,
            message_section: None,
        });
    }
    for message in &summary.messages {
        out.push(Candidate {
            name: message.name.to_string(),
            kind: SymbolKind::EVENT,
            range: message.range,
            message_section: Some(message.section),
        });
    }
    out
}

fn section_name(file: &IndexedFile, section: usize) -> Option<String> {
    file.void()?
        .sections
        .get(section)
        .and_then(|s| s.name.as_deref())
        .map(str::to_string)
}

impl Candidate {
    /// The LSP symbol, its container the file's path in its project (a message's: its
    /// section's name and the path).
    #[allow(deprecated)] // reason: `deprecated` is a required field of the LSP struct
    pub fn information(self, file: &IndexedFile) -> SymbolInformation {
        let file_name = file
            .path
            .strip_prefix(&*file.project)
            .unwrap_or(&file.path)
            .display()
            .to_string();
        let container = match self.message_section.and_then(|s| section_name(file, s)) {
            Some(section) => format!("{section} · {file_name}"),
            None => file_name,
        };
        SymbolInformation {
            name: self.name,
            kind: self.kind,
            tags: None,
            deprecated: None,
            location: Location::new(file.uri.clone(), self.range),
            container_name: Some(container),
        }
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
        self.score_into(name, &mut Vec::new())
    }

    /// [`Self::score`], lowering `name` into `lowered` (a buffer reused across names).
    pub fn score_into(&self, name: &str, lowered: &mut Vec<char>) -> Option<u32> {
        if self.lower.is_empty() {
            return Some(0);
        }
        lowered.clear();
        lowered.extend(name.chars().flat_map(char::to_lowercase));
        let name = &*lowered;
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
        for c in name {
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
