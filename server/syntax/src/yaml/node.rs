//! The borrowed views of a tree: [`Node`] (one slot of an arena), what it holds ([`Value`],
//! [`Scalar`]) and the iterators over a collection's children ([`Items`], [`Entries`]).

use std::fmt;
use std::ops::Range;

use super::ScalarStyle;
use super::arena::{Arena, Kind, Slot};
use super::schema::{is_core_bool, is_core_null, is_core_special};

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
    pub(super) tree: &'a Arena,
    pub(super) index: u32,
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
