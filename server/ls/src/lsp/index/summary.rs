//! What the workspace index keeps of one `.void` file: its sections, requests and messages (for
//! workspace symbols), the names other parts refer to and every reference to them
//! (`{{variables}}`, `ws-message` names and `after:`, block uids and the links that import
//! them), each with its LSP range. The parsed model is dropped once the summary is made, so an
//! indexed file costs a few hundred bytes per block, not its model.
//!
//! Ranges are LSP ranges in the negotiated encoding, computed once when the file is indexed.
//! Names that a rename rewrites keep the exact range of their text (inside the quotes, when the
//! YAML scalar is quoted), or none when the text as written is not the name as read (an
//! escaped or folded scalar): such a name is shown and found, never rewritten.

use std::ops::Range as ByteRange;
use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::Range;
use void_syntax::vocab::SendMode;
use void_syntax::{BlockKind, CompactString, Document, LineIndex, VariableKind, links};

use super::super::position::{LspPositions, PositionEncoding};

/// One `.void` file, summarized.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoidSummary {
    pub sections: Vec<SectionSummary>,
    pub requests: Vec<RequestSummary>,
    pub messages: Vec<MessageSummary>,
    /// `send: after: <name>` references, by the name they give.
    pub after_refs: Vec<NameRef>,
    /// `{{NAME}}` references to environment variables (runtime names left out).
    pub variables: Vec<NameRef>,
    /// Top-level blocks that have a uid (what `linkedBlock` links to).
    pub blocks: Vec<BlockSummary>,
    /// `linkedBlock` and `linkedFile` blocks.
    pub links: Vec<LinkSummary>,
    /// Names a section gives a value itself, by section (an MCP tool's `binds`, a reply's
    /// `capture`): a `{{NAME}}` of theirs there is not unresolved.
    pub local_names: Vec<(usize, CompactString)>,
}

/// A section: the part of the file a separator starts (or the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSummary {
    /// The separator label, else the first heading.
    pub name: Option<CompactString>,
    pub range: Range,
    /// The label, or the start of the section.
    pub selection: Range,
    /// The uid of the separator that starts it (what a `linkedFile`'s `sectionUid` names).
    pub separator_uid: Option<CompactString>,
    /// Whether it has a separator (a file without separators is one section with none).
    pub has_separator: bool,
}

/// A request block: a WebSocket, gRPC or HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    pub section: usize,
    /// `WSS`, `WS`, `GRPC`, `GET`...
    pub method: CompactString,
    pub url: CompactString,
    pub protocol: Protocol,
    pub range: Range,
    /// The URL, else the block.
    pub selection: Range,
}

/// What a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    WebSocket,
    Grpc,
    Http,
}

/// A `ws-message` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    pub section: usize,
    pub name: CompactString,
    /// The name's text, when it can be rewritten in place.
    pub name_range: Option<Range>,
    pub range: Range,
}

/// A name used somewhere: a `{{variable}}` or an `after:` target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRef {
    pub section: usize,
    pub name: CompactString,
    /// The name's text (without braces), when it can be rewritten in place; else where the
    /// reference is.
    pub range: Range,
    /// Whether `range` is exactly the name's text.
    pub exact: bool,
}

/// A top-level block with a uid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSummary {
    pub uid: CompactString,
    pub block_type: CompactString,
    pub range: Range,
}

/// A `linkedBlock` or `linkedFile` block, and what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSummary {
    /// `linkedFile` (else `linkedBlock`).
    pub whole_file: bool,
    /// `originalFile` joined to the project root.
    pub target: PathBuf,
    /// `blockUid` of a `linkedBlock`, `sectionUid` of a `linkedFile`.
    pub uid: Option<CompactString>,
    /// The link block.
    pub range: Range,
}

/// Converts byte ranges of one text to LSP ranges.
struct Ranges<'a> {
    text: &'a str,
    index: &'a LineIndex,
    encoding: PositionEncoding,
}

impl Ranges<'_> {
    fn of(&self, range: ByteRange<usize>) -> Range {
        self.index.lsp_range(self.text, range, self.encoding)
    }
}

