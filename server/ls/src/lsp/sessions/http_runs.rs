//! HTTP and GraphQL sections run from the editor: `void.connect` (the `▶ Run` lens, the code
//! action, Ctrl/Cmd+Enter) on a section whose request is a `request` or a `gqlquery` query or
//! mutation sends it once. Each run has a read-only response document,
//! `void-session:/<runId>/<name>_<HH.MM.SS>.response`, served like a session log; a
//! `void/sessionStatus` when it starts (`connecting`) and when it ends (`closed`, or `failed`
//! when no complete response came), with the HTTP status, the time to the first byte and the
//! `assertions-table` tally; and the `runtime-variables` it captured are kept per document, so
//! later sections of the file (HTTP and WebSocket alike) resolve `{{process.<name>}}`.
//!
//! The exchange, its checks, its captures and its view are the session crate's
//! (`void_session::http`); this module registers runs, masks what it shows (the section's
//! secrets and the secret values it captured), and tells the client. It never holds a lock
//! across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tower_lsp_server::ls_types::{MessageType, Uri};
use void_session::http::capture::Captured;
use void_session::http::client::HttpClient;
use void_session::http::view::{self, HttpOutcome};
use void_session::http::{HttpRequestSpec, exchange};
use void_session::mask::Masker;
use void_session::status::Outcome;
use void_session::sync::Unpoisoned;
use void_session::{AssertionResult, SessionSpec};

use super::lookup::LocatedSection;
use super::manager::SessionManager;
use super::notifier;
use super::protocol::{
    AssertionTally, LogTextParams, LogTextResult, SessionStatusNotification, SessionStatusParams,
    StatusDetail, TextDocumentContentRefresh,
};

/// Ended runs kept for their response documents; older ones are forgotten.
const RUNS_KEPT: usize = 32;

/// One run of an HTTP section.
#[derive(Debug)]
pub struct HttpRun {
    pub id: String,
    pub uri: Uri,
    /// The request block's uid (empty when it has none).
    pub block_uid: String,
    /// The registry key of the section (as for WebSocket sessions).
    pub section_key: String,
    pub label: String,
    pub started_at: String,
    /// The response document.
    pub response_uri: String,
    /// The request line, secrets masked: `POST http://host/login`.
    request_line: String,
    /// The URL, secrets masked.
    url: String,
    warnings: Vec<String>,
    /// The section's secrets (captured secret values are added when the run ends).
    secrets: Vec<String>,
    ended: Mutex<Option<Ended>>,
    /// While an event stream runs: what came so far, and its document text.
    partial: Mutex<Option<Ended>>,
    /// Grows with every change of the document.
    version: std::sync::atomic::AtomicU64,
    /// Set by `void.close`: the client ends the exchange (an endless event stream).
    close: tokio::sync::watch::Sender<bool>,
    /// `void.pause` on an event stream: the response document keeps this text (what was shown
    /// when it paused) while events still arrive and count; `void.resume` shows them all.
    frozen: Mutex<Option<String>>,
}

/// What an ended run shows.
#[derive(Debug)]
struct Ended {
    outcome: HttpOutcome,
    /// The response document's text, masked.
    text: String,
}

impl HttpRun {
    /// Still waiting for its response.
    pub fn is_live(&self) -> bool {
        self.ended.lock().unpoisoned().is_none()
    }

