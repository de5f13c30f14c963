//! A small spanned YAML tree built from `saphyr-parser` events (or by the fast reader in
//! `yaml_fast`), stored in arenas shared by the trees of one document.
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

use std::cell::RefCell;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

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

/// What a slot holds (the scalar styles, then the other node kinds), one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar(ScalarStyle),
    Sequence,
    Mapping,
    Alias,
}

/// One node in a tree's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    /// File byte range.
    start: u32,
    end: u32,
    /// Scalar: start of its text in [`Tree::strings`]. Collection: number of items or entries.
    a: u32,
    /// Scalar: length of its text. Collection: index of the first slot after its subtree.
    b: u32,
    kind: Kind,
    flow: bool,
    decorated: bool,
}

impl Slot {
    fn is_collection(&self) -> bool {
        matches!(self.kind, Kind::Sequence | Kind::Mapping)
    }
}

/// The storage trees point into: nodes in document order (pre-order: a collection comes before
/// its children, a mapping's children are key, value, key, value...) as 20-byte slots, and the
/// decoded text of every scalar one after the other in one string. A document parse puts every
/// block's tree in one arena, so building a block's tree allocates nothing of its own; a
/// standalone [`parse`] gets an arena of its own.
#[derive(Default)]
pub(crate) struct Arena {
    nodes: Vec<Slot>,
    strings: String,
}

/// Where one tree lies in its arena: its slots `root..root + len`. Slot indexes and text
/// offsets stored in slots are positions in the whole arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TreeSpan {
    root: u32,
    len: u32,
}

/// A parsed YAML document: its part of a shared [`Arena`] (cloning a tree shares it). Never
/// empty (an empty snippet parses to no tree); [`Tree::root`] is the top node.
#[derive(Clone)]
pub struct Tree {
    arena: Arc<Arena>,
    span: TreeSpan,
}

impl Arena {
    #[inline]
    fn node(&self, index: u32) -> Node<'_> {
        Node { tree: self, index }
    }

    /// Slot `index`; views are only made for indexes of slots the builder wrote, and anything
    /// else reads as an alias with no children rather than panicking.
    #[inline]
    fn slot(&self, index: u32) -> &Slot {
        self.nodes.get(index as usize).unwrap_or(&MISSING_SLOT)
    }

    /// Scalar text `start..start + len`.
    #[inline]
    fn text(&self, start: u32, len: u32) -> &str {
        let start = start as usize;
        self.strings.get(start..start + len as usize).unwrap_or("")
    }
}

impl Tree {
    /// The tree at `span` of `arena`.
    pub(crate) fn new(arena: Arc<Arena>, span: TreeSpan) -> Tree {
        Tree { arena, span }
    }

    /// The top node.
    #[inline]
    pub fn root(&self) -> Node<'_> {
        self.arena.node(self.span.root)
    }

    /// Number of nodes in the tree.
    pub fn node_count(&self) -> usize {
        self.span.len as usize
    }

    /// Visits every node, in document order (the same order as [`Node::walk`] on the root,
    /// but a straight pass over the arena).
    pub fn for_each_node<'a, F: FnMut(Node<'a>)>(&'a self, mut f: F) {
        for index in self.span.root..self.span.root + self.span.len {
            f(self.arena.node(index));
        }
    }
}

impl PartialEq for Tree {
    fn eq(&self, other: &Self) -> bool {
        self.span.len == other.span.len && (self.span.len == 0 || self.root() == other.root())
    }
}

impl Eq for Tree {}

impl fmt::Debug for Tree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.span.len == 0 {
            return f.write_str("Tree(empty)");
        }
        self.root().fmt(f)
    }
}

/// A scalar: its value after YAML unescaping/folding, and how it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scalar<'a> {
    pub value: &'a str,
    pub style: ScalarStyle,
}

