//! The canonical writer: rewrites the YAML of ```` ```void ```` blocks in the style the Voiden
//! app writes (the JavaScript `yaml` 2.x package with default options, docs/format.md §1.1).
//!
//! What it does:
//! - block style everywhere (flow `{...}`/`[...]` input becomes block style; empty collections
//!   stay `[]`/`{}`), 2-space indentation, sequences indented under their key;
//! - strings as the app writes them: plain when YAML allows, else double quotes (single quotes
//!   only for text holding `"` and no `'`), multi-line strings as `|-`/`|`/`|+` block literals
//!   with an indentation indicator when the first line starts with a space, plain and quoted
//!   scalars folded at 80 columns exactly as `yaml`'s `foldFlowLines` does (columns in UTF-16
//!   units, like JavaScript);
//! - the author's explicit style is kept where the app's reader sees no difference: a scalar
//!   written in double quotes on one line stays double-quoted (hand-written files and the Voiden
//!   plugin's examples quote values), and a `|` block literal stays a block literal even on one
//!   line (message bodies are edited as blocks), exactly as `yaml` keeps a parsed node's type;
//! - null is written `null`, booleans in lower case, numbers as written.
//!
//! What it never does: touch prose, the frontmatter, the fence lines or the `---` lines;
//! rewrite a block whose YAML does not parse, whose type is unknown or missing, that sits in a
//! list or quote, or that holds comments, anchors, aliases, tags or non-scalar keys (those are
//! kept byte for byte). A block whose canonical text equals its current text gets no edit.
//! Line endings: a rewritten block uses the line ending of its own first line, so CRLF files
//! stay CRLF.

use std::ops::Range;

use crate::model::{Block, BlockKind};
use crate::yaml::{Entries, Items, Node, ScalarStyle, Value, is_core_bool, is_core_special};

/// A replacement of `range` (bytes of the original text) by `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub new_text: String,
}

const LINE_WIDTH: usize = 80;
const MIN_CONTENT_WIDTH: usize = 20;
const DOUBLE_QUOTED_MIN_MULTILINE: usize = 40;

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
    if !formattable(text, &yaml_range, root) {
        return None;
    }
    let entries = root.entries()?;
    let mut w = Writer {
        out: String::with_capacity(yaml_range.len() + 16),
    };
    if entries.is_empty() {
        w.out.push_str("{}\n");
    } else {
        w.mapping(entries, 0, false)?;
    }
    // A rewritten line must never read as a closing fence (up to 3 spaces, then ``` or ~~~).
    let closes_fence = w.out.lines().any(|line| {
        let body = line.trim_start_matches(' ');
        line.len() - body.len() < 4 && (body.starts_with("```") || body.starts_with("~~~"))
    });
    if closes_fence {
        return None;
    }
    let crlf = content.contains("\r\n");
    Some(if crlf {
        w.out.replace('\n', "\r\n")
    } else {
        w.out
    })
}

/// Whether the tree can be rewritten without losing anything: no anchors, tags, aliases,
/// collection keys, or comments (a `#` outside every scalar).
fn formattable(text: &str, yaml_range: &Range<usize>, root: Node<'_>) -> bool {
    let mut ok = true;
    let mut scalars: Vec<Range<usize>> = Vec::new();
    root.walk(&mut |n| {
        if n.decorated() {
            ok = false;
        }
        match n.value() {
            Value::Scalar(_) => scalars.push(n.range()),
            Value::Mapping { mut entries, .. } => {
                if entries.any(|e| e.key.as_scalar().is_none()) {
                    ok = false;
                }
            }
            Value::Alias => ok = false,
            Value::Sequence { .. } => {}
        }
    });
    if !ok {
        return false;
    }
    let Some(src) = text.get(yaml_range.clone()) else {
        return false;
    };
    if memchr::memchr(b'#', src.as_bytes()).is_none() {
        return true;
    }
    scalars.sort_by_key(|r| r.start);
    for (i, _) in src.match_indices('#') {
        let at = yaml_range.start + i;
        let k = scalars.partition_point(|r| r.start <= at);
        let inside = k > 0 && scalars[k - 1].end > at;
        if !inside {
            return false;
        }
    }
    true
}

