//! What a position names, and everywhere the project names it: the shared part of
//! `textDocument/references`, `textDocument/documentHighlight`, `prepareRename` and `rename`.
//!
//! Three kinds of names ([`Named`]):
//! - a `{{VARIABLE}}`: used in every `.void` file of the project (and named by the `binds` rows
//!   of MCP tool blocks), defined in its `.env` files and the app's environment files (every
//!   environment, every profile);
//! - a `ws-message` name: defined by the message's `name`, used by `send: after: <name>` in the
//!   same section, and in the sections a `linkedFile` joins to it (the linking section and the
//!   linked one, both ways);
//! - a block: defined by its uid, used by every `linkedBlock` that imports it (and every
//!   `linkedFile` whose `sectionUid` names a separator).
//!
//! Everything is read from the workspace index (open documents as edited), so nothing here
//! touches the disk.

use std::ops::Range as ByteRange;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tower_lsp_server::ls_types::{Range, Uri};
use void_syntax::vocab::SendMode;
use void_syntax::{BlockKind, CompactString, VariableKind, links};

use super::document::OpenDocument;
use super::index::summary::{self, after_target_range, scalar_text_range};
use super::index::{IndexedFile, scan};
use super::server::ServerState;

/// A name a position can stand on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Variable(CompactString),
    /// A message name, scoped to a section of the file it was found in.
    Message {
        section: usize,
        name: CompactString,
    },
    /// The block (or separator) with `uid` in `file`.
    Block {
        file: PathBuf,
        uid: CompactString,
    },
}

/// What the position stands on: the name, and the byte range of its text in the document
/// (`None` when the text as written is not the name as read, so it cannot be rewritten).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedAt {
    pub named: Named,
    pub range: Option<ByteRange<usize>>,
}

/// The name at `offset` of an open document.
pub fn named_at(doc: &OpenDocument, offset: usize, roots: &[PathBuf]) -> Option<NamedAt> {
    let model = doc.model();
    if let Some(var) = model.variable_at(offset) {
        if var.kind() != VariableKind::Environment {
            return None;
        }
        return Some(NamedAt {
            named: Named::Variable(var.name.clone()),
            range: Some(var.name_range.clone()),
        });
    }
    if let Some(binding) = void_syntax::mcp_tools::tool_bindings(&model)
        .into_iter()
        .find(|b| b.range.start <= offset && offset <= b.range.end)
    {
        return Some(NamedAt {
            range: summary::scalar_text_range(doc.text(), binding.range, &binding.variable),
            named: Named::Variable(CompactString::from(binding.variable.as_str())),
        });
    }
    let (_, block) = model.block_at(offset)?;
    let section = model.section_at(block.range.start);
    let within = |r: &ByteRange<usize>| r.start <= offset && offset <= r.end;
    if let BlockKind::WsMessage(message) = &block.kind {
        if let Some(name) = message.name.as_ref().filter(|n| within(&n.range)) {
            return Some(NamedAt {
                named: Named::Message {
                    section,
                    name: name.value.clone(),
                },
                range: scalar_text_range(doc.text(), name.range.clone(), &name.value),
            });
        }
        if let Some(send) = message.send.as_ref().filter(|s| within(&s.range))
            && let Ok(SendMode::After(target)) = SendMode::parse(&send.value)
        {
            return Some(NamedAt {
                range: after_target_range(doc.text(), send.range.clone(), &target),
                named: Named::Message {
                    section,
                    name: CompactString::from(target),
                },
            });
        }
    }
    let file = doc.uri.to_file_path()?.into_owned();
    if links::is_link(block) {
        let attrs = block.attrs()?;
        let scalar = |name: &str| {
            attrs
                .get(name)
                .and_then(|n| n.as_str())
                .map(CompactString::from)
        };
        let uid = scalar("blockUid").or_else(|| scalar("sectionUid"))?;
        let root = void_session::project_files::project_root_of(&file, roots);
        let target = links::project_path(&root, &scalar("originalFile")?);
        return Some(NamedAt {
            named: Named::Block { file: target, uid },
            range: None,
        });
    }
    let uid = block.uid.as_ref()?;
    Some(NamedAt {
        named: Named::Block {
            file,
            uid: CompactString::from(uid.value.as_str()),
        },
        range: None,
    })
}

/// Whether an occurrence defines the name or uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Definition,
    Use,
}

/// One place a name is written.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub file: Arc<IndexedFile>,
    pub range: Range,
    pub role: Role,
    /// Whether `range` is exactly the name's text (what a rename may rewrite).
    pub exact: bool,
}

impl Occurrence {
    pub fn uri(&self) -> &Uri {
        &self.file.uri
    }
}

/// The index as the editor sees it, brought up to date, with `doc` exactly at the version the
/// request was sent for; and `doc`'s own entry.
pub async fn project_view(
    state: &Arc<ServerState>,
    doc: &OpenDocument,
) -> Option<(Vec<Arc<IndexedFile>>, Arc<IndexedFile>)> {
    scan::up_to_date(state).await;
    let roots = state.roots();
    let encoding = state.encoding();
    let origin = state.index.open_summary(doc, &roots, encoding)?;
    let mut view = state.index.view(&state.store.all(), &roots, encoding);
    match view.iter_mut().find(|f| f.path == origin.path) {
        Some(slot) => *slot = origin.clone(),
        None => view.push(origin.clone()),
    }
    Some((view, origin))
}