impl VoidSummary {
    /// The summary of a parsed file. `root` is the file's project root (link paths start
    /// there).
    pub fn of(
        text: &str,
        model: &Document,
        index: &LineIndex,
        encoding: PositionEncoding,
        root: &Path,
    ) -> VoidSummary {
        let ranges = Ranges {
            text,
            index,
            encoding,
        };
        let mut out = VoidSummary {
            sections: sections(model, &ranges),
            ..VoidSummary::default()
        };
        for block in &model.blocks {
            let section = model.section_at(block.range.start);
            if let Some(uid) = &block.uid {
                out.blocks.push(BlockSummary {
                    uid: CompactString::from(uid.value.as_str()),
                    block_type: CompactString::from(block.type_str()),
                    range: ranges.of(block.range.clone()),
                });
            }
            if let Some(request) = request(&ranges, section, block) {
                out.requests.push(request);
            }
            match &block.kind {
                BlockKind::WsMessage(message) => {
                    message_names(&mut out, &ranges, section, block.range.clone(), message)
                }
                _ if links::is_link(block) => {
                    if let Some(link) = link(block, &ranges, root) {
                        out.links.push(link);
                    }
                }
                _ => {}
            }
        }
        out.variables = model
            .variables
            .iter()
            .filter(|v| v.kind() == VariableKind::Environment)
            .map(|v| NameRef {
                section: model.section_at(v.range.start),
                name: v.name.clone(),
                range: ranges.of(v.name_range.clone()),
                exact: text.get(v.name_range.clone()) == Some(v.name.as_str()),
            })
            .collect();
        // An MCP tool's `binds` rows name a variable of their section too: a rename rewrites
        // them with the uses, or the tool would bind a name its request no longer has.
        let bindings = void_syntax::mcp_tools::tool_bindings(model);
        out.local_names = local_names(model, &bindings);
        out.variables.extend(bindings.into_iter().map(|b| {
            let exact = scalar_text_range(text, b.range.clone(), &b.variable);
            NameRef {
                section: b.section,
                name: CompactString::from(b.variable.as_str()),
                range: ranges.of(exact.clone().unwrap_or(b.range)),
                exact: exact.is_some(),
            }
        }));
        out
    }
}

