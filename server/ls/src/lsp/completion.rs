//! `textDocument/completion`.
//!
//! Where the cursor is decides what is offered (docs/lsp-extensions.md):
//! - prose, a line holding only `/`, `/w`, `/ws` or `/wss`: a whole WebSocket section
//!   ([`super::skeleton::websocket_section`]);
//! - an opening fence line (```` ``` ```` up to ```` ```void ````): a new block of each type;
//! - inside a ```` ```void ```` block: block types on the `type:` line, the block's attrs and
//!   their values, `ws-options` keys and values, header names, assertion fields and operators
//!   (from `void_syntax::vocab`), and `{{variables}}` from the resolved environment.
//!
//! Every item carries a text edit over exactly the text it replaces. Snippets (tab stops) only
//! when the client supports them; otherwise the same text with defaults filled in. The YAML
//! context is read from the lines around the cursor, not from the model, because the block
//! being typed is usually not valid YAML yet.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use void_syntax::vocab::{self, OptionValueKind};

use super::catalog;
use super::document::OpenDocument;
use super::server::ServerState;
use super::skeleton::{self, Scheme, Template};

pub fn completion(
    state: &ServerState,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let position = params.text_document_position;
    let doc = state.document(&position.text_document.uri)?;
    let offset = state.offset(&doc, position.position)?;
    if let Some(items) = super::sessions::completion::json_paths(state, &doc, offset)
        .or_else(|| super::sessions::completion::res_paths(state, &doc, offset))
    {
        return Ok(Some(CompletionResponse::List(CompletionList {
            is_incomplete: false,
            items,
        })));
    }
    let ctx = Ctx {
        state,
        doc: &doc,
        offset,
        snippets: state.features().snippets,
    };
    let items = ctx.items();
    Ok(if items.is_empty() {
        None
    } else {
        Some(CompletionResponse::List(CompletionList {
            is_incomplete: false,
            items,
        }))
    })
}

struct Ctx<'a> {
    state: &'a ServerState,
    doc: &'a OpenDocument,
    offset: usize,
    snippets: bool,
}

