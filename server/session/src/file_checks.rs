//! The files a section names, checked ahead of time with the rules the engine applies when it
//! connects or sends ([`crate::project_files`]), so `void-ls check` and the editor report what
//! a run would refuse: a path outside the project, a symlink out of it, a pipe or a device, a
//! file too large, or (for a transcript) an existing file that is not a transcript. The files
//! are those the `ws-options` name (`transcript`, `caFile`, `clientCert`, `clientKey`) and
//! those an HTTP body sends (`multipart-table` file links, `restFile`), found the way the
//! request builder finds them ([`crate::http::body::body_file_path`]'s rule).
//!
//! Only file metadata is read (and the first line of an existing transcript); nothing is
//! created. A value with an unresolved `{{variable}}` is skipped: that is reported already.

use std::path::Path;

use void_syntax::diagnostics::codes;
use void_syntax::model::Document;
use void_syntax::variables::Variables;
use void_syntax::vocab::{self, WsOption};
use void_syntax::{Diagnostic, Severity};

use crate::project_files::{FileError, Limit, Project};

/// Every path diagnostic of `doc`: its `ws-options` paths and its HTTP body files.
pub fn path_diagnostics(
    doc: &Document,
    vars: &Variables,
    file_dir: &Path,
    project: &Project,
) -> Vec<Diagnostic> {
    let mut out = option_path_diagnostics(doc, vars, file_dir, project);
    out.extend(body_file_diagnostics(doc, file_dir, project));
    out
}

/// A missing file may be made later (a warning); anything else would be refused for certain.
fn severity_of(problem: &FileError) -> Severity {
    if problem.is_not_found() {
        Severity::Warning
    } else {
        Severity::Error
    }
}

/// The problem's cause without the path it starts with (the message names the path itself).
fn cause(problem: &FileError) -> String {
    let text = problem.to_string();
    text.split_once(": ")
        .map_or(text.clone(), |(_, cause)| cause.to_string())
}

/// Diagnostics for the files HTTP bodies send: each file link of an enabled `multipart-table`
/// row, and the file of each `restFile` block. `/x` is taken from the project root, anything
/// else from `file_dir`, as a run reads them.
pub fn body_file_diagnostics(
    doc: &Document,
    file_dir: &Path,
    project: &Project,
) -> Vec<Diagnostic> {
    let mut files = Vec::new();
    for section in &doc.sections {
        for (_, table) in section.multipart(doc) {
            for row in table.rows.iter().filter(|r| !r.row.disabled) {
                files.extend(row.files.iter());
            }
        }
        for (_, rest) in section.rest_files(doc) {
            files.extend(rest.files.iter());
        }
    }
    let mut out = Vec::new();
    for file in files {
        let written = file.value.trim();
        if written.is_empty() {
            continue;
        }
        let path = match (written.strip_prefix('/'), project.root()) {
            (Some(from_root), Some(root)) => root.join(from_root),
            (Some(_), None) => Path::new(written).to_path_buf(),
            (None, _) => file_dir.join(written),
        };
        let Err(problem) = project.check_readable(&path, Limit::Upload) else {
            continue;
        };
        out.push(Diagnostic::new(
            file.range.clone(),
            severity_of(&problem),
            codes::HTTP_BODY_FILE,
            format!("body file {written}: {}", cause(&problem)),
        ));
    }
    out
}

/// The options whose values are paths, and whether each is a transcript (written) or a
/// certificate file (read).
const PATH_OPTIONS: &[(WsOption, bool)] = &[
    (WsOption::Transcript, true),
    (WsOption::CaFile, false),
    (WsOption::ClientCert, false),
    (WsOption::ClientKey, false),
];

