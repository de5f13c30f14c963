//! Filling the workspace index and keeping it current: the first indexing of the workspace
//! folders (with `$/progress`), `workspace/didChangeWatchedFiles` events, workspace folders
//! added and removed, and the size-and-time check that stands in for file watching when the
//! client cannot watch files (Neovim on Linux). All file work runs on the index thread
//! (`super::super::analysis::run_indexing`), never on the async runtime; every change is
//! followed by the same consequences ([`after_change`]): the environment cache dropped when an
//! environment file changed, and diagnostics of the project's files brought up to date.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tower_lsp_server::ls_types::request::WorkDoneProgressCreate;
use tower_lsp_server::ls_types::*;
use void_session::project_files::{Project, project_root_of};
use void_session::project_walk::{self, WalkLimits};
use void_session::sync::Unpoisoned;

use super::super::analysis;
use super::super::position::PositionEncoding;
use super::super::server::ServerState;
use super::super::sessions::notifier::progress;
use super::{
    FileKind, IndexedFile, MAX_FILES, Origin, Readiness, Stamp, WalkNotes, file_kind, index_file,
};

/// How often, at most, the disk is compared with the index for clients that do not watch
/// files.
pub const RESCAN_INTERVAL: Duration = Duration::from_secs(2);

/// The progress token of the first indexing.
const PROGRESS_TOKEN: &str = "void-ls/indexing";

/// How often, at most, the first indexing reports its progress.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// What the index thread tells the progress reporter.
enum Report {
    Found(usize),
    Read { done: usize, total: usize },
}

/// The files under the workspace folders that the index takes, found by the bounded walk, and
/// what the walk could not follow.
fn walk_roots(roots: &[PathBuf]) -> (Vec<PathBuf>, WalkNotes) {
    let mut files = Vec::new();
    let mut notes = WalkNotes::default();
    for root in roots {
        let project = Project::new(root);
        let limits = WalkLimits {
            max_files: MAX_FILES.saturating_sub(files.len()),
            ..WalkLimits::default()
        };
        let walk = project_walk::walk(&project, root, limits, &|path| {
            file_kind(path, &project_root_of(path, roots)).is_some()
        });
        files.extend(walk.files);
        notes.problems.extend(walk.problems);
        notes.stopped_early.extend(walk.stopped_early);
    }
    files.sort();
    files.dedup();
    (files, notes)
}

/// Reads and summarizes `paths`, reporting every [`REPORT_EVERY`].
fn index_all(
    paths: &[PathBuf],
    roots: &[PathBuf],
    encoding: PositionEncoding,
    report: &dyn Fn(Report),
) -> Vec<IndexedFile> {
    let mut out = Vec::with_capacity(paths.len());
    let mut last = Instant::now();
    for (i, path) in paths.iter().enumerate() {
        out.extend(index_file(path, roots, encoding));
        if last.elapsed() >= REPORT_EVERY {
            last = Instant::now();
            report(Report::Read {
                done: i + 1,
                total: paths.len(),
            });
        }
    }
    out
}

/// Starts the first indexing of the workspace folders (at `initialized`), reporting
/// `$/progress` when the client supports it.
pub fn start(state: Arc<ServerState>) {
    state.index.expect_indexing();
    tokio::spawn(async move {
        let started = Instant::now();
        let token = begin_progress(&state).await;
        let (sender, mut reports) = tokio::sync::mpsc::unbounded_channel();
        let roots = state.roots();
        let encoding = state.encoding();
        let work = analysis::run_indexing(move || {
            let (paths, notes) = walk_roots(&roots);
            let _ = sender.send(Report::Found(paths.len()));
            let report = |r| {
                let _ = sender.send(r);
            };
            (index_all(&paths, &roots, encoding, &report), notes)
        });
        tokio::pin!(work);
        let indexed = loop {
            tokio::select! {
                done = &mut work => break done,
                Some(report) = reports.recv() => {
                    if let Some(token) = &token {
                        progress(&state.client, token, report_value(report)).await;
                    }
                }
            }
        };
        let (files, notes) = indexed.unwrap_or_default();
        let count = files.len();
        for problem in &notes.problems {
            tracing::warn!("workspace index: {problem}");
        }
        for note in &notes.stopped_early {
            tracing::warn!("workspace index: {note}");
        }
        state.index.set_notes(notes);
        state.index.apply(files, &[]);
        *state.index.last_check.lock().unpoisoned() = Some(Instant::now());
        state.index.set_readiness(Readiness::Ready);
        let message = format!(
            "{} indexed in {} ms",
            void_syntax::vocab::count(count, "file", "files"),
            started.elapsed().as_millis()
        );
        tracing::info!("workspace index: {message}");
        if let Some(token) = &token {
            let end = WorkDoneProgress::End(WorkDoneProgressEnd {
                message: Some(message),
            });
            progress(&state.client, token, end).await;
        }
        after_change(&state, true);
    });
}

fn report_value(report: Report) -> WorkDoneProgress {
    let (message, percentage) = match report {
        Report::Found(n) => (
            format!("{} to read", void_syntax::vocab::count(n, "file", "files")),
            0,
        ),
        Report::Read { done, total } => (
            format!("{done}/{total} files"),
            u32::try_from(done * 100 / total.max(1)).unwrap_or(100),
        ),
    };
    WorkDoneProgress::Report(WorkDoneProgressReport {
        cancellable: Some(false),
        message: Some(message),
        percentage: Some(percentage),
    })
}

