//! The `json` reporter: one JSON document describing the whole run, for scripts and CI steps
//! that post-process results.
//!
//! Keys are camelCase like the rest of the project's JSON (docs/lsp-extensions.md). The document is
//! stable: new keys may be added, existing ones keep their meaning. This module only formats a
//! [`RunReport`]; it does no I/O.

use serde_json::{Value, json};

use super::model::{RunReport, SectionReport};

/// Renders the report as pretty-printed JSON followed by a newline.
pub fn render(report: &RunReport) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(report)).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// The report as a JSON value.
pub fn to_value(report: &RunReport) -> Value {
    let t = report.totals();
    json!({
        "tool": "void-ls",
        "version": env!("CARGO_PKG_VERSION"),
        "startedAt": report.started_at,
        "durationMs": millis(report.duration),
        "passed": report.all_passed(),
        "summary": {
            "files": t.files,
            "sections": t.sections,
            "sectionsPassed": t.sections_passed,
            "sectionsFailed": t.sections_failed,
            "sectionsErrored": t.sections_errored,
            "assertions": t.rows,
            "assertionsPassed": t.rows_passed,
            "assertionsFailed": t.rows_failed,
            "assertionsPending": t.rows_pending,
            "assertionsUnchecked": t.rows_unchecked,
            "sent": t.sent,
            "received": t.received,
        },
        "files": report.files.iter().map(|f| json!({
            "path": f.path,
            "sections": f.sections.iter().map(section_value).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn section_value(s: &SectionReport) -> Value {
    let c = &s.connection;
    json!({
        "label": s.label,
        "blockUid": s.block_uid,
        "url": s.url,
        "status": s.verdict().as_str(),
        "endedBy": s.ended_by.as_str(),
        "durationMs": millis(s.duration),
        "sent": s.sent,
        "received": s.received,
        "connection": {
            "opened": c.opened,
            "httpStatus": c.http_status,
            "subprotocol": c.subprotocol,
            "handshakeMs": c.handshake_ms,
            "closeCode": c.close_code,
            "closeReason": c.close_reason,
            "error": c.error,
        },
        "assertions": s.rows.iter().map(|r| json!({
            "description": r.description,
            "field": r.field,
            "operator": r.operator,
            "expected": r.expected,
            "status": r.status.as_str(),
            "actual": r.actual,
            "detail": r.detail,
        })).collect::<Vec<_>>(),
        "replyFailures": s.reply_failures.iter().map(|f| json!({
            "reply": f.reply,
            "when": f.when,
            "trigger": f.trigger,
            "error": f.error,
        })).collect::<Vec<_>>(),
        "replyFailureCount": s.reply_failure_count,
        "transcript": s.transcript.as_ref().map(|p| p.display().to_string()),
        "transcriptEvents": s.transcript_events,
        "warnings": s.warnings,
    })
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