    /// `connecting` while the exchange runs; `closed` once a whole response came; `failed`
    /// when none did (refused, TLS, timeout, a body cut short).
    pub fn state(&self) -> &'static str {
        match state_of(self.ended.lock().unpoisoned().as_ref()) {
            "connecting" if self.partial.lock().unpoisoned().is_some() => "open",
            state => state,
        }
    }

    /// Pauses (`true`) or resumes the response document of a running event stream, as a
    /// WebSocket session's log pauses; `false` when the run has ended (nothing to pause).
    pub fn set_paused(&self, paused: bool) -> bool {
        if !self.is_live() {
            return false;
        }
        // The text is taken before the lock: `text` reads the frozen text too.
        let shown = self.text().text;
        let mut frozen = self.frozen.lock().unpoisoned();
        if paused && frozen.is_none() {
            *frozen = Some(format!(
                "{shown}\n⏸ paused: events still arrive and count; Resume shows them\n"
            ));
        } else if !paused {
            *frozen = None;
        }
        drop(frozen);
        self.version
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        true
    }

    /// Whether the response document is paused.
    pub fn is_paused(&self) -> bool {
        self.is_live() && self.frozen.lock().unpoisoned().is_some()
    }

    /// Ends a run still reading (an event stream): what came so far is judged and shown.
    pub fn close(&self) {
        self.close.send_replace(true);
    }

    /// The response document: a header line, then the response as the view renders it (what
    /// came so far, while an event stream runs).
    pub fn text(&self) -> LogTextResult {
        let version = self.version.load(std::sync::atomic::Ordering::Acquire);
        if let Some(ended) = &*self.ended.lock().unpoisoned() {
            return LogTextResult {
                text: ended.text.clone(),
                version,
            };
        }
        if let Some(frozen) = &*self.frozen.lock().unpoisoned() {
            return LogTextResult {
                text: frozen.clone(),
                version,
            };
        }
        match &*self.partial.lock().unpoisoned() {
            Some(partial) => LogTextResult {
                text: partial.text.clone(),
                version,
            },
            None => LogTextResult {
                text: format!("# {} · running…\n", self.request_line),
                version,
            },
        }
    }

    /// The body of the ended run's response as the rows read it (parsed when it is JSON);
    /// `None` while it runs or when no response came.
    pub fn body_value(&self) -> Option<serde_json::Value> {
        let ended = self.ended.lock().unpoisoned();
        let body = ended.as_ref()?.outcome.body.as_ref()?;
        Some(void_session::http::checks::body_value(&body.bytes))
    }

    /// The `assertions-table` rows of the ended run (none while it runs).
    pub fn checks(&self) -> Vec<AssertionResult> {
        self.ended
            .lock()
            .unpoisoned()
            .as_ref()
            .map(|e| e.outcome.checks.clone())
            .unwrap_or_default()
    }

    /// A lens title: `◌ running…`, or `○ 200 OK · 12 ms · ✓2 ✗0`.
    pub fn summary(&self) -> String {
        let ended = self.ended.lock().unpoisoned();
        let Some(ended) = &*ended else {
            return match &*self.partial.lock().unpoisoned() {
                Some(p) => format!(
                    "● open · {}",
                    void_syntax::vocab::count(p.outcome.events.len(), "event", "events")
                ),
                None => "◌ running…".into(),
            };
        };
        let mut text = format!("○ {}", view::summary(&ended.outcome));
        let tally = tally(&ended.outcome.checks);
        if tally.passed + tally.failed > 0 {
            text.push_str(&format!(" · ✓{} ✗{}", tally.passed, tally.failed));
        }
        text
    }

    /// The run as a `void/sessionStatus`: one request sent, one response received.
    pub fn status_params(&self) -> SessionStatusParams {
        let ended = self.ended.lock().unpoisoned();
        let partial = self.partial.lock().unpoisoned();
        let outcome = ended.as_ref().or(partial.as_ref()).map(|e| &e.outcome);
        let head = outcome.and_then(|o| o.head.as_ref());
        SessionStatusParams {
            session_id: self.id.clone(),
            uri: self.uri.clone(),
            block_uid: self.block_uid.clone(),
            url: self.url.clone(),
            state: match (ended.as_ref(), partial.as_ref()) {
                (None, Some(_)) => "open".to_string(),
                (ended, _) => state_of(ended).to_string(),
            },
            paused: ended.is_none() && self.frozen.lock().unpoisoned().is_some(),
            sent: u64::from(outcome.is_some_and(|o| o.request.is_some())),
            received: outcome.map_or(0, |o| {
                (o.events.len() as u64).max(u64::from(head.is_some()))
            }),
            log_uri: self.response_uri.clone(),
            label: self.label.clone(),
            started_at: self.started_at.clone(),
            detail: StatusDetail {
                http_status: head.map(|h| h.status),
                handshake_ms: head
                    .and(outcome)
                    .map(|o| u64::try_from(o.timing.first_byte.as_millis()).unwrap_or(u64::MAX)),
                error: outcome.and_then(|o| o.error.clone()),
                warnings: self.warnings.clone(),
                assertions: outcome.map(|o| tally(&o.checks)).unwrap_or(AssertionTally {
                    passed: 0,
                    failed: 0,
                    pending: 0,
                }),
                ..StatusDetail::default()
            },
        }
    }

    /// Keeps what an event stream brought so far, rendered (masked with the section's secrets).
    fn set_partial(&self, outcome: &HttpOutcome) {
        let masker = Masker::new(self.secrets.iter().filter(|s| !s.is_empty()));
        let text = format!(
            "# {} · open · {}\n{}",
            self.request_line,
            view::summary(outcome),
            view::render(outcome)
        );
        let text = masker.mask(&text).into_owned();
        *self.partial.lock().unpoisoned() = Some(Ended {
            outcome: outcome.clone(),
            text,
        });
        // A paused document does not change, so it is not refreshed.
        if self.frozen.lock().unpoisoned().is_none() {
            self.version
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
    }

    /// What came so far (an empty outcome when nothing did), for a run the client closes.
    fn so_far(&self) -> HttpOutcome {
        self.partial
            .lock()
            .unpoisoned()
            .as_ref()
            .map(|p| p.outcome.clone())
            .unwrap_or_default()
    }

    /// Keeps the outcome and renders the response document, masked with the section's
    /// secrets and the secret values the run captured.
    fn finish(&self, mut outcome: HttpOutcome) {
        let mut secrets = self.secrets.clone();
        for c in &mut outcome.captured {
            if c.secret
                && let Some(value) = &c.value
            {
                secrets.push(value.clone());
                for (_, member) in &c.members {
                    secrets.push(member.clone());
                }
            }
        }
        let masker = Masker::new(secrets.iter().filter(|s| !s.is_empty()));
        let mut shown = outcome.clone();
        for c in &mut shown.captured {
            if c.secret {
                c.value = c
                    .value
                    .as_ref()
                    .map(|_| void_syntax::variables::MASK.to_string());
            }
        }
        let text = format!(
            "# {} · {}\n{}",
            self.request_line,
            view::summary(&shown),
            view::render(&shown)
        );
        let text = masker.mask(&text).into_owned();
        *self.ended.lock().unpoisoned() = Some(Ended { outcome, text });
        self.version
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

fn state_of(ended: Option<&Ended>) -> &'static str {
    match ended {
        None => "connecting",
        Some(e) if e.outcome.head.is_some() && e.outcome.error.is_none() => "closed",
        Some(_) => "failed",
    }
}

fn tally(checks: &[AssertionResult]) -> AssertionTally {
    let count = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
    AssertionTally {
        passed: count(Outcome::Pass),
        failed: count(Outcome::Fail),
        pending: count(Outcome::Pending),
    }
}

/// The HTTP runs of one language server and what they captured.
pub struct HttpRuns {
    runs: Mutex<VecDeque<Arc<HttpRun>>>,
    /// Values captured by `runtime-variables` rows, per document, in capture order.
    captured: Mutex<HashMap<Uri, Vec<Captured>>>,
    /// One client for every run, so runs to the same server reuse connections.
    client: HttpClient,
}

impl std::fmt::Debug for HttpRuns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRuns")
            .field("runs", &self.runs.lock().unpoisoned().len())
            .finish_non_exhaustive()
    }
}

