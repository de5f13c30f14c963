//! The sessions registry of the language server: which WebSocket sessions exist, which section
//! (document URI + `socket-request` uid) each belongs to, and its log document URI.
//!
//! Sessions are keyed by section, not by position, so they survive edits: every lookup from a
//! document goes through the block uid. At most one live session per section; finished ones
//! are kept (bounded) so their log, transcript and JSON keys stay reachable.
//!
//! This module must not talk to the client (that is [`super::notifier`]) and must not hold a
//! lock across an `.await`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;
use void_session::sync::Unpoisoned;
use void_session::{Session, SessionSettings, SessionSpec};

use super::super::capabilities::{SessionFeatures, SharedClientFeatures};
use super::super::diagnostics::DiagnosticsQueue;
use super::http_runs::HttpRuns;
use super::log_document;
use super::protocol::SessionSummary;
use super::serves::Serves;

/// Finished sessions kept for their logs and JSON keys; older ones are forgotten.
const FINISHED_KEPT: usize = 32;
/// How long shutdown waits for sessions to finish their close handshakes.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// One session and the section it belongs to.
#[derive(Debug)]
pub struct SessionEntry {
    pub session: Session,
    pub uri: Uri,
    /// The `socket-request` uid (empty when the block has none).
    pub block_uid: String,
    /// The registry key of the section: the uid, or `#section-N` for a block without one.
    pub section_key: String,
    pub log_uri: String,
    /// The section's name for people when the session started.
    pub label: String,
    /// When the session started (RFC 3339, milliseconds).
    pub started_at: String,
    /// A refresh of the log document owed to a client that fetched its text while the session
    /// changed (see [`super::notifier::recheck_served`]); the session's watcher sends it within
    /// its refresh throttle.
    refresh_owed: AtomicBool,
    /// Wakes the watcher when a refresh is owed.
    refresh_wake: tokio::sync::Notify,
}

impl SessionEntry {
    pub fn id(&self) -> &str {
        self.session.id()
    }

    /// Connecting, open or closing (or waiting to reconnect): not finished.
    pub fn is_live(&self) -> bool {
        !self.session.is_finished()
    }

    /// Asks the watcher for one more refresh of the log document, within its throttle.
    pub fn owe_refresh(&self) {
        self.refresh_owed.store(true, Ordering::Release);
        self.refresh_wake.notify_one();
    }

    /// Whether a refresh was owed (and no longer is).
    pub fn take_owed_refresh(&self) -> bool {
        self.refresh_owed.swap(false, Ordering::AcqRel)
    }

    /// Resolves when [`Self::owe_refresh`] was called (at once if it was since the last wait).
    pub async fn refresh_owed(&self) {
        self.refresh_wake.notified().await;
    }

    pub fn summary(&self) -> SessionSummary {
        SessionSummary {
            session_id: self.id().to_string(),
            uri: self.uri.clone(),
            block_uid: self.block_uid.clone(),
            state: self.session.state().as_str().to_string(),
            log_uri: self.log_uri.clone(),
            label: self.label.clone(),
            started_at: self.started_at.clone(),
        }
    }
}

/// The sessions of one language server.
#[derive(Debug)]
pub struct SessionManager {
    client: OnceLock<Client>,
    /// Where a document is marked for new diagnostics (failed assertion rows are diagnostics).
    diagnostics: DiagnosticsQueue,
    /// The client's features, set at `initialize` (shared with the server state).
    features: SharedClientFeatures,
    entries: Mutex<VecDeque<Arc<SessionEntry>>>,
    shutting_down: AtomicBool,
    /// HTTP and GraphQL runs, and the values they captured.
    pub http: HttpRuns,
    /// Sections served on loopback (`void.serve`).
    pub serves: Serves,
}

impl SessionManager {
    pub fn new(diagnostics: DiagnosticsQueue, features: SharedClientFeatures) -> Self {
        SessionManager {
            client: OnceLock::new(),
            diagnostics,
            features,
            entries: Mutex::default(),
            shutting_down: AtomicBool::new(false),
            http: HttpRuns::default(),
            serves: Serves::default(),
        }
    }

    /// Asks for the diagnostics of `uri` to be published again (a session's assertion
    /// outcomes changed, or it ended).
    pub fn recheck(&self, uri: &Uri) {
        self.diagnostics.schedule(uri.clone());
    }

    /// Gives the manager the client handle (once, when the service is built).
    pub fn attach_client(&self, client: Client) {
        let _ = self.client.set(client);
    }

    pub fn client(&self) -> Option<&Client> {
        self.client.get()
    }

