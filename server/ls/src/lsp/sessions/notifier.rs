//! Telling the client about a session, from one spawned task per session, never from a
//! handler: `void/sessionStatus` on every state change and at most every 250 ms while only the
//! counts change; `workspace/textDocumentContent/refresh` for the log document at most 5 times a
//! second (only for clients that declared `workspace.textDocumentContent`);
//! `workspace/codeLens/refresh` when the lenses change (state, pause); `window/showMessage` when
//! a connection fails; and `$/progress` while connecting.
//!
//! The engine only bumps a version number on change; this task pulls snapshots at its own pace,
//! so a flood of frames costs at most four status notifications a second. Requests to the
//! client are spawned and never awaited in line, so a slow client cannot hold the loop.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::notification::Progress as ProgressNotification;
use tower_lsp_server::ls_types::request::{
    CodeLensRefresh, InlayHintRefreshRequest, WorkDoneProgressCreate,
};
use tower_lsp_server::ls_types::{
    MessageType, NumberOrString, ProgressParams, ProgressParamsValue, ProgressToken,
    WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressCreateParams, WorkDoneProgressEnd,
};
use void_session::{SessionState, Status};

use super::super::capabilities::SessionFeatures;
use super::manager::{SessionEntry, SessionManager};
use super::protocol::{
    AssertionTally, LogTextParams, SessionStatusNotification, SessionStatusParams, StatusDetail,
    TextDocumentContentRefresh,
};

/// The least time between two status notifications that only change counts.
pub const STATUS_INTERVAL: Duration = Duration::from_millis(250);
/// The least time between two refreshes of one log document (5 a second).
pub const REFRESH_INTERVAL: Duration = Duration::from_millis(200);
/// How long after the last refresh of a log, once its text stops changing, it is refreshed one
/// more time. An editor applies a refresh asynchronously (it fetches, compares with what it
/// shows, and edits its copy), and on a loaded machine VS Code was seen showing a log 63
/// messages behind its status after a flood, until the next message came. This refresh makes
/// what the editor shows converge on the session's text within a second of the last change.
pub const SETTLE_REFRESH_AFTER: Duration = Duration::from_secs(1);
/// The least time between two code lens refreshes caused only by counts moving.
pub const LENS_INTERVAL: Duration = Duration::from_secs(1);

/// The `void/sessionStatus` payload of a status snapshot.
pub fn status_params(entry: &SessionEntry, status: &Status) -> SessionStatusParams {
    SessionStatusParams {
        session_id: status.session_id.clone(),
        uri: entry.uri.clone(),
        block_uid: entry.block_uid.clone(),
        url: status.url.clone(),
        state: status.state.as_str().to_string(),
        paused: status.paused,
        sent: status.sent,
        received: status.received,
        log_uri: entry.log_uri.clone(),
        label: entry.label.clone(),
        started_at: entry.started_at.clone(),
        detail: StatusDetail {
            http_status: status.http_status,
            subprotocol: status.subprotocol.clone(),
            handshake_ms: status.handshake_ms,
            close_code: status.close_code,
            close_reason: status.close_reason.clone(),
            error: status.error.clone(),
            warnings: status.warnings.clone(),
            ended_by: status.ended_by.map(|by| by.as_str().to_string()),
            attempt: status.reconnect.map(|r| r.attempt),
            retry_in_ms: status.reconnect.map(|r| r.retry_in_ms),
            assertions: AssertionTally {
                passed: status.assertions.passed,
                failed: status.assertions.failed,
                pending: status.assertions.pending,
            },
        },
    }
}

/// Whether going from `before` to `after` is a change a person must see at once (state,
/// pause, handshake or close facts), as opposed to counts moving.
fn is_significant(before: Option<&SessionStatusParams>, after: &SessionStatusParams) -> bool {
    let Some(before) = before else { return true };
    before.state != after.state
        || before.paused != after.paused
        || before.detail.error != after.detail.error
        || before.detail.close_code != after.detail.close_code
        || before.detail.ended_by != after.detail.ended_by
        || before.detail.attempt != after.detail.attempt
        || before.detail.http_status != after.detail.http_status
        || before.detail.subprotocol != after.detail.subprotocol
        || before.detail.assertions.failed != after.detail.assertions.failed
        || (before.detail.assertions.pending > 0 && after.detail.assertions.pending == 0)
}

