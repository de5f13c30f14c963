//! The session commands of `workspace/executeCommand` (docs/lsp-extensions.md, "Commands"):
//! connect, send, test a connection, pause, resume, close, list, export a transcript, copy as
//! websocat, open a log, and serve a section on loopback or stop serving it. `lsp/commands.rs` routes every name of `ext::commands::ALL` here.
//!
//! A connection is only ever opened by `void.connect` or `void.testConnection`, and a port only
//! ever listened on by `void.serve`. Handlers never
//! await a request to the client: status, refreshes and messages go out from spawned tasks
//! ([`super::notifier`]). Bad arguments are `InvalidParams`; a valid request that cannot be
//! carried out (unknown section, unresolved variable, session not open) is `RequestFailed`
//! with a message a person can act on.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, ShowDocumentParams, Uri};
use void_session::SendRequest;
use void_syntax::vocab::MessageFormat;

use super::super::ext::commands::*;
use super::super::server::ServerState;
use super::protocol::*;
use super::{lookup, notifier};

use crate::lsp::commands::REQUEST_FAILED;

fn failed(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::ServerError(REQUEST_FAILED),
        message: message.into().into(),
        data: None,
    }
}

fn bad_argument(message: String) -> Error {
    Error::invalid_params(message)
}

/// A command's answer as JSON (serializing these plain types cannot fail).
fn answer<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Runs one session command.
pub async fn execute(state: &ServerState, params: ExecuteCommandParams) -> Result<Option<Value>> {
    let name = params.command.as_str();
    let arguments = params.arguments.as_slice();
    let result = match name {
        CONNECT => connect(
            state,
            single_argument(name, arguments).map_err(bad_argument)?,
            params.work_done_progress_params.work_done_token.clone(),
        )?,
        SEND => send(
            state,
            single_argument(name, arguments).map_err(bad_argument)?,
        )?,
        TEST_CONNECTION => {
            test_connection(
                state,
                single_argument(name, arguments).map_err(bad_argument)?,
            )
            .await?
        }
        PAUSE | RESUME => {
            let args: SessionArgs = single_argument(name, arguments).map_err(bad_argument)?;
            if let Some(run) = state.sessions.http.get(&args.session_id) {
                // An event stream: its response document pauses like a session's log.
                if !run.set_paused(name == PAUSE) {
                    return Err(failed(format!(
                        "HTTP run {} has ended: there is nothing to pause or resume",
                        args.session_id
                    )));
                }
                if let Some(client) = state.sessions.client().cloned() {
                    let caps = state.sessions.caps();
                    super::notifier::refresh_views(&client, caps);
                    tokio::spawn(super::http_runs::tell_progress(client, caps, run));
                }
                return Ok(Some(answer(OkResult::OK)));
            }
            let entry = state.sessions.require(&args.session_id).map_err(failed)?;
            if name == PAUSE {
                entry.session.pause()
            } else {
                entry.session.resume()
            }
            answer(OkResult::OK)
        }
        CLOSE => {
            let args: CloseArgs = single_argument(name, arguments).map_err(bad_argument)?;
            if let Some(run) = state.sessions.http.get(&args.session_id) {
                // An HTTP run: the client ends it (an event stream), judging what came.
                run.close();
                return Ok(Some(answer(OkResult::OK)));
            }
            let entry = state.sessions.require(&args.session_id).map_err(failed)?;
            let code = args.code.unwrap_or(1000);
            if !(code == 1000
                || (3000..=4999).contains(&code)
                || (1001..=1014).contains(&code) && ![1004, 1005, 1006].contains(&code))
            {
                return Err(bad_argument(format!(
                    "close code {code} cannot be sent; use 1000, 1001-1003, 1007-1014 or 3000-4999"
                )));
            }
            entry.session.close(code, args.reason.unwrap_or_default());
            answer(OkResult::OK)
        }
        SESSIONS => answer(
            state
                .sessions
                .all()
                .iter()
                .map(|e| e.summary())
                .collect::<Vec<_>>(),
        ),
        EXPORT_TRANSCRIPT => {
            export_transcript(
                state,
                single_argument(name, arguments).map_err(bad_argument)?,
            )
            .await?
        }
        COPY_AS_WEBSOCAT => {
            let args: SectionTarget = single_argument(name, arguments).map_err(bad_argument)?;
            let located =
                lookup::locate(state, &args.uri, args.block_uid.as_deref(), args.position)
                    .map_err(failed)?;
            let spec = lookup::spec(state, &located).map_err(failed)?;
            Value::String(void_session::websocat::websocat_command(&spec, false))
        }
        OPEN_LOG => open_log(
            state,
            single_argument(name, arguments).map_err(bad_argument)?,
        )?,
        SERVE => {
            serve(
                state,
                single_argument(name, arguments).map_err(bad_argument)?,
            )
            .await?
        }
        STOP_SERVE => {
            let args: SessionArgs = single_argument(name, arguments).map_err(bad_argument)?;
            let served = state.sessions.serves.get(&args.session_id).ok_or_else(|| {
                failed(format!(
                    "no section is served as `{}` (it may have been stopped already)",
                    args.session_id
                ))
            })?;
            served.stop();
            answer(OkResult::OK)
        }
        other => {
            return Err(Error::invalid_params(format!(
                "`{other}` is not a session command"
            )));
        }
    };
    Ok(Some(result))
}

