//! `parse(text) -> Document`: finds the frontmatter and the ```` ```void ```` blocks, parses
//! each block's YAML into a spanned tree, builds the typed block model and the sections, and
//! collects `{{variable}}` references.
//!
//! Markdown structure comes from pulldown-cmark's offset iterator (so fences inside lists and
//! quotes, indented code, HTML blocks and so on are judged exactly as CommonMark says). The
//! frontmatter is detected here at offset 0 (after an optional BOM), before Markdown parsing.
//! This module reports only what it finds while reading; the structural checks live in
//! `diagnostics`. It must never panic on any input and never does I/O.

use std::borrow::Cow;
use std::sync::LazyLock;

use compact_str::CompactString;
use memchr::memmem::Finder;

use crate::diagnostics::{self, Diagnostic, Severity, UidChecker, codes};
use crate::markdown::{self, RawBlock};
use crate::model::*;
use crate::vocab;
use crate::yaml::{self, Node, OffsetMap, Value};

/// Parses a `.void` text. Never fails: problems become diagnostics.
pub fn parse(text: &str) -> Document {
    let mut doc = Document {
        len: text.len(),
        ..Document::default()
    };
    let bom_len = if text.starts_with('\u{feff}') { 3 } else { 0 };
    doc.bom = bom_len > 0;
    doc.line_ending = match memchr::memchr(b'\n', text.as_bytes()) {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => LineEnding::CrLf,
        _ => LineEnding::Lf,
    };

    let mut body_start = bom_len;
    if let Some(fm) = parse_frontmatter(text, bom_len, &mut doc.diagnostics) {
        body_start = fm.range.end;
        doc.frontmatter = Some(fm);
    }

    let raw_blocks = markdown::scan(text, body_start, &mut doc.headings);
    doc.blocks.reserve_exact(raw_blocks.len());
    let mut uids = UidChecker::default();
    // Reused from block to block by the visit below (one allocation per parse, not per block).
    let mut open_braces = Vec::new();
    // Every block's YAML tree goes into one arena, shared by the blocks once all are built.
    let block_bytes = raw_blocks.iter().map(|raw| raw.range.len()).sum();
    let mut trees = yaml::TreeBuilder::for_blocks(block_bytes);
    let mut spans = Vec::with_capacity(raw_blocks.len());
    for raw in raw_blocks {
        let index = doc.blocks.len();
        let span = build_block(text, raw, &mut trees, &mut doc.diagnostics, &mut doc.blocks);
        spans.push(span);
        let Some(block) = doc.blocks.last() else {
            continue;
        };
        let root = span.map(|span| trees.root(span));
        let visit = BlockVisit {
            root,
            attrs_owners: trees.attrs_owners(),
            index,
        };
        let found = (&mut doc.variables, &mut doc.diagnostics);
        scan_block_tree(text, block, visit, &mut uids, &mut open_braces, found);
        diagnostics::check_block(block, root, &mut doc.diagnostics);
    }
    let arena = trees.into_arena();
    for (block, span) in doc.blocks.iter_mut().zip(spans) {
        block.yaml = span.map(|span| yaml::Tree::new(arena.clone(), span));
    }
    uids.finish(&mut doc.diagnostics);
    build_sections(&mut doc);
    diagnostics::check_document(&mut doc);
    doc.diagnostics
        .sort_by_key(|d| (d.range.start, d.range.end));
    doc
}

/// One line of `text` starting at `start`: `(line without its break, offset after the break)`.
fn line_at(text: &str, start: usize) -> (&str, usize) {
    let rest = &text[start..];
    match memchr::memchr(b'\n', rest.as_bytes()) {
        Some(i) => (
            rest[..i].strip_suffix('\r').unwrap_or(&rest[..i]),
            start + i + 1,
        ),
        None => (rest.strip_suffix('\r').unwrap_or(rest), text.len()),
    }
}

// Substring finders built once: `memmem::find` would build a searcher on every call, which
// costs more than the search itself on the short texts searched here.
static MARKER_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("---"));
static OPEN_BRACES_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("{{"));
static CLOSE_BRACES_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("}}"));

/// The start of the first `---` line at or after `from` (a line start) in `content`. Marker
/// lines start with `---`, so only the places holding `---` are looked at, not every line.
fn closing_marker_line(content: &str, from: usize) -> Option<usize> {
    let bytes = content.as_bytes();
    // `find` in a loop rather than `find_iter`, which clones the searcher on every call.
    let mut pos = from;
    loop {
        let at = pos + MARKER_FINDER.find(bytes.get(pos..)?)?;
        if (at == from || bytes[at - 1] == b'\n') && is_marker_line(line_at(content, at).0, "---") {
            return Some(at);
        }
        pos = at + 1;
    }
}

fn is_marker_line(line: &str, marker: &str) -> bool {
    line.trim_end_matches([' ', '\t']) == marker
}