impl Default for HttpRuns {
    fn default() -> Self {
        HttpRuns {
            runs: Mutex::default(),
            captured: Mutex::default(),
            client: HttpClient::new(Arc::new(void_session::connect::NetworkConnector)),
        }
    }
}

impl HttpRuns {
    /// The values runs of `uri` captured, oldest first (later ones win when added to
    /// variables).
    pub fn captured(&self, uri: &Uri) -> Vec<Captured> {
        self.captured
            .lock()
            .unpoisoned()
            .get(uri)
            .cloned()
            .unwrap_or_default()
    }

    fn remember(&self, uri: &Uri, captured: &[Captured]) {
        let mut all = self.captured.lock().unpoisoned();
        let list = all.entry(uri.clone()).or_default();
        for c in captured.iter().filter(|c| c.value.is_some()) {
            list.retain(|old| old.name != c.name);
            list.push(c.clone());
        }
    }

    pub fn get(&self, id: &str) -> Option<Arc<HttpRun>> {
        self.runs
            .lock()
            .unpoisoned()
            .iter()
            .find(|r| r.id == id)
            .cloned()
    }

    /// The newest run of a section that ended.
    pub fn latest_ended_for(&self, uri: &Uri, section_key: &str) -> Option<Arc<HttpRun>> {
        self.runs
            .lock()
            .unpoisoned()
            .iter()
            .rev()
            .find(|r| &r.uri == uri && r.section_key == section_key && !r.is_live())
            .cloned()
    }

