//! From "this section of this document" to what the engine runs: finding the WebSocket
//! section named by a `socket-request` uid (or by a position inside it) in the document's
//! current text, and resolving it with the document's variables into a [`SessionSpec`].
//!
//! Lookups always go through the current model, so a session's section is found again after
//! any edit as long as its `socket-request` keeps its uid. This module opens no connection.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tower_lsp_server::ls_types::{Position, Uri};
use void_session::SessionSpec;
use void_session::http::HttpRequestSpec;
use void_session::http::section::from_http_section;
use void_session::section::SpecError;
use void_syntax::model::{RequestKind, Section};
use void_syntax::variables::Variables;
use void_syntax::{BlockKind, Document, SocketProtocol};

use super::super::server::ServerState;

/// A WebSocket section located in a document.
#[derive(Debug, Clone)]
pub struct LocatedSection {
    pub uri: Uri,
    /// The model the section was found in.
    pub model: Arc<Document>,
    pub section_index: usize,
    /// Index of the `socket-request` block in `model.blocks`.
    pub request_block: usize,
    /// The `socket-request` uid, empty when the block has none.
    pub block_uid: String,
    /// The registry key: the uid, or `#section-N` when the block has no uid.
    pub section_key: String,
    /// A name for people: the separator label or first heading, else the URL.
    pub label: String,
}

/// The registry key of a section: its request's uid, else its index.
pub fn section_key(block_uid: Option<&str>, section_index: usize) -> String {
    match block_uid {
        Some(uid) if !uid.is_empty() => uid.to_string(),
        _ => format!("#section-{section_index}"),
    }
}

/// The current model of `uri`: the open document, else the file on disk.
pub fn model_of(state: &ServerState, uri: &Uri) -> Result<Arc<Document>, String> {
    match state.store.get(uri) {
        Some(doc) => Ok(doc.model()),
        None => model_on_disk(uri).map(|(_, model)| model),
    }
}

/// The text and model of the file `uri` names, read from disk (for a document that is not
/// open).
fn model_on_disk(uri: &Uri) -> Result<(String, Arc<Document>), String> {
    let path =
        file_path(uri).ok_or_else(|| format!("{} is not open and is not a file", uri.as_str()))?;
    // Bounded like every file read: a regular file of reasonable size, never a pipe.
    let text = void_session::project_files::Project::unconfined()
        .read_text(&path, void_session::project_files::Limit::Document)
        .map_err(|e| format!("cannot read {e}"))?;
    let model = Arc::new(void_syntax::parse(&text));
    Ok((text, model))
}

