//! A small spanned YAML tree built from `saphyr-parser` events.
//!
//! Every node keeps its byte range in the *file* (not in the YAML snippet): the caller gives an
//! [`OffsetMap`] that turns a character index inside the snippet into a file byte offset. The
//! tree keeps mapping keys in their written order, the scalar style as written, and whether a
//! collection was written in flow style, which is what the canonical writer and the typed model
//! need. Hostile input is bounded: nesting deeper than [`MAX_DEPTH`] and more than
//! [`MAX_NODES`] nodes are errors, and aliases are kept as aliases (never expanded).
//!
//! This module must not know about `.void` block types; that is `model`'s job.

use std::ops::Range;

use compact_str::CompactString;

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span};

/// Deepest nesting of collections accepted in one block.
pub const MAX_DEPTH: usize = 64;
/// Most nodes accepted in one block.
pub const MAX_NODES: usize = 1_000_000;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block literal.
    Literal,
    /// `>` folded block.
    Folded,
}

/// A scalar: its value after YAML unescaping/folding, and how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// Short values (up to 24 bytes: keys, most words and numbers) are stored inline, without
    /// a heap allocation; it dereferences to `str`.
    pub value: CompactString,
    pub style: ScalarStyle,
}

impl Scalar {
    /// Whether this is a YAML 1.2 core-schema null (`null`, `~`, empty plain).
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain && is_core_null(&self.value)
    }

    /// Whether the scalar is a string in the YAML core schema (quoted, block, or a plain scalar
    /// that is not null, a boolean or a number).
    pub fn is_string(&self) -> bool {
        self.style != ScalarStyle::Plain || !is_core_special(&self.value)
    }
}

/// One `key: value` of a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Scalar(Scalar),
    /// Collections are boxed slices (exact size, no spare capacity): 16 bytes instead of a
    /// `Vec`'s 24, which lets `Value` share the scalar's 32 bytes.
    Sequence {
        items: Box<[Node]>,
        flow: bool,
    },
    Mapping {
        entries: Box<[Entry]>,
        flow: bool,
    },
    /// `*name`: kept as written, never expanded.
    Alias,
}

/// A YAML node with its byte range in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub range: Range<usize>,
    pub value: Value,
    /// Whether the node carried an anchor (`&a`) or a tag (`!t`); the writer keeps such blocks
    /// as written.
    pub decorated: bool,
}

impl Node {
    /// The scalar, if this node is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's text when it is a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if !s.is_null() => Some(&s.value),
            _ => None,
        }
    }

    /// Whether this node is a null scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.is_null())
    }

    /// The mapping entries, if this node is a mapping.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Mapping { entries, .. } => Some(entries),
            _ => None,
        }
    }

    /// The sequence items, if this node is a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence { items, .. } => Some(items),
            _ => None,
        }
    }

    /// The entry whose key is the scalar `key` (first one when repeated).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries()?
            .iter()
            .find(|e| e.key.as_scalar().is_some_and(|s| s.value == key))
    }

    /// The value under the scalar key `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Visits this node and every node below it, depth first, in document order. Generic (not
    /// `dyn`) so the visit is inlined: the parser walks every node of every block.
    pub fn walk<'a, F: FnMut(&'a Node) + ?Sized>(&'a self, f: &mut F) {
        f(self);
        match &self.value {
            Value::Sequence { items, .. } => items.iter().for_each(|n| n.walk(f)),
            Value::Mapping { entries, .. } => entries.iter().for_each(|e| {
                e.key.walk(f);
                e.value.walk(f);
            }),
            Value::Scalar(_) | Value::Alias => {}
        }
    }

    /// A compact, range-free rendering of the data (core-schema aware), used to compare the
    /// meaning of two trees: `null`, booleans and numbers are typed, strings quoted.
    pub fn data_string(&self) -> String {
        let mut out = String::new();
        self.write_data(&mut out);
        out
    }

    fn write_data(&self, out: &mut String) {
        match &self.value {
            Value::Scalar(s) => {
                if s.is_null() {
                    out.push_str("null");
                } else if s.is_string() {
                    out.push_str(&format!("{:?}", s.value));
                } else if is_core_bool(&s.value) {
                    out.push_str(&s.value.to_ascii_lowercase());
                } else {
                    out.push_str(&s.value);
                }
            }
            Value::Alias => out.push('*'),
            Value::Sequence { items, .. } => {
                out.push('[');
                for (i, n) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    n.write_data(out);
                }
                out.push(']');
            }
            Value::Mapping { entries, .. } => {
                out.push('{');
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    e.key.write_data(out);
                    out.push(':');
                    e.value.write_data(out);
                }
                out.push('}');
            }
        }
    }
}

