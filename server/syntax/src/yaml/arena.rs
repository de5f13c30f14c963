//! Storage of YAML trees: an [`Arena`] holds the nodes of one or more trees as fixed-size slots
//! in document order, and the decoded text of their scalars in one string; a [`Tree`] is a
//! shared arena and its place in it.

use std::fmt;
use std::sync::Arc;

use super::ScalarStyle;
use super::node::Node;

/// What a slot holds (the scalar styles, then the other node kinds), one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Scalar(ScalarStyle),
    Sequence,
    Mapping,
    Alias,
}

/// One node in a tree's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Slot {
    /// File byte range.
    pub(super) start: u32,
    pub(super) end: u32,
    /// Scalar: start of its text in [`Tree::strings`]. Collection: number of items or entries.
    pub(super) a: u32,
    /// Scalar: length of its text. Collection: index of the first slot after its subtree.
    pub(super) b: u32,
    pub(super) kind: Kind,
    pub(super) flow: bool,
    pub(super) decorated: bool,
}

impl Slot {
    pub(super) fn is_collection(&self) -> bool {
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
    pub(super) nodes: Vec<Slot>,
    pub(super) strings: String,
}

/// Where one tree lies in its arena: its slots `root..root + len`. Slot indexes and text
/// offsets stored in slots are positions in the whole arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TreeSpan {
    pub(super) root: u32,
    pub(super) len: u32,
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
    pub(super) fn node(&self, index: u32) -> Node<'_> {
        Node { tree: self, index }
    }

    /// Slot `index`; views are only made for indexes of slots the builder wrote, and anything
    /// else reads as an alias with no children rather than panicking.
    #[inline]
    pub(super) fn slot(&self, index: u32) -> &Slot {
        self.nodes.get(index as usize).unwrap_or(&MISSING_SLOT)
    }

    /// Scalar text `start..start + len`.
    #[inline]
    pub(super) fn text(&self, start: u32, len: u32) -> &str {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Value;

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
}
