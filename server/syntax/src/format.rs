//! The canonical writer: rewrites the YAML of ```` ```void ```` blocks exactly as the Voiden app
//! writes them (docs/format.md §1.1). The app reads a block into plain JavaScript values and
//! saves it with `YAML.stringify(value)` of npm `yaml` 2.7.0; so does this module, with
//! [`JsValue::from_yaml`] for the reading and [`yaml::stringify`] for the writing. What the
//! input looked like (quotes, flow style, `|` or `>`, key order) does not survive.
//!
//! Between reading and writing, keys take the app's order ([`app_key_order`]): a node's keys
//! `type`, `attrs`, `content`, `marks`, `text`; in `attrs`, `uid` then the attrs the node type
//! declares, in the app's declaration order; a compact table row's `attrs` then `row`. Keys the
//! app does not know stay, after the known ones: that is the one deliberate difference from the
//! app, which drops them.
//!
//! What it never does: touch prose, the frontmatter, the fence lines or the `---` lines;
//! rewrite a block whose YAML does not parse, whose type is unknown or missing, whose root is
//! not a mapping, that sits in a list or quote, or that holds comments, anchors, aliases, tags,
//! repeated keys or non-scalar keys (those are kept byte for byte). A block whose canonical text
//! equals its current text gets no edit. Line endings: a rewritten block uses the line ending
//! of its own content, so CRLF files stay CRLF.

use std::ops::Range;

use crate::model::{Block, BlockKind};
use crate::yaml::{self, JsObject, JsValue, Node, Value};

/// A replacement of `range` (bytes of the original text) by `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub new_text: String,
}

/// Edits that bring `text` to the canonical style, in file order, non-overlapping.
pub fn format_edits(text: &str) -> Vec<Edit> {
    let doc = crate::parse(text);
    doc.blocks
        .iter()
        .filter_map(|block| {
            let range = block.yaml_range.clone()?;
            let new_text = canonical_block_yaml(text, block)?;
            (text.get(range.clone())? != new_text).then_some(Edit { range, new_text })
        })
        .collect()
}

/// `text` in the canonical style. Never fails: what cannot be formatted is kept as is.
pub fn format(text: &str) -> String {
    apply_edits(text, &format_edits(text))
}

/// Applies non-overlapping edits sorted by position.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in edits {
        if e.range.start < pos || e.range.end > text.len() {
            continue;
        }
        out.push_str(&text[pos..e.range.start]);
        out.push_str(&e.new_text);
        pos = e.range.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// The canonical YAML (between the `---` lines) of a block, or `None` when the block must be
/// kept as written.
pub fn canonical_block_yaml(text: &str, block: &Block) -> Option<String> {
    if block.in_container || matches!(block.kind, BlockKind::Unknown | BlockKind::Malformed) {
        return None;
    }
    let root = block.yaml_root()?;
    let yaml_range = block.yaml_range.clone()?;
    // Both `---` lines must be there, and the fence must be closed.
    let content = text.get(block.content_range.clone())?;
    let first_line = content.lines().next()?;
    if first_line.trim_end() != "---" || yaml_range.end >= block.content_range.end {
        return None;
    }
    let after = text.get(yaml_range.end..block.content_range.end)?;
    if after.lines().next().map(str::trim_end) != Some("---") {
        return None;
    }
    if has_comment(text, &yaml_range, root) {
        return None;
    }
    let value = canonical_value(root)?;
    let out = yaml::stringify(&value)?;
    if text.get(yaml_range.clone()) != Some(out.as_str()) && !reads_back(&out, &value) {
        return None;
    }
    // A rewritten line must never read as a closing fence (up to 3 spaces, then ``` or ~~~).
    let closes_fence = out.lines().any(|line| {
        let body = line.trim_start_matches(' ');
        line.len() - body.len() < 4 && (body.starts_with("```") || body.starts_with("~~~"))
    });
    if closes_fence {
        return None;
    }
    Some(if content.contains("\r\n") {
        out.replace('\n', "\r\n")
    } else {
        out
    })
}

/// The value the formatter writes for a block's YAML: its data as the app reads it, keys in
/// the app's order. `None` when the YAML is not plain data or its root is not a mapping.
pub fn canonical_value(root: Node<'_>) -> Option<JsValue> {
    let value = JsValue::from_yaml(root).ok()?;
    matches!(value, JsValue::Object(_)).then(|| app_key_order(value))
}

/// Whether our own reader reads `out` back as `value`. Not so for text YAML 1.2 forbids but the
/// package writes (a U+FEFF inside a scalar): such a block is kept as it was.
fn reads_back(out: &str, value: &JsValue) -> bool {
    yaml::parse(out, &yaml::OffsetMap::contiguous(out, 0))
        .ok()
        .flatten()
        .and_then(|tree| canonical_value(tree.root()))
        .is_some_and(|again| again.same_data(value))
}

