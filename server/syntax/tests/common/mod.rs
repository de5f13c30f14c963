//! Shared helpers for the syntax crate's integration tests: a compact, readable rendering of
//! the model and diagnostics for snapshots, and the format soundness check (idempotent, and
//! `parse(format(x))` means the same as `parse(x)`).
#![allow(dead_code, clippy::unwrap_used)]

pub mod big;

use std::fmt::Write as _;

use void_syntax::line_index::ColumnUnit;
use void_syntax::{BlockKind, Diagnostic, Document, LineIndex, Spanned};

fn pos(text: &str, index: &LineIndex, offset: usize) -> String {
    let (l, c) = index.position(text, offset, ColumnUnit::Char);
    format!("{}:{}", l + 1, c + 1)
}

fn sp<T: std::fmt::Debug>(text: &str, index: &LineIndex, s: &Option<Spanned<T>>) -> String {
    match s {
        None => "-".into(),
        Some(s) => format!("{:?}@{}", s.value, pos(text, index, s.range.start)),
    }
}

/// The model as short lines: blocks with their typed content, sections, variables.
pub fn dump_model(text: &str, doc: &Document) -> String {
    let ix = LineIndex::new(text);
    let mut o = String::new();
    writeln!(
        o,
        "len={} bom={} line_ending={:?}",
        doc.len, doc.bom, doc.line_ending
    )
    .unwrap();
    if let Some(fm) = &doc.frontmatter {
        let keys: Vec<_> = fm.entries.iter().map(|(k, _)| k.value.as_str()).collect();
        writeln!(
            o,
            "frontmatter {}..{} keys={keys:?}",
            pos(text, &ix, fm.range.start),
            pos(text, &ix, fm.range.end)
        )
        .unwrap();
    }
    for h in &doc.headings {
        writeln!(
            o,
            "heading h{} {:?} @{}",
            h.level,
            h.text,
            pos(text, &ix, h.range.start)
        )
        .unwrap();
    }
    for (i, b) in doc.blocks.iter().enumerate() {
        writeln!(
            o,
            "block {i} {}..{} type={} uid={} container={}",
            pos(text, &ix, b.range.start),
            pos(text, &ix, b.range.end),
            sp(text, &ix, &b.type_name),
            sp(text, &ix, &b.uid),
            b.in_container
        )
        .unwrap();
        match &b.kind {
            BlockKind::SocketRequest(r) => writeln!(
                o,
                "  socket-request {:?} method={} method_attr={} url={}",
                r.protocol,
                sp(text, &ix, &r.method),
                sp(text, &ix, &r.method_attr),
                sp(text, &ix, &r.url)
            )
            .unwrap(),
            BlockKind::WsMessage(m) => {
                writeln!(
                    o,
                    "  ws-message name={} format={} encoding={} send={} delay={} body={}",
                    sp(text, &ix, &m.name),
                    sp(text, &ix, &m.format),
                    sp(text, &ix, &m.encoding),
                    sp(text, &ix, &m.send),
                    sp(text, &ix, &m.delay),
                    sp(text, &ix, &m.body)
                )
                .unwrap();
                let conversation = [
                    ("when", &m.when),
                    ("times", &m.times),
                    ("capture", &m.capture),
                    ("event", &m.event),
                    ("args", &m.args),
                    ("ack", &m.ack),
                ];
                if conversation.iter().any(|(_, v)| v.is_some()) {
                    let parts: Vec<String> = conversation
                        .iter()
                        .map(|(k, v)| format!("{k}={}", sp(text, &ix, v)))
                        .collect();
                    writeln!(o, "    {}", parts.join(" ")).unwrap();
                }
            }
            BlockKind::WsOptions(opts) => {
                for r in &opts.rows {
                    writeln!(
                        o,
                        "  option{} key={} value={} note={} known={}",
                        if r.row.disabled { "(disabled)" } else { "" },
                        sp(text, &ix, &r.key),
                        sp(text, &ix, &r.value),
                        sp(text, &ix, &r.note),
                        r.option.is_some()
                    )
                    .unwrap();
                }
            }
            BlockKind::WsAssertions(a) | BlockKind::AssertionsTable(a) => {
                for r in &a.rows {
                    writeln!(
                        o,
                        "  assertion{} {} field={} op={} expected={} parsed_field={} parsed_op={:?}",
                        if r.row.disabled { "(disabled)" } else { "" },
                        sp(text, &ix, &r.description),
                        sp(text, &ix, &r.field),
                        sp(text, &ix, &r.operator),
                        sp(text, &ix, &r.expected),
                        r.parsed_field.is_some(),
                        r.parsed_operator
                    )
                    .unwrap();
                }
            }
            BlockKind::HeadersTable(t)
            | BlockKind::QueryTable(t)
            | BlockKind::CookiesTable(t)
            | BlockKind::PathTable(t)
            | BlockKind::OptionsTable(t)
            | BlockKind::UrlTable(t)
            | BlockKind::RuntimeVariables(t) => {
                for r in &t.rows {
                    let cells: Vec<_> = r.cells.iter().map(|c| c.text.clone()).collect();
                    writeln!(
                        o,
                        "  row{} {cells:?}",
                        if r.disabled { "(disabled)" } else { "" }
                    )
                    .unwrap();
                }
            }
            BlockKind::Auth(a) => writeln!(
                o,
                "  auth type={} rows={}",
                sp(text, &ix, &a.auth_type),
                a.table.rows.len()
            )
            .unwrap(),
            BlockKind::HttpRequest(r) => writeln!(
                o,
                "  request method={} url={}",
                sp(text, &ix, &r.method),
                sp(text, &ix, &r.url)
            )
            .unwrap(),
            BlockKind::Separator(s) => writeln!(
                o,
                "  separator label={} color={}",
                sp(text, &ix, &s.label),
                sp(text, &ix, &s.color_index)
            )
            .unwrap(),
            BlockKind::Script(s) => writeln!(
                o,
                "  script language={} body={}",
                sp(text, &ix, &s.language),
                sp(text, &ix, &s.body)
            )
            .unwrap(),
            BlockKind::Body(b) => writeln!(
                o,
                "  body {:?} content_type={} imported={} body={}",
                b.kind,
                sp(text, &ix, &b.content_type),
                b.imported,
                sp(text, &ix, &b.body)
            )
            .unwrap(),
            BlockKind::MultipartTable(t) => {
                for r in &t.rows {
                    let cells: Vec<_> = r.row.cells.iter().map(|c| c.text.clone()).collect();
                    let files: Vec<_> = r.files.iter().map(|f| f.value.clone()).collect();
                    writeln!(
                        o,
                        "  multipart{} {cells:?} files={files:?}",
                        if r.row.disabled { "(disabled)" } else { "" }
                    )
                    .unwrap();
                }
            }
            BlockKind::RestFile(f) => {
                let files: Vec<_> = f.files.iter().map(|f| f.value.clone()).collect();
                writeln!(o, "  restFile files={files:?}").unwrap();
            }
            BlockKind::GqlQuery(q) => writeln!(
                o,
                "  gqlquery url={} operation={} query={}",
                sp(text, &ix, &q.url),
                sp(text, &ix, &q.operation_type),
                sp(text, &ix, &q.query)
            )
            .unwrap(),
            BlockKind::GqlVariables(v) => {
                writeln!(o, "  gqlvariables body={}", sp(text, &ix, &v.body)).unwrap()
            }
            BlockKind::Other => writeln!(o, "  other").unwrap(),
            BlockKind::Unknown => writeln!(o, "  unknown (kept as written)").unwrap(),
            BlockKind::Malformed => writeln!(o, "  malformed").unwrap(),
        }
    }
    for (i, s) in doc.sections.iter().enumerate() {
        writeln!(
            o,
            "section {i} {}..{} label={} separator={:?} blocks={:?} websocket={} name={:?}",
            pos(text, &ix, s.range.start),
            pos(text, &ix, s.range.end),
            sp(text, &ix, &s.label),
            s.separator,
            s.blocks,
            s.is_websocket(doc),
            s.display_name(doc)
        )
        .unwrap();
    }
    for v in &doc.variables {
        writeln!(
            o,
            "variable {:?} {:?} @{} block={} text={:?}",
            v.name,
            v.kind(),
            pos(text, &ix, v.range.start),
            v.block,
            &text[v.range.clone()]
        )
        .unwrap();
    }
    o
}

