//! `textDocument/prepareRename` and `textDocument/rename`: a `{{VARIABLE}}` across the
//! project (its uses in every `.void` file and its definitions in `.env` files and the app's
//! environment files, every environment of every profile), and a `ws-message` name with every
//! `after:` that names it ([`super::occurrences`]).
//!
//! A rename is all or nothing: it is refused, with the reason in words (`RequestFailed`), when
//! it could not be complete or would change what the project means:
//! - the document is outside the workspace folders (its project is not indexed);
//! - the project has files the index could not read, a symlink leading out of the workspace
//!   (files there may use the name), or more files than the index holds;
//! - the value comes from the process environment or the editor settings, which a rename
//!   cannot change;
//! - a use is written in a way that cannot be rewritten in place (escapes in a quoted scalar);
//! - the new name is not a valid name, or is one the project already uses.
//!
//! `prepareRename` runs the same checks, so an editor shows the reason before asking for the
//! new name. Files that are not open are edited from the index; a file whose size or time
//! changed on disk since it was indexed is read again first.

use std::collections::HashMap;
use std::ops::Range as ByteRange;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_session::project_files::FileProblem;
use void_syntax::variables::Source;
use void_syntax::yaml::{JsValue, stringify};

use super::commands::request_failed;
use super::document::OpenDocument;
use super::index::{Content, IndexedFile, Origin, PendingChange, Stamp};
use super::occurrences::{self, Named, NamedAt, Occurrence};
use super::server::ServerState;

/// What the position names, and every place a rename rewrites.
struct Plan {
    named: Named,
    /// The name's text in the document.
    range: ByteRange<usize>,
    occurrences: Vec<Occurrence>,
    /// The project as the editor sees it, and the document's own entry.
    view: Vec<Arc<IndexedFile>>,
    origin: Arc<IndexedFile>,
}

pub async fn prepare_rename(
    state: &Arc<ServerState>,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>> {
    let doc = state.document(&params.text_document.uri)?;
    let offset = state.offset(&doc, params.position)?;
    let plan = plan(state, &doc, offset).await?;
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: state.range(&doc, plan.range.clone()),
        placeholder: current_name(&plan.named).to_string(),
    }))
}