    /// The newest run of a section.
    pub fn latest_for(&self, uri: &Uri, section_key: &str) -> Option<Arc<HttpRun>> {
        self.runs
            .lock()
            .unpoisoned()
            .iter()
            .rev()
            .find(|r| &r.uri == uri && r.section_key == section_key)
            .cloned()
    }

    /// Whether any run belongs to `uri`.
    pub fn has_runs_for(&self, uri: &Uri) -> bool {
        self.runs.lock().unpoisoned().iter().any(|r| &r.uri == uri)
    }

    fn register(&self, run: Arc<HttpRun>) {
        let mut runs = self.runs.lock().unpoisoned();
        runs.push_back(run);
        while runs.len() > RUNS_KEPT {
            match runs.iter().position(|r| !r.is_live()) {
                Some(i) => {
                    runs.remove(i);
                }
                None => break,
            }
        }
    }
}

/// A fresh run id: `http-<time>-<pid>-<n>`.
fn fresh_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    format!("http-{stamp}-{}-{n}", std::process::id())
}

/// Starts a run of `located` (built into `spec` and `http`) and answers it at once; the
/// exchange goes on in a spawned task that reports to the client.
pub fn start(
    manager: &Arc<SessionManager>,
    located: &LocatedSection,
    spec: SessionSpec,
    http: HttpRequestSpec,
) -> Arc<HttpRun> {
    let id = fresh_id();
    let started = chrono::Local::now();
    let masker = Masker::new(&spec.secrets);
    let url = masker.mask(&spec.url).into_owned();
    let mut warnings = Vec::new();
    if spec.options.insecure && spec.url.trim_start().starts_with("https:") {
        warnings.push("TLS certificate checks are off (insecure: true)".to_string());
    }
    let response_uri =
        super::log_document::document_uri(&id, &located.label, started.time(), "response");
    let run = Arc::new(HttpRun {
        request_line: format!("{} {url}", http.method),
        url,
        id,
        uri: located.uri.clone(),
        block_uid: located.block_uid.clone(),
        section_key: located.section_key.clone(),
        label: located.label.clone(),
        started_at: started
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        response_uri,
        warnings,
        secrets: spec.secrets.clone(),
        ended: Mutex::new(None),
        partial: Mutex::new(None),
        version: std::sync::atomic::AtomicU64::new(1),
        close: tokio::sync::watch::channel(false).0,
        frozen: Mutex::new(None),
    });
    manager.http.register(run.clone());
    tokio::spawn(run_and_report(manager.clone(), run.clone(), spec, http));
    run
}

/// The least time between two live views of an event stream.
const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