/// Whether the YAML holds a comment: a `#` outside every scalar.
fn has_comment(text: &str, yaml_range: &Range<usize>, root: Node<'_>) -> bool {
    let Some(src) = text.get(yaml_range.clone()) else {
        return true;
    };
    if memchr::memchr(b'#', src.as_bytes()).is_none() {
        return false;
    }
    let mut scalars: Vec<Range<usize>> = Vec::new();
    root.walk(&mut |n| {
        if let Value::Scalar(_) = n.value() {
            scalars.push(n.range());
        }
    });
    scalars.sort_by_key(|r| r.start);
    src.match_indices('#').any(|(i, _)| {
        let at = yaml_range.start + i;
        let k = scalars.partition_point(|r| r.start <= at);
        !(k > 0 && scalars[k - 1].end > at)
    })
}

/// The attrs each node type declares after `uid`, in the app's declaration order (read off the
/// app's and its plugins' node definitions; ours for the blocks this project adds).
const DECLARED_ATTRS: &[(&str, &[&str])] = &[
    ("smethod", &["method", "importedFrom", "visible"]),
    ("method", &["method", "importedFrom", "visible"]),
    (
        "proto",
        &[
            "fileName",
            "filePath",
            "packageName",
            "services",
            "selectedService",
            "selectedMethod",
            "callType",
        ],
    ),
    (
        "messages-node",
        &["wsId", "url", "headers", "sourceFilePath"],
    ),
    ("request-separator", &["colorIndex", "label"]),
    ("headers-table", &["importedFrom"]),
    ("query-table", &["importedFrom"]),
    ("url-table", &["importedFrom"]),
    ("multipart-table", &["importedFrom"]),
    ("path-table", &["importedFrom"]),
    ("cookies-table", &["importedFrom"]),
    ("options-table", &["importedFrom"]),
    ("runtime-variables", &["importedFrom"]),
    ("json_body", &["body", "importedFrom"]),
    ("xml_body", &["body", "importedFrom"]),
    ("yml_body", &["body", "importedFrom"]),
    ("pre_script", &["body", "language", "importedFrom"]),
    ("post_script", &["body", "language", "importedFrom"]),
    (
        "gqlquery",
        &[
            "importedFrom",
            "body",
            "operationType",
            "endpoint",
            "schemaFileName",
            "schemaFilePath",
            "schemaUrl",
        ],
    ),
    (
        "gqlbody",
        &[
            "body",
            "operationType",
            "schemaFileName",
            "schemaFilePath",
            "schemaUrl",
            "importedFrom",
        ],
    ),
    ("gqlvariables", &["body", "importedFrom"]),
    ("linkedBlock", &["blockUid", "originalFile"]),
    ("linkedFile", &["originalFile", "sectionUid"]),
    ("fileLink", &["filePath", "filename", "isExternal"]),
    ("tableRow", &["disabled"]),
    ("tableCell", &["colspan", "rowspan", "colwidth"]),
    ("tableHeader", &["colspan", "rowspan", "colwidth"]),
    ("codeBlock", &["language", "body"]),
    ("heading", &["level"]),
    (
        "ws-message",
        &["name", "format", "encoding", "send", "delay", "body"],
    ),
];

const NODE_KEYS: &[&str] = &["type", "attrs", "content", "marks", "text"];
const TABLE_KEYS: &[&str] = &["type", "rows"];
const ROW_KEYS: &[&str] = &["attrs", "row"];

/// A block's value with its keys in the app's order (see the module docs).
pub fn app_key_order(value: JsValue) -> JsValue {
    node_order(value)
}

/// `first` keys in that order, then the others as they were.
fn reorder(object: JsObject, first: &[&str]) -> Vec<(String, JsValue)> {
    let mut rest = object.into_entries();
    let mut out = Vec::with_capacity(rest.len());
    for key in first {
        if let Some(i) = rest.iter().position(|(k, _)| k == key) {
            out.push(rest.remove(i));
        }
    }
    out.extend(rest);
    out
}

fn node_order(value: JsValue) -> JsValue {
    let JsValue::Object(object) = value else {
        return value;
    };
    let type_name = object
        .get("type")
        .and_then(JsValue::as_str)
        .map(str::to_string);
    let is_compact_table = type_name.as_deref() == Some("table") && object.get("rows").is_some();
    let keys = if is_compact_table {
        TABLE_KEYS
    } else {
        NODE_KEYS
    };
    let entries = reorder(object, keys)
        .into_iter()
        .map(|(key, v)| {
            let v = match (key.as_str(), v) {
                ("attrs", JsValue::Object(attrs)) => attrs_order(type_name.as_deref(), attrs),
                ("content" | "marks", JsValue::Array(items)) => {
                    JsValue::Array(items.into_iter().map(node_order).collect())
                }
                ("rows", JsValue::Array(rows)) if is_compact_table => {
                    JsValue::Array(rows.into_iter().map(row_order).collect())
                }
                (_, v) => v,
            };
            (key, v)
        })
        .collect();
    JsValue::Object(JsObject::from_ordered(entries))
}

