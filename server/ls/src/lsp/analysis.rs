//! The analysis thread: one long-lived thread that parses documents, computes their
//! diagnostics, and frees the models of old versions.
//!
//! Why one dedicated thread rather than tokio's blocking pool:
//! - latency: [`prepare`] is called by the ordering layer the moment a change is applied, so the
//!   parse of the new version starts before any handler or the diagnostics task is even polled;
//!   a request that needs the model (completion right after a keystroke) then waits for that one
//!   parse instead of starting a second one;
//! - memory: glibc gives every thread that allocates its own arena, and a megabyte document
//!   parsed on whichever pooled thread is free, then freed on another, left freed-but-retained
//!   memory in many arenas (resident memory tripled over a few hundred keystrokes). Parsing and
//!   freeing on one thread keeps the models in one arena, where freed blocks are reused.
//! - cost of freeing: dropping a big model costs about as much as parsing it, so [`retire`]
//!   queues it at low priority; it runs only when no parse or computation is waiting.
//!
//! Jobs for versions nobody holds any more are skipped ([`prepare`] keeps only a weak
//! reference). This module knows nothing of LSP or the client; it must not block on anything but
//! its own queue, and nothing may wait for it while holding the document store's lock.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use super::document::Document;

type Job = Box<dyn FnOnce() + Send>;
type Retired = Box<dyn Any + Send>;

#[derive(Default)]
struct Queues {
    /// Parses and computations, oldest first.
    urgent: VecDeque<Job>,
    /// Values to free when nothing urgent is waiting.
    retired: VecDeque<Retired>,
}

struct AnalysisThread {
    queues: Mutex<Queues>,
    wake: Condvar,
}

impl AnalysisThread {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queues> {
        // Jobs run outside the lock, so a poisoned lock still holds consistent queues.
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn run(&self) {
        loop {
            let next = {
                let mut queues = self.lock();
                loop {
                    if let Some(job) = queues.urgent.pop_front() {
                        break Ok(job);
                    }
                    if let Some(retired) = queues.retired.pop_front() {
                        break Err(retired);
                    }
                    queues = self.wake.wait(queues).unwrap_or_else(|p| p.into_inner());
                }
            };
            match next {
                Ok(job) => {
                    // A panicking job (a parser bug) must not take the thread down with it.
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                        tracing::error!("an analysis job panicked; continuing");
                    }
                }
                Err(retired) => drop(retired),
            }
        }
    }
}

/// The thread's queues; `None` when it could not be started (then work runs in place).
fn analysis_thread() -> Option<&'static AnalysisThread> {
    static THREAD: OnceLock<Option<&'static AnalysisThread>> = OnceLock::new();
    *THREAD.get_or_init(|| {
        let shared: &'static AnalysisThread = Box::leak(Box::new(AnalysisThread {
            queues: Mutex::new(Queues::default()),
            wake: Condvar::new(),
        }));
        match std::thread::Builder::new()
            .name("void-ls-analysis".into())
            .spawn(move || shared.run())
        {
            Ok(_) => Some(shared),
            Err(e) => {
                tracing::warn!("cannot start the analysis thread, analysing in place: {e}");
                None
            }
        }
    })
}

fn push_urgent(job: Job) -> Result<(), Job> {
    let Some(thread) = analysis_thread() else {
        return Err(job);
    };
    thread.lock().urgent.push_back(job);
    thread.wake.notify_one();
    Ok(())
}

/// Starts parsing `doc` on the analysis thread, unless that version is dropped first.
pub fn prepare(doc: &Arc<Document>) {
    let version: Weak<Document> = Arc::downgrade(doc);
    let _ = push_urgent(Box::new(move || {
        if let Some(doc) = version.upgrade() {
            doc.model();
        }
    }));
}

/// Runs `work` on the analysis thread and waits (asynchronously) for its result; `None` if the
/// work panicked. Falls back to tokio's blocking pool when the thread is unavailable.
pub async fn run<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = sender.send(work());
    });
    match push_urgent(job) {
        Ok(()) => receiver.await.ok(),
        Err(job) => {
            tokio::task::spawn_blocking(job).await.ok()?;
            receiver.await.ok()
        }
    }
}

/// Frees `value` on the analysis thread when it is idle (or here, when it is unavailable).
/// Only for values whose drop has no observable effect beyond freeing memory.
pub fn retire<T: Send + 'static>(value: T) {
    match analysis_thread() {
        Some(thread) => {
            thread.lock().retired.push_back(Box::new(value));
            thread.wake.notify_one();
        }
        None => drop(value),
    }
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
    fn retired_values_are_dropped_on_the_analysis_thread() {
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

    #[tokio::test]
    async fn run_returns_the_result_and_survives_a_panicking_job() {
        let name = run(|| std::thread::current().name().map(str::to_owned)).await;
        assert_eq!(name, Some(Some("void-ls-analysis".to_owned())));
        let panicked: Option<()> = run(|| panic!("a parser bug")).await;
        assert_eq!(panicked, None);
        assert_eq!(run(|| 2 + 2).await, Some(4));
    }

    #[test]
    fn prepare_parses_the_version_and_skips_dropped_ones() {
        let uri: tower_lsp_server::ls_types::Uri = "file:///a.void".parse().unwrap();
        let doc = Arc::new(Document::new(uri, "void".into(), 1, "# Title\n".into()));
        prepare(&doc);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !doc.has_model() {
            assert!(
                Instant::now() < deadline,
                "the prepared version was never parsed"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let uri: tower_lsp_server::ls_types::Uri = "file:///b.void".parse().unwrap();
        let gone = Arc::new(Document::new(uri, "void".into(), 1, "# Title\n".into()));
        prepare(&gone);
        drop(gone); // the job finds nothing to parse and does nothing
    }
}
