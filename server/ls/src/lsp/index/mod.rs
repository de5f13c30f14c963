//! The workspace index: every `.void` file and every environment source under the workspace
//! folders, summarized ([`summary`], [`env_sources`]), so that project-wide requests (workspace
//! symbols, references, rename, diagnostics of files that are not open) are answered without
//! reading the disk on the request path.
//!
//! - **Built off the request path**: the first indexing ([`scan::start`], at `initialized`)
//!   and every later update run on the index thread (`super::analysis::run_indexing`), with
//!   `$/progress` while the first one runs. Requests that need the whole project wait for it
//!   ([`WorkspaceIndex::ready`]); it takes well under two seconds for 2,000 files
//!   (BENCHMARKS.md, "Workspace index").
//! - **Kept current** by `workspace/didChangeWatchedFiles` (the server watches `**/*.void` and
//!   the environment files), by the open documents, and, for clients that cannot watch files,
//!   by a check of sizes and modification times before a project-wide request, at most every
//!   [`scan::RESCAN_INTERVAL`] ([`scan::refresh_if_stale`]).
//! - **Open documents win**: [`WorkspaceIndex::view`] lays the summaries of the open
//!   documents (made from the model the editor features already parsed, once per version) over
//!   the disk copies.
//! - **Bounded**: every read goes through the bounded reader (`void_session::project_files`:
//!   regular files inside the project, size-capped); the walk never follows a symlink out of
//!   the workspace or around a loop (`void_session::project_walk`) and stops at
//!   [`MAX_FILES`] files; only summaries are kept, never texts or models.
//!
//! This module knows the LSP types it stores (ranges, URIs) and nothing of the requests that
//! read it: each feature lives in the module named after its method.

pub mod env_sources;
pub mod scan;
pub mod summary;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Instant, SystemTime};

use tower_lsp_server::ls_types::Uri;
use void_session::project_files::{FileProblem, Limit, Project, project_root_of};
use void_session::sync::Unpoisoned;

use super::document::OpenDocument;
use super::position::PositionEncoding;
use env_sources::{EnvSummary, env_kind, is_env_source};
use summary::VoidSummary;

/// Most files the index holds (`.void` and environment files together).
pub const MAX_FILES: usize = 20_000;

/// Longest a request waits for the first indexing.
pub const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// One indexed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedFile {
    pub path: PathBuf,
    pub uri: Uri,
    /// The project root the file belongs to (the innermost workspace folder holding it).
    pub project: Arc<Path>,
    /// Whether the file is under a workspace folder (an open document may not be).
    pub in_workspace: bool,
    pub origin: Origin,
    pub content: Content,
}

/// Where an indexed summary was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The file on disk, as it was when read.
    Disk(Stamp),
    /// The open document, at this version.
    Open(i32),
}

/// The size and modification time of a file when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified: Option<SystemTime>,
}

impl Stamp {
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// What the index knows of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Void(VoidSummary),
    Env(EnvSummary),
    /// The file exists but was not read: the reader's words.
    Unread(String),
}

impl IndexedFile {
    pub fn void(&self) -> Option<&VoidSummary> {
        match &self.content {
            Content::Void(summary) => Some(summary),
            _ => None,
        }
    }

    pub fn env(&self) -> Option<&EnvSummary> {
        match &self.content {
            Content::Env(summary) => Some(summary),
            _ => None,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self.origin, Origin::Open(_))
    }
}

/// What kind of file the index takes `path` for, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Void,
    Env,
}

/// The kind of an indexable file at `path` in the project at `root`.
pub fn file_kind(path: &Path, root: &Path) -> Option<FileKind> {
    if path.extension().is_some_and(|e| e == "void") {
        return Some(FileKind::Void);
    }
    is_env_source(path, root).then_some(FileKind::Env)
}

/// Where the index is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// No indexing asked for yet (no `initialized`): requests do not wait.
    NotStarted,
    Indexing,
    Ready,
}