/// Diagnostics for every path option of every section of `doc`; relative paths are taken from
/// `file_dir`, and everything must stay inside `project`.
pub fn option_path_diagnostics(
    doc: &Document,
    vars: &Variables,
    file_dir: &Path,
    project: &Project,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for section in &doc.sections {
        let Some((_, options)) = section.options(doc) else {
            continue;
        };
        for row in options.rows.iter().filter(|r| !r.row.disabled) {
            let Some(key) = &row.key else { continue };
            let key = key.value.trim();
            let Some(option) = vocab::option_key(key).map(|k| k.option) else {
                continue;
            };
            let Some(&(_, is_transcript)) = PATH_OPTIONS.iter().find(|(o, _)| *o == option) else {
                continue;
            };
            let raw = row.value.as_ref().map(|v| v.value.as_str()).unwrap_or("");
            let Ok(value) = vars.substitute(raw.trim()) else {
                continue;
            };
            let value = value.trim();
            if value.is_empty() || (is_transcript && value == "off") {
                continue;
            }
            let path = file_dir.join(value);
            let checked = if is_transcript {
                project.check_transcript(&path)
            } else {
                project.check_readable(&path, Limit::Certificate)
            };
            let Err(problem) = checked else { continue };
            // A missing certificate may be generated or fetched later; everything else would
            // be refused at connect for certain.
            let severity = severity_of(&problem);
            let range = row
                .value
                .as_ref()
                .map(|v| v.range.clone())
                .unwrap_or_else(|| row.row.range.clone());
            let shown = vars.mask(value);
            let message = format!("`{key}` {shown}: {}", cause(&problem));
            out.push(Diagnostic::new(
                range,
                severity,
                codes::WS_OPTION_PATH,
                message,
            ));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use void_syntax::variables::Source;

    fn doc_with_options(rows: &[(&str, &str)]) -> String {
        let mut text = String::from(
            "```void\n---\ntype: socket-request\nattrs:\n  uid: 11111111-1111-4111-8111-111111111111\ncontent:\n  - type: smethod\n    attrs:\n      uid: 22222222-2222-4222-8222-222222222222\n      method: WS\n    content: WS\n  - type: surl\n    attrs:\n      uid: 33333333-3333-4333-8333-333333333333\n    content: ws://127.0.0.1:9/x\n---\n```\n\n```void\n---\ntype: ws-options\nattrs:\n  uid: 44444444-4444-4444-8444-444444444444\ncontent:\n  - type: table\n    rows:\n",
        );
        for (k, v) in rows {
            text.push_str(&format!(
                "      - attrs:\n          disabled: false\n        row:\n          - {k}\n          - \"{v}\"\n"
            ));
        }
        text.push_str("---\n```\n");
        text
    }

    #[test]
    fn paths_a_connect_would_refuse_are_errors_on_their_value() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("notes.md"), "mine\n").unwrap();
        std::fs::write(root.join("ca.pem"), "pem\n").unwrap();
        let text = doc_with_options(&[
            ("transcript", "../home/important.txt"),
            ("transcript", "/etc/passwd"),
            ("transcript", "{{OUT}}"),
            ("transcript", "notes.md"),
            ("transcript", "logs/t.jsonl"),
            ("caFile", "ca.pem"),
            ("caFile", "/dev/stdin"),
            ("clientCert", "missing.pem"),
        ]);
        let doc = void_syntax::parse(&text);
        let mut vars = Variables::new();
        vars.insert("OUT", "../../tmp/x.jsonl", Source::Override, false);
        let diags = option_path_diagnostics(&doc, &vars, root, &Project::new(root));
        let messages: Vec<(Severity, &str)> = diags
            .iter()
            .map(|d| (d.severity, d.message.as_str()))
            .collect();
        assert_eq!(diags.len(), 6, "{messages:#?}");
        assert!(
            messages[0]
                .1
                .starts_with("`transcript` ../home/important.txt: is outside the project")
        );
        assert!(
            messages[1]
                .1
                .starts_with("`transcript` /etc/passwd: is outside the project")
        );
        assert!(
            messages[2]
                .1
                .starts_with("`transcript` ../../tmp/x.jsonl: is outside the project")
        );
        assert!(
            messages[3].1.contains("exists and is not a transcript"),
            "{}",
            messages[3].1
        );
        assert!(
            messages[4]
                .1
                .starts_with("`caFile` /dev/stdin: is outside the project")
        );
        assert_eq!(messages[5].0, Severity::Warning);
        assert!(
            messages[5].1.ends_with("missing.pem: no such file"),
            "{}",
            messages[5].1
        );
        assert!(diags[..5].iter().all(|d| d.severity == Severity::Error));
        assert!(diags.iter().all(|d| d.code == codes::WS_OPTION_PATH));
        // The range is the value cell.
        assert_eq!(&text[diags[0].range.clone()], "\"../home/important.txt\"");
        // Nothing was created.
        assert!(!root.join("logs").exists());
    }
}
