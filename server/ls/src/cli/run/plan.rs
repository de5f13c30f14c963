//! Planning a run: expand the given paths into `.void` files, read and parse them, stop on
//! parse errors, and pick the WebSocket sections to run (all, or those named by `--section`).
//!
//! Everything that makes a run impossible (exit 2) is found here, before any connection is
//! made: unreadable files, parse errors, an unknown `--section`, no WebSocket section at all.
//! Problems that belong to one section (an unresolved variable, an invalid message) are not
//! found here; they fail that section when it runs. This module does no network I/O.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use void_syntax::model::{Document, RequestKind, Section};

use super::{InMemoryFile, RunArgs};

/// One file of the run, parsed.
pub struct PlannedFile {
    /// The path as shown in reports.
    pub display: String,
    /// The path on disk (the base for relative paths and `.env` lookup).
    pub path: PathBuf,
    pub document: Arc<Document>,
}

/// One section to run.
pub struct PlannedSection {
    /// Index into [`Plan::files`].
    pub file: usize,
    /// Index into the document's `sections`.
    pub section_index: usize,
    /// Index into the document's `blocks` of the section's request (`socket-request`,
    /// `request` or `gqlquery`).
    pub request_block: usize,
    pub label: String,
    pub block_uid: Option<String>,
    /// What the section runs.
    pub kind: RequestKind,
}

/// What a run will do.
pub struct Plan {
    pub files: Vec<PlannedFile>,
    pub sections: Vec<PlannedSection>,
    /// Things worth saying that do not stop the run (a file without WebSocket sections, ...).
    pub warnings: Vec<String>,
}

/// Builds the plan, or explains (in words ready for stderr) why the run cannot start.
pub fn build(args: &RunArgs, in_memory: Option<Vec<InMemoryFile>>) -> Result<Plan, String> {
    let mut warnings = Vec::new();
    let sources = match in_memory {
        Some(files) => files.into_iter().map(|f| (f.path, Ok(f.text))).collect(),
        None => read_files(&args.files, &mut warnings)?,
    };
    let mut problems = String::new();
    let mut files = Vec::new();
    for (path, text) in sources {
        let display = path.display().to_string();
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(problems, "void-ls run: {e}");
                continue;
            }
        };
        let document = void_syntax::parse(&text);
        // Links to other files are followed (bounded, inside the project); one that leads
        // nowhere is an error like any other.
        let expansion = crate::cli::input::expand_links(&path, &text, &document);
        let link_errors = void_syntax::links::diagnostics(&document, &expansion);
        let errors: Vec<_> = document
            .diagnostics
            .iter()
            .chain(&link_errors)
            .filter(|d| d.severity == void_syntax::Severity::Error)
            .collect();
        if !errors.is_empty() {
            let index = void_syntax::LineIndex::new(&text);
            for d in errors {
                let (line, col) = index.position(
                    &text,
                    d.range.start,
                    void_syntax::line_index::ColumnUnit::Char,
                );
                let _ = writeln!(
                    problems,
                    "{display}:{}:{}: error: {}",
                    line + 1,
                    col + 1,
                    d.message
                );
            }
            continue;
        }
        // The sections run as the app runs them: with what the links stand for in place.
        let document = if expansion.is_empty() {
            document
        } else {
            void_syntax::parse(&expansion.text)
        };
        files.push(PlannedFile {
            display,
            path,
            document: Arc::new(document),
        });
    }
    if !problems.is_empty() {
        problems.push_str("void-ls run: not running: fix the errors above first");
        return Err(problems);
    }

    let mut sections = Vec::new();
    for (file_index, file) in files.iter().enumerate() {
        let found = runnable_sections(&file.document);
        if found.is_empty() {
            warnings.push(format!(
                "{}: no WebSocket, HTTP or GraphQL section; nothing to run there",
                file.display
            ));
        }
        for (section_index, request_block, label, kind) in found {
            let block_uid = file.document.blocks[request_block]
                .uid
                .as_ref()
                .map(|u| u.value.to_string());
            sections.push(PlannedSection {
                file: file_index,
                section_index,
                request_block,
                label,
                block_uid,
                kind,
            });
        }
    }

    if !args.sections.is_empty() {
        let unknown: Vec<&String> = args
            .sections
            .iter()
            .filter(|wanted| !sections.iter().any(|s| &s.label == *wanted))
            .collect();
        if !unknown.is_empty() {
            return Err(unknown_sections(&unknown, &sections, &files));
        }
        sections.retain(|s| args.sections.contains(&s.label));
    }
    if sections.is_empty() {
        return Err(
            "void-ls run: no WebSocket, HTTP or GraphQL section to run in the given files".into(),
        );
    }
    Ok(Plan {
        files,
        sections,
        warnings,
    })
}