impl Scalar<'_> {
    /// Whether this is a YAML 1.2 core-schema null (`null`, `~`, empty plain).
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain && is_core_null(self.value)
    }

    /// Whether the scalar is a string in the YAML core schema (quoted, block, or a plain scalar
    /// that is not null, a boolean or a number).
    pub fn is_string(&self) -> bool {
        self.style != ScalarStyle::Plain || !is_core_special(self.value)
    }
}

/// One `key: value` of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    pub key: Node<'a>,
    pub value: Node<'a>,
}

/// What a node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Scalar(Scalar<'a>),
    Sequence {
        items: Items<'a>,
        flow: bool,
    },
    Mapping {
        entries: Entries<'a>,
        flow: bool,
    },
    /// `*name`: kept as written, never expanded.
    Alias,
}

/// A borrowed view of one node of a [`Tree`]: cheap to copy (a reference to the arena and a slot
/// index); its strings borrow from the arena.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    tree: &'a Arena,
    index: u32,
}

/// The children of a collection: `len` nodes starting at slot `first`, each one after the
/// previous one's subtree.
#[derive(Clone, Copy)]
struct Children<'a> {
    tree: &'a Arena,
    first: u32,
    len: u32,
}

impl<'a> Children<'a> {
    fn of(node: Node<'a>) -> Self {
        let slot = node.slot();
        Children {
            tree: node.tree,
            first: node.index + 1,
            len: if slot.is_collection() { slot.a } else { 0 },
        }
    }
}

impl<'a> Iterator for Children<'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        if self.len == 0 {
            return None;
        }
        let node = Node {
            tree: self.tree,
            index: self.first,
        };
        self.len -= 1;
        self.first = node.subtree_end();
        Some(node)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len as usize, Some(self.len as usize))
    }
}

impl ExactSizeIterator for Children<'_> {}

/// The items of a sequence, in order (an iterator; also `len`, `first`, `last`, `get`).
#[derive(Clone, Copy)]
pub struct Items<'a>(Children<'a>);

impl<'a> Items<'a> {
    pub fn len(&self) -> usize {
        self.0.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    /// The same items again, from the start (the iterator is `Copy`).
    pub fn iter(&self) -> Items<'a> {
        *self
    }

    pub fn first(&self) -> Option<Node<'a>> {
        self.iter().next()
    }

    pub fn last(&self) -> Option<Node<'a>> {
        self.iter().last()
    }

    pub fn get(&self, i: usize) -> Option<Node<'a>> {
        self.iter().nth(i)
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }

    fn last(self) -> Option<Node<'a>> {
        self.0.fold(None, |_, n| Some(n))
    }
}

impl ExactSizeIterator for Items<'_> {}

impl PartialEq for Items<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl Eq for Items<'_> {}

impl fmt::Debug for Items<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The entries of a mapping, in written order (an iterator; also `len`, `first`, `last`).
#[derive(Clone, Copy)]
pub struct Entries<'a>(Children<'a>);

impl<'a> Entries<'a> {
    pub fn len(&self) -> usize {
        self.0.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    /// The same entries again, from the start (the iterator is `Copy`).
    pub fn iter(&self) -> Entries<'a> {
        *self
    }

    pub fn first(&self) -> Option<Entry<'a>> {
        self.iter().next()
    }

    pub fn last(&self) -> Option<Entry<'a>> {
        self.iter().last()
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        if self.0.len == 0 {
            return None;
        }
        let key = Node {
            tree: self.0.tree,
            index: self.0.first,
        };
        let value = Node {
            tree: self.0.tree,
            index: key.subtree_end(),
        };
        self.0.len -= 1;
        self.0.first = value.subtree_end();
        Some(Entry { key, value })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }

    fn last(self) -> Option<Entry<'a>> {
        self.fold(None, |_, e| Some(e))
    }
}

impl ExactSizeIterator for Entries<'_> {}

impl PartialEq for Entries<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl Eq for Entries<'_> {}