pub async fn rename(
    state: &Arc<ServerState>,
    params: RenameParams,
) -> Result<Option<WorkspaceEdit>> {
    let position = params.text_document_position;
    let doc = state.document(&position.text_document.uri)?;
    let offset = state.offset(&doc, position.position)?;
    let plan = plan(state, &doc, offset).await?;
    let new_name = params.new_name.trim();
    if new_name == current_name(&plan.named) {
        return Ok(Some(WorkspaceEdit::default()));
    }
    check_new_name(state, &plan, new_name)?;
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for occurrence in &plan.occurrences {
        let edits = changes.entry(occurrence.uri().clone()).or_default();
        if !edits.iter().any(|e| e.range == occurrence.range) {
            edits.push(TextEdit::new(occurrence.range, new_name.to_string()));
        }
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

fn current_name(named: &Named) -> &str {
    match named {
        Named::Variable(name) | Named::Message { name, .. } => name,
        Named::Block { uid, .. } => uid,
    }
}

/// The checks every rename passes, and the places it rewrites.
async fn plan(state: &Arc<ServerState>, doc: &OpenDocument, offset: usize) -> Result<Plan> {
    let at = occurrences::named_at(doc, offset, &state.roots()).ok_or_else(|| {
        request_failed(
            "nothing to rename here: rename works on a {{variable}} and on a ws-message name (its `name`, or an `after:` naming it)",
        )
    })?;
    let NamedAt { named, range } = at;
    if let Named::Block { .. } = named {
        return Err(request_failed(
            "a block is known by its uid, which links import and the app keeps; uids are not renamed",
        ));
    }
    let range = range.ok_or_else(|| {
        request_failed(
            "this name is written with escapes or line folding in its YAML scalar; rewrite it by hand",
        )
    })?;
    let mut retried = false;
    loop {
        let (view, origin) = occurrences::project_view(state, doc)
            .await
            .ok_or_else(|| request_failed("only files on disk can be renamed across a project"))?;
        check_completeness(state, &view, &origin, &named)?;
        let found = occurrences::find(&view, &origin, &named);
        // A file changed on disk since it was indexed (a change the editor did not report): read
        // it again, once, before editing it.
        let stale: Vec<PendingChange> = found
            .iter()
            .filter_map(|o| match o.file.origin {
                Origin::Disk(stamp) if Stamp::of(&o.file.path) != Some(stamp) => {
                    Some(PendingChange {
                        path: o.file.path.clone(),
                        deleted: false,
                    })
                }
                _ => None,
            })
            .collect();
        if !stale.is_empty() && !retried {
            state.index.queue(stale);
            retried = true;
            continue;
        }
        if let Some(bad) = found.iter().find(|o| !o.exact) {
            return Err(request_failed(format!(
                "`{}` at {}:{} is written with escapes or line folding; a rename cannot rewrite it in place",
                current_name(&named),
                bad.file.path.display(),
                bad.range.start.line + 1
            )));
        }
        return Ok(Plan {
            named,
            range,
            occurrences: found,
            view,
            origin,
        });
    }
}

/// Refuses a rename that could not find every place the name is written.
fn check_completeness(
    state: &ServerState,
    view: &[Arc<IndexedFile>],
    origin: &Arc<IndexedFile>,
    named: &Named,
) -> Result<()> {
    let message_in_unlinkable_section = match named {
        Named::Message { section, .. } => origin
            .void()
            .and_then(|s| s.sections.get(*section))
            .is_some_and(|s| s.separator_uid.is_none()),
        _ => false,
    };
    if !origin.in_workspace && !message_in_unlinkable_section {
        return Err(request_failed(format!(
            "{} is outside the workspace folders: its project is not indexed, so a rename could not find every use",
            origin.path.display()
        )));
    }
    let Named::Variable(name) = named else {
        return Ok(());
    };
    let project = &origin.project;
    if let Some(unread) = view
        .iter()
        .find(|f| &f.project == project && matches!(f.content, Content::Unread(_)))
        && let Content::Unread(why) = &unread.content
    {
        return Err(request_failed(format!(
            "a file of the project was not read ({why}); a rename could miss `{name}` there"
        )));
    }
    if let Some(problem) = view
        .iter()
        .filter(|f| &f.project == project)
        .find_map(|f| f.env()?.problem.clone())
    {
        return Err(request_failed(format!(
            "{problem}; a rename could miss `{name}` there"
        )));
    }
    let notes = state.index.notes();
    if let Some(out) = notes.problems.iter().find(|p| {
        p.path.starts_with(&**project) && matches!(p.problem, FileProblem::SymlinkOutside { .. })
    }) {
        return Err(request_failed(format!(
            "{out}: files outside the workspace may use `{name}` and would not be renamed"
        )));
    }
    if let Some(stopped) = notes.stopped_early.first() {
        return Err(request_failed(format!(
            "the workspace index is incomplete ({stopped}); a rename could miss `{name}`"
        )));
    }
    let variables = state.variables_for(&origin.uri);
    match variables.get(name).map(|v| &v.source) {
        Some(Source::Environment) => Err(request_failed(format!(
            "`{name}` comes from the process environment, which a rename cannot change"
        ))),
        Some(Source::Override) => Err(request_failed(format!(
            "`{name}` is set in the editor settings (`void.variables`), which a rename cannot change; rename it there first"
        ))),
        _ => Ok(()),
    }
}

/// Refuses a new name that is not valid where it is written, or that is taken.
fn check_new_name(state: &ServerState, plan: &Plan, new: &str) -> Result<()> {
    let plain_in_yaml =
        stringify(&JsValue::String(new.to_string())).as_deref() == Some(&format!("{new}\n"));
    let renamed = match &plan.named {
        Named::Variable(_) => {
            let valid = new
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                && !new.starts_with("process.");
            if new.is_empty() || !valid || !plain_in_yaml {
                return Err(request_failed(format!(
                    "`{new}` is not a variable name that .env files and the app's environment files both accept: use letters, digits, `_`, `-` and `.`"
                )));
            }
            if let Some(existing) = state.variables_for(&plan.origin.uri).get(new) {
                return Err(request_failed(format!(
                    "`{new}` already has a value ({}); renaming would change what the uses resolve to",
                    super::completion::source_text(&existing.source)
                )));
            }
            Named::Variable(new.into())
        }
        Named::Message { section, .. } => {
            let valid = !new.chars().any(|c| {
                c.is_control() || matches!(c, '"' | '\'' | '\\' | '#' | ':' | '{' | '}' | '[' | ']')
            });
            if new.is_empty() || !valid || !plain_in_yaml {
                return Err(request_failed(format!(
                    "`{new}` cannot be a message name: it must be one line without quotes, `:`, `#`, braces or brackets, and read as text in YAML"
                )));
            }
            Named::Message {
                section: *section,
                name: new.into(),
            }
        }
        Named::Block { .. } => return Err(request_failed("uids are not renamed")),
    };
    if let Some(first) = occurrences::find(&plan.view, &plan.origin, &renamed).first() {
        return Err(request_failed(format!(
            "`{new}` is already used here ({}:{}); renaming would merge the two",
            first.file.path.display(),
            first.range.start.line + 1
        )));
    }
    Ok(())
}