/// Why `--section` names nothing: each unknown label, and the sections there are.
fn unknown_sections(
    unknown: &[&String],
    sections: &[PlannedSection],
    files: &[PlannedFile],
) -> String {
    let mut msg = String::new();
    for u in unknown {
        let _ = writeln!(msg, "void-ls run: no section labelled `{u}`");
    }
    let known: Vec<String> = sections
        .iter()
        .map(|s| format!("  {} › {}", files[s.file].display, s.label))
        .collect();
    if known.is_empty() {
        msg.push_str("the files have no sections to run");
    } else {
        let _ = write!(msg, "sections in these files:\n{}", known.join("\n"));
    }
    msg
}

/// The sections `void-ls run` runs, in file order: `(section index, request block index,
/// label, kind)`. WebSocket, HTTP and GraphQL sections run; gRPC ones do not.
pub fn runnable_sections(doc: &Document) -> Vec<(usize, usize, String, RequestKind)> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, section) in doc.sections.iter().enumerate() {
        let Some((request, kind)) = section
            .request_kind(doc)
            .filter(|(_, k)| *k != RequestKind::Grpc)
        else {
            continue;
        };
        let base = section_label(doc, section, kind);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let label = if *n == 1 {
            base
        } else {
            format!("{base} ({n})")
        };
        out.push((i, request, label, kind));
    }
    out
}

/// A section's name: its separator label, else its first heading, else what it runs
/// (`WebSocket`, `HTTP`, `GraphQL`).
fn section_label(doc: &Document, section: &Section, kind: RequestKind) -> String {
    if let Some(label) = section
        .label
        .as_ref()
        .map(|l| l.value.trim())
        .filter(|l| !l.is_empty())
    {
        return label.to_string();
    }
    if let Some(h) = section.heading.and_then(|h| doc.headings.get(h)) {
        let text = h.text.trim();
        if !text.is_empty() {
            return text.to_string();
        }
    }
    match kind {
        RequestKind::Http => "HTTP",
        RequestKind::GraphQl => "GraphQL",
        RequestKind::WebSocket | RequestKind::Grpc => "WebSocket",
    }
    .to_string()
}

/// Reads the given paths; directories are searched (recursively, sorted) for `*.void` files.
/// A file's path and its text, or why it could not be read.
type ReadFile = (
    PathBuf,
    Result<String, void_session::project_files::FileError>,
);

fn read_files(paths: &[PathBuf], warnings: &mut Vec<String>) -> Result<Vec<ReadFile>, String> {
    let mut out = Vec::new();
    let mut problems = String::new();
    for path in paths {
        if path.is_dir() {
            let found = void_files_under(path, warnings);
            if found.is_empty() {
                let _ = writeln!(
                    problems,
                    "{}: error: no .void files in this directory",
                    path.display()
                );
            }
            out.extend(found.into_iter().map(|p| {
                let text = crate::cli::input::read_text(&p);
                (p, text)
            }));
        } else {
            out.push((path.clone(), crate::cli::input::read_text(path)));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.trim_end().to_string())
    }
}

/// The `.void` files under `root`, sorted, each once. The walk never follows a symlink to a
/// directory (so a link loop, `loop -> .`, cannot make it go round), skips hidden directories,
/// `node_modules` and `target`, and takes a symlinked file only when it stays under `root` and
/// is not already found under its own name; every symlink it does not follow is said in
/// `warnings`.
fn void_files_under(root: &Path, warnings: &mut Vec<String>) -> Vec<PathBuf> {
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    // (path, where it really is, reached through a symlink)
    let mut found: Vec<(PathBuf, PathBuf, bool)> = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            warnings.push(format!(
                "{}: cannot read this directory; skipped",
                dir.display()
            ));
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "node_modules" || name == "target" {
                continue;
            }
            // The entry itself, not what a symlink points to.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
                continue;
            }
            if kind.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(target) if target.is_dir() => warnings.push(format!(
                        "{}: a symlink to a directory ({}); not followed",
                        path.display(),
                        target.display()
                    )),
                    Ok(target) if path.extension().is_some_and(|e| e == "void") => {
                        if target.starts_with(&real_root) {
                            found.push((path, target, true));
                        } else {
                            warnings.push(format!(
                                "{}: a symlink leading out of {} (to {}); not followed",
                                path.display(),
                                root.display(),
                                target.display()
                            ));
                        }
                    }
                    Ok(_) => {}
                    Err(_) if path.extension().is_some_and(|e| e == "void") => {
                        warnings.push(format!(
                            "{}: a symlink to nothing (or a loop); skipped",
                            path.display()
                        ))
                    }
                    Err(_) => {}
                }
                continue;
            }
            if path.extension().is_some_and(|e| e == "void") {
                let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                found.push((path, real, false));
            }
        }
    }
    // Each file once: a symlink to a file found under its own name is not run twice (files
    // reached directly come first).
    found.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
    let mut seen = std::collections::HashSet::new();
    let mut files = Vec::new();
    for (path, real, _) in found {
        if seen.insert(real.clone()) {
            files.push(path);
        } else {
            warnings.push(format!(
                "{}: the same file as {} (a symlink); run once",
                path.display(),
                real.display()
            ));
        }
    }
    files.sort();
    files
}