impl fmt::Debug for Entries<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What a view outside its tree reads as (never made by this module; a guard, not a panic).
static MISSING_SLOT: Slot = Slot {
    start: 0,
    end: 0,
    a: 0,
    b: 0,
    kind: Kind::Alias,
    flow: false,
    decorated: false,
};

impl<'a> Node<'a> {
    #[inline]
    fn slot(&self) -> &'a Slot {
        self.tree.slot(self.index)
    }

    /// The index of the first slot after this node's subtree.
    fn subtree_end(&self) -> u32 {
        let slot = self.slot();
        if slot.is_collection() {
            slot.b
        } else {
            self.index + 1
        }
    }

    /// The node at slot `index` of the same arena (an index the builder recorded).
    pub(crate) fn at(&self, index: u32) -> Node<'a> {
        self.tree.node(index)
    }

    /// The node's byte range in the file.
    pub fn range(&self) -> Range<usize> {
        let slot = self.slot();
        slot.start as usize..slot.end as usize
    }

    /// Whether the node carried an anchor (`&a`) or a tag (`!t`); the writer keeps such blocks
    /// as written.
    pub fn decorated(&self) -> bool {
        self.slot().decorated
    }

    /// What the node holds.
    pub fn value(&self) -> Value<'a> {
        let slot = self.slot();
        match slot.kind {
            Kind::Scalar(style) => Value::Scalar(Scalar {
                value: self.scalar_text(slot),
                style,
            }),
            Kind::Sequence => Value::Sequence {
                items: Items(Children::of(*self)),
                flow: slot.flow,
            },
            Kind::Mapping => Value::Mapping {
                entries: Entries(Children::of(*self)),
                flow: slot.flow,
            },
            Kind::Alias => Value::Alias,
        }
    }

    fn scalar_text(&self, slot: &Slot) -> &'a str {
        self.tree.text(slot.a, slot.b)
    }

    /// The scalar, if this node is one.
    pub fn as_scalar(&self) -> Option<Scalar<'a>> {
        let slot = self.slot();
        match slot.kind {
            Kind::Scalar(style) => Some(Scalar {
                value: self.scalar_text(slot),
                style,
            }),
            _ => None,
        }
    }

    /// The scalar's text when it is a non-null scalar.
    pub fn as_str(&self) -> Option<&'a str> {
        self.as_scalar().filter(|s| !s.is_null()).map(|s| s.value)
    }

    /// Whether this node is a null scalar.
    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(|s| s.is_null())
    }

    /// Whether this node is a mapping or a sequence.
    pub fn is_collection(&self) -> bool {
        self.slot().is_collection()
    }

    /// The mapping entries, if this node is a mapping.
    pub fn entries(&self) -> Option<Entries<'a>> {
        match self.slot().kind {
            Kind::Mapping => Some(Entries(Children::of(*self))),
            _ => None,
        }
    }

    /// The sequence items, if this node is a sequence.
    pub fn items(&self) -> Option<Items<'a>> {
        match self.slot().kind {
            Kind::Sequence => Some(Items(Children::of(*self))),
            _ => None,
        }
    }

    /// The entry whose key is the scalar `key` (first one when repeated).
    #[inline(always)]
    pub fn entry(&self, key: &str) -> Option<Entry<'a>> {
        self.entries()?.find(|e| e.key.is_scalar_text(key))
    }

    /// Whether this node is a scalar whose text is `text` (any style). Compares lengths
    /// before bytes, straight from the arena: the lookup every `get` does on every key.
    #[inline(always)]
    pub fn is_scalar_text(&self, text: &str) -> bool {
        let slot = self.slot();
        matches!(slot.kind, Kind::Scalar(_))
            && slot.b as usize == text.len()
            // Sliced with `text.len()`, so a constant key compares without a `memcmp` call.
            && self
                .tree
                .strings
                .as_bytes()
                .get(slot.a as usize..slot.a as usize + text.len())
                == Some(text.as_bytes())
    }

    /// The value under the scalar key `key`.
    #[inline(always)]
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        self.entry(key).map(|e| e.value)
    }

    /// Visits this node and every node below it, depth first, in document order: a straight
    /// pass over the node's part of the arena.
    pub fn walk<F: FnMut(Node<'a>) + ?Sized>(&self, f: &mut F) {
        for index in self.index..self.subtree_end() {
            f(self.tree.node(index));
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
        match self.value() {
            Value::Scalar(s) => {
                if s.is_null() {
                    out.push_str("null");
                } else if s.is_string() {
                    out.push_str(&format!("{:?}", s.value));
                } else if is_core_bool(s.value) {
                    out.push_str(&s.value.to_ascii_lowercase());
                } else {
                    out.push_str(s.value);
                }
            }
            Value::Alias => out.push('*'),
            Value::Sequence { items, .. } => {
                out.push('[');
                for (i, n) in items.enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    n.write_data(out);
                }
                out.push(']');
            }
            Value::Mapping { entries, .. } => {
                out.push('{');
                for (i, e) in entries.enumerate() {
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

/// Structural equality: ranges, decorations and values (with scalar text compared as text).
impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.range() == other.range()
            && self.decorated() == other.decorated()
            && self.value() == other.value()
    }
}

impl Eq for Node<'_> {}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("range", &self.range())
            .field("value", &self.value())
            .field("decorated", &self.decorated())
            .finish()
    }
}