impl Ctx<'_> {
    fn items(&self) -> Vec<CompletionItem> {
        let text = self.doc.text();
        let line = self.doc.line_index().line_of(self.offset);
        let line_range = self.doc.line_index().line_range(text, line);
        let before = &text[line_range.start..self.offset.max(line_range.start)];
        let after = &text[self.offset.min(line_range.end)..line_range.end];
        let model = self.doc.model();
        let line_ending = model.line_ending.as_str();

        if let Some(items) = self.fence_line(before, line_range.start, line_ending) {
            return items;
        }
        let inside = model.block_at(self.offset).filter(|(_, b)| {
            // The fence lines themselves are not inside.
            b.content_range.start <= line_range.start
                && line_range.start < b.content_range.end.max(b.content_range.start + 1)
        });
        let Some((_, block)) = inside else {
            return self.prose(before, after, line_ending);
        };
        if let Some(items) = self.variables(before, after) {
            return items;
        }
        let block_text = &text[block.content_range.clone()];
        let block_type = block
            .type_name
            .as_ref()
            .map(|t| t.value.to_string())
            .or_else(|| type_from_text(block_text))
            .unwrap_or_default();
        self.yaml(
            &block_type,
            line_range.start,
            before,
            after,
            block.content_range.start,
        )
    }

    /// `/wss`, `/ws` and `/socketio` alone on a prose line.
    fn prose(&self, before: &str, after: &str, line_ending: &str) -> Vec<CompletionItem> {
        let token = before.trim_start();
        if !after.trim().is_empty() || !token.starts_with('/') {
            return Vec::new();
        }
        let start = self.offset - token.len();
        let range = self.range(start, self.offset);
        let mut items: Vec<CompletionItem> = [(Scheme::Wss, "/wss", "WebSocket section (wss://, TLS)"), (Scheme::Ws, "/ws", "WebSocket section (ws://, unencrypted)")]
            .into_iter()
            .filter(|(_, label, _)| "/wss".starts_with(token) || label.starts_with(token))
            .map(|(scheme, label, detail)| {
                let template = skeleton::websocket_section(scheme);
                let mut item = self.item(label, CompletionItemKind::SNIPPET, range, &template, line_ending);
                item.detail = Some(detail.into());
                item.filter_text = Some(label.into());
                item.documentation = Some(markdown(format!(
                    "Inserts a `socket-request` block (`smethod` {}, `surl` {}) with fresh uids, and an example `ws-message` sent on open.",
                    scheme.method(),
                    scheme.url_prefix()
                )));
                item
            })
            .collect();
        if "/socketio".starts_with(token) {
            let template = skeleton::socketio_section();
            let mut item = self.item(
                "/socketio",
                CompletionItemKind::SNIPPET,
                range,
                &template,
                line_ending,
            );
            item.detail = Some("Socket.IO section (Socket.IO v4 over WebSocket)".into());
            item.filter_text = Some("/socketio".into());
            item.documentation = Some(markdown(
                "Inserts a `socket-request` to a Socket.IO server, `ws-options` with `protocol: socket.io` and the namespace, and a `ws-message` that emits an event on open and waits for its acknowledgement, with fresh uids.".into(),
            ));
            items.push(item);
        }
        items
    }

    /// An opening fence being typed: offer each block type as a whole new block.
    fn fence_line(
        &self,
        before: &str,
        line_start: usize,
        line_ending: &str,
    ) -> Option<Vec<CompletionItem>> {
        let trimmed = before.trim_start();
        let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
        if ticks < 3 {
            return None;
        }
        let info = trimmed[ticks..].trim_start();
        if !"void".starts_with(info) && info != "void" {
            return None;
        }
        // Only on a line that opens a fence, not on the closing fence of a block above.
        let line_end = self
            .doc
            .line_index()
            .line_range(self.doc.text(), self.doc.line_index().line_of(line_start))
            .end;
        let closes_a_block = self.doc.model().blocks.iter().any(|b| {
            b.range.start < line_start && b.range.end >= line_start && b.range.end <= line_end
        });
        if closes_a_block {
            return None;
        }
        let indent = &before[..before.len() - trimmed.len()];
        let start = line_start + indent.len();
        let range = self.range(start, self.offset);
        let fence = &trimmed[..ticks];
        let items = catalog::BLOCK_TYPES
            .iter()
            .filter(|b| !matches!(b.name, "smethod" | "surl"))
            .enumerate()
            .map(|(i, b)| {
                let mut template = skeleton::block_body(b.name);
                template = prefixed(&format!("{fence}void\n---\ntype: {}", b.name), template);
                let mut item = self.item(
                    b.name,
                    CompletionItemKind::MODULE,
                    range,
                    &template,
                    line_ending,
                );
                item.filter_text = Some(format!("{fence}void {}", b.name));
                item.detail = Some("```void block".into());
                item.documentation = Some(markdown(b.doc.to_string()));
                item.sort_text = Some(format!("{i:03}"));
                item
            })
            .collect();
        Some(items)
    }

    /// `{{` opened and not closed before the cursor.
    fn variables(&self, before: &str, after: &str) -> Option<Vec<CompletionItem>> {
        let open = before.rfind("{{")?;
        if before[open..].contains("}}") {
            return None;
        }
        let typed = &before[open + 2..];
        if typed.contains(|c: char| c.is_whitespace() && c != ' ') {
            return None;
        }
        let start = self.offset - typed.len();
        let closes = after.trim_start().starts_with("}}");
        let range = self.range(start, self.offset);
        let variables = self.state.variables_for(&self.doc.uri);
        // The project's variables only: the process environment (dozens of the editor's own
        // variables, values included) is never offered, though `{{NAME}}` still resolves
        // against it.
        let mut items: Vec<CompletionItem> = variables
            .iter()
            .into_iter()
            .filter(|(_, resolved)| {
                !matches!(resolved.source, void_syntax::variables::Source::Environment)
            })
            .map(|(name, resolved)| {
                let new_text = if closes {
                    name.to_string()
                } else {
                    format!("{name}}}}}")
                };
                let source = source_text(&resolved.source);
                CompletionItem {
                    sort_text: Some(name.to_string()),
                    label: name.to_string(),
                    kind: Some(CompletionItemKind::VARIABLE),
                    detail: Some(format!("{} ({source})", resolved.display_value())),
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit { range, new_text })),
                    ..Default::default()
                }
            })
            .collect();
        items.extend(self.conversation_values(range, closes));
        Some(items)
    }

    /// In a WebSocket section, after `{{`: the names its replies capture, and in a reply's
    /// (or an `after:` message's) body the `$msg` values of the message it answers.
    fn conversation_values(&self, range: Range, closes: bool) -> Vec<CompletionItem> {
        let model = self.doc.model();
        let Some(section) = model.sections.get(model.section_at(self.offset)) else {
            return Vec::new();
        };
        if !section.is_websocket(&model) {
            return Vec::new();
        }
        let item = |label: String, detail: String, doc: String| {
            let new_text = if closes || label.ends_with('.') {
                label.clone()
            } else {
                format!("{label}}}}}")
            };
            CompletionItem {
                sort_text: Some(format!("~{label}")),
                label,
                kind: Some(CompletionItemKind::VARIABLE),
                detail: Some(detail),
                documentation: Some(markdown(doc)),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit { range, new_text })),
                ..Default::default()
            }
        };
        let mut items = Vec::new();
        let mut seen = Vec::new();
        for (name, _, message) in section.captured_names(&model) {
            if seen.contains(&name) {
                continue;
            }
            let by = message
                .name
                .as_ref()
                .map_or("a reply".to_string(), |n| format!("reply `{}`", n.value));
            items.push(item(
                name.clone(),
                format!("captured by {by}"),
                format!("Captured at run time by {by} from the message it answers; every later message of the session uses the captured value."),
            ));
            seen.push(name);
        }
        let answers = model.block_at(self.offset).is_some_and(|(_, block)| {
            matches!(&block.kind, void_syntax::BlockKind::WsMessage(m)
                if matches!(m.send_value(), Some(vocab::SendMode::OnReceive | vocab::SendMode::After(_))))
        });
        if answers {
            for (field, doc) in vocab::MESSAGE_FIELD_DOCS {
                items.push(item(
                    format!("$msg.{field}"),
                    "from the message this reply answers".into(),
                    doc.to_string(),
                ));
            }
        }
        items
    }

    /// Inside a block: keys and values by YAML position.
    fn yaml(
        &self,
        block_type: &str,
        line_start: usize,
        before: &str,
        after: &str,
        block_start: usize,
    ) -> Vec<CompletionItem> {
        let indent = before.len() - before.trim_start().len();
        let body = before.trim_start();
        let text = self.doc.text();
        let token_end = self.offset + after.find(char::is_whitespace).unwrap_or(after.len());
        // `type: x` at the top level.
        if indent == 0 {
            if let Some(typed) = body.strip_prefix("type:") {
                let start = self.offset - typed.trim_start().len();
                return catalog::BLOCK_TYPES
                    .iter()
                    .map(|b| {
                        self.simple(b.name, CompletionItemKind::CLASS, start, token_end, b.doc)
                    })
                    .collect();
            }
            return Vec::new();
        }
        // Table cells: `- value` items under `row:`.
        if let Some(typed) = body
            .strip_prefix("- ")
            .or(if body == "-" { Some("") } else { None })
        {
            if let Some((cell, first_cell)) = row_cell(text, block_start, line_start, indent) {
                let start = self.offset - typed.trim_start().len().min(typed.len());
                return self.cell(block_type, cell, first_cell.as_deref(), start, token_end);
            }
            return Vec::new();
        }
        // Attrs of the block node: `  key` or `  key: value` directly under top-level `attrs:`.
        if indent == 2
            && parent_key(text, block_start, line_start, indent).as_deref() == Some("attrs")
        {
            match body.split_once(':') {
                None => {
                    let start = self.offset - body.len();
                    let attrs = catalog::block_type(block_type)
                        .map(|b| b.attrs)
                        .unwrap_or(&[]);
                    return attrs
                        .iter()
                        .map(|(name, doc)| {
                            let mut item = self.simple(
                                name,
                                CompletionItemKind::PROPERTY,
                                start,
                                token_end,
                                doc,
                            );
                            if let Some(CompletionTextEdit::Edit(edit)) = &mut item.text_edit {
                                edit.new_text = format!("{name}: ");
                            }
                            item
                        })
                        .collect();
                }
                Some((key, typed)) if block_type == "ws-message" && key.trim() == "when" => {
                    return self.when_value(typed, token_end);
                }
                Some((key, typed)) if block_type == "ws-message" && key.trim() == "capture" => {
                    return self.capture_value(typed, token_end);
                }
                Some((key, typed)) => {
                    let start = self.offset - typed.trim_start().len();
                    return catalog::message_attr_values(key.trim())
                        .iter()
                        .map(|(value, doc)| {
                            self.simple(
                                value,
                                CompletionItemKind::ENUM_MEMBER,
                                start,
                                token_end,
                                doc,
                            )
                        })
                        .collect();
                }
            }
        }
        Vec::new()
    }

    /// `when: <field> <operator> <expected>`: message fields for the first word, operators for
    /// the second.
    fn when_value(&self, typed: &str, end: usize) -> Vec<CompletionItem> {
        let typed = typed.trim_start();
        let words: Vec<&str> = typed.split_whitespace().collect();
        let ends_with_space = typed.ends_with(char::is_whitespace);
        let (word, typing_field) = match (words.len(), ends_with_space) {
            (0, _) => ("", true),
            (1, false) => (words[0], true),
            (1, true) => ("", false),
            (2, false) => (words[1], false),
            _ => return Vec::new(),
        };
        let start = self.offset - word.len();
        if typing_field {
            return self.message_fields(start, end);
        }
        // `within` needs time to pass; a reply's condition is read on one message.
        self.operators(start, end, false)
    }

    /// The assertion operators (`within` only where time can pass: an assertion row).
    fn operators(&self, start: usize, end: usize, within: bool) -> Vec<CompletionItem> {
        vocab::Operator::ALL
            .iter()
            .filter(|op| within || **op != vocab::Operator::Within)
            .map(|op| {
                self.simple(
                    op.as_str(),
                    CompletionItemKind::OPERATOR,
                    start,
                    end,
                    op.doc(),
                )
            })
            .collect()
    }

    /// `capture: NAME = <field>; ...`: message fields after `=`.
    fn capture_value(&self, typed: &str, end: usize) -> Vec<CompletionItem> {
        let current = typed.rsplit(';').next().unwrap_or(typed);
        let Some((_, field)) = current.split_once('=') else {
            return Vec::new();
        };
        let field = field.trim_start();
        if field.contains(char::is_whitespace) {
            return Vec::new();
        }
        self.message_fields(self.offset - field.len(), end)
    }

    /// The fields of one message (`json.`, `text`, `size`, `binary`, `event`, `ack`).
    fn message_fields(&self, start: usize, end: usize) -> Vec<CompletionItem> {
        vocab::MESSAGE_FIELD_DOCS
            .iter()
            .map(|(name, doc)| self.simple(name, CompletionItemKind::FIELD, start, end, doc))
            .collect()
    }

    fn cell(
        &self,
        block_type: &str,
        cell: usize,
        first_cell: Option<&str>,
        start: usize,
        end: usize,
    ) -> Vec<CompletionItem> {
        match (block_type, cell) {
            ("ws-options", 0) => self.option_keys(|scope| scope.websocket(), start, end),
            ("ws-options", 1) => {
                let Some(key) = first_cell.and_then(vocab::ws_option_key) else {
                    return Vec::new();
                };
                option_values(key.kind)
                    .iter()
                    .map(|v| {
                        let mut item =
                            self.simple(v, CompletionItemKind::VALUE, start, end, key.doc);
                        if let Some(CompletionTextEdit::Edit(edit)) = &mut item.text_edit {
                            edit.new_text = yaml_string(v);
                        }
                        item
                    })
                    .collect()
            }
            ("headers-table", 0) => catalog::HEADER_NAMES
                .iter()
                .map(|(name, doc)| self.simple(name, CompletionItemKind::PROPERTY, start, end, doc))
                .collect(),
            // The app's `options-table` of an HTTP section: HTTP's keys and the shared ones.
            ("options-table", 0) => self.option_keys(|scope| scope.http(), start, end),
            // The app's `assertions-table`: description, field, operator, expected.
            ("assertions-table", 1) => void_syntax::http::HTTP_FIELD_DOCS
                .iter()
                .map(|(name, doc)| self.simple(name, CompletionItemKind::FIELD, start, end, doc))
                .collect(),
            ("ws-assertions", 1) => {
                let mut items: Vec<CompletionItem> = vocab::FIELD_DOCS
                    .iter()
                    .map(|(name, doc)| {
                        self.simple(name, CompletionItemKind::FIELD, start, end, doc)
                    })
                    .collect();
                for base in [
                    "received[0]",
                    "received[-1]",
                    "received[any]",
                    "received[all]",
                ] {
                    for (accessor, doc) in [
                        (
                            ".json.",
                            "A value inside the message parsed as JSON (`.json.a.b[0]`).",
                        ),
                        (".text", "The message as text."),
                        (".size", "The payload size in bytes."),
                        (".binary", "Whether the message is binary."),
                        (".event", "Socket.IO: the event name."),
                        (".ack", "Socket.IO: the arguments of an acknowledgement."),
                    ] {
                        let label = format!("{base}{accessor}");
                        let mut item =
                            self.simple(&label, CompletionItemKind::FIELD, start, end, doc);
                        item.sort_text = Some(format!("z{label}"));
                        items.push(item);
                    }
                }
                items
            }
            ("ws-assertions", 2) => self.operators(start, end, true),
            _ => Vec::new(),
        }
    }

    fn range(&self, start: usize, end: usize) -> Range {
        self.state.range(self.doc, start..end)
    }

    /// The option keys whose scope `applies` to the table, each documented with its default.
    fn option_keys(
        &self,
        applies: impl Fn(vocab::OptionScope) -> bool,
        start: usize,
        end: usize,
    ) -> Vec<CompletionItem> {
        vocab::OPTION_KEYS
            .iter()
            .filter(|k| applies(k.scope))
            .map(|k| {
                let doc = match k.default {
                    Some(d) => format!("{} Default: `{d}`.", k.doc),
                    None => k.doc.to_string(),
                };
                self.simple(k.name, CompletionItemKind::PROPERTY, start, end, &doc)
            })
            .collect()
    }

    fn simple(
        &self,
        label: &str,
        kind: CompletionItemKind,
        start: usize,
        end: usize,
        doc: &str,
    ) -> CompletionItem {
        CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            documentation: Some(markdown(doc.to_string())),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: self.range(start, end),
                new_text: label.to_string(),
            })),
            ..Default::default()
        }
    }

    fn item(
        &self,
        label: &str,
        kind: CompletionItemKind,
        range: Range,
        template: &Template,
        line_ending: &str,
    ) -> CompletionItem {
        let (new_text, format) = if self.snippets {
            (template.snippet(line_ending), InsertTextFormat::SNIPPET)
        } else {
            (template.plain(line_ending), InsertTextFormat::PLAIN_TEXT)
        };
        CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            insert_text_format: Some(format),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit { range, new_text })),
            ..Default::default()
        }
    }
}