fn parse_frontmatter(text: &str, start: usize, diags: &mut Vec<Diagnostic>) -> Option<Frontmatter> {
    let (first, mut pos) = line_at(text, start);
    if !is_marker_line(first, "---") || pos >= text.len() && !text[start..].ends_with('\n') {
        return None;
    }
    let yaml_start = pos;
    while pos < text.len() {
        let (line, next) = line_at(text, pos);
        if is_marker_line(line, "---") || is_marker_line(line, "...") {
            let yaml_range = yaml_start..pos;
            let mut entries = Vec::new();
            let snippet = &text[yaml_range.clone()];
            match yaml::parse(snippet, &OffsetMap::contiguous(snippet, yaml_start)) {
                Ok(Some(tree)) => {
                    if let Some(es) = tree.root().entries() {
                        for e in es {
                            if let (Some(k), Some(v)) = (e.key.as_scalar(), e.value.as_scalar()) {
                                entries.push((
                                    Spanned::new(k.value.to_string(), e.key.range()),
                                    Spanned::new(v.value.to_string(), e.value.range()),
                                ));
                            }
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => diags.push(Diagnostic::new(
                    point(text, e.offset),
                    Severity::Warning,
                    codes::FRONTMATTER_YAML,
                    format!("frontmatter is not valid YAML: {}", e.message),
                )),
            }
            return Some(Frontmatter {
                range: start..next,
                yaml_range,
                entries,
            });
        }
        pos = next;
    }
    None
}

/// A one-character range at `offset` (or the last character when at the end).
pub(crate) fn point(text: &str, offset: usize) -> TextRange {
    let mut start = offset.min(text.len());
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    if start == text.len() {
        let prev = text[..start].chars().next_back().map_or(0, char::len_utf8);
        return start - prev..start;
    }
    let len = text[start..].chars().next().map_or(0, char::len_utf8);
    start..start + len
}

/// The fence of a block: opening line end, closing line start (when closed).
fn fence_bounds(text: &str, raw: &RawBlock) -> (usize, Option<usize>, TextRange) {
    let range = raw.range.clone();
    let (open_line, after_open) = line_at(text, range.start);
    let after_open = after_open.min(range.end);
    let trimmed_open = open_line.trim_start_matches([' ', '>', '\t', '-', '*', '+']);
    let fence_char = trimmed_open.chars().next().unwrap_or('`');
    let fence_len = trimmed_open
        .chars()
        .take_while(|c| *c == fence_char)
        .count();
    // The last line of the range, ignoring a final line break.
    let mut end = range.end;
    if text[..end].ends_with('\n') {
        end -= 1;
        if text[..end].ends_with('\r') {
            end -= 1;
        }
    }
    let last_start = text[..end]
        .rfind('\n')
        .map_or(0, |i| i + 1)
        .max(range.start);
    let last = &text[last_start..end];
    let last_trim = last.trim_start_matches([' ', '>', '\t']).trim_end();
    let closed = last_start > range.start
        && last_trim.len() >= fence_len
        && last_trim.chars().all(|c| c == fence_char);
    let whole = range.start..end;
    (after_open, closed.then_some(last_start), whole)
}

/// The block of `raw`, built in place at the end of `blocks` (a block is a few hundred bytes:
/// not moved twice), with its YAML tree built in `trees`; its place there is returned, and the
/// caller attaches the tree to the block once the arena is shared.
fn build_block(
    text: &str,
    raw: RawBlock,
    trees: &mut yaml::TreeBuilder,
    diags: &mut Vec<Diagnostic>,
    blocks: &mut Vec<Block>,
) -> Option<yaml::TreeSpan> {
    let (after_open, close_start, whole) = fence_bounds(text, &raw);
    let content_end = close_start.unwrap_or(whole.end).max(after_open);
    let content_range = after_open..content_end;
    blocks.push(Block {
        range: whole.clone(),
        content_range: content_range.clone(),
        yaml_range: None,
        in_container: raw.in_container,
        type_name: None,
        uid: None,
        kind: BlockKind::Malformed,
        yaml: None,
    });
    let block = blocks.last_mut()?;
    if close_start.is_none() {
        let open_end = line_at(text, whole.start).1.min(whole.end);
        diags.push(Diagnostic::new(
            whole.start..open_end.max(whole.start + 1).min(text.len()),
            Severity::Error,
            codes::UNCLOSED_FENCE,
            "this ```void block has no closing fence; everything after it is read as part of the block"
                .into(),
        ));
    }
    let content = FenceContent::of(text, &raw, content_range);
    let yaml = content.yaml_lines(text, diags);
    let snippet = &content.text[yaml.clone()];
    block.yaml_range = Some(content.to_file(yaml.start)..content.to_file(yaml.end));
    let map = content.offset_map(snippet, yaml.start);
    let span = match yaml::parse_into(trees, snippet, &map) {
        Ok(Some(span)) => span,
        Ok(None) => {
            diags.push(Diagnostic::new(
                block
                    .yaml_range
                    .clone()
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| point(text, whole.start)),
                Severity::Error,
                codes::MISSING_TYPE,
                "this ```void block is empty; it needs at least `type:`".into(),
            ));
            return None;
        }
        Err(e) => {
            diags.push(Diagnostic::new(
                point(text, e.offset),
                Severity::Error,
                codes::YAML_SYNTAX,
                format!("YAML syntax error: {}", e.message),
            ));
            return None;
        }
    };
    type_block(block, trees.root(span), diags);
    Some(span)
}

/// A fence's content as one string, with the way back to file offsets: the file text itself
/// for a top-level fence, the content lines glued without their container prefixes for a fence
/// inside a list or quote.
struct FenceContent<'t> {
    text: Cow<'t, str>,
    /// `(content offset, file offset)` where each glued piece starts; empty when the content is
    /// the contiguous file text at `start`.
    pieces: Vec<(usize, usize)>,
    start: usize,
}

impl<'t> FenceContent<'t> {
    fn of(text: &'t str, raw: &RawBlock, range: TextRange) -> Self {
        if !raw.in_container {
            return FenceContent {
                text: Cow::Borrowed(&text[range.clone()]),
                pieces: Vec::new(),
                start: range.start,
            };
        }
        let mut glued = String::new();
        let mut pieces = Vec::new();
        for seg in &raw.segments {
            if seg.start >= range.start && seg.end <= text.len() && seg.start <= seg.end {
                pieces.push((glued.len(), seg.start));
                glued.push_str(&text[seg.clone()]);
            }
        }
        FenceContent {
            text: Cow::Owned(glued),
            pieces,
            start: range.start,
        }
    }

    /// The file offset of content offset `offset`.
    fn to_file(&self, offset: usize) -> usize {
        let i = self
            .pieces
            .partition_point(|(s, _)| *s <= offset)
            .saturating_sub(1);
        self.pieces
            .get(i)
            .map_or(self.start + offset, |(s, f)| f + (offset - s))
    }

    /// Where the YAML lies in the content: between a first `---` line and the next `---` line
    /// (each missing one is a diagnostic; the YAML then runs from the start or to the end).
    fn yaml_lines(&self, text: &str, diags: &mut Vec<Diagnostic>) -> TextRange {
        let (first, after_first) = line_at(&self.text, 0);
        let (yaml_start, has_start) = if is_marker_line(first, "---") {
            (after_first, true)
        } else {
            diags.push(Diagnostic::new(
                point(text, self.to_file(0)),
                Severity::Error,
                codes::YAML_START_MISSING,
                "a ```void block must start with a `---` line".into(),
            ));
            (0, false)
        };
        let yaml_end = closing_marker_line(&self.text, yaml_start);
        if has_start && yaml_end.is_none() {
            diags.push(Diagnostic::new(
                point(text, self.to_file(0)),
                Severity::Error,
                codes::YAML_END_MISSING,
                "the YAML of this ```void block has no closing `---` line".into(),
            ));
        }
        let yaml_end = yaml_end.unwrap_or(self.text.len());
        yaml_start..yaml_end.max(yaml_start)
    }

    /// The offset map of `snippet`, the content from `yaml_start` on.
    fn offset_map(&self, snippet: &str, yaml_start: usize) -> OffsetMap {
        if self.pieces.is_empty() {
            return OffsetMap::contiguous(snippet, self.to_file(yaml_start));
        }
        let mut snippet_pieces = Vec::with_capacity(self.pieces.len());
        for (i, &(s, f)) in self.pieces.iter().enumerate() {
            let piece_end = self.pieces.get(i + 1).map_or(usize::MAX, |p| p.0);
            if piece_end <= yaml_start {
                continue;
            }
            let s2 = s.max(yaml_start);
            snippet_pieces.push((s2 - yaml_start, f + (s2 - s)));
        }
        if snippet_pieces.is_empty() {
            snippet_pieces.push((0, self.to_file(yaml_start)));
        }
        OffsetMap::pieces(snippet, snippet_pieces)
    }
}

/// Reads the type, uid and typed kind of `block` from its YAML `root`.
fn type_block(block: &mut Block, root: Node<'_>, diags: &mut Vec<Diagnostic>) {
    if root.entries().is_none() {
        diags.push(Diagnostic::new(
            root.range(),
            Severity::Error,
            codes::YAML_NOT_MAPPING,
            "a block's YAML must be a mapping with `type`, `attrs` and `content`".into(),
        ));
        return;
    }
    block.type_name = root.get("type").and_then(|n| {
        n.as_str()
            .map(|s| Spanned::new(CompactString::from(s), n.range()))
    });
    block.uid = uid_of(root);
    block.kind = match &block.type_name {
        None => BlockKind::Malformed,
        Some(t) => build_kind(&t.value, root, diags),
    };
}

/// A non-null scalar's text, made into a `T`, with its range.
fn spanned_text<T>(node: Option<Node<'_>>, make: impl FnOnce(&str) -> T) -> Option<Spanned<T>> {
    let node = node?;
    let s = node.as_scalar()?;
    if s.is_null() {
        return None;
    }
    Some(Spanned::new(make(s.value), node.range()))
}

fn spanned_str(node: Option<Node<'_>>) -> Option<Spanned<CompactString>> {
    spanned_text(node, |s| CompactString::from(s))
}

/// `attrs.uid` of a node.
pub(crate) fn uid_of(node: Node<'_>) -> Option<Spanned<Uid>> {
    spanned_text(node.get("attrs").and_then(|a| a.get("uid")), Uid::new)
}

fn attr(node: Node<'_>, key: &str) -> Option<Spanned<CompactString>> {
    spanned_str(node.get("attrs").and_then(|a| a.get(key)))
}

/// The block's `content` items of the given `type`.
fn content_item<'n>(node: Node<'n>, type_name: &str) -> Option<Node<'n>> {
    node.get("content")?
        .items()?
        .find(|i| i.get("type").and_then(|t| t.as_str()) == Some(type_name))
}