/// The index: disk summaries by path, and the summaries of open documents by version.
#[derive(Debug)]
pub struct WorkspaceIndex {
    /// By path, in path order (what [`WorkspaceIndex::view`] answers in).
    files: RwLock<BTreeMap<PathBuf, Arc<IndexedFile>>>,
    open: Mutex<HashMap<Uri, Arc<IndexedFile>>>,
    readiness: tokio::sync::watch::Sender<Readiness>,
    /// Grows with every change of the disk summaries.
    generation: AtomicU64,
    /// When the disk was last compared with the index (clients that cannot watch files).
    pub(super) last_check: Mutex<Option<Instant>>,
    /// What the last walk could not follow or left out.
    notes: Mutex<WalkNotes>,
    /// Changes on disk heard of but not applied yet, in arrival order (queued by the ordering
    /// layer as the notifications arrive, so a later request waits for them).
    pending: Mutex<Vec<PendingChange>>,
    /// Held while pending changes are applied, so that a request waits for changes another
    /// task took from the queue.
    pub(super) settling: tokio::sync::Mutex<()>,
}

/// What a walk of the workspace folders could not follow (symlinks out of the workspace,
/// folders that could not be listed) or left out (past the limits), in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkNotes {
    pub problems: Vec<void_session::project_files::FileError>,
    pub stopped_early: Vec<String>,
}

/// A file (or folder) to read again, or that is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChange {
    pub path: PathBuf,
    pub deleted: bool,
}

impl Default for WorkspaceIndex {
    fn default() -> Self {
        WorkspaceIndex {
            files: RwLock::default(),
            open: Mutex::default(),
            readiness: tokio::sync::watch::Sender::new(Readiness::NotStarted),
            generation: AtomicU64::new(0),
            last_check: Mutex::default(),
            notes: Mutex::default(),
            pending: Mutex::default(),
            settling: tokio::sync::Mutex::new(()),
        }
    }
}

impl WorkspaceIndex {
    /// Waits until the first indexing has finished (at once when none was asked for). Never
    /// longer than [`READY_TIMEOUT`]: a client that never sends `initialized` gets answers
    /// from what the index holds.
    pub async fn ready(&self) {
        let mut receiver = self.readiness.subscribe();
        let waited = tokio::time::timeout(
            READY_TIMEOUT,
            receiver.wait_for(|r| *r != Readiness::Indexing),
        )
        .await;
        if waited.is_err() {
            tracing::warn!(
                "the workspace index is not ready after {READY_TIMEOUT:?}; answering from what it holds"
            );
        }
    }

    pub fn readiness(&self) -> Readiness {
        *self.readiness.borrow()
    }

    /// Marks the first indexing as coming (at `initialize`, so that a request sent right after
    /// `initialized` waits for it).
    pub fn expect_indexing(&self) {
        self.set_readiness(Readiness::Indexing);
    }