/// Builds trees in document order into one [`Arena`], one after the other: a document parse
/// builds every block's tree in one builder and then shares the arena among them
/// ([`TreeBuilder::into_arena`]). Slot indexes taken and given by its methods are positions in
/// the arena; a tree that fails is rolled back ([`TreeBuilder::rollback`]).
#[derive(Default)]
pub(crate) struct TreeBuilder {
    arena: Arena,
    /// Where the tree being built starts: its first slot, and its first byte of text.
    base: usize,
    str_base: usize,
    /// The mappings of the last tree that have an `attrs` key holding a mapping (slot indexes,
    /// in any order), valid when `attrs_owners_known` (the fast reader built the tree).
    attrs_owners: Vec<u32>,
    attrs_owners_known: bool,
}

/// Clamps a file offset into the `u32` a slot stores (callers check the range first).
fn offset32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

impl TreeBuilder {
    /// A builder whose buffers are sized for the trees of blocks of `block_bytes` bytes in
    /// all. A guess from the app's files (about one node per 12 bytes of block text, decoded
    /// text 60 % of it), a little generous so that the buffers rarely grow; they are given
    /// back only when much is left over (see [`TreeBuilder::into_arena`]).
    pub(crate) fn for_blocks(block_bytes: usize) -> TreeBuilder {
        TreeBuilder {
            arena: Arena {
                nodes: Vec::with_capacity(block_bytes / 11),
                strings: String::with_capacity(block_bytes / 8 * 5),
            },
            base: 0,
            str_base: 0,
            attrs_owners: Vec::new(),
            attrs_owners_known: false,
        }
    }

    /// The mappings of the tree just built that have an `attrs` key whose value is a mapping,
    /// in document order; `None` when the tree was not read by the fast reader (every mapping
    /// must then be looked at).
    pub(crate) fn attrs_owners(&self) -> Option<&[u32]> {
        self.attrs_owners_known
            .then_some(self.attrs_owners.as_slice())
    }

    /// Starts recording, for the tree about to be built, the mappings that own an `attrs`
    /// mapping (the fast reader does; [`TreeBuilder::attrs_owner`] records one).
    pub(crate) fn record_attrs_owners(&mut self) {
        self.attrs_owners.clear();
        self.attrs_owners_known = true;
    }

    /// Records mapping `index` as owning an `attrs` mapping.
    pub(crate) fn attrs_owner(&mut self, index: usize) {
        self.attrs_owners.push(offset32(index));
    }