/// JavaScript string length (UTF-16 code units).
fn js_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

struct Writer {
    out: String,
}

/// Where a scalar is being written.
#[derive(Clone, Copy)]
struct Ctx {
    /// Indentation of continuation lines (spaces).
    indent: usize,
    /// Columns used on the first line before the value (`key: `), when known.
    indent_at_start: Option<usize>,
    implicit_key: bool,
}

impl Writer {
    fn spaces(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    /// Writes mapping entries at `indent`; the first one right where the cursor is when
    /// `first_inline` (after `- `).
    fn mapping(&mut self, entries: Entries<'_>, indent: usize, first_inline: bool) -> Option<()> {
        for (i, e) in entries.enumerate() {
            if i > 0 || !first_inline {
                self.spaces(indent);
            }
            let key = render_key(e.key, indent)?;
            if js_len(&key) > 1024 {
                return None;
            }
            self.out.push_str(&key);
            self.out.push(':');
            match e.value.value() {
                Value::Mapping { entries: child, .. } if !child.is_empty() => {
                    self.out.push('\n');
                    self.mapping(child, indent + 2, false)?;
                }
                Value::Sequence { items, .. } if !items.is_empty() => {
                    self.out.push('\n');
                    self.sequence(items, indent + 2, false)?;
                }
                _ => {
                    let ctx = Ctx {
                        indent: indent + 2,
                        indent_at_start: Some(js_len(&key) + 2),
                        implicit_key: false,
                    };
                    let v = render_value(e.value, ctx)?;
                    if !v.starts_with('\n') {
                        self.out.push(' ');
                    }
                    self.out.push_str(&v);
                    self.out.push('\n');
                }
            }
        }
        Some(())
    }

    fn sequence(&mut self, items: Items<'_>, indent: usize, first_inline: bool) -> Option<()> {
        for (i, item) in items.enumerate() {
            if i > 0 || !first_inline {
                self.spaces(indent);
            }
            self.out.push_str("- ");
            match item.value() {
                Value::Mapping { entries, .. } if !entries.is_empty() => {
                    self.mapping(entries, indent + 2, true)?;
                }
                Value::Sequence { items: child, .. } if !child.is_empty() => {
                    self.sequence(child, indent + 2, true)?;
                }
                _ => {
                    let ctx = Ctx {
                        indent: indent + 2,
                        indent_at_start: None,
                        implicit_key: false,
                    };
                    let v = render_value(item, ctx)?;
                    self.out.push_str(&v);
                    self.out.push('\n');
                }
            }
        }
        Some(())
    }
}

fn render_key(key: Node<'_>, indent: usize) -> Option<String> {
    render_value(
        key,
        Ctx {
            indent,
            indent_at_start: None,
            implicit_key: true,
        },
    )
}

/// Renders a scalar or an empty collection (without the final line break).
fn render_value(node: Node<'_>, ctx: Ctx) -> Option<String> {
    match node.value() {
        Value::Mapping { entries, .. } if entries.is_empty() => Some("{}".into()),
        Value::Sequence { items, .. } if items.is_empty() => Some("[]".into()),
        Value::Mapping { .. } | Value::Sequence { .. } | Value::Alias => None,
        Value::Scalar(s) => {
            if !s.is_string() {
                if s.is_null() {
                    return Some("null".into());
                }
                if is_core_bool(s.value) {
                    return Some(s.value.to_ascii_lowercase());
                }
                return Some(s.value.to_string());
            }
            if s.style == ScalarStyle::DoubleQuoted && !s.value.contains('\n') {
                return Some(double_quoted(s.value, ctx));
            }
            if s.style == ScalarStyle::Literal
                && !ctx.implicit_key
                && !has_forced_double_char(s.value)
            {
                return Some(block_literal(s.value, ctx));
            }
            Some(string(s.value, ctx))
        }
    }
}

fn has_forced_double_char(value: &str) -> bool {
    value.chars().any(|c| {
        let u = c as u32;
        u <= 0x08 || (0x0b..=0x1f).contains(&u) || (0x7f..=0x9f).contains(&u)
    })
}

/// How the app writes a string value (yaml's `stringifyString` with a plain default type).
fn string(value: &str, ctx: Ctx) -> String {
    if has_forced_double_char(value) {
        return double_quoted(value, ctx);
    }
    if ctx.implicit_key && value.contains('\n') {
        return double_quoted(value, ctx);
    }
    if value.is_empty() || needs_quotes(value) {
        return if ctx.implicit_key || !value.contains('\n') {
            quoted(value, ctx)
        } else {
            block_literal(value, ctx)
        };
    }
    if !ctx.implicit_key && value.contains('\n') {
        return block_literal(value, ctx);
    }
    if ctx.indent == 0 && contains_document_marker(value) {
        return quoted(value, ctx);
    }
    if is_core_special(value) {
        return double_quoted(value, ctx);
    }
    if ctx.implicit_key {
        value.to_string()
    } else {
        fold_lines(value, ctx.indent, FoldMode::Flow, ctx.indent_at_start)
    }
}

/// yaml's test for strings that cannot be plain:
/// `/^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/`.
fn needs_quotes(v: &str) -> bool {
    let b = v.as_bytes();
    let Some(&first) = b.first() else { return true };
    if b"\n\t ,[]{}#&*!|>'\"%@`".contains(&first) {
        return true;
    }
    if v == "-" || v == "?" {
        return true;
    }
    if (first == b'-' || first == b'?') && matches!(b.get(1), Some(b' ' | b'\t')) {
        return true;
    }
    for w in b.windows(2) {
        match (w[0], w[1]) {
            (b'\n' | b':', b' ' | b'\t') => return true,
            (b' ' | b'\t', b'\n') => return true,
            (b'\n' | b'\t' | b' ', b'#') => return true,
            _ => {}
        }
    }
    matches!(b.last(), Some(b'\n' | b'\t' | b' ' | b':'))
}

/// `/^(%|---|\.\.\.)/m`.
fn contains_document_marker(v: &str) -> bool {
    v.split('\n')
        .any(|l| l.starts_with('%') || l.starts_with("---") || l.starts_with("..."))
}

fn quoted(value: &str, ctx: Ctx) -> String {
    let has_double = value.contains('"');
    let has_single = value.contains('\'');
    if has_double && !has_single {
        single_quoted(value, ctx)
    } else {
        double_quoted(value, ctx)
    }
}

fn indent_str(ctx: &Ctx, value: &str) -> usize {
    if ctx.indent == 0 && contains_document_marker(value) {
        2
    } else {
        ctx.indent
    }
}

fn single_quoted(value: &str, ctx: Ctx) -> String {
    if ctx.implicit_key {
        if value.contains('\n') {
            return double_quoted(value, ctx);
        }
    } else if value.contains(" \n")
        || value.contains("\t\n")
        || value.contains("\n ")
        || value.contains("\n\t")
    {
        return double_quoted(value, ctx);
    }
    let indent = indent_str(&ctx, value);
    let pad = " ".repeat(indent);
    let mut res = String::with_capacity(value.len() + 2);
    res.push('\'');
    let escaped = value.replace('\'', "''");
    let mut chars = escaped.chars().peekable();
    while let Some(c) = chars.next() {
        res.push(c);
        if c == '\n' {
            while chars.peek() == Some(&'\n') {
                res.push('\n');
                chars.next();
            }
            res.push('\n');
            res.push_str(&pad);
        }
    }
    res.push('\'');
    if ctx.implicit_key {
        res
    } else {
        fold_lines(&res, indent, FoldMode::Flow, ctx.indent_at_start)
    }
}

/// `JSON.stringify` of a string.
fn json_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn double_quoted(value: &str, ctx: Ctx) -> String {
    let json: Vec<char> = json_string(value).chars().collect();
    let indent = indent_str(&ctx, value);
    let at = |i: usize| json.get(i).copied();
    let slice = |a: usize, b: usize| -> String {
        json[a.min(json.len())..b.min(json.len())].iter().collect()
    };
    let json_len_utf16: usize = json.iter().map(|c| c.len_utf16()).sum();
    let mut s = String::new();
    let mut start = 0usize;
    let mut i = 0usize;
    while let Some(mut ch) = at(i) {
        if ch == ' ' && at(i + 1) == Some('\\') && at(i + 2) == Some('n') {
            s.push_str(&slice(start, i));
            s.push_str("\\ ");
            i += 1;
            start = i;
            ch = '\\';
        }
        if ch == '\\' {
            match at(i + 1) {
                Some('u') => {
                    s.push_str(&slice(start, i));
                    let code = slice(i + 2, i + 6);
                    match code.as_str() {
                        "0000" => s.push_str("\\0"),
                        "0007" => s.push_str("\\a"),
                        "000b" => s.push_str("\\v"),
                        "001b" => s.push_str("\\e"),
                        "0085" => s.push_str("\\N"),
                        "00a0" => s.push_str("\\_"),
                        "2028" => s.push_str("\\L"),
                        "2029" => s.push_str("\\P"),
                        c if c.starts_with("00") => {
                            s.push_str("\\x");
                            s.push_str(&c[2..]);
                        }
                        _ => s.push_str(&slice(i, i + 6)),
                    }
                    i += 5;
                    start = i + 1;
                }
                Some('n') => {
                    if ctx.implicit_key
                        || at(i + 2) == Some('"')
                        || json_len_utf16 < DOUBLE_QUOTED_MIN_MULTILINE
                    {
                        i += 1;
                    } else {
                        s.push_str(&slice(start, i));
                        s.push_str("\n\n");
                        while at(i + 2) == Some('\\')
                            && at(i + 3) == Some('n')
                            && at(i + 4) != Some('"')
                        {
                            s.push('\n');
                            i += 2;
                        }
                        s.push_str(&" ".repeat(indent));
                        if at(i + 2) == Some(' ') {
                            s.push('\\');
                        }
                        i += 1;
                        start = i + 1;
                    }
                }
                _ => i += 1,
            }
        }
        i += 1;
    }
    let out = if start > 0 {
        s.push_str(&slice(start, json.len()));
        s
    } else {
        json.iter().collect()
    };
    if ctx.implicit_key {
        out
    } else {
        fold_lines(&out, indent, FoldMode::Quoted, ctx.indent_at_start)
    }
}

/// A multi-line string as a `|` block literal (falls back to quotes when YAML cannot hold it).
fn block_literal(value: &str, ctx: Ctx) -> String {
    let last_line_blank = value.rfind('\n').is_some_and(|i| {
        !value[i + 1..].is_empty() && value[i + 1..].bytes().all(|b| b == b' ' || b == b'\t')
    });
    if last_line_blank || value.chars().all(char::is_whitespace) {
        return quoted(value, ctx);
    }
    let indent = if ctx.indent > 0 {
        ctx.indent
    } else if contains_document_marker(value) {
        2
    } else {
        0
    };
    let pad = " ".repeat(indent);
    let indent_size = if indent > 0 { "2" } else { "1" };

    // Trailing whitespace decides chomping.
    let end_start = value.trim_end_matches(['\n', '\t', ' ']).len();
    let mut end = &value[end_start..];
    let chomp = match end.find('\n') {
        None => "-",
        Some(nl) if end_start == 0 || nl != end.len() - 1 => "+",
        Some(_) => "",
    };
    let mut body = &value[..end_start];
    if end.ends_with('\n') {
        end = &end[..end.len() - 1];
    }
    // `end.replace(/\n+(?!\n|$)/g, "$&" + indent)`: only runs of newlines followed by more text.
    let mut end_out = String::new();
    {
        let b = end.as_bytes();
        let mut k = 0;
        while k < b.len() {
            if b[k] == b'\n' {
                let run_start = k;
                while k < b.len() && b[k] == b'\n' {
                    k += 1;
                }
                end_out.push_str(&end[run_start..k]);
                if k < b.len() {
                    end_out.push_str(&pad);
                }
            } else {
                let s = k;
                while k < b.len() && b[k] != b'\n' {
                    k += 1;
                }
                end_out.push_str(&end[s..k]);
            }
        }
    }
    // Leading spaces and newlines decide the indentation indicator.
    let mut start_with_space = false;
    let mut start_nl: Option<usize> = None;
    let mut start_end = 0;
    for (i, c) in body.char_indices() {
        match c {
            ' ' => start_with_space = true,
            '\n' => start_nl = Some(i),
            _ => {
                start_end = i;
                break;
            }
        }
        start_end = i + 1;
    }
    let start_len = match start_nl {
        Some(nl) if nl < start_end => nl + 1,
        _ => 0,
    };
    let start = &body[..start_len];
    body = &body[start_len..];
    let start_out = indent_newline_runs(start, &pad, false);
    let body_out = indent_newline_runs(body, &pad, false);
    let header = format!(
        "|{}{}",
        if start_with_space { indent_size } else { "" },
        chomp
    );
    format!("{header}\n{pad}{start_out}{body_out}{end_out}")
}

/// `s.replace(/\n+/g, "$&" + pad)`.
fn indent_newline_runs(s: &str, pad: &str, _unused: bool) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\n' && chars.peek() != Some(&'\n') {
            out.push_str(pad);
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FoldMode {
    Flow,
    Quoted,
}

/// yaml's `foldFlowLines` for `flow` and `quoted` modes, on UTF-16 units like JavaScript.
fn fold_lines(text: &str, indent: usize, mode: FoldMode, indent_at_start: Option<usize>) -> String {
    let t: Vec<u16> = text.encode_utf16().collect();
    let end_step = (1 + MIN_CONTENT_WIDTH).max((1 + LINE_WIDTH).saturating_sub(indent));
    if t.len() <= end_step {
        return text.to_string();
    }
    let mut folds: Vec<usize> = Vec::new();
    let mut escaped_folds: Vec<usize> = Vec::new();
    let mut end: isize = LINE_WIDTH as isize - indent as isize;
    if let Some(at_start) = indent_at_start {
        if at_start > LINE_WIDTH - 2usize.max(MIN_CONTENT_WIDTH) {
            folds.push(0);
        } else {
            end = (LINE_WIDTH - at_start) as isize;
        }
    }
    let at = |i: isize| -> Option<u16> {
        if i < 0 {
            None
        } else {
            t.get(i as usize).copied()
        }
    };
    let sp = b' ' as u16;
    let tab = b'\t' as u16;
    let nl = b'\n' as u16;
    let bs = b'\\' as u16;
    let mut split: Option<isize> = None;
    let mut prev: Option<u16> = None;
    let mut i: isize = -1;
    let mut esc_start: isize = -1;
    let mut esc_end: isize = -1;
    loop {
        i += 1;
        let Some(mut ch) = at(i) else { break };
        if mode == FoldMode::Quoted && ch == bs {
            esc_start = i;
            match at(i + 1).map(|c| c as u8 as char) {
                Some('x') => i += 3,
                Some('u') => i += 5,
                Some('U') => i += 9,
                _ => i += 1,
            }
            esc_end = i;
        }
        if ch == nl {
            end = i + indent as isize + end_step as isize;
            split = None;
        } else {
            if ch == sp && prev.is_some_and(|p| p != sp && p != nl && p != tab) {
                let next = at(i + 1);
                if next.is_some_and(|n| n != sp && n != nl && n != tab) {
                    split = Some(i);
                }
            }
            if i >= end {
                if let Some(s) = split.filter(|s| *s != 0) {
                    folds.push(s as usize);
                    end = s + end_step as isize;
                    split = None;
                } else if mode == FoldMode::Quoted {
                    while prev == Some(sp) || prev == Some(tab) {
                        prev = Some(ch);
                        i += 1;
                        match at(i) {
                            Some(c) => ch = c,
                            None => {
                                ch = 0;
                                break;
                            }
                        }
                    }
                    let j = if i > esc_end + 1 {
                        i - 2
                    } else {
                        esc_start - 1
                    };
                    if j < 0 || escaped_folds.contains(&(j as usize)) {
                        return text.to_string();
                    }
                    folds.push(j as usize);
                    escaped_folds.push(j as usize);
                    end = j + end_step as isize;
                    split = None;
                }
            }
        }
        prev = Some(ch);
        if ch == 0 && at(i).is_none() {
            break;
        }
    }
    if folds.is_empty() {
        return text.to_string();
    }
    let piece = |a: usize, b: usize| -> Option<String> {
        String::from_utf16(t.get(a..b.min(t.len()))?).ok()
    };
    let pad = " ".repeat(indent);
    let build = || -> Option<String> {
        let mut res = piece(0, folds[0])?;
        for (k, &fold) in folds.iter().enumerate() {
            let stop = folds
                .get(k + 1)
                .copied()
                .filter(|f| *f != 0)
                .unwrap_or(t.len());
            if fold == 0 {
                res = format!("\n{pad}{}", piece(0, stop)?);
            } else {
                if mode == FoldMode::Quoted && escaped_folds.contains(&fold) {
                    res.push_str(&piece(fold, fold + 1)?);
                    res.push('\\');
                }
                res.push('\n');
                res.push_str(&pad);
                res.push_str(&piece(fold + 1, stop)?);
            }
        }
        Some(res)
    };
    build().unwrap_or_else(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_ctx(indent: usize, key_len: usize) -> Ctx {
        Ctx {
            indent,
            indent_at_start: Some(key_len + 2),
            implicit_key: false,
        }
    }

    #[test]
    fn plain_and_quoted_choices() {
        let c = value_ctx(2, 3);
        assert_eq!(string("wss://h/p?x=1&y=2", c), "wss://h/p?x=1&y=2");
        assert_eq!(string("x {{A}}", c), "x {{A}}");
        assert_eq!(string("{{BASE}}/ws", c), "\"{{BASE}}/ws\"");
        assert_eq!(string("42", c), "\"42\"");
        assert_eq!(string("true", c), "\"true\"");
        assert_eq!(string("null", c), "\"null\"");
        assert_eq!(string("", c), "\"\"");
        assert_eq!(string("a: b", c), "\"a: b\"");
        assert_eq!(string("#x", c), "\"#x\"");
        assert_eq!(string(" lead", c), "\" lead\"");
        assert_eq!(string("say \"hi\"", c), "say \"hi\"");
        assert_eq!(string("\"hi\" there", c), "'\"hi\" there'");
        assert_eq!(string("yes", c), "yes");
        assert_eq!(string("on", c), "on");
        assert_eq!(
            string("2025-04-01T07:33:45.739Z", c),
            "2025-04-01T07:33:45.739Z"
        );
    }

    #[test]
    fn block_literals() {
        let c = value_ctx(4, 4);
        assert_eq!(string("a\nb", c), "|-\n    a\n    b");
        assert_eq!(string("a\nb\n", c), "|\n    a\n    b");
        assert_eq!(string("a\nb\n\n", c), "|+\n    a\n    b\n");
        assert_eq!(string("  a\nb", c), "|2-\n      a\n    b");
        assert_eq!(string("a\n\nb", c), "|-\n    a\n\n    b");
    }

    #[test]
    fn long_plain_scalars_fold_like_the_app() {
        let v = "Bearer 4f3a9c8b7a1d5e6f89c2d0e4b6a7c9f1d8e2b3c5f4a6e7d9c0b1e3a2d5f8c9b";
        let c = Ctx {
            indent: 12,
            indent_at_start: None,
            implicit_key: false,
        };
        assert_eq!(
            string(v, c),
            "Bearer\n            4f3a9c8b7a1d5e6f89c2d0e4b6a7c9f1d8e2b3c5f4a6e7d9c0b1e3a2d5f8c9b"
        );
    }

    #[test]
    fn double_quoted_escapes() {
        let c = value_ctx(2, 1);
        assert_eq!(double_quoted("a\u{1b}b\u{0}", c), "\"a\\eb\\0\"");
        assert_eq!(string("tab\there\u{7}", c), "\"tab\\there\\a\"");
    }
}