/// Whether the document's diagnostics must be published again: failed assertion rows are
/// diagnostics while a session lives, so a change in the failed count, or the end of a session
/// that had failures, changes them.
fn changes_diagnostics(
    before: Option<&SessionStatusParams>,
    after: &SessionStatusParams,
    live: bool,
) -> bool {
    let failed_before = before.map_or(0, |b| b.detail.assertions.failed);
    let failed_now = after.detail.assertions.failed;
    failed_before != failed_now
        || (!live && failed_now > 0 && before.is_some_and(|b| b.state != after.state))
}

/// How long after serving a log's text the server looks at the session again.
pub const SERVED_RECHECK: Duration = Duration::from_millis(300);

/// After a log document's text was served at `version` (`workspace/textDocumentContent`): an
/// editor drops a refresh for a document it is still opening, so a change that came between
/// serving the text and the document being open would stay unseen. Once [`SERVED_RECHECK`]
/// later, if the session changed since, the document is refreshed again: by the session's
/// watcher while the session lives, so the refresh counts against its throttle (an editor
/// fetches on every refresh, and a refresh per fetch sent here directly grew into a storm of
/// refreshes during a flood, each fetch asking for the next); directly once it has finished,
/// when its version no longer moves and one more fetch ends the chain.
pub fn recheck_served(manager: &Arc<SessionManager>, log_uri: String, version: u64) {
    let Some(client) = manager.client().cloned() else {
        return;
    };
    let http_run = super::log_document::session_id_of(&log_uri).and_then(|id| manager.http.get(id));
    let entry = manager.by_log_uri(&log_uri);
    if http_run.is_none() && entry.is_none() {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(SERVED_RECHECK).await;
        let now = match (&http_run, &entry) {
            (Some(run), _) => run.text().version,
            (None, Some(entry)) => *entry.session.changes().borrow(),
            (None, None) => return,
        };
        if now == version {
            return;
        }
        if let (None, Some(entry)) = (&http_run, &entry)
            && entry.is_live()
        {
            entry.owe_refresh();
            return;
        }
        // A live HTTP run (an event stream) refreshes its document itself, at most 5 times a
        // second and once more when it ends; refreshing here too would make every fetch ask
        // for another one while it runs.
        if http_run.as_ref().is_some_and(|run| run.is_live()) {
            return;
        }
        if let Err(e) = client
            .send_request::<TextDocumentContentRefresh>(LogTextParams { uri: log_uri })
            .await
        {
            tracing::debug!("textDocumentContent/refresh: {e}");
        }
    });
}

/// Starts the watcher task of a new session (and its progress report while connecting).
pub fn spawn(
    manager: &Arc<SessionManager>,
    entry: Arc<SessionEntry>,
    progress_token: Option<ProgressToken>,
) {
    let Some(client) = manager.client().cloned() else {
        tracing::warn!("session {} has no client to report to", entry.id());
        return;
    };
    let caps = manager.caps();
    if progress_token.is_some() || caps.work_done_progress {
        tokio::spawn(report_progress(
            client.clone(),
            entry.clone(),
            progress_token,
        ));
    }
    tokio::spawn(watch(client, manager.clone(), entry));
}

/// When the code lenses are refreshed along with a status notification.
enum Lenses {
    Now,
    AtMostEverySecond,
}

