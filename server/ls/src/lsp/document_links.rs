//! `textDocument/documentLink`: what a `.void` file points at, made clickable.
//!
//! - `fileLink` nodes (in prose tables, multipart bodies: `attrs.filePath`) and the prose token
//!   `{{fileLink|path|name|isExternal}}`: the file, from the project root (or as written when
//!   external);
//! - `linkedBlock` / `linkedFile` (`originalFile`): the linked file, at the linked block's or
//!   section's line when the workspace index knows it (`#L<line>`, which VS Code opens at);
//! - path options of `ws-options` (`caFile`, `clientCert`, `clientKey`, `transcript`): the file,
//!   relative to the `.void` file;
//! - the URL of a request (`surl`, `url`): the URL with its variables resolved, only when every
//!   one resolves and none is secret (a link's target is shown to people).
//!
//! Only files that exist are linked (one `stat` each); nothing is read.

use std::ops::Range as ByteRange;
use std::path::{Path, PathBuf};

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_session::project_files::{normalize, project_root_of};
use void_syntax::vocab::OptionValueKind;
use void_syntax::yaml::{Node, Value};
use void_syntax::{BlockKind, Document, links};

use super::document::OpenDocument;
use super::index::summary::scalar_text_range;
use super::server::ServerState;

pub fn document_link(
    state: &ServerState,
    params: DocumentLinkParams,
) -> Result<Option<Vec<DocumentLink>>> {
    let doc = state.document(&params.text_document.uri)?;
    let Some(file) = doc.uri.to_file_path().map(|p| p.into_owned()) else {
        return Ok(None);
    };
    let roots = state.roots();
    let root = project_root_of(&file, &roots);
    let model = doc.model();
    let mut found: Vec<Found> = Vec::new();
    for block in &model.blocks {
        if let Some(yaml) = block.yaml_root() {
            file_link_nodes(doc.text(), yaml, &root, &mut found);
        }
        if links::is_link(block) {
            link_block(state, &doc, block, &root, &mut found);
        }
        match &block.kind {
            BlockKind::WsOptions(options) => option_paths(options, &file, &mut found),
            BlockKind::SocketRequest(r) => {
                request_url(state, &doc, r.url.as_ref(), &mut found);
            }
            BlockKind::HttpRequest(r) => request_url(state, &doc, r.url.as_ref(), &mut found),
            _ => {}
        }
    }
    prose_file_links(doc.text(), &model, &root, &mut found);
    Ok(Some(
        found
            .into_iter()
            .filter_map(|f| {
                let target = match f.target {
                    Target::File { path, line } => {
                        if !path.exists() {
                            return None;
                        }
                        let uri = Uri::from_file_path(&path)?;
                        match line {
                            Some(line) => format!("{}#L{}", uri.as_str(), line + 1).parse().ok()?,
                            None => uri,
                        }
                    }
                    Target::Url(url) => url.parse().ok()?,
                };
                Some(DocumentLink {
                    range: state.range(&doc, f.range),
                    target: Some(target),
                    tooltip: Some(f.tooltip),
                    data: None,
                })
            })
            .collect(),
    ))
}

/// A link found in the text.
struct Found {
    range: ByteRange<usize>,
    target: Target,
    tooltip: String,
}

enum Target {
    /// A file, and the 0-based line to open it at.
    File {
        path: PathBuf,
        line: Option<u32>,
    },
    Url(String),
}

/// A `fileLink` path, from the project root unless external.
fn file_link_target(root: &Path, path: &str, external: bool) -> PathBuf {
    if external {
        PathBuf::from(path)
    } else {
        links::project_path(root, path)
    }
}

/// Every `fileLink` node below `node`.
fn file_link_nodes(text: &str, node: Node<'_>, root: &Path, out: &mut Vec<Found>) {
    node.walk(&mut |n| {
        if !matches!(n.value(), Value::Mapping { .. })
            || n.get("type").and_then(|t| t.as_str()) != Some("fileLink")
        {
            return;
        }
        let Some(attrs) = n.get("attrs") else { return };
        let Some(path_node) = attrs.get("filePath") else {
            return;
        };
        let Some(path) = path_node.as_str().filter(|p| !p.is_empty()) else {
            return;
        };
        let external = attrs
            .get("isExternal")
            .and_then(|e| e.as_scalar())
            .is_some_and(|s| s.value == "true");
        out.push(Found {
            range: scalar_text_range(text, path_node.range(), path).unwrap_or(path_node.range()),
            target: Target::File {
                path: file_link_target(root, path, external),
                line: None,
            },
            tooltip: format!("Open {path}"),
        });
    });
}