fn text_content(node: Node<'_>) -> Option<Spanned<CompactString>> {
    spanned_str(node.get("content"))
}

/// Node types that stand inside blocks (a request's `method`/`url`, a socket request's
/// `smethod`/`surl`/`proto`). A fence holding one on its own is kept as a passive block.
const NESTED_NODE_TYPES: &[&str] = &[
    "method", "url", "smethod", "surl", "proto", "gqlurl", "gqlbody",
];

/// Every block type the model knows (typed or passive), for completion.
pub const KNOWN_BLOCK_TYPES: &[&str] = &[
    "socket-request",
    "ws-message",
    "ws-options",
    "ws-assertions",
    "headers-table",
    "query-table",
    "cookies-table",
    "path-table",
    "options-table",
    "auth",
    "assertions-table",
    "request",
    "request-separator",
    "pre_script",
    "post_script",
    "messages-node",
    "json_body",
    "xml_body",
    "yml_body",
    "text_body",
    "restFile",
    "multipart-table",
    "url-table",
    "runtime-variables",
    "gqlquery",
    "gqlvariables",
    "gqlsubscriptionevents",
    "linkedBlock",
    "linkedFile",
    "fileLink",
    "response",
    "table",
    "paragraph",
    "heading",
];

fn build_kind(type_name: &str, root: Node<'_>, diags: &mut Vec<Diagnostic>) -> BlockKind {
    // `attrs` is looked up once for all the attributes read below.
    let attrs = root.get("attrs");
    let attr = |key: &str| spanned_str(attrs.and_then(|a| a.get(key)));
    match type_name {
        "socket-request" => BlockKind::SocketRequest(socket_request(root)),
        "ws-message" => BlockKind::WsMessage(Box::new(ws_message(attrs))),
        "ws-options" => BlockKind::WsOptions(WsOptions {
            rows: table_rows(root, diags, |row| {
                let key = row.key();
                OptionRow {
                    option: key
                        .as_ref()
                        .and_then(|k| vocab::ws_option_key(k.value.trim())),
                    value: row.value(),
                    note: row.note(),
                    key,
                    row,
                }
            }),
        }),
        "ws-assertions" => BlockKind::WsAssertions(assertions(root, diags, true)),
        "assertions-table" => BlockKind::AssertionsTable(assertions(root, diags, false)),
        "headers-table" => BlockKind::HeadersTable(table(root, diags)),
        "query-table" => BlockKind::QueryTable(table(root, diags)),
        "cookies-table" => BlockKind::CookiesTable(table(root, diags)),
        "path-table" => BlockKind::PathTable(table(root, diags)),
        "options-table" => BlockKind::OptionsTable(table(root, diags)),
        "auth" => BlockKind::Auth(Auth {
            auth_type: attr("authType"),
            table: if root.get("content").is_some_and(|c| !c.is_null()) {
                table(root, diags)
            } else {
                Table::default()
            },
        }),
        "request" => BlockKind::HttpRequest(HttpRequest {
            method: content_item(root, "method").and_then(text_content),
            url: content_item(root, "url").and_then(text_content),
        }),
        "request-separator" => BlockKind::Separator(Separator {
            label: attr("label"),
            color_index: attr("colorIndex"),
        }),
        "pre_script" | "post_script" => BlockKind::Script(Script {
            language: attr("language"),
            body: attr("body"),
        }),
        "json_body" | "xml_body" | "yml_body" | "text_body" => BlockKind::Body(Body {
            kind: match type_name {
                "json_body" => BodyKind::Json,
                "xml_body" => BodyKind::Xml,
                "yml_body" => BodyKind::Yaml,
                _ => BodyKind::Text,
            },
            body: attr("body"),
            content_type: attr("contentType"),
            imported: attr("importedFrom").is_some_and(|v| !v.value.trim().is_empty()),
        }),
        "multipart-table" => BlockKind::MultipartTable(MultipartTable {
            rows: multipart_rows(root, diags),
        }),
        "url-table" => BlockKind::UrlTable(table(root, diags)),
        "restFile" => BlockKind::RestFile(RestFile {
            files: root
                .get("content")
                .and_then(|c| c.items())
                .into_iter()
                .flat_map(|items| items.iter())
                .filter_map(file_link_path)
                .collect(),
        }),
        "runtime-variables" => BlockKind::RuntimeVariables(table(root, diags)),
        "gqlquery" => BlockKind::GqlQuery(gql_query(root)),
        "gqlvariables" => BlockKind::GqlVariables(GqlVariables { body: attr("body") }),
        // Typed names are matched above, so a known name reaching here is a passive type.
        t if KNOWN_BLOCK_TYPES.contains(&t) || NESTED_NODE_TYPES.contains(&t) => BlockKind::Other,
        _ => BlockKind::Unknown,
    }
}

