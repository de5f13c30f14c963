//! The analysis thread, which parses documents and computes their diagnostics, the index
//! thread, which reads and summarizes the workspace's files for the workspace index
//! (`super::index`), and the reclaiming thread, which frees the models of old versions.
//!
//! Why dedicated threads rather than tokio's blocking pool:
//! - latency: [`prepare`] is called by the ordering layer the moment a change is applied, so the
//!   parse of the new version starts before any handler or the diagnostics task is even polled;
//!   a request that needs the model (completion right after a keystroke) then waits for that one
//!   parse instead of starting a second one;
//! - memory: glibc gives every thread that allocates its own arena, and a megabyte document
//!   parsed on whichever pooled thread was free left freed-but-retained memory in many arenas
//!   (resident memory tripled over a few hundred keystrokes). Models are now allocated on the
//!   analysis thread (unless a request asks for one before that thread has started on it), so
//!   they come from few arenas, where freed blocks are reused;
//! - cost of freeing: dropping a big model costs about as much as parsing it. It used to happen
//!   in the read loop, in front of the next parse. [`retire_model`] hands it to the reclaiming
//!   thread instead, which frees it on the other core while the next version is parsed (freeing
//!   it on the analysis thread between keystrokes lets a backlog of models grow when edits come
//!   back to back, and puts the freeing in front of the next parse again).
//!
//! Jobs for versions nobody holds any more are skipped ([`prepare`] keeps only a weak
//! reference). This module knows nothing of LSP or the client; it must not block on anything but
//! its own queues, and nothing may wait for it while holding the document store's lock. If a
//! thread cannot be started, the work runs in place: correct, only slower.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use void_session::sync::Unpoisoned;
use void_syntax::Document;

use super::document::OpenDocument;

type Job = Box<dyn FnOnce() + Send>;

/// A queue served by one long-lived thread, oldest first.
struct WorkQueue<T> {
    items: Mutex<VecDeque<T>>,
    wake: Condvar,
}

impl<T: Send + 'static> WorkQueue<T> {
    /// Starts a thread named `name` that hands every queued item to `serve`; `None` when the
    /// thread cannot be started.
    fn start(name: &str, serve: fn(T)) -> Option<&'static Self> {
        let queue: &'static Self = Box::leak(Box::new(WorkQueue {
            items: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
        }));
        let started = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                loop {
                    let item = {
                        let mut items = queue.lock();
                        loop {
                            if let Some(item) = items.pop_front() {
                                break item;
                            }
                            items = queue.wake.wait(items).unpoisoned();
                        }
                    };
                    serve(item);
                }
            });
        match started {
            Ok(_) => Some(queue),
            Err(e) => {
                tracing::warn!("cannot start the {name} thread, working in place: {e}");
                None
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<T>> {
        // Items are served outside the lock, so a poisoned lock still holds a consistent queue.
        self.items.lock().unpoisoned()
    }

    fn push(&self, item: T) {
        self.lock().push_back(item);
        self.wake.notify_one();
    }
}

fn run_job(job: Job) {
    // A panicking job (a parser bug) must not take the thread down with it.
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
        tracing::error!("an analysis job panicked; continuing");
    }
}

fn analysis_thread() -> Option<&'static WorkQueue<Job>> {
    static THREAD: OnceLock<Option<&'static WorkQueue<Job>>> = OnceLock::new();
    *THREAD.get_or_init(|| WorkQueue::start("void-ls-analysis", run_job))
}

fn index_thread() -> Option<&'static WorkQueue<Job>> {
    static THREAD: OnceLock<Option<&'static WorkQueue<Job>>> = OnceLock::new();
    *THREAD.get_or_init(|| WorkQueue::start("void-ls-index", run_job))
}

fn reclaiming_thread() -> Option<&'static WorkQueue<Box<dyn Any + Send>>> {
    static THREAD: OnceLock<Option<&'static WorkQueue<Box<dyn Any + Send>>>> = OnceLock::new();
    *THREAD.get_or_init(|| WorkQueue::start("void-ls-reclaim", drop))
}

/// Starts parsing `doc` on the analysis thread, unless that version is dropped first.
pub fn prepare(doc: &Arc<OpenDocument>) {
    let Some(thread) = analysis_thread() else {
        return; // the first handler that needs the model parses it
    };
    let version: Weak<OpenDocument> = Arc::downgrade(doc);
    thread.push(Box::new(move || {
        if let Some(doc) = version.upgrade() {
            doc.model();
        }
    }));
}