async fn watch(client: Client, manager: Arc<SessionManager>, entry: Arc<SessionEntry>) {
    let mut changes = entry.session.changes();
    let mut last_sent: Option<SessionStatusParams> = None;
    let mut last_status_at: Option<Instant> = None;
    let mut status_due: Option<Instant> = None;
    let mut log_refresh = LogRefresh::default();
    let mut told_failure = false;
    let mut last_lens_refresh: Option<Instant> = None;
    loop {
        let version = *changes.borrow_and_update();
        let status = entry.session.status();
        let params = status_params(&entry, &status);
        let now = Instant::now();
        let caps = manager.caps();

        if changes_diagnostics(last_sent.as_ref(), &params, entry.is_live()) {
            manager.recheck(&entry.uri);
        }
        // A significant change goes out at once with its lenses; any other change at most
        // every STATUS_INTERVAL, its lenses (their titles carry the counts) at most once a second.
        let send = if is_significant(last_sent.as_ref(), &params) {
            if status.state == SessionState::Failed && !told_failure {
                told_failure = true;
                let error = status
                    .error
                    .clone()
                    .unwrap_or_else(|| "the connection failed".into());
                let message = format!("WebSocket {}: {error}", status.url);
                let client = client.clone();
                tokio::spawn(async move { client.show_message(MessageType::ERROR, message).await });
            }
            Some(Lenses::Now)
        } else if last_sent.as_ref() != Some(&params) {
            let next = last_status_at.map_or(now, |at| at + STATUS_INTERVAL);
            if now >= next {
                Some(Lenses::AtMostEverySecond)
            } else {
                status_due = Some(next);
                None
            }
        } else {
            None
        };
        if let Some(lenses) = send {
            let lenses_due = match lenses {
                Lenses::Now => true,
                Lenses::AtMostEverySecond => {
                    last_lens_refresh.is_none_or(|at| now >= at + LENS_INTERVAL)
                }
            };
            if lenses_due {
                refresh_views(&client, caps);
                last_lens_refresh = Some(now);
            }
            send_status(&client, &params).await;
            last_sent = Some(params);
            last_status_at = Some(now);
            status_due = None;
        }

        if entry.take_owed_refresh() {
            log_refresh.owed = true;
        }
        if caps.text_document_content && log_refresh.is_due(version, now) {
            let client = client.clone();
            let uri = entry.log_uri.clone();
            tokio::spawn(async move {
                if let Err(e) = client
                    .send_request::<TextDocumentContentRefresh>(LogTextParams { uri })
                    .await
                {
                    tracing::debug!("textDocumentContent/refresh: {e}");
                }
            });
        }

        let due = [status_due, log_refresh.due, log_refresh.settle_due]
            .into_iter()
            .flatten()
            .min();
        if entry.session.is_finished() && due.is_none() && *changes.borrow() == version {
            break;
        }
        match due {
            Some(at) => {
                tokio::select! {
                    changed = changes.changed() => if changed.is_err() { wait_until(at).await },
                    () = tokio::time::sleep_until(at) => {}
                }
            }
            None => {
                tokio::select! {
                    changed = changes.changed() => if changed.is_err() {
                        // The engine is gone: one last pass sends the final state.
                        if entry.session.is_finished() {
                            continue;
                        }
                        break;
                    },
                    () = entry.refresh_owed() => {}
                }
            }
        }
    }
    tracing::debug!("session {} finished; its watcher stops", entry.id());
}

/// When a session's log document is refreshed: on a change (or a refresh owed after a fetch)
/// at most every [`REFRESH_INTERVAL`], and once more [`SETTLE_REFRESH_AFTER`] after the last
/// one once the text stops changing.
#[derive(Default)]
struct LogRefresh {
    /// The version the last refresh was for.
    refreshed_version: u64,
    last_at: Option<Instant>,
    /// A refresh held back by the interval.
    due: Option<Instant>,
    /// The settling refresh, armed by every refresh a change caused.
    settle_due: Option<Instant>,
    /// A refresh a client is owed after fetching the log's text (see `recheck_served`).
    owed: bool,
}

impl LogRefresh {
    /// Whether a refresh goes out now (its bookkeeping done); otherwise when it is due is kept.
    fn is_due(&mut self, version: u64, now: Instant) -> bool {
        let changed = version != self.refreshed_version || self.owed;
        let settling = self.settle_due.is_some_and(|at| now >= at);
        if !changed && !settling {
            return false;
        }
        let next = self.last_at.map_or(now, |at| at + REFRESH_INTERVAL);
        if now < next {
            self.due = Some(next);
            return false;
        }
        // A change re-arms the settling refresh; the settling refresh itself does not.
        self.settle_due = changed.then(|| now + SETTLE_REFRESH_AFTER);
        self.refreshed_version = version;
        self.owed = false;
        self.last_at = Some(now);
        self.due = None;
        true
    }
}