    pub(super) fn set_readiness(&self, readiness: Readiness) {
        self.readiness.send_replace(readiness);
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The disk summary of `path`.
    pub fn disk(&self, path: &Path) -> Option<Arc<IndexedFile>> {
        self.files.read().unpoisoned().get(path).cloned()
    }

    /// How many files are indexed.
    pub fn len(&self) -> usize {
        self.files.read().unpoisoned().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every disk summary.
    pub fn disk_files(&self) -> Vec<Arc<IndexedFile>> {
        self.files.read().unpoisoned().values().cloned().collect()
    }

    /// Replaces or adds summaries, and removes the files at `gone` (and every file under a
    /// removed directory).
    pub fn apply(&self, updated: Vec<IndexedFile>, gone: &[PathBuf]) {
        if updated.is_empty() && gone.is_empty() {
            return;
        }
        let mut files = self.files.write().unpoisoned();
        for path in gone {
            files.retain(|p, _| !p.starts_with(path));
        }
        for file in updated {
            files.insert(file.path.clone(), Arc::new(file));
        }
        drop(files);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Drops every summary under `folder` (a removed workspace folder).
    pub fn forget_folder(&self, folder: &Path) {
        self.apply(Vec::new(), &[folder.to_path_buf()]);
    }

    /// Queues changes on disk to apply before the next project-wide answer (called by the
    /// ordering layer, in arrival order, for `workspace/didChangeWatchedFiles`, `didSave` and
    /// `didClose`).
    pub fn queue(&self, changes: impl IntoIterator<Item = PendingChange>) {
        self.pending.lock().unpoisoned().extend(changes);
    }

    pub(super) fn take_pending(&self) -> Vec<PendingChange> {
        std::mem::take(&mut *self.pending.lock().unpoisoned())
    }

    pub(super) fn set_notes(&self, notes: WalkNotes) {
        *self.notes.lock().unpoisoned() = notes;
    }

    /// What the last walk could not follow or left out.
    pub fn notes(&self) -> WalkNotes {
        self.notes.lock().unpoisoned().clone()
    }

    /// Every indexed file as the editor sees it: the open documents' summaries laid over the
    /// disk copies, plus the open documents the disk walk did not find (unsaved new files,
    /// files outside the workspace).
    pub fn view(
        &self,
        open_documents: &[Arc<OpenDocument>],
        roots: &[PathBuf],
        encoding: PositionEncoding,
    ) -> Vec<Arc<IndexedFile>> {
        let open_summaries: Vec<Arc<IndexedFile>> = open_documents
            .iter()
            .filter_map(|doc| self.open_summary(doc, roots, encoding))
            .collect();
        self.open
            .lock()
            .unpoisoned()
            .retain(|uri, _| open_documents.iter().any(|d| &d.uri == uri));
        let mut out: Vec<Arc<IndexedFile>> =
            self.files.read().unpoisoned().values().cloned().collect();
        for summary in open_summaries {
            match out.binary_search_by(|f| f.path.cmp(&summary.path)) {
                Ok(at) => out[at] = summary,
                Err(at) => out.insert(at, summary),
            }
        }
        out
    }

    /// The summary of an open `.void` document at its current version (made once per version).
    pub fn open_summary(
        &self,
        doc: &OpenDocument,
        roots: &[PathBuf],
        encoding: PositionEncoding,
    ) -> Option<Arc<IndexedFile>> {
        let path = doc.uri.to_file_path()?.into_owned();
        if path.extension().is_none_or(|e| e != "void") {
            return None;
        }
        if let Some(hit) = self.open.lock().unpoisoned().get(&doc.uri)
            && hit.origin == Origin::Open(doc.version)
        {
            return Some(hit.clone());
        }
        let project = project_root_of(&path, roots);
        let summary = VoidSummary::of(
            doc.text(),
            &doc.model(),
            doc.line_index(),
            encoding,
            &project,
        );
        let file = Arc::new(IndexedFile {
            in_workspace: roots.iter().any(|r| path.starts_with(r)),
            uri: doc.uri.clone(),
            project: Arc::from(project),
            path,
            origin: Origin::Open(doc.version),
            content: Content::Void(summary),
        });
        self.open
            .lock()
            .unpoisoned()
            .insert(doc.uri.clone(), file.clone());
        Some(file)
    }
}

/// Reads and summarizes the file at `path` from disk: `None` when it does not exist (any more)
/// or is not an indexable file; an [`Content::Unread`] entry when it exists but the bounded
/// reader refused it.
pub fn index_file(
    path: &Path,
    roots: &[PathBuf],
    encoding: PositionEncoding,
) -> Option<IndexedFile> {
    let project = project_root_of(path, roots);
    let kind = file_kind(path, &project)?;
    let uri = Uri::from_file_path(path)?;
    let stamp = Stamp::of(path)?;
    let limit = match kind {
        FileKind::Void => Limit::Document,
        FileKind::Env => Limit::Environment,
    };
    let content = match Project::new(&project).read_text(path, limit) {
        Ok(text) => match kind {
            FileKind::Void => {
                let model = void_syntax::parse(&text);
                let index = void_syntax::LineIndex::new(&text);
                Content::Void(VoidSummary::of(&text, &model, &index, encoding, &project))
            }
            FileKind::Env => {
                let name = path.file_name()?.to_str()?;
                Content::Env(EnvSummary::of(path, env_kind(name)?, &text, encoding))
            }
        },
        Err(e) if e.problem == FileProblem::NotFound => return None,
        Err(e) => Content::Unread(e.to_string()),
    };
    Some(IndexedFile {
        in_workspace: roots.iter().any(|r| path.starts_with(r)),
        path: path.to_path_buf(),
        uri,
        project: Arc::from(project),
        origin: Origin::Disk(stamp),
        content,
    })
}