fn file_path(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

/// Finds the section of `uri` whose `socket-request` has `block_uid`, or the section at
/// `position` (in the client's position encoding) when no uid is given. Reads one version of
/// the document: the position and the model always belong to the same text.
pub fn locate(
    state: &ServerState,
    uri: &Uri,
    block_uid: Option<&str>,
    position: Option<Position>,
) -> Result<LocatedSection, String> {
    let (model, section_index) = find(state, uri, block_uid, position)?;
    if let Some(uid) = block_uid.filter(|u| !u.is_empty())
        && let Some((_, block)) = model.block_by_uid(uid)
        && !matches!(block.kind, BlockKind::SocketRequest(_))
    {
        return Err(format!(
            "the block `{uid}` is a {}, not a socket-request",
            block.type_str()
        ));
    }
    located(uri, model, section_index)
}

/// What `void.connect` runs: a WebSocket section, or an HTTP / GraphQL one (run once, its
/// response shown as a document).
pub enum Runnable {
    WebSocket(LocatedSection),
    Http(LocatedSection),
}

/// The section `void.connect` names, by request uid (a `socket-request`, a `request` or a
/// `gqlquery`) or by position, as [`locate`] finds it.
pub fn locate_runnable(
    state: &ServerState,
    uri: &Uri,
    block_uid: Option<&str>,
    position: Option<Position>,
) -> Result<Runnable, String> {
    let (model, section_index) = find(state, uri, block_uid, position)?;
    let kind = model
        .sections
        .get(section_index)
        .and_then(|s| s.request_kind(&model))
        .map(|(_, kind)| kind);
    if let Some(uid) = block_uid.filter(|u| !u.is_empty())
        && let Some((_, block)) = model.block_by_uid(uid)
        && !matches!(
            block.kind,
            BlockKind::SocketRequest(_) | BlockKind::HttpRequest(_) | BlockKind::GqlQuery(_)
        )
    {
        return Err(format!(
            "the block `{uid}` is a {}, not a request (socket-request, request or gqlquery)",
            block.type_str()
        ));
    }
    match kind {
        Some(RequestKind::Http | RequestKind::GraphQl) => {
            located_http(uri, model, section_index).map(Runnable::Http)
        }
        _ => located(uri, model, section_index).map(Runnable::WebSocket),
    }
}

/// The model (links expanded) and the index of the section named by `block_uid` or at
/// `position`.
fn find(
    state: &ServerState,
    uri: &Uri,
    block_uid: Option<&str>,
    position: Option<Position>,
) -> Result<(Arc<Document>, usize), String> {
    let open = state.store.get(uri);
    let (on_disk, original) = match &open {
        Some(doc) => (None, doc.model()),
        None => {
            let (text, model) = model_on_disk(uri)?;
            (Some(text), model)
        }
    };
    // A section with links runs as the app runs it: what they link to in place.
    let text = on_disk
        .as_deref()
        .or(open.as_ref().map(|d| d.text()))
        .unwrap_or_default();
    let expansion = super::super::links::expansion(state, uri, text, &original);
    let model = match &expansion {
        Some(e) => Arc::new(void_syntax::parse(&e.text)),
        None => original,
    };
    let section_index = match (block_uid.filter(|u| !u.is_empty()), position) {
        (Some(uid), _) => {
            let (_, block) = model.block_by_uid(uid).ok_or_else(|| {
                format!(
                    "no block with uid `{uid}` in {} (was it deleted or its uid changed?)",
                    uri.as_str()
                )
            })?;
            model.section_at(block.range.start)
        }
        (None, Some(position)) => {
            let doc = open.as_ref().ok_or_else(|| {
                format!(
                    "{} is not open; give blockUid instead of a position",
                    uri.as_str()
                )
            })?;
            let offset = state
                .offset(doc, position)
                .map_err(|e| e.message.to_string())?;
            let offset = expansion.as_ref().map_or(offset, |e| e.to_expanded(offset));
            model.section_at(offset)
        }
        (None, None) => return Err("give either blockUid or position".into()),
    };
    Ok((model, section_index))
}

/// The located section at `section_index` of `model`, if it is an HTTP or GraphQL section
/// (`request_block` is its `request` or `gqlquery` block).
pub fn located_http(
    uri: &Uri,
    model: Arc<Document>,
    section_index: usize,
) -> Result<LocatedSection, String> {
    located_by(uri, model, section_index, "request", |section, model| {
        let Some((request_block, RequestKind::Http | RequestKind::GraphQl)) =
            section.request_kind(model)
        else {
            return Err("this section has no HTTP request or GraphQL query".into());
        };
        let url = match &model.blocks[request_block].kind {
            BlockKind::HttpRequest(r) => r.url.as_ref().map(|u| u.value.to_string()),
            _ => None,
        };
        Ok((request_block, url))
    })
}

/// The located section at `section_index` of `model` whose request `request` finds: its block
/// and URL, or why the section has none of the kind asked for. `fallback` names the section
/// when it has neither a label nor a URL.
fn located_by(
    uri: &Uri,
    model: Arc<Document>,
    section_index: usize,
    fallback: &str,
    request: impl FnOnce(&Section, &Document) -> Result<(usize, Option<String>), String>,
) -> Result<LocatedSection, String> {
    let section = model
        .sections
        .get(section_index)
        .ok_or_else(|| "there is no section there".to_string())?;
    let (request_block, url) = request(section, &model)?;
    let label = section_label(section, &model, url, fallback);
    Ok(LocatedSection::new(
        uri,
        model,
        section_index,
        request_block,
        label,
    ))
}

/// A name for people: the section's separator label or first heading, else its URL, else
/// `fallback`.
fn section_label(
    section: &Section,
    model: &Document,
    url: Option<String>,
    fallback: &str,
) -> String {
    section
        .display_name(model)
        .map(str::to_string)
        .or(url)
        .unwrap_or_else(|| fallback.to_string())
}

impl LocatedSection {
    /// The section at `section_index` whose request is `model.blocks[request_block]`, keyed by
    /// that block's uid (or its index when it has none).
    fn new(
        uri: &Uri,
        model: Arc<Document>,
        section_index: usize,
        request_block: usize,
        label: String,
    ) -> Self {
        let block_uid = model.blocks[request_block]
            .uid
            .as_ref()
            .map(|u| u.value.to_string())
            .unwrap_or_default();
        LocatedSection {
            uri: uri.clone(),
            section_key: section_key(Some(&block_uid), section_index),
            section_index,
            request_block,
            block_uid,
            label,
            model,
        }
    }
}

/// The variables a run of a section of `uri` uses: the document's, plus what the document's
/// HTTP runs captured (`{{process.<name>}}`).
pub fn run_variables(state: &ServerState, uri: &Uri) -> Variables {
    let mut vars = (*state.variables_for(uri)).clone();
    void_session::http::capture::add_to_variables(&mut vars, &state.sessions.http.captured(uri));
    vars
}

/// The project root of the file `uri` names: paths a section names stay inside it.
fn project_root(state: &ServerState, uri: &Uri) -> Option<PathBuf> {
    file_path(uri).map(|f| void_session::project_files::project_root_of(&f, &state.roots()))
}

/// Resolves a located HTTP or GraphQL section into what runs it, with the document's
/// variables and what earlier runs captured.
pub fn http_spec(
    state: &ServerState,
    located: &LocatedSection,
) -> Result<(SessionSpec, HttpRequestSpec), String> {
    let (mut spec, http) = resolve_section(state, located, from_http_section)?;
    spec.project_root = project_root(state, &located.uri);
    Ok((spec, http))
}

/// The located section at `section_index` of `model`, if it is a WebSocket section.
pub fn located(
    uri: &Uri,
    model: Arc<Document>,
    section_index: usize,
) -> Result<LocatedSection, String> {
    located_by(uri, model, section_index, "", |section, model| {
        let Some((request_block, request)) = section.socket_request(model) else {
            return Err(
                "this section has no socket-request block (type /wss on an empty line to add one)"
                    .into(),
            );
        };
        if request.protocol != SocketProtocol::WebSocket {
            return Err(
                "this socket-request is not a WebSocket request (gRPC is not supported)".into(),
            );
        }
        Ok((
            request_block,
            request.url.as_ref().map(|u| u.value.to_string()),
        ))
    })
}

/// Resolves a located section into a spec with the document's variables (and what the
/// document's HTTP runs captured).
pub fn spec(state: &ServerState, located: &LocatedSection) -> Result<SessionSpec, String> {
    let mut spec = resolve_section(state, located, SessionSpec::from_section)?;
    // Paths the file names (caFile, transcript, ...) stay inside its workspace folder.
    spec.project_root = project_root(state, &located.uri);
    Ok(spec)
}

/// Runs `resolve` (void-session's reading of a section into what runs it) on a located section
/// with the run's variables ([`run_variables`]) and the folder of its file, its error in words.
fn resolve_section<T>(
    state: &ServerState,
    located: &LocatedSection,
    resolve: impl FnOnce(&Document, usize, &Variables, Option<&Path>) -> Result<T, SpecError>,
) -> Result<T, String> {
    let vars = run_variables(state, &located.uri);
    let file = file_path(&located.uri);
    resolve(
        &located.model,
        located.section_index,
        &vars,
        file.as_deref().and_then(Path::parent),
    )
    .map_err(|e| spec_error_words(&e, located))
}

/// A spec error in words, with where to define an unresolved variable.
fn spec_error_words(e: &SpecError, located: &LocatedSection) -> String {
    match e {
        SpecError::Unresolved { names, .. } => {
            let mut message = format!(
                "{e}: define it in a .env file, .voiden/env-*.yaml, or the void.variables setting"
            );
            for why in void_syntax::mcp_tools::unresolved_bound(
                &located.model,
                located.section_index,
                names,
            ) {
                message.push_str(&format!(" ({why})"));
            }
            message
        }
        other => other.to_string(),
    }
}