/// Diagnostics as `line:col-line:col severity code: message (covers "text")`.
pub fn dump_diagnostics(text: &str, diags: &[Diagnostic]) -> String {
    let ix = LineIndex::new(text);
    let mut o = String::new();
    for d in diags {
        let covered: String = text
            .get(d.range.clone())
            .unwrap_or("")
            .chars()
            .take(40)
            .collect();
        writeln!(
            o,
            "{}-{} {} {}: {} (covers {:?})",
            pos(text, &ix, d.range.start),
            pos(text, &ix, d.range.end),
            d.severity.as_str(),
            d.code,
            d.message,
            covered
        )
        .unwrap();
    }
    o
}

/// What a document means, without positions: frontmatter, every block's type and YAML data,
/// and the prose between blocks.
pub fn meaning(text: &str) -> Vec<String> {
    let doc = void_syntax::parse(text);
    let mut out = Vec::new();
    let mut pos = 0;
    for b in &doc.blocks {
        out.push(format!(
            "prose {:?}",
            text.get(pos..b.range.start).unwrap_or("")
        ));
        out.push(format!(
            "block {} {:?} {}",
            b.type_str(),
            std::mem::discriminant(&b.kind),
            b.yaml.as_ref().map_or_else(
                || format!("raw {:?}", text.get(b.range.clone())),
                |y| data(y.root())
            )
        ));
        pos = b.range.end;
    }
    out.push(format!("prose {:?}", text.get(pos..).unwrap_or("")));
    let mut codes: Vec<&str> = doc.diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    out.push(format!("diagnostics {codes:?}"));
    out
}

/// A block's data as the app reads it, keys sorted (the app's objects have no meaningful key
/// order); the written form when it is not plain data.
fn data(root: void_syntax::yaml::Node<'_>) -> String {
    use void_syntax::yaml::JsValue;
    fn render(v: &JsValue, out: &mut String) {
        match v {
            JsValue::Array(items) => {
                out.push('[');
                for item in items {
                    render(item, out);
                    out.push(',');
                }
                out.push(']');
            }
            JsValue::Object(o) => {
                let mut entries: Vec<_> = o.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (k, v) in entries {
                    out.push_str(&format!("{k:?}:"));
                    render(v, out);
                    out.push(',');
                }
                out.push('}');
            }
            JsValue::Number(n) if n.is_nan() => out.push_str("NaN"),
            other => out.push_str(&format!("{other:?}")),
        }
    }
    match JsValue::from_yaml(root) {
        Ok(v) => {
            let mut out = String::new();
            render(&v, &mut out);
            out
        }
        Err(_) => root.data_string(),
    }
}

/// Formatting is idempotent and keeps the meaning.
pub fn assert_format_sound(name: &str, text: &str) {
    let once = void_syntax::format(text);
    let twice = void_syntax::format(&once);
    assert_eq!(once, twice, "{name}: formatting is not idempotent");
    assert_eq!(
        meaning(text),
        meaning(&once),
        "{name}: formatting changed the meaning"
    );
}