/// A YAML error at a file byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub offset: usize,
    pub message: String,
}

/// Turns character indexes inside a YAML snippet into byte offsets in the file.
///
/// The snippet is made of one or more pieces of the file (several when the block sits inside a
/// list or quote, whose line prefixes are not part of the YAML).
#[derive(Debug, Clone)]
pub struct OffsetMap {
    /// `(snippet byte offset, file byte offset)` of each piece, in order; empty for a
    /// contiguous snippet (the common case, which then needs no allocation).
    pieces: Vec<(usize, usize)>,
    /// File offset of a contiguous snippet's start (unused when there are pieces).
    contiguous_start: usize,
    /// Byte offset in the snippet of each character, when the snippet is not ASCII.
    char_to_byte: Option<Vec<u32>>,
    snippet_len: usize,
}

impl OffsetMap {
    /// A map for a snippet that is the contiguous file text starting at `file_start`.
    pub fn contiguous(snippet: &str, file_start: usize) -> Self {
        Self::build(snippet, Vec::new(), file_start)
    }

    /// A map for a snippet glued from file pieces: `(snippet offset, file offset)` pairs.
    pub fn pieces(snippet: &str, pieces: Vec<(usize, usize)>) -> Self {
        Self::build(snippet, pieces, 0)
    }

    fn build(snippet: &str, pieces: Vec<(usize, usize)>, contiguous_start: usize) -> Self {
        let char_to_byte = if snippet.is_ascii() {
            None
        } else {
            let mut v: Vec<u32> = snippet.char_indices().map(|(i, _)| i as u32).collect();
            v.push(snippet.len() as u32);
            Some(v)
        };
        OffsetMap {
            pieces,
            contiguous_start,
            char_to_byte,
            snippet_len: snippet.len(),
        }
    }

    /// The snippet byte offset of a character index (clamped to the snippet).
    pub fn snippet_byte(&self, char_index: usize) -> usize {
        match &self.char_to_byte {
            None => char_index.min(self.snippet_len),
            Some(v) => v.get(char_index).map_or(self.snippet_len, |b| *b as usize),
        }
    }

    /// The file byte offset of a snippet byte offset.
    pub fn file_offset_of_byte(&self, snippet_byte: usize) -> usize {
        if self.pieces.is_empty() {
            return self.contiguous_start + snippet_byte;
        }
        let i = self
            .pieces
            .partition_point(|(s, _)| *s <= snippet_byte)
            .saturating_sub(1);
        match self.pieces.get(i) {
            Some((s, f)) => f + (snippet_byte - s),
            None => snippet_byte,
        }
    }

    /// The file byte offset of a snippet character index.
    pub fn file_offset(&self, char_index: usize) -> usize {
        self.file_offset_of_byte(self.snippet_byte(char_index))
    }
}

/// Parses one YAML document (the snippet) into a spanned tree. An empty snippet gives `Ok(None)`.
///
/// The app-written block-style subset is read by the fast reader in `yaml_fast`, which gives
/// exactly the tree saphyr-parser's events give; anything else goes through saphyr-parser.
pub fn parse(snippet: &str, map: &OffsetMap) -> Result<Option<Node>, YamlError> {
    if let Some(node) = crate::yaml_fast::parse(snippet, map) {
        return Ok(Some(node));
    }
    parse_with_saphyr(snippet, map)
}