    /// The tree being built has no record of `attrs` owners.
    pub(crate) fn forget_attrs_owners(&mut self) {
        self.attrs_owners_known = false;
    }

    /// The decoded-text buffer, to append a scalar's text to before [`TreeBuilder::scalar_from`].
    pub(crate) fn strings(&mut self) -> &mut String {
        &mut self.arena.strings
    }

    /// Marks where a scalar's text starts (the current length of the text buffer).
    pub(crate) fn text_mark(&self) -> usize {
        self.arena.strings.len()
    }

    /// A scalar whose text was appended to [`TreeBuilder::strings`] since `mark`.
    pub(crate) fn scalar_from(
        &mut self,
        mark: usize,
        range: Range<usize>,
        style: ScalarStyle,
        decorated: bool,
    ) -> usize {
        let index = self.arena.nodes.len();
        self.arena.nodes.push(Slot {
            start: offset32(range.start),
            end: offset32(range.end),
            a: offset32(mark),
            b: offset32(self.arena.strings.len() - mark),
            kind: Kind::Scalar(style),
            flow: false,
            decorated,
        });
        index
    }

    /// A scalar with the text `value`.
    pub(crate) fn scalar(
        &mut self,
        range: Range<usize>,
        value: &str,
        style: ScalarStyle,
        decorated: bool,
    ) -> usize {
        let mark = self.arena.strings.len();
        self.arena.strings.push_str(value);
        self.scalar_from(mark, range, style, decorated)
    }

    pub(crate) fn alias(&mut self, range: Range<usize>) -> usize {
        let index = self.arena.nodes.len();
        self.arena.nodes.push(Slot {
            start: offset32(range.start),
            end: offset32(range.end),
            a: 0,
            b: 0,
            kind: Kind::Alias,
            flow: false,
            decorated: true,
        });
        index
    }

    /// Opens a collection at file offset `start`; its children are the nodes pushed until
    /// [`TreeBuilder::close`].
    pub(crate) fn open(
        &mut self,
        mapping: bool,
        start: usize,
        flow: bool,
        decorated: bool,
    ) -> usize {
        let index = self.arena.nodes.len();
        self.arena.nodes.push(Slot {
            start: offset32(start),
            end: offset32(start),
            a: 0,
            b: 0,
            kind: if mapping {
                Kind::Mapping
            } else {
                Kind::Sequence
            },
            flow,
            decorated,
        });
        index
    }

    /// Closes the collection opened at `index`, with `children` items (or entries) and its
    /// range ending at `end` (never before its start).
    pub(crate) fn close(&mut self, index: usize, children: usize, end: usize) {
        let after = offset32(self.arena.nodes.len());
        if let Some(slot) = self.arena.nodes.get_mut(index) {
            slot.a = offset32(children);
            slot.b = after;
            slot.end = offset32(end).max(slot.start);
        }
    }

    /// The file start offset of slot `index`.
    pub(crate) fn start_of(&self, index: usize) -> usize {
        self.arena.nodes.get(index).map_or(0, |s| s.start as usize)
    }

    /// The file end offset of slot `index`.
    pub(crate) fn end_of(&self, index: usize) -> usize {
        self.arena.nodes.get(index).map_or(0, |s| s.end as usize)
    }

    /// Drops slot `index` and everything after it (an unfinished subtree).
    pub(crate) fn truncate(&mut self, index: usize) {
        self.arena.nodes.truncate(index);
    }

    /// Ends the tree being built: its place in the arena, or `None` when nothing was built.
    /// The next tree starts after it.
    pub(crate) fn finish(&mut self) -> Option<TreeSpan> {
        let len = self.arena.nodes.len() - self.base;
        if len == 0 {
            self.rollback();
            return None;
        }
        let span = TreeSpan {
            root: offset32(self.base),
            len: offset32(len),
        };
        // Recorded as each mapping closes (inner ones first): put back in document order.
        self.attrs_owners.sort_unstable();
        self.base = self.arena.nodes.len();
        self.str_base = self.arena.strings.len();
        Some(span)
    }

