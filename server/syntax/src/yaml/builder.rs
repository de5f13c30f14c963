//! [`TreeBuilder`]: writes trees into an arena, slot by slot, for both readers (the fast one and
//! the saphyr one), and the thread's reusable builder for standalone parses.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use super::ScalarStyle;
use super::arena::{Arena, Kind, Slot, Tree, TreeSpan};
use super::node::Node;

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