/// Every occurrence of `named` in `view`, found from `origin` (the file the name was found
/// in), definitions first, then in file order.
pub fn find(
    view: &[Arc<IndexedFile>],
    origin: &Arc<IndexedFile>,
    named: &Named,
) -> Vec<Occurrence> {
    let mut out = Vec::new();
    match named {
        Named::Variable(name) => variables(view, origin, name, &mut out),
        Named::Message { section, name } => {
            for (file, section) in message_scope(view, origin, *section) {
                messages(&file, section, name, &mut out);
            }
        }
        Named::Block { file, uid } => blocks(view, file, uid, &mut out),
    }
    // Most neighbours are in the same file: the paths are compared only between files.
    let file_order = |a: &Occurrence, b: &Occurrence| {
        if Arc::ptr_eq(&a.file, &b.file) {
            std::cmp::Ordering::Equal
        } else {
            a.file.path.cmp(&b.file.path)
        }
    };
    out.sort_by(|a, b| {
        (a.role != Role::Definition)
            .cmp(&(b.role != Role::Definition))
            .then_with(|| file_order(a, b))
            .then(a.range.start.line.cmp(&b.range.start.line))
            .then(a.range.start.character.cmp(&b.range.start.character))
    });
    out
}

fn variables(
    view: &[Arc<IndexedFile>],
    origin: &Arc<IndexedFile>,
    name: &str,
    out: &mut Vec<Occurrence>,
) {
    for file in view.iter().filter(|f| f.project == origin.project) {
        if let Some(summary) = file.void() {
            for v in summary.variables.iter().filter(|v| v.name == name) {
                out.push(Occurrence {
                    file: file.clone(),
                    range: v.range,
                    role: Role::Use,
                    exact: v.exact,
                });
            }
        }
        if let Some(env) = file.env() {
            for d in env.definitions.iter().filter(|d| d.name == name) {
                out.push(Occurrence {
                    file: file.clone(),
                    range: d.range,
                    role: Role::Definition,
                    exact: true,
                });
            }
        }
    }
}

/// The sections that share message names with `section` of `origin`: itself, the sections it
/// links in with `linkedFile` + `sectionUid`, and the sections that link it in that way.
pub fn message_scope(
    view: &[Arc<IndexedFile>],
    origin: &Arc<IndexedFile>,
    section: usize,
) -> Vec<(Arc<IndexedFile>, usize)> {
    let mut scope = vec![(origin.clone(), section)];
    let Some(summary) = origin.void() else {
        return scope;
    };
    let by_path = |path: &Path| view.iter().find(|f| f.path == path).cloned();
    let section_of_uid = |file: &IndexedFile, uid: &str| {
        file.void()?
            .sections
            .iter()
            .position(|s| s.separator_uid.as_deref() == Some(uid))
    };
    // Sections this one links in.
    for link in &summary.links {
        if !link.whole_file || !inside(&link.range, summary.sections.get(section).map(|s| s.range))
        {
            continue;
        }
        if let (Some(uid), Some(target)) = (&link.uid, by_path(&link.target))
            && let Some(linked) = section_of_uid(&target, uid)
        {
            scope.push((target, linked));
        }
    }
    // Sections that link this one in.
    let own_uid = summary
        .sections
        .get(section)
        .and_then(|s| s.separator_uid.clone());
    if let Some(own_uid) = own_uid {
        for file in view {
            let Some(other) = file.void() else { continue };
            for link in &other.links {
                if link.whole_file
                    && link.target == origin.path
                    && link.uid.as_deref() == Some(&own_uid)
                {
                    let linking = other
                        .sections
                        .iter()
                        .rposition(|s| before_or_at(s.range.start, link.range.start))
                        .unwrap_or(0);
                    scope.push((file.clone(), linking));
                }
            }
        }
    }
    scope
}

fn messages(file: &Arc<IndexedFile>, section: usize, name: &str, out: &mut Vec<Occurrence>) {
    let Some(summary) = file.void() else { return };
    for m in summary
        .messages
        .iter()
        .filter(|m| m.section == section && m.name == name)
    {
        out.push(Occurrence {
            file: file.clone(),
            range: m.name_range.unwrap_or(m.range),
            role: Role::Definition,
            exact: m.name_range.is_some(),
        });
    }
    for r in summary
        .after_refs
        .iter()
        .filter(|r| r.section == section && r.name == name)
    {
        out.push(Occurrence {
            file: file.clone(),
            range: r.range,
            role: Role::Use,
            exact: r.exact,
        });
    }
}

fn blocks(view: &[Arc<IndexedFile>], target: &Path, uid: &str, out: &mut Vec<Occurrence>) {
    for file in view {
        let Some(summary) = file.void() else { continue };
        if file.path == target {
            for b in summary.blocks.iter().filter(|b| b.uid == uid) {
                out.push(Occurrence {
                    file: file.clone(),
                    range: b.range,
                    role: Role::Definition,
                    exact: false,
                });
            }
        }
        for link in summary
            .links
            .iter()
            .filter(|l| l.target == target && l.uid.as_deref() == Some(uid))
        {
            out.push(Occurrence {
                file: file.clone(),
                range: link.range,
                role: Role::Use,
                exact: false,
            });
        }
    }
}

fn before_or_at(
    a: tower_lsp_server::ls_types::Position,
    b: tower_lsp_server::ls_types::Position,
) -> bool {
    (a.line, a.character) <= (b.line, b.character)
}

fn inside(inner: &Range, outer: Option<Range>) -> bool {
    outer.is_some_and(|o| before_or_at(o.start, inner.start) && before_or_at(inner.end, o.end))
}