/// `{{fileLink|path|name|isExternal}}` tokens in the prose (outside blocks).
fn prose_file_links(text: &str, model: &Document, root: &Path, out: &mut Vec<Found>) {
    const OPEN: &str = "{{fileLink|";
    let mut from = 0;
    while let Some(found) = text[from..].find(OPEN) {
        let start = from + found;
        from = start + OPEN.len();
        if model.block_at(start).is_some() {
            continue;
        }
        let Some(end) = text[from..].find("}}").map(|e| from + e) else {
            break;
        };
        let inner = &text[from..end];
        if inner.contains('\n') {
            continue;
        }
        let mut parts = inner.split('|');
        let path = parts.next().unwrap_or_default();
        let external = parts.nth(1).is_some_and(|e| e.trim() == "true");
        if path.is_empty() {
            continue;
        }
        out.push(Found {
            range: from..from + path.len(),
            target: Target::File {
                path: file_link_target(root, path, external),
                line: None,
            },
            tooltip: format!("Open {path}"),
        });
    }
}

/// `originalFile` of a link block: the linked file, at the linked block or section.
fn link_block(
    state: &ServerState,
    doc: &OpenDocument,
    block: &void_syntax::Block,
    root: &Path,
    out: &mut Vec<Found>,
) {
    let Some(attrs) = block.attrs() else { return };
    let Some(original) = attrs.get("originalFile") else {
        return;
    };
    let Some(path) = original.as_str().filter(|p| !p.is_empty()) else {
        return;
    };
    let target = links::project_path(root, path);
    let uid = ["blockUid", "sectionUid"]
        .iter()
        .find_map(|k| attrs.get(k).and_then(|n| n.as_str()));
    let line = uid.and_then(|uid| line_of_uid(state, &target, uid));
    let what = if block.type_str() == links::LINKED_FILE {
        "linked file"
    } else {
        "linked block"
    };
    out.push(Found {
        range: scalar_text_range(doc.text(), original.range(), path).unwrap_or(original.range()),
        target: Target::File { path: target, line },
        tooltip: format!("Open the {what} in {path}"),
    });
}

/// The line of the block or separator with `uid` in `path`, as the index knows it.
fn line_of_uid(state: &ServerState, path: &Path, uid: &str) -> Option<u32> {
    let file = state
        .store
        .all()
        .iter()
        .find(|d| d.uri.to_file_path().is_some_and(|p| p == path))
        .and_then(|d| {
            state
                .index
                .open_summary(d, &state.roots(), state.encoding())
        })
        .or_else(|| state.index.disk(path))?;
    file.void()?
        .blocks
        .iter()
        .find(|b| b.uid == uid)
        .map(|b| b.range.start.line)
}

/// The path options of a `ws-options` block (relative to the `.void` file).
fn option_paths(options: &void_syntax::WsOptions, file: &Path, out: &mut Vec<Found>) {
    let dir = file.parent().unwrap_or(Path::new("/"));
    for row in options.rows.iter().filter(|r| !r.row.disabled) {
        let Some(option) = row.option else { continue };
        if !matches!(
            option.kind,
            OptionValueKind::Path | OptionValueKind::PathOrOff
        ) {
            continue;
        }
        let Some(value) = &row.value else { continue };
        let path = value.value.trim();
        if path.is_empty() || path == "off" || path.contains("{{") {
            continue;
        }
        out.push(Found {
            range: value.range.clone(),
            target: Target::File {
                path: normalize(&dir.join(path)),
                line: None,
            },
            tooltip: format!("Open {path} ({})", option.name),
        });
    }
}

/// A request URL, resolved, when every variable resolves and none is secret.
fn request_url(
    state: &ServerState,
    doc: &OpenDocument,
    url: Option<&void_syntax::Spanned<void_syntax::CompactString>>,
    out: &mut Vec<Found>,
) {
    let Some(url) = url.filter(|u| !u.value.trim().is_empty()) else {
        return;
    };
    let variables = state.variables_for(&doc.uri);
    let model = doc.model();
    let secret = model
        .variables
        .iter()
        .filter(|v| url.range.start <= v.range.start && v.range.end <= url.range.end)
        .any(|v| variables.get(&v.name).is_none_or(|r| r.secret));
    if secret {
        return;
    }
    let Ok(resolved) = variables.substitute_url(url.value.trim()) else {
        return;
    };
    if !["ws://", "wss://", "http://", "https://"]
        .iter()
        .any(|scheme| resolved.starts_with(scheme))
    {
        return;
    }
    out.push(Found {
        range: url.range.clone(),
        tooltip: format!("Open {resolved}"),
        target: Target::Url(resolved),
    });
}