fn connect(
    state: &ServerState,
    args: SectionTarget,
    progress: Option<tower_lsp_server::ls_types::ProgressToken>,
) -> Result<Value> {
    if let Some(refusal) = state.connect_refusal() {
        return Err(failed(refusal));
    }
    let located =
        match lookup::locate_runnable(state, &args.uri, args.block_uid.as_deref(), args.position)
            .map_err(failed)?
        {
            lookup::Runnable::WebSocket(located) => located,
            lookup::Runnable::Http(located) => return run_http(state, &located, progress),
        };
    if let Some(live) = live_session(state, &located) {
        return Ok(live);
    }
    let spec = lookup::spec(state, &located).map_err(failed)?;
    start_session(state, &located, spec, progress)
}

/// The section's live session, answered when connecting again (one live session per
/// section).
fn live_session(state: &ServerState, located: &lookup::LocatedSection) -> Option<Value> {
    let live = state
        .sessions
        .live_for(&located.uri, &located.section_key)?;
    Some(answer(ConnectResult {
        session_id: live.id().to_string(),
        log_uri: live.log_uri.clone(),
    }))
}

/// Starts a live session (a WebSocket section, or a GraphQL subscription) with its log
/// document and progress.
fn start_session(
    state: &ServerState,
    located: &lookup::LocatedSection,
    spec: void_session::SessionSpec,
    progress: Option<tower_lsp_server::ls_types::ProgressToken>,
) -> Result<Value> {
    let entry = state
        .sessions
        .start(
            located.uri.clone(),
            located.block_uid.clone(),
            located.section_key.clone(),
            &located.label,
            spec,
        )
        .map_err(failed)?;
    tracing::info!(
        "session {} connecting for {} ({})",
        entry.id(),
        located.uri.as_str(),
        located.section_key
    );
    notifier::spawn(&state.sessions, entry.clone(), progress);
    Ok(answer(ConnectResult {
        session_id: entry.id().to_string(),
        log_uri: entry.log_uri.clone(),
    }))
}

