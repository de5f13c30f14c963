//! The live log as a read-only virtual document, `void-session:/<sessionId>/<name>.wslog`
//! (docs/lsp-extensions.md, "Log documents"): building and parsing its URI, and answering
//! `workspace/textDocumentContent` (LSP 3.18) and the fallback `void/sessionLogText`.
//!
//! The text itself is rendered by the engine (`Session::log_text`); this module never formats
//! log lines and never pushes anything to the client (refreshes are [`super::notifier`]'s).

use super::manager::SessionManager;
use super::protocol::{LOG_SCHEME, LogTextResult};

/// The log URI of a session: `void-session:/<sessionId>/<name>.wslog`, where `name` is the
/// section's label made safe for a path (`session` when it has none).
pub fn log_uri(session_id: &str, label: &str) -> String {
    format!(
        "{LOG_SCHEME}:/{}/{}.wslog",
        path_segment(session_id),
        file_name(label)
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

    #[test]
    fn log_uris_name_the_session_and_section() {
        assert_eq!(
            log_uri("ws-1", "Chat room: #general"),
            "void-session:/ws-1/chat-room-general.wslog"
        );
        assert_eq!(log_uri("ws-1", ""), "void-session:/ws-1/session.wslog");
        assert_eq!(log_uri("a/b c", "Échos"), "void-session:/a_b_c/chos.wslog");
    }

    #[test]
    fn session_ids_are_read_back_from_log_uris() {
        assert_eq!(session_id_of("void-session:/ws-1/chat.wslog"), Some("ws-1"));
        assert_eq!(
            session_id_of("void-session:///ws-1/chat.wslog"),
            Some("ws-1")
        );
        assert_eq!(session_id_of(&log_uri("ws-9", "x")), Some("ws-9"));
        assert_eq!(session_id_of("file:///ws-1/chat.wslog"), None);
        assert_eq!(session_id_of("void-session:/"), None);
    }
}