fn prefixed(prefix: &str, body: Template) -> Template {
    let mut out = Template::default();
    out.push_text(prefix);
    out.append(body);
    out
}

fn markdown(value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    })
}

pub fn source_text(source: &void_syntax::variables::Source) -> String {
    use void_syntax::variables::Source;
    match source {
        Source::Environment => "process environment".into(),
        Source::Override => "editor settings".into(),
        Source::File { path, line } => format!("{}:{}", path.display(), line + 1),
    }
}

/// The `type:` of a block read from its text (when its YAML does not parse yet).
fn type_from_text(block_text: &str) -> Option<String> {
    block_text
        .lines()
        .find_map(|l| l.strip_prefix("type:"))
        .map(|t| t.trim().trim_matches('"').to_string())
        .filter(|t| !t.is_empty())
}

/// The key of the mapping that holds the line at `line_start` (indentation `indent`).
fn parent_key(text: &str, block_start: usize, line_start: usize, indent: usize) -> Option<String> {
    let above = &text[block_start..line_start];
    for line in above.lines().rev() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        let line_indent = line.len() - trimmed.len();
        if line_indent < indent {
            return trimmed.strip_suffix(':').map(|k| k.trim().to_string());
        }
    }
    None
}

/// For a `- item` line under a `row:` key: which cell it is, and the first cell's text.
fn row_cell(
    text: &str,
    block_start: usize,
    line_start: usize,
    indent: usize,
) -> Option<(usize, Option<String>)> {
    let above = &text[block_start..line_start];
    let mut index = 0;
    let mut first = None;
    for line in above.lines().rev() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        let line_indent = line.len() - trimmed.len();
        if line_indent == indent && trimmed.starts_with('-') {
            index += 1;
            first = Some(
                trimmed
                    .trim_start_matches('-')
                    .trim()
                    .trim_matches('"')
                    .to_string(),
            );
            continue;
        }
        if line_indent > indent {
            continue; // a folded continuation line of a previous cell
        }
        return (line_indent < indent && trimmed == "row:")
            .then_some((index, first.filter(|_| index > 0)));
    }
    None
}