fn socket_request(root: Node<'_>) -> SocketRequest {
    let smethod = content_item(root, "smethod");
    let surl = content_item(root, "surl");
    let method = smethod.and_then(text_content);
    let method_attr = smethod.and_then(|n| attr(n, "method"));
    let url = surl.and_then(text_content);
    let grpc_word = |s: &Spanned<CompactString>| {
        let word = s.value.trim();
        word.eq_ignore_ascii_case("grpc") || word.eq_ignore_ascii_case("grpcs")
    };
    let grpc = method.as_ref().is_some_and(grpc_word)
        || method_attr.as_ref().is_some_and(grpc_word)
        || url.as_ref().is_some_and(|u| {
            u.value
                .trim_start()
                .as_bytes()
                .get(..4)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case(b"grpc"))
        })
        || content_item(root, "proto").is_some();
    SocketRequest {
        method,
        method_attr,
        method_node: smethod.map(|n| n.range()),
        url,
        url_node: surl.map(|n| n.range()),
        protocol: if grpc {
            SocketProtocol::Grpc
        } else {
            SocketProtocol::WebSocket
        },
    }
}

/// A `ws-message` from its `attrs`, read in one pass over them (the first of a repeated key
/// counts, as with `get`).
fn ws_message(attrs: Option<Node<'_>>) -> WsMessage {
    let mut message = WsMessage::default();
    let mut seen = [false; 12];
    for entry in attrs.and_then(|a| a.entries()).into_iter().flatten() {
        let Some(key) = entry.key.as_scalar() else {
            continue;
        };
        let (slot, i) = match key.value {
            "name" => (&mut message.name, 0),
            "format" => (&mut message.format, 1),
            "encoding" => (&mut message.encoding, 2),
            "send" => (&mut message.send, 3),
            "delay" => (&mut message.delay, 4),
            "body" => (&mut message.body, 5),
            "when" => (&mut message.when, 6),
            "times" => (&mut message.times, 7),
            "capture" => (&mut message.capture, 8),
            "event" => (&mut message.event, 9),
            "args" => (&mut message.args, 10),
            "ack" => (&mut message.ack, 11),
            _ => continue,
        };
        if !std::mem::replace(&mut seen[i], true) {
            *slot = spanned_str(Some(entry.value));
        }
    }
    message
}

