//! A fast, hand-written reader for the block-style YAML subset the Voiden app writes
//! (docs/format.md §1.1): 2-space block mappings and sequences, `- ` items, simple keys, plain
//! scalars (with folded continuation lines), one-line double- and single-quoted scalars,
//! `|`/`|-`/`|+` block literals with an optional indentation indicator, and empty (null) values.
//!
//! It produces exactly the tree [`crate::yaml::parse`] builds from saphyr-parser events (same
//! values, styles and byte ranges), or nothing: on anything outside the subset (flow style,
//! comments, anchors, aliases, tags, tabs, CR, escapes it does not know, unusual indentation,
//! errors) it bails out and the caller uses the saphyr path, which also reports the errors.
//! It must never guess: when a construct is not plainly inside the subset, bail.

use std::cell::Cell;

use super::{OffsetMap, ScalarStyle, Tree, TreeBuilder, TreeSpan, with_builder};

/// Deepest nesting this reader accepts (well below [`super::MAX_DEPTH`]).
const MAX_FAST_DEPTH: usize = 48;
/// Longest simple key accepted (saphyr limits implicit keys to 1024 characters).
const MAX_KEY_LEN: usize = 512;

/// Not in the subset: the caller must use the saphyr path.
struct Bail;

type R<T> = Result<T, Bail>;

/// Reads `snippet` when it is inside the subset: `Some(tree)`, else `None` (use saphyr).
pub fn parse(snippet: &str, map: &OffsetMap) -> Option<Tree> {
    with_builder(|builder| parse_into(builder, snippet, map).map(|s| builder.standalone(s)))
}

/// [`parse`] into `builder`, after the trees already there: the new tree's place in it, or
/// `None` with `builder` as it was.
pub(crate) fn parse_into(
    builder: &mut TreeBuilder,
    snippet: &str,
    map: &OffsetMap,
) -> Option<TreeSpan> {
    if !acceptable_text(snippet) {
        return None;
    }
    builder.record_attrs_owners();
    let mut reader = Reader {
        s: snippet.as_bytes(),
        text: snippet,
        map,
        pos: 0,
        tree: builder,
        last_line: Cell::new(None),
    };
    if reader.document().is_err() {
        reader.tree.rollback();
        reader.tree.forget_attrs_owners();
        return None;
    }
    reader.tree.finish()
}

/// The whole snippet uses only characters whose YAML meaning this reader knows: no tabs, CR,
/// control characters, BOM or Unicode line breaks; it ends with a line break.
fn acceptable_text(snippet: &str) -> bool {
    if snippet.is_empty() || !snippet.ends_with('\n') {
        return false;
    }
    // No early exit, so this compiles to one vector loop over the whole snippet that finds
    // both control characters and non-ASCII bytes.
    let (has_control, has_non_ascii) = snippet.bytes().fold((false, false), |(bad, wide), b| {
        (
            bad | ((b < 0x20 && b != b'\n') | (b == 0x7f)),
            wide | (b >= 0x80),
        )
    });
    if has_control {
        return false;
    }
    !has_non_ascii
        || snippet.chars().all(|c| {
            c.is_ascii()
                || matches!(c as u32, 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
                    && c != '\u{FEFF}'
        })
}

#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// Index of the line break (or the snippet end).
    end: usize,
    next: usize,
    indent: usize,
}

impl Line {
    fn is_empty(&self) -> bool {
        self.start == self.end
    }
    fn content(&self) -> usize {
        self.start + self.indent
    }
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    map: &'a OffsetMap,
    /// Start of the next line not yet consumed.
    pos: usize,
    /// Where the nodes go, in document order.
    tree: &'a mut TreeBuilder,
    /// The line last measured by [`Reader::line`]: the reader looks at most lines two or three
    /// times (to end a collection, then to read it), and measures each once.
    last_line: Cell<Option<Line>>,
}

fn is_key_byte(b: u8) -> bool {
    KEY_BYTES[b as usize]
}

/// The bytes a simple key is made of, as a table (one load per byte in the key loop).
static KEY_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/' | b'$');
        b += 1;
    }
    table
};

/// Bytes that may not start a plain scalar here (YAML indicators and quotes).
fn is_indicator(b: u8) -> bool {
    matches!(
        b,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b' '
    )
}

