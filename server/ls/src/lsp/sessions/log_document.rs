//! The live log as a read-only virtual document, `void-session:/<sessionId>/<name>.wslog`
//! (docs/lsp-extensions.md): building and parsing its URI, and answering
//! `workspace/textDocumentContent` (LSP 3.18) and the fallback `void/sessionLogText`.
//!
//! The file name is what editors show on the log's tab: the section's label and the time the
//! session started (`chat-room_12.03.04.wslog`), so two sessions of one section are told apart.
//!
//! The text itself is rendered by the engine (`Session::log_text`); this module never formats
//! log lines and never pushes anything to the client (refreshes are [`super::notifier`]'s).

use chrono::{NaiveTime, Timelike};

use super::manager::SessionManager;
use super::protocol::{LogMessageParams, LogMessageResult, LogTextResult};
use crate::lsp::ext::LOG_SCHEME;

/// The log URI of a session: `void-session:/<sessionId>/<name>_<HH.MM.SS>.wslog`, where `name`
/// is the section's label made safe for a path (`session` when it has none) and the time is
/// when the session started (local time).
pub fn log_uri(session_id: &str, label: &str, started: NaiveTime) -> String {
    document_uri(session_id, label, started, "wslog")
}

/// A document URI of a session or HTTP run: `void-session:/<id>/<name>_<HH.MM.SS>.<extension>`
/// (`wslog` for a WebSocket log, `response` for an HTTP response).
pub fn document_uri(id: &str, label: &str, started: NaiveTime, extension: &str) -> String {
    format!(
        "{LOG_SCHEME}:/{}/{}_{:02}.{:02}.{:02}.{extension}",
        path_segment(id),
        file_name(label),
        started.hour(),
        started.minute(),
        started.second()
    )
}

/// The session id named by a log URI, if it is one (`void-session:/id/x.wslog`; the
/// `void-session:///id/...` form some clients normalise to is accepted too).
pub fn session_id_of(uri: &str) -> Option<&str> {
    let rest = uri.strip_prefix(LOG_SCHEME)?.strip_prefix(':')?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let rest = rest.trim_start_matches('/');
    let id = rest.split('/').next()?;
    (!id.is_empty()).then_some(id)
}

/// The answer for a log document: the session's live text and change version, or a short
/// explanation when the session is unknown (an editor reopening a tab after a restart).
pub fn text_for(manager: &SessionManager, uri: &str) -> Result<LogTextResult, String> {
    let Some(id) = session_id_of(uri) else {
        return Err(format!(
            "`{uri}` is not a {LOG_SCHEME}: log document URI (expected {LOG_SCHEME}:/<sessionId>/<name>.wslog)"
        ));
    };
    if let Some(run) = manager.http.get(id) {
        return Ok(run.text());
    }
    if let Some(served) = manager.serves.get(id) {
        return Ok(served.text());
    }
    match manager.get(id) {
        Some(entry) => {
            let version = *entry.session.changes().borrow();
            Ok(LogTextResult {
                text: entry.session.log_text(),
                version,
            })
        }
        None => Ok(LogTextResult {
            text: format!(
                "# session {id} is not known to this server (it ended before the server restarted); its transcript may still be in the cache directory\n"
            ),
            version: 0,
        }),
    }
}

/// The largest message `void/logMessage` answers whole; longer ones are cut (the transcript
/// keeps them whole).
pub const LOG_MESSAGE_MAX_BYTES: usize = 4 << 20;

/// Answers `void/logMessage`: the whole message behind a line of a log document, JSON
/// pretty-printed; `None` when the line shows no message (an event, the header, a line that
/// left the view).
pub async fn log_message(
    manager: &SessionManager,
    params: &LogMessageParams,
) -> Result<Option<LogMessageResult>, String> {
    let Some(entry) = manager.by_log_uri(&params.uri) else {
        return Err(format!(
            "`{}` is not the log of a session this server knows",
            params.uri
        ));
    };
    let Some(shown) = entry
        .session
        .message_at_line(params.line as usize, params.text.as_deref())
    else {
        return Ok(None);
    };
    let whole = entry.session.whole_message(&shown).await?;
    let format = shown.format;
    let (text, note) = match whole {
        None => (
            None,
            Some(
                "only the preview is kept: this section's transcript is off (ws-options `transcript`)"
                    .to_string(),
            ),
        ),
        Some(text) => {
            let text = match format {
                void_syntax::vocab::MessageFormat::Json => pretty_json(&text).unwrap_or(text),
                _ => text,
            };
            if text.len() > LOG_MESSAGE_MAX_BYTES {
                let mut end = LOG_MESSAGE_MAX_BYTES;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                (
                    Some(text[..end].to_string()),
                    Some(format!(
                        "cut at {}; the transcript holds it whole",
                        void_syntax::vocab::human_size(LOG_MESSAGE_MAX_BYTES as u64)
                    )),
                )
            } else {
                (Some(text), None)
            }
        }
    };
    Ok(Some(LogMessageResult {
        direction: if shown.sent { "out" } else { "in" }.to_string(),
        format: format.to_string(),
        size: shown.size as u64,
        at: shown
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        text,
        note,
    }))
}

/// `text` re-indented when it is JSON.
fn pretty_json(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

fn path_segment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A readable, path-safe file name stem from a section label (ASCII only: clients differ in
/// how they percent-encode other characters).
fn file_name(label: &str) -> String {
    let mut out = String::new();
    for c in label.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.chars().count() >= 48 {
            break;
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "session".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).unwrap_or_default()
    }

    #[test]
    fn log_uris_name_the_session_section_and_start_time() {
        assert_eq!(
            log_uri("ws-1", "Chat room: #general", at(12, 3, 4)),
            "void-session:/ws-1/chat-room-general_12.03.04.wslog"
        );
        assert_eq!(
            log_uri("ws-1", "", at(0, 0, 0)),
            "void-session:/ws-1/session_00.00.00.wslog"
        );
        assert_eq!(
            log_uri("a/b c", "Échos", at(23, 59, 59)),
            "void-session:/a_b_c/chos_23.59.59.wslog"
        );
    }

    #[test]
    fn session_ids_are_read_back_from_log_uris() {
        assert_eq!(session_id_of("void-session:/ws-1/chat.wslog"), Some("ws-1"));
        assert_eq!(
            session_id_of("void-session:///ws-1/chat.wslog"),
            Some("ws-1")
        );
        assert_eq!(
            session_id_of(&log_uri("ws-9", "x", at(1, 2, 3))),
            Some("ws-9")
        );
        assert_eq!(session_id_of("file:///ws-1/chat.wslog"), None);
        assert_eq!(session_id_of("void-session:/"), None);
    }
}