async fn wait_until(at: Instant) {
    tokio::time::sleep_until(at).await;
}

/// Asks the client to fetch again what shows a session's state: code lenses (state and
/// counts) and inlay hints (assertion results), each when the client supports it.
pub fn refresh_views(client: &Client, caps: SessionFeatures) {
    if caps.code_lens_refresh {
        let client = client.clone();
        tokio::spawn(async move {
            if let Err(e) = client.send_request::<CodeLensRefresh>(()).await {
                tracing::debug!("workspace/codeLens/refresh: {e}");
            }
        });
    }
    if caps.inlay_hint_refresh {
        refresh_inlay_hints(client);
    }
}

/// Asks the client to fetch inlay hints again (`workspace/inlayHint/refresh`), in a spawned
/// task so no handler awaits the client.
pub fn refresh_inlay_hints(client: &Client) {
    let client = client.clone();
    tokio::spawn(async move {
        if let Err(e) = client.send_request::<InlayHintRefreshRequest>(()).await {
            tracing::debug!("workspace/inlayHint/refresh: {e}");
        }
    });
}

async fn send_status(client: &Client, params: &SessionStatusParams) {
    client
        .send_notification::<SessionStatusNotification>(params.clone())
        .await;
}

/// `$/progress` from the start of a connection until it opens or fails. Uses the token the
/// client gave with the command, else creates one when the client supports it.
async fn report_progress(client: Client, entry: Arc<SessionEntry>, token: Option<ProgressToken>) {
    let token = match token {
        Some(token) => token,
        None => {
            let token = NumberOrString::String(format!("void-connect-{}", entry.id()));
            let created = client
                .send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
                    token: token.clone(),
                })
                .await;
            if created.is_err() {
                return;
            }
            token
        }
    };
    let url = entry.session.status().url;
    let begin = WorkDoneProgress::Begin(WorkDoneProgressBegin {
        title: "Connecting".into(),
        cancellable: Some(false),
        message: Some(url),
        percentage: None,
    });
    progress(&client, &token, begin).await;
    let _ = entry
        .session
        .wait_for(
            entry.session.spec().options.connect_timeout + Duration::from_secs(5),
            |s| s.state != SessionState::Connecting,
        )
        .await;
    let status = entry.session.status();
    let message = match status.state {
        SessionState::Open => format!(
            "open{}",
            status
                .handshake_ms
                .map(|ms| format!(" in {ms} ms"))
                .unwrap_or_default()
        ),
        other => format!(
            "{other}{}",
            status.error.map(|e| format!(": {e}")).unwrap_or_default()
        ),
    };
    progress(
        &client,
        &token,
        WorkDoneProgress::End(WorkDoneProgressEnd {
            message: Some(message),
        }),
    )
    .await;
}

/// Sends one `$/progress` notification.
pub(crate) async fn progress(client: &Client, token: &ProgressToken, value: WorkDoneProgress) {
    client
        .send_notification::<ProgressNotification>(ProgressParams {
            token: token.clone(),
            value: ProgressParamsValue::WorkDone(value),
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(state: &str, sent: u64) -> SessionStatusParams {
        SessionStatusParams {
            session_id: "s".into(),
            uri: "file:///a.void".parse().unwrap_or_else(|_| unreachable!()),
            block_uid: "u".into(),
            url: "ws://x".into(),
            state: state.into(),
            paused: false,
            sent,
            received: 0,
            log_uri: "void-session:/s/a.wslog".into(),
            label: "a".into(),
            started_at: "2026-01-01T00:00:00.000Z".into(),
            detail: StatusDetail::default(),
        }
    }

    #[test]
    fn state_changes_are_significant_and_counts_are_not() {
        assert!(is_significant(None, &params("connecting", 0)));
        assert!(is_significant(
            Some(&params("connecting", 0)),
            &params("open", 0)
        ));
        assert!(!is_significant(
            Some(&params("open", 0)),
            &params("open", 5)
        ));
        let mut paused = params("open", 5);
        paused.paused = true;
        assert!(is_significant(Some(&params("open", 5)), &paused));
    }
}