    /// Forgets the tree being built (after an error or a bail-out); earlier trees stay.
    pub(crate) fn rollback(&mut self) {
        self.arena.nodes.truncate(self.base);
        self.arena.strings.truncate(self.str_base);
    }

    /// The top node of the finished tree at `span`, read from the builder (before the arena
    /// is shared).
    pub(crate) fn root(&self, span: TreeSpan) -> Node<'_> {
        self.arena.node(span.root)
    }

    /// The arena of every finished tree, shared. A buffer more than a quarter empty is shrunk
    /// to fit; a smaller slack is kept, as shrinking a large buffer makes the allocator hand
    /// out fresh pages (page faults) for the next document's arena.
    pub(crate) fn into_arena(mut self) -> Arc<Arena> {
        self.rollback();
        let nodes = &mut self.arena.nodes;
        if nodes.len() < nodes.capacity() / 4 * 3 {
            nodes.shrink_to_fit();
        }
        let strings = &mut self.arena.strings;
        if strings.len() < strings.capacity() / 4 * 3 {
            strings.shrink_to_fit();
        }
        Arc::new(self.arena)
    }

    /// The finished tree at `span` of an otherwise empty builder as a tree of its own (its
    /// slots and text copied into a new arena at their exact size).
    pub(crate) fn standalone(&self, span: TreeSpan) -> Tree {
        debug_assert_eq!(span.root, 0, "a standalone tree is the builder's only tree");
        Tree::new(
            Arc::new(Arena {
                nodes: self.arena.nodes.clone(),
                strings: self.arena.strings.clone(),
            }),
            span,
        )
    }

    fn clear(&mut self) {
        self.arena.nodes.clear();
        self.arena.strings.clear();
        self.base = 0;
        self.str_base = 0;
    }
}

thread_local! {
    /// One builder per thread for standalone parses, reused from tree to tree so its buffers
    /// are allocated once.
    static BUILDER: RefCell<TreeBuilder> = RefCell::new(TreeBuilder::default());
}

/// Runs `f` with this thread's reusable builder (empty on entry and on return); a fresh one
/// when it is already in use further up the stack.
pub(crate) fn with_builder<T>(f: impl FnOnce(&mut TreeBuilder) -> T) -> T {
    BUILDER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut builder) => {
            builder.clear();
            let out = f(&mut builder);
            builder.clear();
            // Do not keep a huge buffer alive after one unusual block.
            if builder.arena.nodes.capacity() > 1 << 16
                || builder.arena.strings.capacity() > 1 << 20
            {
                *builder = TreeBuilder::default();
            }
            out
        }
        Err(_) => f(&mut TreeBuilder::default()),
    })
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
    if let Some(span) = crate::yaml_fast::parse_into(builder, snippet, map) {
        return Ok(Some(span));
    }
    saphyr_into(builder, snippet, map)
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
        Ok(saphyr_into(builder, snippet, map)?.map(|span| builder.standalone(span)))
    })
}

/// The saphyr path of [`parse_into`]: on an error, nothing is left in `builder`.
fn saphyr_into(
    tree: &mut TreeBuilder,
    snippet: &str,
    map: &OffsetMap,
) -> Result<Option<TreeSpan>, YamlError> {
    let result = saphyr_events_into(tree, snippet, map);
    if result.is_err() {
        tree.rollback();
    }
    result
}

