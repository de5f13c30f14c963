//! A small spanned YAML tree built from `saphyr-parser` events (or by the fast reader in
//! `fast`), stored in arenas shared by the trees of one document.
//!
//! Every node keeps its byte range in the *file* (not in the YAML snippet): the caller gives an
//! [`OffsetMap`] that turns a character index inside the snippet into a file byte offset. The
//! tree keeps mapping keys in their written order, the scalar style as written, and whether a
//! collection was written in flow style, which is what the canonical writer and the typed model
//! need. Hostile input is bounded: nesting deeper than [`MAX_DEPTH`] and more than
//! [`MAX_NODES`] nodes are errors, and aliases are kept as aliases (never expanded).
//!
//! Storage: an [`Arena`] is two buffers, the nodes in document order (pre-order: a collection
//! comes before its children, a mapping's children are key, value, key, value...) as 20-byte
//! slots, and the decoded text of every scalar one after the other in one string. A document
//! parse builds the trees of all its blocks into one arena, which they then share (`Arc`): a
//! block's tree costs no allocation of its own, and is a reference count and its place in the
//! arena. Nodes are read through the borrowed, copyable view [`Node`]`<'a>`, whose strings
//! borrow from the arena. File offsets are stored as `u32`: [`parse`] refuses snippets that
//! reach past 4 GiB.
//!
//! This module must not know about `.void` block types; that is `model`'s job.
//!
//! The module is split by role:
//!
//! | file | role |
//! |---|---|
//! | `arena.rs` | storage: the [`Tree`], its arena of slots and text |
//! | `node.rs` | the borrowed views: [`Node`], [`Value`], [`Scalar`], [`Items`], [`Entries`] |
//! | `builder.rs` | `TreeBuilder`, which writes trees into an arena (used by both readers) |
//! | `fast.rs` | the fast reader for the app-written subset |
//! | `saphyr.rs` | the reader for everything else, from saphyr-parser events |
//! | `offsets.rs` | [`OffsetMap`]: snippet character index -> file byte offset |
//! | `schema.rs` | the YAML 1.2 core schema (null, bool, number) |
//! | `js.rs` | a tree as the JavaScript value the Voiden app gets from it ([`JsValue`]) |
//! | `stringify.rs` | writing a [`JsValue`] exactly as npm `yaml` 2.7.0 does ([`stringify`]) |

mod arena;
mod builder;
pub mod fast;
mod js;
mod node;
mod offsets;
mod saphyr;
mod schema;
mod stringify;

pub use arena::Tree;
pub(crate) use arena::TreeSpan;
pub(crate) use builder::{TreeBuilder, with_builder};
pub use js::{JsObject, JsValue, NotPlainData, js_number_string};
pub use node::{Entries, Entry, Items, Node, Scalar, Value};
pub use offsets::OffsetMap;
pub use schema::{is_core_bool, is_core_null, is_core_number, is_core_special};
pub use stringify::stringify;

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
/// A YAML error at a file byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub offset: usize,
    pub message: String,
}

/// Parses one YAML document (the snippet) into a spanned tree. An empty snippet gives `Ok(None)`.
///
/// The app-written block-style subset is read by the fast reader (`fast`), which gives
/// exactly the tree saphyr-parser's events give; anything else goes through saphyr-parser.
pub fn parse(snippet: &str, map: &OffsetMap) -> Result<Option<Tree>, YamlError> {
    with_builder(|builder| {
        Ok(parse_into(builder, snippet, map)?.map(|span| builder.standalone(span)))
    })
}

/// [`parse`] into `builder`, after the trees already there: the new tree's place in it.
pub(crate) fn parse_into(
    builder: &mut TreeBuilder,
    snippet: &str,
    map: &OffsetMap,
) -> Result<Option<TreeSpan>, YamlError> {
    check_size(snippet, map)?;
    builder.forget_attrs_owners();
    if let Some(span) = fast::parse_into(builder, snippet, map) {
        return Ok(Some(span));
    }
    saphyr::parse_into(builder, snippet, map)
}

/// Slots store file offsets as `u32`: a snippet reaching past 4 GiB is refused.
fn check_size(snippet: &str, map: &OffsetMap) -> Result<(), YamlError> {
    if snippet.len() >= u32::MAX as usize
        || map.file_offset_of_byte(snippet.len()) >= u32::MAX as usize
    {
        return Err(YamlError {
            offset: 0,
            message: "YAML beyond 4 GiB into the file is not read".into(),
        });
    }
    Ok(())
}

/// [`parse`] through saphyr-parser only (the reference the fast reader is tested against).
pub fn parse_with_saphyr(snippet: &str, map: &OffsetMap) -> Result<Option<Tree>, YamlError> {
    check_size(snippet, map)?;
    with_builder(|builder| {
        Ok(saphyr::parse_into(builder, snippet, map)?.map(|span| builder.standalone(span)))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tree(text: &str) -> Tree {
        parse(text, &OffsetMap::contiguous(text, 0))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn ranges_are_file_bytes_even_after_non_ascii() {
        let text = "a: é€\nb: x\n";
        let tree = tree(text);
        let node = tree.root();
        let b = node.get("b").unwrap();
        assert_eq!(&text[b.range()], "x");
        let a = node.get("a").unwrap();
        assert_eq!(&text[a.range()], "é€");
    }

    #[test]
    fn flow_collections_are_flagged() {
        let tree = tree("a: {x: 1}\nb: [1, 2]\nc:\n  - 3\n");
        let node = tree.root();
        assert!(matches!(
            node.get("a").unwrap().value(),
            Value::Mapping { flow: true, .. }
        ));
        assert!(matches!(
            node.get("b").unwrap().value(),
            Value::Sequence { flow: true, .. }
        ));
        assert!(matches!(
            node.get("c").unwrap().value(),
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
    fn arena_children_skip_whole_subtrees() {
        let text = "a:\n  b:\n    - 1\n    - [2, {c: 3}]\n  d: x\ne: 'y'\n";
        for map_start in [0, 7] {
            let fast = parse(text, &OffsetMap::contiguous(text, map_start))
                .unwrap()
                .unwrap();
            let slow = parse_with_saphyr(text, &OffsetMap::contiguous(text, map_start))
                .unwrap()
                .unwrap();
            assert_eq!(fast, slow);
            let root = slow.root();
            let keys: Vec<_> = root
                .entries()
                .unwrap()
                .map(|e| e.key.as_str().unwrap())
                .collect();
            assert_eq!(keys, ["a", "e"]);
            let a = root.get("a").unwrap();
            assert_eq!(a.get("d").unwrap().as_str(), Some("x"));
            let b = a.get("b").unwrap().items().unwrap();
            assert_eq!(b.len(), 2);
            let inner = b.last().unwrap().items().unwrap();
            assert_eq!(inner.get(1).unwrap().get("c").unwrap().as_str(), Some("3"));
            assert_eq!(
                root.get("e").unwrap().as_scalar().unwrap().style,
                ScalarStyle::SingleQuoted
            );
            let mut count = 0;
            root.walk(&mut |_| count += 1);
            assert_eq!(count, slow.node_count());
            assert_eq!(
                root.data_string(),
                r#"{"a":{"b":[1,[2,{"c":3}]],"d":"x"},"e":"y"}"#
            );
        }
    }
}
