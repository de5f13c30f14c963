//! The general reader: builds a tree from saphyr-parser events, for everything the fast reader
//! leaves (flow style, comments, anchors, tags, errors). It bounds depth and node count.

use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span};

use super::builder::TreeBuilder;
use super::{MAX_DEPTH, MAX_NODES, OffsetMap, ScalarStyle, TreeSpan, YamlError};

/// The saphyr path of [`super::parse_into`]: on an error, nothing is left in `builder`.
pub(super) fn parse_into(
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