/// A `gqlquery`: the `gqlurl` and `gqlbody` children, or (files written before the app
/// nested them) the attrs `endpoint`/`schemaUrl` and `body`/`operationType`.
fn gql_query(root: Node<'_>) -> GqlQuery {
    let url_node = content_item(root, "gqlurl");
    let body_node = content_item(root, "gqlbody");
    let legacy = |key: &str| attr(root, key).filter(|v| !v.value.trim().is_empty());
    GqlQuery {
        url: url_node
            .and_then(inline_text)
            .or_else(|| legacy("endpoint"))
            .or_else(|| legacy("schemaUrl")),
        url_node: url_node.map(|n| n.range()),
        query: body_node
            .and_then(|n| attr(n, "body"))
            .or_else(|| legacy("body")),
        operation_type: body_node
            .and_then(|n| attr(n, "operationType"))
            .or_else(|| legacy("operationType")),
    }
}

/// A node's `content` as text: a plain string, or the joined `text` of inline text nodes.
fn inline_text(node: Node<'_>) -> Option<Spanned<CompactString>> {
    let content = node.get("content")?;
    if content.as_scalar().is_some() {
        return text_content(node);
    }
    let text = cell_text(content)?;
    Some(Spanned::new(text, content.range()))
}

/// The `filePath` of a `fileLink` (or the app's inline `file`) node.
fn file_link_path(node: Node<'_>) -> Option<Spanned<CompactString>> {
    let kind = node.get("type").and_then(|t| t.as_str())?;
    if kind != "fileLink" && kind != "file" {
        return None;
    }
    attr(node, "filePath").filter(|p| !p.value.trim().is_empty())
}