/// [`parse`] through saphyr-parser only (the reference the fast reader is tested against).
pub fn parse_with_saphyr(snippet: &str, map: &OffsetMap) -> Result<Option<Node>, YamlError> {
    let mut parser = Parser::new_from_str(snippet);
    let mut builder = Builder {
        stack: Vec::new(),
        root: None,
        nodes: 0,
        snippet,
        map,
    };
    let mut documents = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| YamlError {
            offset: map.file_offset(e.marker().index()),
            message: e.info().to_string(),
        })?;
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError {
                        offset: map.file_offset(span.start.index()),
                        message: "only one YAML document is allowed in a block".into(),
                    });
                }
            }
            other => builder.event(other, span)?,
        }
    }
    Ok(builder.root)
}

enum Open {
    Sequence {
        start: usize,
        items: Vec<Node>,
        flow: bool,
        decorated: bool,
    },
    Mapping {
        start: usize,
        entries: Vec<Entry>,
        pending_key: Option<Node>,
        flow: bool,
        decorated: bool,
    },
}

struct Builder<'a> {
    stack: Vec<Open>,
    root: Option<Node>,
    nodes: usize,
    snippet: &'a str,
    map: &'a OffsetMap,
}

impl Builder<'_> {
    fn error(&self, char_index: usize, message: impl Into<String>) -> YamlError {
        YamlError {
            offset: self.map.file_offset(char_index),
            message: message.into(),
        }
    }

    fn starts_flow(&self, span: Span, open: char) -> bool {
        let b = self.map.snippet_byte(span.start.index());
        self.snippet.get(b..).is_some_and(|s| s.starts_with(open))
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.error(span.start.index(), "too many YAML nodes in one block"));
        }
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    SaphyrStyle::Plain => ScalarStyle::Plain,
                    SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    SaphyrStyle::Literal => ScalarStyle::Literal,
                    SaphyrStyle::Folded => ScalarStyle::Folded,
                };
                let range = self.range(span);
                let node = Node {
                    range,
                    value: Value::Scalar(Scalar {
                        value: CompactString::from(value.as_ref()),
                        style,
                    }),
                    decorated: anchor != 0 || tag.is_some(),
                };
                self.push(node);
            }
            Event::Alias(_) => {
                let node = Node {
                    range: self.range(span),
                    value: Value::Alias,
                    decorated: true,
                };
                self.push(node);
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_depth(span)?;
                let flow = self.starts_flow(span, '[');
                self.stack.push(Open::Sequence {
                    start: self.map.file_offset(span.start.index()),
                    items: Vec::new(),
                    flow,
                    decorated: anchor != 0 || tag.is_some(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.check_depth(span)?;
                let flow = self.starts_flow(span, '{');
                self.stack.push(Open::Mapping {
                    start: self.map.file_offset(span.start.index()),
                    entries: Vec::new(),
                    pending_key: None,
                    flow,
                    decorated: anchor != 0 || tag.is_some(),
                });
            }
            Event::SequenceEnd => {
                if let Some(Open::Sequence {
                    start,
                    items,
                    flow,
                    decorated,
                }) = self.stack.pop()
                {
                    let end = self.collection_end(span, flow, items.last().map(|n| n.range.end));
                    let node = Node {
                        range: start..end.max(start),
                        value: Value::Sequence {
                            items: items.into_boxed_slice(),
                            flow,
                        },
                        decorated,
                    };
                    self.push(node);
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Mapping {
                    start,
                    entries,
                    flow,
                    decorated,
                    ..
                }) = self.stack.pop()
                {
                    let end =
                        self.collection_end(span, flow, entries.last().map(|e| e.value.range.end));
                    let node = Node {
                        range: start..end.max(start),
                        value: Value::Mapping {
                            entries: entries.into_boxed_slice(),
                            flow,
                        },
                        decorated,
                    };
                    self.push(node);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn check_depth(&self, span: Span) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(
                span.start.index(),
                format!("YAML nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn range(&self, span: Span) -> Range<usize> {
        let start = self.map.file_offset(span.start.index());
        let end = self.map.file_offset(span.end.index());
        start..end.max(start)
    }

    fn collection_end(&self, span: Span, flow: bool, last_child_end: Option<usize>) -> usize {
        if flow {
            self.map.file_offset(span.end.index())
        } else {
            last_child_end.unwrap_or_else(|| self.map.file_offset(span.start.index()))
        }
    }

    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Open::Sequence { items, .. }) => items.push(node),
            Some(Open::Mapping {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => entries.push(Entry { key, value: node }),
            },
        }
    }
}

/// YAML 1.2 core schema null.
pub fn is_core_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// YAML 1.2 core schema boolean.
pub fn is_core_bool(s: &str) -> bool {
    matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// Whether a plain scalar with this text would not be a string in the YAML 1.2 core schema
/// (null, boolean, integer, float, `.inf`, `.nan`).
pub fn is_core_special(s: &str) -> bool {
    is_core_null(s) || is_core_bool(s) || is_core_number(s)
}

/// YAML 1.2 core schema number (int, octal `0o`, hex `0x`, float, exponent, `.inf`, `.nan`).
pub fn is_core_number(s: &str) -> bool {
    if matches!(
        s,
        ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
    ) {
        return true;
    }
    if let Some(h) = s.strip_prefix("0x") {
        return !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(o) = s.strip_prefix("0o") {
        return !o.is_empty() && o.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && (!int.is_empty() || !frac.is_empty())
            // `.5` and `1.` are floats, `.` is not; with no exponent `1.` is still a float.
        }
    };
    if !mantissa_ok {
        return false;
    }
    match exponent {
        None => true,
        Some(e) => {
            let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tree(text: &str) -> Node {
        parse(text, &OffsetMap::contiguous(text, 0))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn ranges_are_file_bytes_even_after_non_ascii() {
        let text = "a: é€\nb: x\n";
        let node = tree(text);
        let b = node.get("b").unwrap();
        assert_eq!(&text[b.range.clone()], "x");
        let a = node.get("a").unwrap();
        assert_eq!(&text[a.range.clone()], "é€");
    }

    #[test]
    fn flow_collections_are_flagged() {
        let node = tree("a: {x: 1}\nb: [1, 2]\nc:\n  - 3\n");
        assert!(matches!(
            node.get("a").unwrap().value,
            Value::Mapping { flow: true, .. }
        ));
        assert!(matches!(
            node.get("b").unwrap().value,
            Value::Sequence { flow: true, .. }
        ));
        assert!(matches!(
            node.get("c").unwrap().value,
            Value::Sequence { flow: false, .. }
        ));
    }

    #[test]
    fn errors_point_into_the_file() {
        let text = "a: [1, 2\n";
        let err = parse(text, &OffsetMap::contiguous(text, 100)).unwrap_err();
        assert!(err.offset >= 100);
    }

    #[test]
    fn depth_is_bounded() {
        let text = "[".repeat(200);
        assert!(parse(&text, &OffsetMap::contiguous(&text, 0)).is_err());
    }

    #[test]
    fn core_schema() {
        for s in [
            "1", "-2", "0x1F", "0o17", "1.5", ".5", "1e3", "-.inf", ".nan", "true", "NULL", "~", "",
        ] {
            assert!(is_core_special(s), "{s}");
        }
        for s in [
            "yes",
            "on",
            "1.2.3",
            "0x",
            "e3",
            ".",
            "abc",
            "2025-04-01T07:33:45.739Z",
        ] {
            assert!(!is_core_special(s), "{s}");
        }
    }
}