/// The names each section binds (MCP tools) or captures (WebSocket replies), as the
/// unresolved-variable check of an open document exempts them.
fn local_names(
    model: &Document,
    bindings: &[void_syntax::mcp_tools::ToolBinding],
) -> Vec<(usize, CompactString)> {
    let mut out: Vec<(usize, CompactString)> = bindings
        .iter()
        .map(|b| (b.section, CompactString::from(b.variable.as_str())))
        .collect();
    for (index, section) in model.sections.iter().enumerate() {
        if section.is_websocket(model) {
            out.extend(
                section
                    .captured_names(model)
                    .into_iter()
                    .map(|(name, _, _)| (index, CompactString::from(name.as_str()))),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The request `block` makes (its method, URL and protocol), if it is a request block.
fn request(
    ranges: &Ranges<'_>,
    section: usize,
    block: &void_syntax::Block,
) -> Option<RequestSummary> {
    let (method, url, protocol) = match &block.kind {
        BlockKind::SocketRequest(r) => {
            let protocol = match r.protocol {
                void_syntax::SocketProtocol::WebSocket => Protocol::WebSocket,
                void_syntax::SocketProtocol::Grpc => Protocol::Grpc,
            };
            (&r.method, r.url.as_ref(), protocol)
        }
        BlockKind::HttpRequest(r) => (&r.method, r.url.as_ref(), Protocol::Http),
        _ => return None,
    };
    let method = match (method, protocol) {
        (Some(m), _) => m.value.clone(),
        (None, Protocol::Http) => "GET".into(),
        (None, _) => "WSS".into(),
    };
    Some(RequestSummary {
        section,
        method,
        url: url.map_or_else(CompactString::default, |u| u.value.clone()),
        protocol,
        range: ranges.of(block.range.clone()),
        selection: ranges.of(url.map_or(block.range.clone(), |u| u.range.clone())),
    })
}

fn sections(model: &Document, ranges: &Ranges<'_>) -> Vec<SectionSummary> {
    model
        .sections
        .iter()
        .map(|s| SectionSummary {
            name: s.display_name(model).map(CompactString::from),
            range: ranges.of(s.range.clone()),
            selection: ranges.of(s
                .label
                .as_ref()
                .map_or(s.range.start..s.range.start, |l| l.range.clone())),
            separator_uid: s
                .separator
                .and_then(|i| model.blocks.get(i))
                .and_then(|b| b.uid.as_ref())
                .map(|u| CompactString::from(u.value.as_str())),
            has_separator: s.separator.is_some(),
        })
        .collect()
}

/// A `ws-message`'s name, and the name its `send: after:` gives.
fn message_names(
    out: &mut VoidSummary,
    ranges: &Ranges<'_>,
    section: usize,
    block: ByteRange<usize>,
    message: &void_syntax::WsMessage,
) {
    if let Some(name) = &message.name {
        out.messages.push(MessageSummary {
            section,
            name: name.value.clone(),
            name_range: scalar_text_range(ranges.text, name.range.clone(), &name.value)
                .map(|r| ranges.of(r)),
            range: ranges.of(block),
        });
    }
    if let Some(send) = &message.send
        && let Ok(SendMode::After(target)) = SendMode::parse(&send.value)
    {
        let exact = after_target_range(ranges.text, send.range.clone(), &target);
        out.after_refs.push(NameRef {
            section,
            name: CompactString::from(target.as_str()),
            exact: exact.is_some(),
            range: ranges.of(exact.unwrap_or(send.range.clone())),
        });
    }
}

/// The text of a scalar written at `range` whose value is `value`: the whole range when
/// written plain, the inside of the quotes when quoted; `None` when the text differs from the
/// value (escapes, folding).
pub fn scalar_text_range(
    text: &str,
    range: ByteRange<usize>,
    value: &str,
) -> Option<ByteRange<usize>> {
    let written = text.get(range.clone())?;
    if written == value {
        return Some(range);
    }
    let quoted = (written.starts_with('"') && written.ends_with('"'))
        || (written.starts_with('\'') && written.ends_with('\''));
    (quoted && written.len() >= 2 && &written[1..written.len() - 1] == value)
        .then(|| range.start + 1..range.end - 1)
}

/// The text of `name` in a `send: after: name` value written at `range`.
pub fn after_target_range(
    text: &str,
    range: ByteRange<usize>,
    name: &str,
) -> Option<ByteRange<usize>> {
    let written = text.get(range.clone())?;
    let after = written.find("after:")? + "after:".len();
    let rest = &written[after..];
    let start = after + (rest.len() - rest.trim_start().len());
    let tail = written[start..].strip_prefix(name)?;
    let tail = tail.trim_end();
    (tail.is_empty() || tail == "\"" || tail == "'")
        .then(|| range.start + start..range.start + start + name.len())
}

/// A link block's target, from its attrs.
fn link(block: &void_syntax::Block, ranges: &Ranges<'_>, root: &Path) -> Option<LinkSummary> {
    let attrs = block.attrs()?;
    let scalar = |name: &str| {
        attrs
            .get(name)
            .and_then(|n| n.as_scalar())
            .filter(|s| !s.is_null())
            .map(|s| CompactString::from(s.value))
    };
    let original = scalar("originalFile")?;
    let whole_file = block.type_str() == links::LINKED_FILE;
    Some(LinkSummary {
        whole_file,
        target: links::project_path(root, &original),
        uid: scalar(if whole_file { "sectionUid" } else { "blockUid" }),
        range: ranges.of(block.range.clone()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scalar_text_ranges_are_the_name_as_written() {
        let text = r#"name: hello
name: "hello"
name: "hel\x6co"
"#;
        let plain = text.find("hello").unwrap();
        assert_eq!(
            scalar_text_range(text, plain..plain + 5, "hello"),
            Some(plain..plain + 5)
        );
        let quoted = text.find("\"hello\"").unwrap();
        assert_eq!(
            scalar_text_range(text, quoted..quoted + 7, "hello"),
            Some(quoted + 1..quoted + 6)
        );
        let escaped = text.find("\"hel\\").unwrap();
        assert_eq!(
            scalar_text_range(text, escaped..escaped + 10, "hello"),
            None
        );
    }

    #[test]
    fn after_targets_are_found_in_the_send_value() {
        for written in [
            "after: hello",
            "after:hello",
            "\"after: hello\"",
            "after:   hello  ",
        ] {
            let text = format!("send: {written}\n");
            let start = 6;
            let range = after_target_range(&text, start..start + written.len(), "hello").unwrap();
            assert_eq!(&text[range], "hello", "{written}");
        }
        assert_eq!(after_target_range("after: hello2", 0..13, "hello"), None);
    }
}