impl Reader<'_> {
    fn off(&self, b: usize) -> usize {
        self.map.file_offset_of_byte(b)
    }

    fn line(&self, start: usize) -> Line {
        if let Some(line) = self.last_line.get().filter(|l| l.start == start) {
            return line;
        }
        let line = self.measure_line(start);
        self.last_line.set(Some(line));
        line
    }

    fn measure_line(&self, start: usize) -> Line {
        let rest = &self.s[start..];
        let end = memchr::memchr(b'\n', rest).map_or(self.s.len(), |i| start + i);
        let indent = rest.iter().take_while(|b| **b == b' ').count();
        Line {
            start,
            end,
            next: (end + 1).min(self.s.len()),
            indent: indent.min(end - start),
        }
    }

    /// Skips empty lines; bails on whitespace-only lines. Returns the next line, if any.
    fn skip_blank(&mut self) -> R<Option<Line>> {
        while self.pos < self.s.len() {
            let l = self.line(self.pos);
            if l.is_empty() {
                self.pos = l.next;
                continue;
            }
            if l.indent == l.end - l.start {
                return Err(Bail);
            }
            return Ok(Some(l));
        }
        Ok(None)
    }

    fn document(&mut self) -> R<usize> {
        let first = self.skip_blank()?.ok_or(Bail)?;
        if first.indent != 0 {
            return Err(Bail);
        }
        let root = self.mapping(0, first.start, 0)?;
        if self.skip_blank()?.is_some() {
            return Err(Bail);
        }
        Ok(root)
    }

    /// A simple key at `at` (on the line ending at `line_end`): the key end (the `:`), if the
    /// text there is `key:` followed by a space or the line end.
    fn key_at(&self, at: usize, line_end: usize) -> Option<usize> {
        let first = *self.s.get(at)?;
        if !(first.is_ascii_alphanumeric() || first == b'_') {
            return None;
        }
        let mut i = at;
        while i < line_end && is_key_byte(self.s[i]) {
            i += 1;
        }
        if i - at > MAX_KEY_LEN || i >= line_end || self.s[i] != b':' {
            return None;
        }
        if i + 1 < line_end && self.s[i + 1] != b' ' {
            return None;
        }
        Some(i)
    }

    /// A scalar from `start` to `end` (snippet bytes) whose text is `value`.
    fn scalar_node(&mut self, start: usize, end: usize, value: &str, style: ScalarStyle) -> usize {
        let mark = self.tree.text_mark();
        self.tree.strings().push_str(value);
        self.scalar_since(mark, start, end, style)
    }

    /// A scalar whose text was appended to the builder's text since `mark`.
    fn scalar_since(&mut self, mark: usize, start: usize, end: usize, style: ScalarStyle) -> usize {
        let s = self.off(start);
        let e = self.off(end);
        self.tree.scalar_from(mark, s..e.max(s), style, false)
    }

    /// The entries of a block collection (opened as `index`) that sit at column `indent`, the
    /// first starting at `first`: `entry` reads one from where its content starts and returns
    /// its node; after the last (the text ends, or a line is indented less) the collection is
    /// closed. A line indented more is no entry of it and bails.
    fn block_entries(
        &mut self,
        index: usize,
        indent: usize,
        first: usize,
        mut entry: impl FnMut(&mut Self, usize) -> R<usize>,
    ) -> R<()> {
        let mut count = 0usize;
        let mut at = first;
        loop {
            let node = entry(self, at)?;
            count += 1;
            match self.skip_blank()? {
                Some(next) if next.indent == indent => at = next.content(),
                Some(next) if next.indent > indent => return Err(Bail),
                _ => {
                    let end = self.tree.end_of(node);
                    self.tree.close(index, count, end);
                    return Ok(());
                }
            }
        }
    }

    /// A block mapping whose keys sit at column `indent`; the first key starts at `first_key`
    /// (on the line at `self.pos`, possibly after a `- `).
    fn mapping(&mut self, indent: usize, first_key: usize, depth: usize) -> R<usize> {
        if depth > MAX_FAST_DEPTH {
            return Err(Bail);
        }
        let index = self.tree.open(true, self.off(first_key), false, false);
        // Whether this mapping has an `attrs` key holding a mapping (the uid rule's nodes).
        let mut attrs_owner = false;
        self.block_entries(index, indent, first_key, |this, key_start| {
            this.mapping_entry(indent, key_start, depth, &mut attrs_owner)
        })?;
        if attrs_owner {
            self.tree.attrs_owner(index);
        }
        Ok(index)
    }

    /// One `key: value` entry of a block mapping at column `indent`, its key at `key_start`:
    /// pushes the key and returns the value's node. `attrs_owner` is set when the key is
    /// `attrs` and its value a mapping.
    fn mapping_entry(
        &mut self,
        indent: usize,
        key_start: usize,
        depth: usize,
        attrs_owner: &mut bool,
    ) -> R<usize> {
        let line = self.line(self.pos);
        let colon = self.key_at(key_start, line.end).ok_or(Bail)?;
        let is_attrs = &self.s[key_start..colon] == b"attrs";
        let text = self.text;
        self.scalar_node(
            key_start,
            colon,
            &text[key_start..colon],
            ScalarStyle::Plain,
        );
        let mut v = colon + 1;
        while v < line.end && self.s[v] == b' ' {
            v += 1;
        }
        Ok(if v == line.end {
            if v != colon + 1 {
                return Err(Bail); // trailing spaces
            }
            self.pos = line.next;
            match self.skip_blank()? {
                Some(next) if next.indent > indent => {
                    let c = next.content();
                    if self.s[c] == b'-' {
                        self.sequence(next.indent, c, depth + 1)?
                    } else {
                        *attrs_owner |= is_attrs;
                        self.mapping(next.indent, c, depth + 1)?
                    }
                }
                Some(next)
                    if next.indent == indent
                        && self.s[next.content()] == b'-'
                        && self
                            .s
                            .get(next.content() + 1)
                            .is_none_or(|b| *b == b' ' || *b == b'\n') =>
                {
                    return Err(Bail); // a sequence not indented under its key
                }
                _ => self.scalar_node(colon, colon, "", ScalarStyle::Plain),
            }
        } else {
            self.inline_scalar(v, line, indent, false)?
        })
    }

    /// A block sequence whose `-` sit at column `indent`; the first `-` is at `first_dash` (on
    /// the line at `self.pos`, possibly after an outer `- `).
    fn sequence(&mut self, indent: usize, first_dash: usize, depth: usize) -> R<usize> {
        if depth > MAX_FAST_DEPTH {
            return Err(Bail);
        }
        let index = self.tree.open(false, self.off(first_dash), false, false);
        self.block_entries(index, indent, first_dash, |this, dash| {
            this.sequence_item(indent, dash, depth)
        })?;
        Ok(index)
    }

    /// One `- item` of a block sequence at column `indent`, its `-` at `dash`: the item's node.
    fn sequence_item(&mut self, indent: usize, dash: usize, depth: usize) -> R<usize> {
        let line = self.line(self.pos);
        if self.s[dash] != b'-' || self.s.get(dash + 1) != Some(&b' ') {
            return Err(Bail);
        }
        let item = dash + 2;
        if item >= line.end || self.s[item] == b' ' {
            return Err(Bail);
        }
        Ok(match self.s[item] {
            b'"' | b'\'' => self.inline_scalar(item, line, indent, true)?,
            b'-' if self.s.get(item + 1) == Some(&b' ') => {
                self.sequence(indent + 2, item, depth + 1)?
            }
            b if is_indicator(b) => return Err(Bail),
            _ if self.key_at(item, line.end).is_some() => {
                self.mapping(indent + 2, item, depth + 1)?
            }
            _ => self.inline_scalar(item, line, indent, true)?,
        })
    }

    /// A scalar starting at `v` on `line`, inside a collection at column `parent`. Leaves
    /// `self.pos` at the first line after it.
    fn inline_scalar(&mut self, v: usize, line: Line, parent: usize, in_seq: bool) -> R<usize> {
        match self.s[v] {
            b'"' => self.double_quoted(v, line),
            b'\'' => self.single_quoted(v, line),
            b'|' if !in_seq => self.literal(v, line, parent),
            b'-' => match self.s.get(v + 1) {
                Some(b) if *b != b' ' && *b != b'\n' && *b != b'-' => {
                    self.plain(v, line, parent, in_seq)
                }
                _ => Err(Bail),
            },
            b if is_indicator(b) => Err(Bail),
            _ => self.plain(v, line, parent, in_seq),
        }
    }

    /// Whether `text` is safe as (a line of) a plain scalar here.
    fn plain_line_ok(text: &[u8]) -> bool {
        !text.is_empty()
            && text.last() != Some(&b' ')
            && text.last() != Some(&b':')
            && !text.windows(2).any(|w| w == b": " || w == b" #")
    }

    fn plain(&mut self, v: usize, line: Line, parent: usize, in_seq: bool) -> R<usize> {
        if !Self::plain_line_ok(&self.s[v..line.end]) {
            return Err(Bail);
        }
        let mut end = line.end;
        let src = self.text;
        let mark = self.tree.text_mark();
        self.tree.strings().push_str(&src[v..line.end]);
        self.pos = line.next;
        while self.pos < self.s.len() {
            let next = self.line(self.pos);
            if next.is_empty() {
                // A blank line inside a plain scalar folds to a newline: not in the subset.
                let save = self.pos;
                let after = self.skip_blank()?;
                self.pos = save;
                if after.is_some_and(|l| l.indent > parent) {
                    return Err(Bail);
                }
                break;
            }
            if next.indent <= parent {
                break;
            }
            if in_seq && next.indent < parent + 2 {
                return Err(Bail);
            }
            let text = &self.s[next.content()..next.end];
            if !Self::plain_line_ok(text) || is_indicator(text[0]) {
                return Err(Bail);
            }
            let s = self.tree.strings();
            s.push(' ');
            s.push_str(&src[next.content()..next.end]);
            end = next.end;
            self.pos = next.next;
        }
        Ok(self.scalar_since(mark, v, end, ScalarStyle::Plain))
    }

    /// A double-quoted scalar, on one line (the escapes `\\ \" \/ \n \t \r` and no other).
    fn double_quoted(&mut self, v: usize, line: Line) -> R<usize> {
        self.quoted(v, line, b'"', ScalarStyle::DoubleQuoted, |s, i, _| {
            if s[i] != b'\\' {
                return Ok(None);
            }
            Ok(Some(match *s.get(i + 1).ok_or(Bail)? {
                b'\\' => '\\',
                b'"' => '"',
                b'/' => '/',
                b'n' => '\n',
                b't' => '\t',
                b'r' => '\r',
                _ => return Err(Bail),
            }))
        })
    }

    /// A single-quoted scalar, on one line (`''` stands for `'`).
    fn single_quoted(&mut self, v: usize, line: Line) -> R<usize> {
        self.quoted(
            v,
            line,
            b'\'',
            ScalarStyle::SingleQuoted,
            |s, i, line_end| {
                let doubled = s[i] == b'\'' && s.get(i + 1) == Some(&b'\'') && i + 1 < line_end;
                Ok(doubled.then_some('\''))
            },
        )
    }

    /// A quoted scalar whose opening `quote` is at `v` and whose closing one ends `line`.
    /// `escape` tells, at each byte (the snippet, the offset, the line's end), whether a
    /// two-byte escape starts there and the character it stands for.
    fn quoted(
        &mut self,
        v: usize,
        line: Line,
        quote: u8,
        style: ScalarStyle,
        escape: impl Fn(&[u8], usize, usize) -> R<Option<char>>,
    ) -> R<usize> {
        let text = self.text;
        let mark = self.tree.text_mark();
        let mut i = v + 1;
        let mut run = i;
        loop {
            if i >= line.end {
                return Err(Bail);
            }
            if let Some(c) = escape(self.s, i, line.end)? {
                let value = self.tree.strings();
                value.push_str(&text[run..i]);
                value.push(c);
                i += 2;
                run = i;
            } else if self.s[i] == quote {
                break;
            } else {
                i += 1;
            }
        }
        self.tree.strings().push_str(&text[run..i]);
        if i + 1 != line.end {
            return Err(Bail);
        }
        self.pos = line.next;
        Ok(self.scalar_since(mark, v, i + 1, style))
    }

    /// `|`, `|-`, `|+`, with an optional indentation indicator (`|2-`, `|-2`).
    fn literal(&mut self, v: usize, line: Line, parent: usize) -> R<usize> {
        #[derive(PartialEq)]
        enum Chomp {
            Strip,
            Clip,
            Keep,
        }
        let mut chomp = Chomp::Clip;
        let mut indicator: Option<usize> = None;
        for &b in &self.s[v + 1..line.end] {
            match b {
                b'-' if chomp == Chomp::Clip => chomp = Chomp::Strip,
                b'+' if chomp == Chomp::Clip => chomp = Chomp::Keep,
                b'1'..=b'9' if indicator.is_none() => indicator = Some((b - b'0') as usize),
                _ => return Err(Bail),
            }
        }
        if line.end - (v + 1) > 2 {
            return Err(Bail);
        }
        self.pos = line.next;
        let first = self.line(self.pos);
        if self.pos >= self.s.len() || first.is_empty() || first.indent == first.end - first.start {
            return Err(Bail);
        }
        let block_indent = match indicator {
            Some(m) => parent + m,
            None => first.indent,
        };
        if block_indent <= parent || first.indent < block_indent {
            return Err(Bail);
        }
        let start = first.start + block_indent;
        let text = self.text;
        let mark = self.tree.text_mark();
        let mut trailing_breaks = 0usize;
        let mut any = false;
        while self.pos < self.s.len() {
            let l = self.line(self.pos);
            if l.is_empty() {
                trailing_breaks += 1;
                self.pos = l.next;
                continue;
            }
            if l.indent == l.end - l.start {
                return Err(Bail);
            }
            if l.indent < block_indent {
                break;
            }
            let value = self.tree.strings();
            let breaks = if any {
                trailing_breaks + 1
            } else {
                trailing_breaks
            };
            value.extend(std::iter::repeat_n('\n', breaks));
            trailing_breaks = 0;
            any = true;
            value.push_str(&text[l.start + block_indent..l.end]);
            self.pos = l.next;
        }
        let value = self.tree.strings();
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => value.push('\n'),
            Chomp::Keep => value.extend(std::iter::repeat_n('\n', trailing_breaks + 1)),
        }
        // saphyr's span ends after the indentation it read on the line that ended the scalar.
        let end = if self.pos < self.s.len() {
            self.pos + self.line(self.pos).indent
        } else {
            self.pos
        };
        Ok(self.scalar_since(mark, start, end, ScalarStyle::Literal))
    }
}