fn attrs_order(type_name: Option<&str>, attrs: JsObject) -> JsValue {
    let declared = type_name
        .and_then(|t| DECLARED_ATTRS.iter().find(|(name, _)| *name == t))
        .map_or(&[][..], |(_, attrs)| *attrs);
    let mut first = vec!["uid"];
    first.extend_from_slice(declared);
    JsValue::Object(JsObject::from_ordered(reorder(attrs, &first)))
}

/// A compact table row: `attrs`, then `row`, whose cells may hold inline nodes.
fn row_order(value: JsValue) -> JsValue {
    let JsValue::Object(row) = value else {
        return value;
    };
    let entries = reorder(row, ROW_KEYS)
        .into_iter()
        .map(|(key, v)| match (key.as_str(), v) {
            ("row", JsValue::Array(cells)) => (
                key,
                JsValue::Array(cells.into_iter().map(cell_order).collect()),
            ),
            (_, v) => (key, v),
        })
        .collect();
    JsValue::Object(JsObject::from_ordered(entries))
}

fn cell_order(cell: JsValue) -> JsValue {
    match cell {
        JsValue::Array(parts) => JsValue::Array(parts.into_iter().map(node_order).collect()),
        JsValue::Object(_) => node_order(cell),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn block(yaml: &str) -> String {
        format!("```void\n---\n{yaml}---\n```\n")
    }

    fn formatted(yaml: &str) -> String {
        format(&block(yaml))
    }

    #[test]
    fn keys_take_the_apps_order_and_unknown_attrs_stay_after_the_known_ones() {
        let input = "attrs:\n  label: Login\n  extra: kept\n  colorIndex: 2\n  uid: 4b7c0d62-1111-4a6b-9d3e-111111111111\ntype: request-separator\n";
        assert_eq!(
            formatted(input),
            block(
                "type: request-separator\nattrs:\n  uid: 4b7c0d62-1111-4a6b-9d3e-111111111111\n  colorIndex: 2\n  label: Login\n  extra: kept\n"
            )
        );
    }

    #[test]
    fn input_style_does_not_survive() {
        let input = "type: socket-request\nattrs: {uid: \"a1\"}\ncontent:\n  - type: surl\n    attrs:\n      uid: 'b2'\n    content: |\n      wss://h/p\n  - {type: smethod, content: \"WSS\", attrs: {visible: true, method: WSS, uid: c3}}\n";
        assert_eq!(
            formatted(input),
            block(
                "type: socket-request\nattrs:\n  uid: a1\ncontent:\n  - type: surl\n    attrs:\n      uid: b2\n    content: |\n      wss://h/p\n  - type: smethod\n    attrs:\n      uid: c3\n      method: WSS\n      visible: true\n    content: WSS\n"
            )
        );
    }

    #[test]
    fn long_lines_make_a_folded_block_and_short_ones_a_literal() {
        let long = "x ".repeat(50);
        let input = format!(
            "type: pre_script\nattrs:\n  body: \"{}\\nend\"\n",
            long.trim_end()
        );
        let out = formatted(&input);
        assert!(out.contains("body: >-\n"), "{out}");
        let input = "type: pre_script\nattrs:\n  body: \"a\\nb\\n\"\n";
        assert_eq!(
            formatted(input),
            block("type: pre_script\nattrs:\n  body: |\n    a\n    b\n")
        );
    }

    #[test]
    fn numbers_and_keys_as_javascript_holds_them() {
        let input = "type: request-separator\nattrs:\n  colorIndex: 0x10\n  label: 1.50\n";
        assert_eq!(
            formatted(input),
            block("type: request-separator\nattrs:\n  colorIndex: 16\n  label: 1.5\n")
        );
    }

    #[test]
    fn what_is_kept_as_written() {
        for yaml in [
            "type: request # a comment\n",
            "type: request\nattrs: &a {uid: x}\nother: *a\n",
            "type: request\nattrs:\n  uid: x\n  uid: y\n",
            "type: not-a-known-type\nattrs: {uid: x}\n",
        ] {
            let text = block(yaml);
            assert_eq!(format(&text), text, "{yaml}");
        }
    }

    #[test]
    fn crlf_blocks_stay_crlf() {
        let text = "```void\r\n---\r\ntype: request\r\nattrs: {uid: x}\r\n---\r\n```\r\n";
        assert_eq!(
            format(text),
            "```void\r\n---\r\ntype: request\r\nattrs:\r\n  uid: x\r\n---\r\n```\r\n"
        );
    }
}