/// Runs `work` on the analysis thread and waits (asynchronously) for its result; `None` if the
/// work panicked. Falls back to tokio's blocking pool when the thread is unavailable.
pub async fn run<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    run_on(analysis_thread(), work).await
}

/// Runs `work` on the index thread (the workspace index's reads and parses, which must not
/// hold up the parse of the document being edited) and waits (asynchronously) for its result;
/// `None` if the work panicked.
pub async fn run_indexing<R: Send + 'static>(
    work: impl FnOnce() -> R + Send + 'static,
) -> Option<R> {
    run_on(index_thread(), work).await
}

async fn run_on<R: Send + 'static>(
    thread: Option<&'static WorkQueue<Job>>,
    work: impl FnOnce() -> R + Send + 'static,
) -> Option<R> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = sender.send(work());
    });
    match thread {
        Some(thread) => thread.push(job),
        None => tokio::task::spawn_blocking(job).await.ok()?,
    }
    receiver.await.ok()
}

/// Frees `value` on the reclaiming thread (or here, when it is unavailable). Only for values
/// whose drop has no observable effect beyond freeing memory.
pub fn retire<T: Send + 'static>(value: T) {
    match reclaiming_thread() {
        Some(thread) => thread.push(Box::new(value)),
        None => drop(value),
    }
}

/// Releases a reference to a parsed model; if it was the last one, the model is freed on the
/// reclaiming thread.
pub fn retire_model(model: Arc<Document>) {
    retire(model);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    struct DropFlag(Arc<AtomicBool>, std::thread::ThreadId);

    impl Drop for DropFlag {
        fn drop(&mut self) {
            if std::thread::current().id() != self.1 {
                self.0.store(true, Ordering::SeqCst);
            }
        }
    }

    #[test]
    fn retired_values_are_dropped_on_another_thread() {
        let dropped = Arc::new(AtomicBool::new(false));
        retire(DropFlag(dropped.clone(), std::thread::current().id()));
        let deadline = Instant::now() + Duration::from_secs(5);
        while !dropped.load(Ordering::SeqCst) {
            assert!(
                Instant::now() < deadline,
                "the retired value was never dropped"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_retired_model_is_released() {
        let text = "```void\n---\ntype: request-separator\n---\n```\n\n".repeat(500);
        let model = Arc::new(void_syntax::parse(&text));
        let watcher = Arc::downgrade(&model);
        retire_model(model);
        let deadline = Instant::now() + Duration::from_secs(10);
        while watcher.strong_count() > 0 {
            assert!(
                Instant::now() < deadline,
                "the retired model was never released"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[tokio::test]
    async fn run_returns_the_result_and_survives_a_panicking_job() {
        let name = run(|| std::thread::current().name().map(str::to_owned)).await;
        assert_eq!(name, Some(Some("void-ls-analysis".to_owned())));
        let panicked: Option<()> = run(|| panic!("a parser bug")).await;
        assert_eq!(panicked, None);
        assert_eq!(run(|| 2 + 2).await, Some(4));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn prepare_parses_the_version_and_skips_dropped_ones() {
        let uri: tower_lsp_server::ls_types::Uri = "file:///a.void".parse().unwrap();
        let doc = Arc::new(OpenDocument::new(uri, "void".into(), 1, "# Title\n".into()));
        prepare(&doc);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !doc.has_model() {
            assert!(
                Instant::now() < deadline,
                "the prepared version was never parsed"
            );
            std::thread::sleep(Duration::from_millis(1));
        }

        // Hold the analysis thread so the next job stays queued while its version is dropped.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, holding_started) = std::sync::mpsc::channel::<()>();
        let holding = tokio::spawn(run(move || {
            let _ = started.send(());
            held.recv().is_ok()
        }));
        holding_started
            .recv_timeout(Duration::from_secs(5))
            .unwrap();
        let uri: tower_lsp_server::ls_types::Uri = "file:///b.void".parse().unwrap();
        let gone = Arc::new(OpenDocument::new(uri, "void".into(), 1, "# Title\n".into()));
        let watcher = Arc::downgrade(&gone);
        prepare(&gone);
        drop(gone);
        assert_eq!(
            watcher.strong_count(),
            0,
            "a queued job must not keep its version alive (so it is skipped, never parsed)"
        );
        release.send(()).unwrap();
        assert_eq!(holding.await.unwrap(), Some(true));
        // The skipped job ran and the thread goes on serving.
        assert_eq!(run(|| 2 + 2).await, Some(4));
    }
}