/// `void.connect` on an HTTP or GraphQL section: sends it (a run still waiting for its
/// response is answered instead of sending again) and answers its response document.
///
/// A GraphQL subscription is a live session over WebSocket instead, with a log document like a
/// WebSocket section's.
fn run_http(
    state: &ServerState,
    located: &lookup::LocatedSection,
    progress: Option<tower_lsp_server::ls_types::ProgressToken>,
) -> Result<Value> {
    if let Some(live) = state
        .sessions
        .http
        .latest_for(&located.uri, &located.section_key)
        .filter(|r| r.is_live())
    {
        return Ok(answer(ConnectResult {
            session_id: live.id.clone(),
            log_uri: live.response_uri.clone(),
        }));
    }
    if state.sessions.is_shutting_down() {
        return Err(failed(
            "the language server is shutting down; no new connections",
        ));
    }
    let (spec, http) = lookup::http_spec(state, located).map_err(failed)?;
    if http
        .graphql
        .as_ref()
        .is_some_and(|g| g.kind == "subscription")
    {
        if let Some(live) = live_session(state, located) {
            return Ok(live);
        }
        let spec = void_session::http::graphql::subscription_spec(spec, &http).map_err(failed)?;
        return start_session(state, located, spec, progress);
    }
    let run = super::http_runs::start(&state.sessions, located, spec, http);
    tracing::info!(
        "HTTP run {} for {} ({})",
        run.id,
        located.uri.as_str(),
        located.section_key
    );
    Ok(answer(ConnectResult {
        session_id: run.id.clone(),
        log_uri: run.response_uri.clone(),
    }))
}

/// `void.serve`: the section's server side on a free loopback port (the one already served,
/// when it is), its log document shown like a session's.
async fn serve(state: &ServerState, args: SectionTarget) -> Result<Value> {
    if let Some(refusal) = state.connect_refusal() {
        return Err(failed(refusal.replace("connecting", "serving")));
    }
    if state.sessions.is_shutting_down() {
        return Err(failed(
            "the language server is shutting down; nothing new is served",
        ));
    }
    let located = lookup::locate(state, &args.uri, args.block_uid.as_deref(), args.position)
        .map_err(failed)?;
    let served = match state
        .sessions
        .serves
        .live_for(&located.uri, &located.section_key)
    {
        Some(live) => live,
        None => {
            let spec = lookup::spec(state, &located).map_err(failed)?;
            super::serves::start(&state.sessions, &located, spec)
                .await
                .map_err(failed)?
        }
    };
    // The log is shown as a session's is (the editor has no command of its own to open it).
    open_log(
        state,
        OpenLogArgs {
            session_id: None,
            log_uri: Some(served.log_uri.clone()),
        },
    )?;
    Ok(answer(ServeResult {
        session_id: served.id.clone(),
        log_uri: served.log_uri.clone(),
        url: served.url.clone(),
    }))
}

fn send(state: &ServerState, args: SendArgs) -> Result<Value> {
    let entry = state.sessions.require(&args.session_id).map_err(failed)?;
    let request = match (&args.message_uid, &args.format, &args.body) {
        (Some(uid), _, _) => current_message(state, &entry.uri, &entry.block_uid, uid)
            .unwrap_or_else(|| SendRequest::Message(uid.clone())),
        (None, format, Some(body)) => {
            let format = match format.as_deref() {
                None => MessageFormat::Text,
                Some(f) => MessageFormat::parse(f).ok_or_else(|| {
                    bad_argument(format!(
                        "unknown format `{f}`; use text, json, xml or binary (base64)"
                    ))
                })?,
            };
            SendRequest::AdHoc {
                format,
                body: body.clone(),
            }
        }
        _ => {
            return Err(bad_argument(
                "`void.send` needs messageUid, or format and body".into(),
            ));
        }
    };
    entry
        .session
        .send(request)
        .map_err(|e| failed(e.to_string()))?;
    Ok(answer(OkResult::OK))
}

/// The message `uid` as the document says now (edits after connecting count), resolved with
/// the current variables; `None` when the section cannot be resolved now (the connect-time
/// copy is sent instead).
fn current_message(
    state: &ServerState,
    uri: &Uri,
    block_uid: &str,
    uid: &str,
) -> Option<SendRequest> {
    if block_uid.is_empty() {
        return None;
    }
    let located = lookup::locate(state, uri, Some(block_uid), None).ok()?;
    let spec = lookup::spec(state, &located).ok()?;
    let message = spec.message_by_uid(uid)?;
    Some(SendRequest::AsWritten(Box::new(message.clone())))
}

