//! Sections served from the editor (docs/lsp-extensions.md, `void.serve`): the `▶ Serve` lens
//! of a section with replies plays its server side on loopback, as `void-ls serve` does
//! (`void_session::serve`), until `void.stopServe` (the `■ Stop serving` lens) or shutdown.
//! Each served section has a live log document, `void-session:/<serveId>/<name>_<HH.MM.SS>.wslog`,
//! served like a session's: one line per event with the client's number, refreshed as it grows
//! (at most [`REFRESH_EVERY`] apart).
//!
//! Nothing listens without the user's command. This module never holds a lock across an
//! `.await`; it tells the client from spawned tasks only.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tower_lsp_server::ls_types::Uri;
use void_session::SessionSpec;
use void_session::sync::Unpoisoned;

use super::lookup::LocatedSection;
use super::manager::SessionManager;
use super::notifier;
use super::protocol::{LogTextParams, LogTextResult, TextDocumentContentRefresh};

/// Lines a served log keeps; older ones are dropped (and counted in the header).
const LINES_KEPT: usize = 5_000;
/// The least time between two refreshes of a served log document.
const REFRESH_EVERY: Duration = Duration::from_millis(100);

/// One section served on loopback.
#[derive(Debug)]
pub struct ServedSection {
    pub id: String,
    pub uri: Uri,
    /// The request block's uid (empty when it has none).
    pub block_uid: String,
    pub section_key: String,
    pub label: String,
    /// Where clients connect: `ws://127.0.0.1:<port>`.
    pub url: String,
    pub log_uri: String,
    lines: Mutex<VecDeque<String>>,
    dropped: AtomicU64,
    /// Clients that connected so far.
    clients: AtomicU64,
    /// Grows with every change of the log document.
    version: AtomicU64,
    changed: tokio::sync::Notify,
    stopped: AtomicBool,
    stop: tokio::sync::watch::Sender<bool>,
}

impl ServedSection {
    /// Still listening (false from the moment it is asked to stop).
    pub fn is_live(&self) -> bool {
        !self.stopped.load(Ordering::Acquire) && !*self.stop.borrow()
    }

    /// Stops listening and ends every client's connection.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// The log document: a header line, then one line per event.
    pub fn text(&self) -> LogTextResult {
        let lines = self.lines.lock().unpoisoned();
        let state = if self.is_live() { "serving" } else { "stopped" };
        let clients = self.clients.load(Ordering::Acquire);
        let mut text = format!(
            "# {} · {state} on {} · {}\n",
            self.label,
            self.url,
            void_syntax::vocab::count(clients as usize, "client", "clients")
        );
        let dropped = self.dropped.load(Ordering::Acquire);
        if dropped > 0 {
            text.push_str(&format!("… {dropped} earlier lines dropped\n"));
        }
        for line in lines.iter() {
            text.push_str(line);
            text.push('\n');
        }
        LogTextResult {
            text,
            version: self.version.load(Ordering::Acquire),
        }
    }

    /// Adds a line (already masked) and wakes the refresher.
    fn push(&self, line: String) {
        {
            let mut lines = self.lines.lock().unpoisoned();
            if lines.len() >= LINES_KEPT {
                lines.pop_front();
                self.dropped.fetch_add(1, Ordering::AcqRel);
            }
            lines.push_back(line);
        }
        self.version.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_one();
    }
}

/// The sections served by one language server (stopped ones are kept for their logs, bounded).
#[derive(Debug, Default)]
pub struct Serves {
    list: Mutex<VecDeque<Arc<ServedSection>>>,
}

/// Stopped served sections kept for their logs.
const STOPPED_KEPT: usize = 16;

impl Serves {
    pub fn get(&self, id: &str) -> Option<Arc<ServedSection>> {
        self.list
            .lock()
            .unpoisoned()
            .iter()
            .find(|s| s.id == id)
            .cloned()
    }

    /// The section's serve that is still listening.
    pub fn live_for(&self, uri: &Uri, section_key: &str) -> Option<Arc<ServedSection>> {
        self.list
            .lock()
            .unpoisoned()
            .iter()
            .find(|s| &s.uri == uri && s.section_key == section_key && s.is_live())
            .cloned()
    }