    /// What the client can do for sessions (nothing optional before `initialize`).
    pub fn caps(&self) -> SessionFeatures {
        self.features.get().map(|f| f.sessions).unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Arc<SessionEntry>>> {
        self.entries.lock().unpoisoned()
    }

    /// Spawns a session for a section. Refused while shutting down.
    pub fn start(
        &self,
        uri: Uri,
        block_uid: String,
        section_key: String,
        label: &str,
        spec: SessionSpec,
    ) -> Result<Arc<SessionEntry>, String> {
        if self.shutting_down.load(Ordering::Acquire) {
            return Err("the language server is shutting down; no new connections".into());
        }
        let session =
            Session::spawn(spec, SessionSettings::default()).map_err(|e| e.to_string())?;
        let started = chrono::Local::now();
        let log_uri = log_document::log_uri(session.id(), label, started.time());
        let entry = Arc::new(SessionEntry {
            session,
            uri,
            block_uid,
            section_key,
            log_uri,
            label: label.to_string(),
            started_at: started
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            refresh_owed: AtomicBool::new(false),
            refresh_wake: tokio::sync::Notify::new(),
        });
        let mut entries = self.lock();
        entries.push_back(entry.clone());
        prune(&mut entries);
        Ok(entry)
    }

    pub fn get(&self, session_id: &str) -> Option<Arc<SessionEntry>> {
        self.lock().iter().find(|e| e.id() == session_id).cloned()
    }

    /// The session, or an error message naming the unknown id.
    pub fn require(&self, session_id: &str) -> Result<Arc<SessionEntry>, String> {
        self.get(session_id).ok_or_else(|| format!("no session `{session_id}` (it may have ended before the server restarted); see void.sessions"))
    }

    /// The session whose log document is `log_uri`.
    pub fn by_log_uri(&self, log_uri: &str) -> Option<Arc<SessionEntry>> {
        let id = log_document::session_id_of(log_uri)?;
        self.get(id)
    }

    /// The newest session of a section (live or finished).
    pub fn latest_for(&self, uri: &Uri, section_key: &str) -> Option<Arc<SessionEntry>> {
        self.lock()
            .iter()
            .rev()
            .find(|e| &e.uri == uri && e.section_key == section_key)
            .cloned()
    }

    /// The live session of a section, if any.
    pub fn live_for(&self, uri: &Uri, section_key: &str) -> Option<Arc<SessionEntry>> {
        self.latest_for(uri, section_key).filter(|e| e.is_live())
    }

    /// Every session, oldest first.
    pub fn all(&self) -> Vec<Arc<SessionEntry>> {
        self.lock().iter().cloned().collect()
    }

    /// Whether any session belongs to `uri` (lenses and hovers skip the lookups otherwise).
    pub fn has_sessions_for(&self, uri: &Uri) -> bool {
        self.lock().iter().any(|e| &e.uri == uri)
    }

    /// Whether new sessions and runs are refused (the server is shutting down).
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Stops every served section, closes every live session (1001, going away), refuses new ones, and waits up to
    /// [`SHUTDOWN_WAIT`] for the close handshakes and transcripts to finish.
    pub async fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
        self.serves.stop_all();
        let live: Vec<_> = self.all().into_iter().filter(|e| e.is_live()).collect();
        for entry in &live {
            entry.session.close(1001, "the editor is shutting down");
        }
        let all_finished = async {
            for entry in &live {
                entry.session.finished().await;
                let _ = entry.session.flush_transcript().await;
            }
        };
        if tokio::time::timeout(SHUTDOWN_WAIT, all_finished)
            .await
            .is_err()
        {
            tracing::warn!(
                "some WebSocket sessions did not finish closing within {SHUTDOWN_WAIT:?}"
            );
        }
    }
}

/// Forgets the oldest finished sessions beyond [`FINISHED_KEPT`], keeping every live one and
/// the newest session of each section.
fn prune(entries: &mut VecDeque<Arc<SessionEntry>>) {
    let finished = entries.iter().filter(|e| !e.is_live()).count();
    let mut excess = finished.saturating_sub(FINISHED_KEPT);
    if excess == 0 {
        return;
    }
    let snapshot: Vec<Arc<SessionEntry>> = entries.iter().cloned().collect();
    let removable = |i: usize, e: &SessionEntry| {
        !e.is_live()
            && snapshot[i + 1..]
                .iter()
                .any(|later| later.uri == e.uri && later.section_key == e.section_key)
    };
    let mut index = 0;
    entries.retain(|e| {
        let keep = excess == 0 || !removable(index, e);
        if !keep {
            excess -= 1;
        }
        index += 1;
        keep
    });
}