async fn test_connection(state: &ServerState, args: SectionTarget) -> Result<Value> {
    if let Some(refusal) = state.connect_refusal() {
        return Err(failed(refusal));
    }
    let located = lookup::locate(state, &args.uri, args.block_uid.as_deref(), args.position)
        .map_err(failed)?;
    let spec = lookup::spec(state, &located).map_err(failed)?;
    let tested = void_session::test_connection(&spec, None).await;
    Ok(answer(TestConnectionAnswer {
        ok: tested.ok,
        http_status: tested.http_status,
        subprotocol: tested.subprotocol,
        handshake_ms: tested.handshake_ms,
        error: tested.error,
    }))
}

async fn export_transcript(state: &ServerState, args: ExportArgs) -> Result<Value> {
    let entry = state.sessions.require(&args.session_id).map_err(failed)?;
    if args.path.trim().is_empty() {
        return Err(bad_argument("`void.exportTranscript` needs a path".into()));
    }
    let dest = export_destination(&args.path, entry.uri.to_file_path().as_deref());
    let events = entry
        .session
        .export_transcript(&dest)
        .await
        .map_err(failed)?;
    Ok(answer(ExportResult {
        path: dest.to_string_lossy().into_owned(),
        events,
    }))
}

/// An absolute path as given; a relative one beside the `.void` file (else the current
/// directory). `file://` URIs are accepted too.
fn export_destination(path: &str, void_file: Option<&Path>) -> PathBuf {
    let given = path
        .parse::<Uri>()
        .ok()
        .filter(|u| u.scheme().as_str() == "file")
        .and_then(|u| u.to_file_path().map(|p| p.into_owned()))
        .unwrap_or_else(|| PathBuf::from(path));
    if given.is_absolute() {
        return given;
    }
    match void_file.and_then(Path::parent) {
        Some(dir) => dir.join(given),
        None => given,
    }
}

fn open_log(state: &ServerState, args: OpenLogArgs) -> Result<Value> {
    let log_uri = match (&args.log_uri, &args.session_id) {
        (Some(uri), _) => uri.clone(),
        (None, Some(id)) => match (state.sessions.http.get(id), state.sessions.serves.get(id)) {
            (Some(run), _) => run.response_uri.clone(),
            (None, Some(served)) => served.log_uri.clone(),
            (None, None) => state.sessions.require(id).map_err(failed)?.log_uri.clone(),
        },
        (None, None) => {
            return Err(bad_argument(
                "`void.openLog` needs sessionId or logUri".into(),
            ));
        }
    };
    if state.sessions.caps().show_document {
        if let (Some(client), Ok(uri)) = (state.sessions.client().cloned(), log_uri.parse::<Uri>())
        {
            tokio::spawn(async move {
                let shown = client
                    .show_document(ShowDocumentParams {
                        uri,
                        external: Some(false),
                        take_focus: Some(false),
                        selection: None,
                    })
                    .await;
                if let Err(e) = shown {
                    tracing::debug!("window/showDocument: {e}");
                }
            });
        }
    }
    Ok(answer(OpenLogResult { log_uri }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_paths_are_resolved_beside_the_void_file() {
        let file = Path::new("/work/api/chat.void");
        assert_eq!(
            export_destination("out/t.jsonl", Some(file)),
            PathBuf::from("/work/api/out/t.jsonl")
        );
        assert_eq!(
            export_destination("/tmp/t.jsonl", Some(file)),
            PathBuf::from("/tmp/t.jsonl")
        );
        assert_eq!(
            export_destination("file:///tmp/u.jsonl", Some(file)),
            PathBuf::from("/tmp/u.jsonl")
        );
        assert_eq!(
            export_destination("t.jsonl", None),
            PathBuf::from("t.jsonl")
        );
    }
}