/// An event stream's status and document, while it runs.
pub(super) async fn tell_progress(
    client: tower_lsp_server::Client,
    caps: crate::lsp::capabilities::SessionFeatures,
    run: Arc<HttpRun>,
) {
    client
        .send_notification::<SessionStatusNotification>(run.status_params())
        .await;
    if caps.text_document_content {
        let uri = run.response_uri.clone();
        if let Err(e) = client
            .send_request::<TextDocumentContentRefresh>(LogTextParams { uri })
            .await
        {
            tracing::debug!("textDocumentContent/refresh: {e}");
        }
    }
}

/// The outcome of a run the client closed: an event stream keeps what came; a run closed
/// before any event (still waiting for the response's head, or reading a body that is not a
/// stream) says so as its error, so the view does not read as an empty response.
fn closed_by_client(
    run: &HttpRun,
    spec: &SessionSpec,
    http: &HttpRequestSpec,
    started: std::time::Instant,
) -> HttpOutcome {
    let mut outcome = run.so_far();
    if outcome.head.is_some() {
        outcome.notes.push(format!(
            "the event stream was closed by the client (Close), after {}",
            void_syntax::vocab::count(outcome.events.len(), "event", "events")
        ));
    } else {
        outcome.error = Some(format!(
            "closed by the client (Close) {} after the run started, before the response was complete: {} {}",
            void_syntax::vocab::human_seconds(started.elapsed()),
            http.method,
            spec.url
        ));
    }
    outcome.total = started.elapsed();
    exchange::conclude(&mut outcome, spec, http);
    outcome
}

/// Sends the request, keeps what it captured, and tells the client: status before and
/// after, the response document refreshed, lenses and inlay hints refreshed, a message when
/// it failed.
async fn run_and_report(
    manager: Arc<SessionManager>,
    run: Arc<HttpRun>,
    spec: SessionSpec,
    http: HttpRequestSpec,
) {
    let client = manager.client().cloned();
    let caps = manager.caps();
    if let Some(client) = &client {
        client
            .send_notification::<SessionStatusNotification>(run.status_params())
            .await;
        notifier::refresh_views(client, caps);
    }
    let mut closed = run.close.subscribe();
    let started = std::time::Instant::now();
    let mut last_shown: Option<std::time::Instant> = None;
    let mut progress = |so_far: &HttpOutcome| {
        // At most 5 views a second; the last one is always shown by the end.
        if last_shown.is_some_and(|at| at.elapsed() < PROGRESS_INTERVAL) {
            return;
        }
        last_shown = Some(std::time::Instant::now());
        run.set_partial(so_far);
        if let Some(client) = client.clone() {
            tokio::spawn(tell_progress(client, caps, run.clone()));
        }
    };
    let (outcome, closed_by_user) = tokio::select! {
        outcome = exchange::run_watched(&manager.http.client, &spec, &http, &mut progress) => (outcome, false),
        _ = closed.wait_for(|c| *c) => (closed_by_client(&run, &spec, &http, started), true),
    };
    manager.http.remember(&run.uri, &outcome.captured);
    run.finish(outcome);
    tracing::info!("HTTP run {} ended {}", run.id, run.state());
    let Some(client) = client else { return };
    let status = run.status_params();
    client
        .send_notification::<SessionStatusNotification>(status.clone())
        .await;
    if caps.text_document_content {
        let uri = run.response_uri.clone();
        let client = client.clone();
        tokio::spawn(async move {
            if let Err(e) = client
                .send_request::<TextDocumentContentRefresh>(LogTextParams { uri })
                .await
            {
                tracing::debug!("textDocumentContent/refresh: {e}");
            }
        });
    }
    notifier::refresh_views(&client, caps);
    // A run the user closed says why in its view; it needs no error message.
    if status.state == "failed" && !closed_by_user {
        let message = format!(
            "HTTP {}: {}",
            run.request_line,
            status
                .detail
                .error
                .unwrap_or_else(|| "no response".to_string())
        );
        tokio::spawn(async move { client.show_message(MessageType::ERROR, message).await });
    }
}