/// The rows of a `multipart-table`, with the files their value cells link.
fn multipart_rows(root: Node<'_>, diags: &mut Vec<Diagnostic>) -> Vec<MultipartRow> {
    // The cells' nodes are needed for the file links: read the row items again alongside.
    let items: Vec<Option<Node<'_>>> = root
        .get("content")
        .and_then(|c| c.items())
        .and_then(|items| items.first())
        .and_then(|table| table.get("rows"))
        .and_then(|rows| rows.items())
        .map(|rows| {
            rows.iter()
                .map(|r| r.get("row").and_then(|r| r.items()?.get(1)))
                .collect()
        })
        .unwrap_or_default();
    let mut index = 0;
    table_rows(root, diags, |row| {
        let files = items
            .get(index)
            .copied()
            .flatten()
            .and_then(|cell| cell.items())
            .into_iter()
            .flat_map(|items| items.iter())
            .filter_map(file_link_path)
            .collect();
        index += 1;
        MultipartRow { row, files }
    })
}

/// The text of a cell: a scalar, `null`, or inline nodes.
fn cell_text(node: Node<'_>) -> Option<CompactString> {
    match node.value() {
        Value::Scalar(s) if s.is_null() => None,
        Value::Scalar(s) => Some(CompactString::from(s.value)),
        Value::Sequence { items, .. } => {
            let mut out = CompactString::default();
            for item in items {
                if let Some(s) = item.as_str() {
                    out.push_str(s);
                } else if let Some(t) = item.get("text").and_then(|t| t.as_str()) {
                    out.push_str(t);
                } else if let Some(p) = item
                    .get("attrs")
                    .and_then(|a| a.get("filePath"))
                    .and_then(|p| p.as_str())
                {
                    out.push('@');
                    out.push_str(p);
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Reads a compacted table: `content: [{type: table, rows: [{attrs: {disabled}, row: [...]}]}]`.
fn table(root: Node<'_>, diags: &mut Vec<Diagnostic>) -> Table {
    Table {
        rows: table_rows(root, diags, |row| row),
    }
}

/// The rows of a compacted table, each turned into a `T` by `typed` as it is read (one `Vec`
/// at its exact size, no intermediate one of plain rows).
fn table_rows<T>(
    root: Node<'_>,
    diags: &mut Vec<Diagnostic>,
    mut typed: impl FnMut(TableRow) -> T,
) -> Vec<T> {
    let mut out = Vec::new();
    let Some(content) = root.get("content") else {
        return out;
    };
    let Some(table) = content.items().and_then(|items| items.first()) else {
        if !content.is_null() && content.items().is_none() {
            diags.push(Diagnostic::new(
                content.range(),
                Severity::Warning,
                codes::TABLE_SHAPE,
                "a table block's `content` should be a list holding one `type: table`".into(),
            ));
        }
        return out;
    };
    let Some(rows) = table.get("rows") else {
        return out;
    };
    let Some(rows) = rows.items() else {
        if !rows.is_null() {
            diags.push(Diagnostic::new(
                rows.range(),
                Severity::Warning,
                codes::TABLE_SHAPE,
                "`rows` should be a list".into(),
            ));
        }
        return out;
    };
    out.reserve_exact(rows.len());
    for row in rows {
        let disabled = row
            .get("attrs")
            .and_then(|a| a.get("disabled"))
            .and_then(|d| d.as_scalar())
            .is_some_and(|s| {
                s.style == yaml::ScalarStyle::Plain && s.value.eq_ignore_ascii_case("true")
            });
        let cells = match row.get("row").and_then(|r| r.items()) {
            Some(cells) => cells
                .map(|c| Cell {
                    text: cell_text(c),
                    range: c.range(),
                })
                .collect(),
            None => {
                diags.push(Diagnostic::new(
                    row.range(),
                    Severity::Warning,
                    codes::TABLE_SHAPE,
                    "a table row should have `row:` with a list of cells".into(),
                ));
                smallvec::SmallVec::new()
            }
        };
        out.push(typed(TableRow {
            range: row.range(),
            disabled,
            cells,
        }));
    }
    out
}

fn assertions(root: Node<'_>, diags: &mut Vec<Diagnostic>, websocket: bool) -> Assertions {
    let rows = table_rows(root, diags, |row| {
        let field = row.cell(1);
        let operator = row.cell(2);
        AssertionRow {
            description: row.cell(0),
            parsed_field: if websocket {
                field
                    .as_ref()
                    .and_then(|f| vocab::Field::parse(&f.value).ok())
            } else {
                None
            },
            parsed_operator: operator
                .as_ref()
                .and_then(|o| vocab::Operator::parse(&o.value)),
            expected: row.cell(3),
            field,
            operator,
            row,
        }
    });
    Assertions { rows }
}

/// What [`scan_block_tree`] visits of one block.
struct BlockVisit<'t> {
    /// The top node of the block's tree.
    root: Option<Node<'t>>,
    /// The mappings that own an `attrs` mapping, in document order, when the reader recorded
    /// them (else every mapping is looked at).
    attrs_owners: Option<&'t [u32]>,
    /// The block's index in the document.
    index: usize,
}

/// One visit of a freshly built block's tree, while it is still in cache: the uid rule on the
/// mappings that can carry a uid (those the reader listed, or every mapping), and
/// `{{variable}}` references in scalars.
///
/// The block's YAML text is searched for `{{` once; a scalar is scanned for references only when
/// one of those places lies inside its source range. That is the same set of scalars as testing
/// each scalar's decoded text: decoding never turns a source `{{` into anything else (escapes
/// start with `\`, folding only touches line breaks), and a scalar whose decoded text has a `{{`
/// its source lacks (an escape) has no reference in its source to find.
fn scan_block_tree(
    text: &str,
    block: &Block,
    visit: BlockVisit<'_>,
    uids: &mut UidChecker,
    open_braces: &mut Vec<usize>,
    (variables, diags): (&mut Vec<VariableRef>, &mut Vec<Diagnostic>),
) {
    let Some(root) = visit.root else {
        return;
    };
    open_braces.clear();
    if let Some(range) = &block.yaml_range
        && let Some(yaml) = text.get(range.clone())
    {
        open_brace_offsets(yaml, range.start, open_braces);
    }
    if let Some(owners) = visit.attrs_owners {
        // Only mappings that own an `attrs` mapping can carry a uid; the reader listed them.
        for &owner in owners {
            if let Some(entries) = root.at(owner).entries() {
                uids.check_mapping(entries, diags);
            }
        }
        if open_braces.is_empty() {
            return;
        }
    }
    let check_every_mapping = visit.attrs_owners.is_none();
    root.walk(&mut |node: Node<'_>| {
        if let Some(entries) = node.entries() {
            if check_every_mapping {
                uids.check_mapping(entries, diags);
            }
        } else if !open_braces.is_empty() && node.as_scalar().is_some() {
            let range = node.range();
            let first_inside = open_braces.partition_point(|&at| at < range.start);
            if open_braces
                .get(first_inside)
                .is_some_and(|&at| at + 2 <= range.end)
                && let Some(source) = text.get(range.clone())
            {
                find_variables(source, range.start, visit.index, variables);
            }
        }
    });
}

/// The file offsets of every `{{` in `yaml` (which starts at file offset `base`), overlapping
/// ones included (`{{{` gives two), in increasing order, appended to `out`.
fn open_brace_offsets(yaml: &str, base: usize, out: &mut Vec<usize>) {
    let bytes = yaml.as_bytes();
    let mut i = 0;
    while let Some(found) = bytes
        .get(i..)
        .and_then(|rest| OPEN_BRACES_FINDER.find(rest))
    {
        out.push(base + i + found);
        i += found + 1;
    }
}

/// Finds `{{NAME}}` references in `source` (which starts at file offset `base`).
pub(crate) fn find_variables(source: &str, base: usize, block: usize, out: &mut Vec<VariableRef>) {
    let bytes = source.as_bytes();
    let mut i = 0;
    while let Some(found) = OPEN_BRACES_FINDER.find(&bytes[i..]) {
        let open = i + found;
        let inner_start = open + 2;
        let Some(close_rel) = CLOSE_BRACES_FINDER.find(&bytes[inner_start..]) else {
            break;
        };
        let inner_end = inner_start + close_rel;
        let inner = &source[inner_start..inner_end];
        if inner.contains(['{', '}', '\n', '|']) {
            i = open + 1;
            continue;
        }
        let lead = inner.len() - inner.trim_start().len();
        let name = inner.trim();
        if !name.is_empty() {
            out.push(VariableRef {
                name: CompactString::from(name),
                range: base + open..base + inner_end + 2,
                name_range: base + inner_start + lead..base + inner_start + lead + name.len(),
                block,
            });
        }
        i = inner_end + 2;
    }
}

fn build_sections(doc: &mut Document) {
    let is_separator = |b: &Block| matches!(b.kind, BlockKind::Separator(_));
    // Each section's block list is allocated once, at its size: the blocks up to the next
    // separator.
    let blocks_until_separator = |from: usize| -> Vec<usize> {
        let n = doc.blocks.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|b| !is_separator(b)).count()
        });
        Vec::with_capacity(n)
    };
    let mut sections: Vec<Section> =
        Vec::with_capacity(1 + doc.blocks.iter().filter(|b| is_separator(b)).count());
    sections.push(Section {
        range: 0..doc.len,
        label: None,
        separator: None,
        blocks: blocks_until_separator(0),
        heading: None,
    });
    for (i, block) in doc.blocks.iter().enumerate() {
        if let BlockKind::Separator(sep) = &block.kind {
            if let Some(last) = sections.last_mut() {
                last.range.end = block.range.start;
            }
            sections.push(Section {
                range: block.range.start..doc.len,
                label: sep.label.clone(),
                separator: Some(i),
                blocks: blocks_until_separator(i + 1),
                heading: None,
            });
        } else if let Some(last) = sections.last_mut() {
            last.blocks.push(i);
        }
    }
    // Drop an empty lead section before the first separator.
    if sections.len() > 1 && sections[0].blocks.is_empty() {
        sections.remove(0);
        if let Some(first) = sections.first_mut() {
            first.range.start = 0;
        }
    }
    // Headings are in file order: the first one at or after the section start, if inside it.
    for s in &mut sections {
        let first = doc
            .headings
            .partition_point(|h| h.range.start < s.range.start);
        s.heading = doc
            .headings
            .get(first)
            .filter(|h| h.range.start < s.range.end)
            .map(|_| first);
    }
    doc.sections = sections;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The uid rule gives the same diagnostics whether the fast reader listed the mappings
    /// that own an `attrs` mapping or every mapping is looked at (a trailing comment sends a
    /// block to the saphyr path, which lists nothing).
    #[test]
    fn uid_rule_is_the_same_with_and_without_the_readers_list_of_attrs_owners() {
        let yaml = concat!(
            "type: messages-node\n",
            "attrs:\n",
            "  uid: not-a-uuid\n",
            "content:\n",
            "  - type: ws-message\n",
            "    attrs:\n",
            "      uid: 2f1e6a7c-3b5d-4e8f-9a0b-1c2d3e4f5a6b\n",
            "  - type: surl\n",
            "    attrs: plain\n",
            "    uid: outside-attrs\n",
            "  - attrs:\n",
            "      uid: not-a-uuid\n",
            "    nested:\n",
            "      type: x\n",
            "      attrs:\n",
            "        inner:\n",
            "          attrs:\n",
            "            uid: DEEP\n",
            "        uid: 2F1E6A7C-3B5D-4E8F-9A0B-1C2D3E4F5A6B\n",
            "  - type: linkedBlock\n",
            "    attrs:\n",
            "      uid: not-a-uuid\n",
            "  - attrs:\n",
            "      uid: first\n",
            "    attrs:\n",
            "      uid: second\n",
        );
        let uid_diagnostics = |comment: &str| {
            let text = format!(
                "```void\n---\n{yaml}{comment}---\n```\n\n```void\n---\n{yaml}{comment}---\n```\n"
            );
            let doc = parse(&text);
            doc.diagnostics
                .into_iter()
                .filter(|d| d.code == codes::DUPLICATE_UID || d.code == codes::UID_NOT_UUID)
                .map(|d| (d.code, d.range, d.message))
                .collect::<Vec<_>>()
        };
        // A key line of the same length, which the fast reader reads, keeps the offsets equal.
        let comment = "# sends the block to saphyr\n";
        let plain_key = format!("z: {}\n", "x".repeat(comment.len() - 4));
        let fast_yaml = format!("{yaml}{plain_key}");
        let map = OffsetMap::contiguous(&fast_yaml, 0);
        assert!(crate::yaml::fast::parse(&fast_yaml, &map).is_some());
        let listed = uid_diagnostics(&plain_key);
        assert!(listed.len() > 6, "{listed:#?}");
        assert_eq!(listed, uid_diagnostics(comment));
    }

    #[test]
    fn variables_are_found_with_ranges() {
        let mut out = Vec::new();
        find_variables("a {{ X }} b {{y.z}} {{}} {{fileLink|a|b}}", 10, 0, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].name, "X");
        assert_eq!(out[0].range, 12..19);
        assert_eq!(out[0].name_range, 15..16);
        assert_eq!(out[1].name, "y.z");
    }

    #[test]
    fn block_variables_come_from_every_kind_of_scalar_whose_source_has_them() {
        let yaml = concat!(
            "type: ws-message\n",
            "attrs:\n",
            "  uid: 2f1e6a7c-3b5d-4e8f-9a0b-1c2d3e4f5a6b\n",
            "  \"{{KEY}}\": plain {{A}}\n",
            "  quoted: 'x {{ B }}'\n",
            "  flow: {f: \"{{C}}\", g: [{{{D}}}]}\n",
            "  escaped: \"\\x7b{NOT}}\"\n",
            "  body: |-\n",
            "    one {{E}}\n",
            "    two {{F}}\n",
            "  none: no braces\n",
        );
        let text = format!("```void\n---\n{yaml}---\n```\n\nprose {{{{G}}}}\n");
        let doc = crate::parse(&text);
        let names: Vec<&str> = doc.variables.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["KEY", "A", "B", "C", "E", "F"]);
        for v in &doc.variables {
            assert_eq!(&text[v.name_range.clone()], v.name.as_str());
            assert!(text[v.range.clone()].starts_with("{{"));
            assert_eq!(v.block, 0);
        }
    }

    #[test]
    fn point_handles_ends_and_multibyte() {
        assert_eq!(point("aé", 1), 1..3);
        assert_eq!(point("ab", 2), 1..2);
        assert_eq!(point("", 0), 0..0);
    }
}