    /// Whether anything of `uri` is served now.
    pub fn has_live_for(&self, uri: &Uri) -> bool {
        self.list
            .lock()
            .unpoisoned()
            .iter()
            .any(|s| &s.uri == uri && s.is_live())
    }

    /// Stops every served section (shutdown).
    pub fn stop_all(&self) {
        for served in self.list.lock().unpoisoned().iter() {
            served.stop();
        }
    }

    fn register(&self, served: Arc<ServedSection>) {
        let mut list = self.list.lock().unpoisoned();
        list.push_back(served);
        while list.iter().filter(|s| !s.is_live()).count() > STOPPED_KEPT {
            match list.iter().position(|s| !s.is_live()) {
                Some(i) => {
                    list.remove(i);
                }
                None => break,
            }
        }
    }
}

/// A fresh serve id: `serve-<time>-<pid>-<n>`.
fn fresh_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    format!("serve-{stamp}-{}-{n}", std::process::id())
}

/// Serves `located` (built into `spec`) on a free loopback port and answers at once; clients
/// are served in a spawned task until [`ServedSection::stop`].
pub async fn start(
    manager: &Arc<SessionManager>,
    located: &LocatedSection,
    spec: SessionSpec,
) -> Result<Arc<ServedSection>, String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?
        .port();
    let id = fresh_id();
    let started = chrono::Local::now();
    let (stop, mut stopping) = tokio::sync::watch::channel(false);
    let served = Arc::new(ServedSection {
        log_uri: super::log_document::log_uri(&id, &located.label, started.time()),
        id,
        uri: located.uri.clone(),
        block_uid: located.block_uid.clone(),
        section_key: located.section_key.clone(),
        label: located.label.clone(),
        url: format!("ws://127.0.0.1:{port}"),
        lines: Mutex::default(),
        dropped: AtomicU64::new(0),
        clients: AtomicU64::new(0),
        version: AtomicU64::new(1),
        changed: tokio::sync::Notify::new(),
        stopped: AtomicBool::new(false),
        stop,
    });
    manager.serves.register(served.clone());
    let say = {
        let served = served.clone();
        move |n: u64, line: &str| {
            if line.starts_with('⇄') {
                served.clients.fetch_add(1, Ordering::AcqRel);
            }
            served.push(format!("#{n} {line}"));
        }
    };
    let accept = void_session::serve::accept_clients(listener, Arc::new(spec), Arc::new(say));
    let task_served = served.clone();
    let task_manager = manager.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = accept => {}
            _ = stopping.wait_for(|stop| *stop) => {}
        }
        task_served.stopped.store(true, Ordering::Release);
        task_served.push("■ stopped".to_string());
        if let Some(client) = task_manager.client() {
            notifier::refresh_views(client, task_manager.caps());
        }
    });
    tokio::spawn(refresh_log(manager.clone(), served.clone()));
    if let Some(client) = manager.client() {
        notifier::refresh_views(client, manager.caps());
    }
    tracing::info!(
        "serving {} ({}) on {}",
        located.uri.as_str(),
        located.section_key,
        served.url
    );
    Ok(served)
}

/// Refreshes the log document when it changed, at most every [`REFRESH_EVERY`], until the
/// section is stopped (its last line refreshed too).
async fn refresh_log(manager: Arc<SessionManager>, served: Arc<ServedSection>) {
    loop {
        served.changed.notified().await;
        // Stopped (its task pushes "■ stopped" after this flag): this refresh is the last.
        let last = served.stopped.load(Ordering::Acquire);
        tokio::time::sleep(REFRESH_EVERY).await;
        let Some(client) = manager.client().cloned() else {
            return;
        };
        if manager.caps().text_document_content {
            let uri = served.log_uri.clone();
            if let Err(e) = client
                .send_request::<TextDocumentContentRefresh>(LogTextParams { uri })
                .await
            {
                tracing::debug!("textDocumentContent/refresh: {e}");
            }
        }
        if last {
            return;
        }
    }
}
