//! The `junit` reporter: JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test
//! reporters, Azure Pipelines).
//!
//! Shape: one `<testsuite>` per file, one `<testcase>` per WebSocket section, one `<failure>`
//! per failing (or still pending) assertion row and per reply that could not be sent (it names
//! the reply's rule and the message it answered), and one `<error>` when the connection could
//! not be made. Text is escaped for XML 1.0 and characters XML cannot carry are replaced, so
//! the output always parses. This module only formats a [`RunReport`]; it does no I/O.

use std::fmt::Write as _;

use super::model::{RunReport, SectionReport, SectionVerdict};

/// Renders the whole report as a JUnit XML document.
pub fn render(report: &RunReport) -> String {
    let totals = report.totals();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"void-ls run\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
        totals.sections,
        totals.sections_failed,
        totals.sections_errored,
        seconds(report.duration)
    );
    for file in &report.files {
        let failures = file
            .sections
            .iter()
            .filter(|s| s.verdict() == SectionVerdict::Failed)
            .count();
        let errors = file
            .sections
            .iter()
            .filter(|s| s.verdict() == SectionVerdict::Error)
            .count();
        let time: std::time::Duration = file.sections.iter().map(|s| s.duration).sum();
        let _ = write!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{}\"",
            escape(&file.path),
            file.sections.len(),
            failures,
            errors,
            seconds(time)
        );
        if !report.started_at.is_empty() {
            let _ = write!(out, " timestamp=\"{}\"", escape(&report.started_at));
        }
        out.push_str(">\n");
        for section in &file.sections {
            write_testcase(&mut out, &file.path, section);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn write_testcase(out: &mut String, file: &str, section: &SectionReport) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{}\"",
        escape(&section.label),
        escape(file),
        escape(file),
        seconds(section.duration)
    );
    out.push_str(">\n");
    if section.verdict() == SectionVerdict::Error {
        let message = section
            .connection
            .error
            .clone()
            .unwrap_or_else(|| section.ended_by.describe().to_string());
        let _ = writeln!(
            out,
            "      <error type=\"connection\" message=\"{}\">{}</error>",
            escape(&message),
            escape_text(&format!("{}\n{}", section.url, message))
        );
    }
    if section.verdict() == SectionVerdict::Failed
        && !section.rows.iter().any(|r| r.is_failure())
        && let Some(error) = &section.connection.error
    {
        // The connection ended in an error (the client had to close it, or it dropped).
        let _ = writeln!(
            out,
            "      <failure type=\"connection\" message=\"{}\">{}</failure>",
            escape(error),
            escape_text(&format!("{}\n{}", section.url, error))
        );
    }
    for row in section.rows.iter().filter(|r| r.is_failure()) {
        let message = format!("{}: {}", row.title(), row.failure_message());
        let body = format!(
            "description: {}\nfield: {}\noperator: {}\nexpected: {}\nactual: {}\nstatus: {}",
            row.description,
            row.field,
            row.operator,
            row.expected,
            row.actual.as_deref().unwrap_or("(no value)"),
            row.status.as_str()
        );
        let _ = writeln!(
            out,
            "      <failure type=\"assertion\" message=\"{}\">{}</failure>",
            escape(&message),
            escape_text(&body)
        );
    }
    for failure in &section.reply_failures {
        let message = failure.sentence();
        let body = format!(
            "reply: {}\nwhen: {}\nanswering: {}\nerror: {}",
            failure.reply,
            failure.when.as_deref().unwrap_or("(every message)"),
            failure.trigger,
            failure.error
        );
        let _ = writeln!(
            out,
            "      <failure type=\"reply\" message=\"{}\">{}</failure>",
            escape(&message),
            escape_text(&body)
        );
    }
    let unlisted = section
        .reply_failure_count
        .saturating_sub(section.reply_failures.len() as u64);
    if unlisted > 0 {
        let _ = writeln!(
            out,
            "      <failure type=\"reply\" message=\"{unlisted} more replies were not sent (see the log)\"/>"
        );
    }
    let mut system_out = format!(
        "url: {}\nsent: {}\nreceived: {}\nended: {}\n",
        section.url,
        section.sent,
        section.received,
        section.ended_by.describe()
    );
    if let Some(sub) = &section.connection.subprotocol {
        let _ = writeln!(system_out, "subprotocol: {sub}");
    }
    for warning in &section.warnings {
        let _ = writeln!(system_out, "warning: {warning}");
    }
    if let Some(code) = section.connection.close_code {
        let _ = writeln!(system_out, "close code: {code}");
    }
    for row in &section.rows {
        let _ = writeln!(system_out, "[{}] {}", row.status.as_str(), row.title());
    }
    if let Some(path) = &section.transcript {
        let _ = writeln!(system_out, "transcript: {}", path.display());
    }
    let _ = writeln!(
        out,
        "      <system-out>{}</system-out>",
        escape_text(&system_out)
    );
    out.push_str("    </testcase>\n");
}

fn seconds(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// Escapes text for XML element content: like [`escape`], but line breaks and tabs stay as
/// they are (they survive in element content), so the text reads well in the file.
pub fn escape_text(text: &str) -> String {
    escape(text).replace("&#10;", "\n").replace("&#9;", "\t")
}

/// Escapes text for an XML 1.0 attribute or element. Characters XML 1.0 cannot hold at all
/// (most C0 controls, lone surrogates cannot occur in `str`, U+FFFE, U+FFFF) become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Newlines and tabs in attributes would be normalized to spaces by parsers: keep
            // them as character references so they survive.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::model::{ConnectionReport, FileReport};
    use super::*;

    #[test]
    fn a_reply_that_was_not_sent_fails_the_section_and_names_its_rule_and_message() {
        let section = SectionReport {
            label: "Login".into(),
            connection: ConnectionReport {
                opened: true,
                ..ConnectionReport::default()
            },
            reply_failures: vec![void_session::ReplyFailure {
                reply: "pong".into(),
                when: Some("json.op equals ping".into()),
                trigger: "← ping #12".into(),
                error: "`{{$msg.json.id}}` has no value in the message it answers".into(),
            }],
            reply_failure_count: 3,
            ..SectionReport::default()
        };
        assert_eq!(section.verdict(), SectionVerdict::Failed);
        let report = RunReport {
            files: vec![FileReport {
                path: "a.void".into(),
                sections: vec![section],
            }],
            ..RunReport::default()
        };
        let xml = render(&report);
        assert!(xml.contains("failures=\"1\""), "{xml}");
        assert!(
            xml.contains("<failure type=\"reply\" message=\"reply pong (when json.op equals ping) to ← ping #12 was not sent: `{{$msg.json.id}}` has no value"),
            "{xml}"
        );
        assert!(xml.contains("2 more replies were not sent"), "{xml}");
    }

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\u{1}y\u{FFFF}"), "x\u{FFFD}y\u{FFFD}");
        assert_eq!(escape("l1\nl2\t"), "l1&#10;l2&#9;");
    }
}