/// Example values for an option kind.
fn option_values(kind: OptionValueKind) -> &'static [&'static str] {
    match kind {
        OptionValueKind::Duration => &["250ms", "1s", "5s", "10s", "30s", "1m"],
        OptionValueKind::DurationOrOff => &["off", "5s", "10s", "30s", "1m"],
        OptionValueKind::Size => &["64KiB", "1MiB", "16MiB", "64MiB"],
        OptionValueKind::Bool => &["true", "false"],
        OptionValueKind::OnOff => &["on", "off"],
        OptionValueKind::LogMode => &["append", "prepend", "snapshot"],
        OptionValueKind::Count => &["100", "1000", "10000"],
        OptionValueKind::PathOrOff => &["off"],
        OptionValueKind::ProxyUrl => &["http://localhost:3128"],
        OptionValueKind::Protocol => &["websocket", "socket.io"],
        OptionValueKind::Namespace => &["/"],
        OptionValueKind::JsonObject => &["{\"token\": \"{{TOKEN}}\"}"],
        OptionValueKind::Text | OptionValueKind::Path => &[],
    }
}

/// A table cell is a string: quote what YAML would read as another type (docs/format.md §1.1).
fn yaml_string(value: &str) -> String {
    let special =
        matches!(value, "" | "true" | "false" | "null" | "~") || value.parse::<f64>().is_ok();
    if value.starts_with(['{', '[']) {
        // Flow syntax: quoted, single quotes when it holds `"` (as the app writes it).
        if value.contains('"') {
            format!("'{}'", value.replace('\'', "''"))
        } else {
            format!("\"{value}\"")
        }
    } else if special {
        format!("\"{value}\"")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_cells_are_counted_from_row_key() {
        let text = "---\ntype: ws-options\ncontent:\n  - type: table\n    rows:\n      - attrs:\n          disabled: false\n        row:\n          - connectTimeout\n          - ";
        let line_start = text.rfind('\n').map_or(0, |i| i + 1);
        assert_eq!(
            row_cell(text, 0, line_start, 10),
            Some((1, Some("connectTimeout".into())))
        );
        let first_line = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        assert_eq!(row_cell(text, 0, first_line, 10), Some((0, None)));
    }

    #[test]
    fn cells_that_yaml_would_retype_are_quoted() {
        assert_eq!(yaml_string("true"), "\"true\"");
        assert_eq!(yaml_string("10000"), "\"10000\"");
        assert_eq!(yaml_string("10s"), "10s");
    }
}