fn saphyr_events_into(
    tree: &mut TreeBuilder,
    snippet: &str,
    map: &OffsetMap,
) -> Result<Option<TreeSpan>, YamlError> {
    let mut parser = Parser::new_from_str(snippet);
    let mut builder = Builder {
        tree,
        stack: Vec::new(),
        root_done: false,
        ignored_depth: 0,
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
    // A collection left open (only after an error, which returned above) is not a tree.
    if !builder.stack.is_empty() {
        builder.tree.rollback();
    }
    Ok(builder.tree.finish())
}

/// A collection being built from events.
struct Open {
    /// Its slot in the builder.
    index: usize,
    mapping: bool,
    flow: bool,
    /// Children pushed so far (keys and values count separately in a mapping).
    children: usize,
    /// The file end of the last item (of a sequence) or last complete entry (of a mapping).
    last_end: Option<usize>,
    /// The slot where the last key of a mapping starts.
    last_key: usize,
}

struct Builder<'a> {
    tree: &'a mut TreeBuilder,
    stack: Vec<Open>,
    /// The top node is complete: further top-level nodes are ignored (saphyr gives one per
    /// document and a second document is refused).
    root_done: bool,
    /// Depth inside an ignored top-level collection.
    ignored_depth: usize,
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
        if self.ignored_depth > 0 || (self.root_done && self.stack.is_empty()) {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.ignored_depth += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    self.ignored_depth = self.ignored_depth.saturating_sub(1);
                }
                _ => {}
            }
            return Ok(());
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
                let end = range.end;
                let index =
                    self.tree
                        .scalar(range, value.as_ref(), style, anchor != 0 || tag.is_some());
                self.pushed(index, end);
            }
            Event::Alias(_) => {
                let range = self.range(span);
                let end = range.end;
                let index = self.tree.alias(range);
                self.pushed(index, end);
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(span, false, anchor != 0 || tag.is_some())?
            }
            Event::MappingStart(anchor, tag) => {
                self.open(span, true, anchor != 0 || tag.is_some())?
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = self.stack.pop() {
                    let mut children = open.children;
                    if open.mapping && children % 2 == 1 {
                        // A key with no value: dropped.
                        self.tree.truncate(open.last_key);
                        children -= 1;
                    }
                    if open.mapping {
                        children /= 2;
                    }
                    let start = self.tree.start_of(open.index);
                    let end = if open.flow {
                        self.map.file_offset(span.end.index())
                    } else {
                        open.last_end
                            .unwrap_or_else(|| self.map.file_offset(span.start.index()))
                    };
                    self.tree.close(open.index, children, end.max(start));
                    let end = self.tree.end_of(open.index);
                    self.pushed(open.index, end);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self, span: Span, mapping: bool, decorated: bool) -> Result<(), YamlError> {
        self.check_depth(span)?;
        let flow = self.starts_flow(span, if mapping { '{' } else { '[' });
        let start = self.map.file_offset(span.start.index());
        let index = self.tree.open(mapping, start, flow, decorated);
        self.stack.push(Open {
            index,
            mapping,
            flow,
            children: 0,
            last_end: None,
            last_key: index,
        });
        Ok(())
    }

    /// Records a finished node (slot `index`, ending at file offset `end`) in its parent.
    fn pushed(&mut self, index: usize, end: usize) {
        match self.stack.last_mut() {
            None => self.root_done = true,
            Some(open) => {
                if open.mapping && open.children % 2 == 0 {
                    open.last_key = index;
                } else {
                    open.last_end = Some(end);
                }
                open.children += 1;
            }
        }
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

    #[test]
    fn a_view_outside_its_tree_reads_as_a_childless_alias() {
        let empty = Tree::new(Arc::new(Arena::default()), TreeSpan { root: 0, len: 0 });
        assert_eq!(empty, empty.clone());
        let root = empty.root();
        assert_eq!(root.value(), Value::Alias);
        assert!(root.entries().is_none() && root.items().is_none() && root.get("a").is_none());
        let mut visited = 0;
        root.walk(&mut |_| visited += 1);
        assert_eq!(visited, 1);
        assert_eq!(format!("{empty:?}"), "Tree(empty)");
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