/// Creates the progress token and begins the report, when the client supports progress.
async fn begin_progress(state: &ServerState) -> Option<ProgressToken> {
    if !state.features().sessions.work_done_progress {
        return None;
    }
    let token = NumberOrString::String(PROGRESS_TOKEN.into());
    let created = state
        .client
        .send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
            token: token.clone(),
        })
        .await;
    if created.is_err() {
        return None;
    }
    let begin = WorkDoneProgress::Begin(WorkDoneProgressBegin {
        title: "Indexing .void files".into(),
        cancellable: Some(false),
        message: Some("looking for .void and environment files".into()),
        percentage: Some(0),
    });
    progress(&state.client, &token, begin).await;
    Some(token)
}

/// Applies the changes on disk queued so far (`workspace/didChangeWatchedFiles`, saved and
/// closed documents): created and changed files are read again, deleted ones (and everything
/// under a deleted folder) dropped, created folders walked. Returns once every change queued
/// before the call is in the index, even when another task is applying it.
pub async fn settle(state: &Arc<ServerState>) {
    let _settling = state.index.settling.lock().await;
    let pending = state.index.take_pending();
    if pending.is_empty() {
        return;
    }
    let roots = state.roots();
    let encoding = state.encoding();
    let env_changed = pending.iter().any(|c| is_env_name(&c.path));
    let work = analysis::run_indexing(move || {
        let mut updated = Vec::new();
        let mut gone = Vec::new();
        for change in pending {
            let path = change.path;
            if change.deleted || !path.exists() {
                gone.push(path);
            } else if path.is_dir() {
                let (files, _) = walk_roots(std::slice::from_ref(&path));
                updated.extend(files.iter().filter_map(|f| index_file(f, &roots, encoding)));
            } else {
                match index_file(&path, &roots, encoding) {
                    Some(file) => updated.push(file),
                    None => gone.push(path),
                }
            }
        }
        (updated, gone)
    });
    if let Some((updated, gone)) = work.await {
        state.index.apply(updated, &gone);
    }
    after_change(state, env_changed);
}

/// Whether a file name is an environment file's.
pub fn is_env_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| super::env_sources::env_kind(n).is_some())
}

/// Indexes a workspace folder that was added.
pub async fn add_folder(state: &Arc<ServerState>, folder: PathBuf) {
    let roots = state.roots();
    let encoding = state.encoding();
    let work = analysis::run_indexing(move || {
        let (paths, _) = walk_roots(std::slice::from_ref(&folder));
        index_all(&paths, &roots, encoding, &|_| {})
    });
    if let Some(files) = work.await {
        state.index.apply(files, &[]);
    }
    after_change(state, true);
}

/// Brings the index up to date before a project-wide answer: waits for the first indexing,
/// applies the changes heard of ([`settle`]) and, for clients that do not watch files,
/// compares the sizes and modification times on disk with the index (at most every
/// [`RESCAN_INTERVAL`]) and reads again what changed.
pub async fn up_to_date(state: &Arc<ServerState>) {
    state.index.ready().await;
    settle(state).await;
    if state.watches_files() || state.index.readiness() != Readiness::Ready {
        return;
    }
    {
        let mut last = state.index.last_check.lock().unpoisoned();
        if last.is_some_and(|at| at.elapsed() < RESCAN_INTERVAL) {
            return;
        }
        *last = Some(Instant::now());
    }
    let roots = state.roots();
    let encoding = state.encoding();
    let known: HashMap<PathBuf, Option<Stamp>> = state
        .index
        .disk_files()
        .iter()
        .filter(|f| f.in_workspace)
        .map(|f| match f.origin {
            Origin::Disk(stamp) => (f.path.clone(), Some(stamp)),
            Origin::Open(_) => (f.path.clone(), None),
        })
        .collect();
    let index = state.index.clone();
    let work = analysis::run_indexing(move || {
        let (paths, notes) = walk_roots(&roots);
        index.set_notes(notes);
        let mut updated = Vec::new();
        for path in &paths {
            let indexed = known.get(path).copied().flatten();
            if indexed.is_none() || indexed != Stamp::of(path) {
                updated.extend(index_file(path, &roots, encoding));
            }
        }
        let gone: Vec<PathBuf> = known
            .into_keys()
            .filter(|p| paths.binary_search(p).is_err())
            .collect();
        (updated, gone)
    });
    if let Some((updated, gone)) = work.await
        && !(updated.is_empty() && gone.is_empty())
    {
        let env_changed = updated
            .iter()
            .any(|f| file_kind(&f.path, &f.project) == Some(FileKind::Env))
            || gone.iter().any(|p| is_env_name(p));
        state.index.apply(updated, &gone);
        after_change(state, env_changed);
    }
}

/// What follows any change of the index: the environment cache is dropped when an environment
/// file changed, and every open document is checked again; the diagnostics of the files that
/// are not open are brought up to date in any case.
pub fn after_change(state: &ServerState, env_changed: bool) {
    if env_changed {
        state.recheck_all();
    } else {
        state.diagnostics.schedule_project();
    }
}

/// Whether `path` is inside one of `roots`.
pub fn in_roots(path: &Path, roots: &[PathBuf]) -> bool {
    roots.iter().any(|r| path.starts_with(r))
}
