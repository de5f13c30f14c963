//! Writes a [`JsValue`] exactly as npm `yaml` 2.7.0's `YAML.stringify(value)` does with its
//! default options: the call the Voiden app saves every block with (docs/format.md §1.1).
//!
//! This is our own implementation of that package's documented behaviour and observed output,
//! checked byte for byte against the package itself by `tests/stages/yaml-oracle.sh`. The rules:
//!
//! - block collections, 2-space indentation, a sequence under a key indented by 2 more; empty
//!   collections as `[]` / `{}`;
//! - a string is plain unless a plain scalar would read back as something else (an indicator
//!   first, `: ` or ` #` inside, space or `:` last, a core-schema null/bool/number); then double
//!   quotes, or single quotes when it holds `"` and no `'`; control characters force double
//!   quotes with YAML escapes;
//! - a multi-line string is a block scalar: `|` (literal) while every line fits the width,
//!   else `>` (folded) when some long line can be folded at a space; chomping from the trailing
//!   newlines, an indentation indicator when it starts with a space;
//! - plain and quoted scalars longer than 80 columns are folded at spaces (`foldFlowLines`),
//!   keys never; keys longer than 1024 units become explicit (`? key`).
//!
//! Lengths and positions are JavaScript's: strings are handled as UTF-16 code units, as the
//! package does. [`stringify`] gives `None` where the package would write broken text: a fold
//! between the two halves of a surrogate pair (a long double-quoted word of non-BMP
//! characters), or a double-quoted string indented 80 columns or more, which the package
//! folds at a negative offset (writing `undefined`). The caller then keeps its text as it was.

use super::js::{JsValue, js_number_string};
use super::schema::is_core_special;

const LINE_WIDTH: isize = 80;
const MIN_CONTENT_WIDTH: isize = 20;
const DOUBLE_QUOTED_MIN_MULTILINE: usize = 40;
const INDENT_STEP: usize = 2;
const MAX_IMPLICIT_KEY: usize = 1024;

/// A JavaScript string: UTF-16 code units.
type Units = Vec<u16>;

const NL: u16 = b'\n' as u16;
const SP: u16 = b' ' as u16;
const TAB: u16 = b'\t' as u16;
const CR: u16 = b'\r' as u16;
const BACKSLASH: u16 = b'\\' as u16;
const DQUOTE: u16 = b'"' as u16;
const SQUOTE: u16 = b'\'' as u16;

/// What `YAML.stringify(value)` returns (with its final newline).
pub fn stringify(value: &JsValue) -> Option<String> {
    let ctx = Ctx {
        indent: 0,
        implicit_key: false,
        indent_at_start: None,
        force_block_indent: false,
    };
    let mut body = node(value, &ctx)?;
    body.push(NL);
    String::from_utf16(&body).ok()
}

/// The package's stringify context, reduced to what default options use.
#[derive(Clone, Copy)]
struct Ctx {
    /// Indentation of the current level, in spaces.
    indent: usize,
    implicit_key: bool,
    /// Columns already used on the first line (after `key: `), when known.
    indent_at_start: Option<usize>,
    /// A top-level block scalar must be indented (document markers in it).
    force_block_indent: bool,
}

fn units(s: &str) -> Units {
    s.encode_utf16().collect()
}

fn push_str(out: &mut Units, s: &str) {
    out.extend(s.encode_utf16());
}

fn push_spaces(out: &mut Units, n: usize) {
    out.extend(std::iter::repeat_n(SP, n));
}

fn node(value: &JsValue, ctx: &Ctx) -> Option<Units> {
    match value {
        JsValue::Null => Some(units("null")),
        JsValue::Bool(b) => Some(units(if *b { "true" } else { "false" })),
        JsValue::Number(n) => Some(units(&number(*n))),
        JsValue::String(s) => string(&units(s), ctx),
        JsValue::Array(items) => {
            let item_ctx = Ctx {
                indent: ctx.indent + INDENT_STEP,
                ..*ctx
            };
            let lines = items
                .iter()
                .map(|item| {
                    let mut line = units("- ");
                    line.extend(node(item, &item_ctx)?);
                    Some(line)
                })
                .collect::<Option<Vec<_>>>()?;
            Some(block_collection(lines, ctx.indent, "[]"))
        }
        JsValue::Object(object) => {
            let lines = object
                .iter()
                .map(|(key, value)| pair(key, value, ctx))
                .collect::<Option<Vec<_>>>()?;
            Some(block_collection(lines, ctx.indent, "{}"))
        }
    }
}

/// `stringifyNumber`: JavaScript's own text for finite numbers, `.nan` / `.inf` otherwise.
fn number(n: f64) -> String {
    if n.is_nan() {
        ".nan".into()
    } else if n.is_infinite() {
        if n < 0.0 { "-.inf" } else { ".inf" }.into()
    } else {
        js_number_string(n)
    }
}

/// Lines of a block collection joined at `indent`; `empty` when there are none.
fn block_collection(lines: Vec<Units>, indent: usize, empty: &str) -> Units {
    let mut out = Units::new();
    for (i, line) in lines.into_iter().enumerate() {
        if i > 0 {
            out.push(NL);
            if !line.is_empty() {
                push_spaces(&mut out, indent);
            }
        }
        out.extend(line);
    }
    if out.is_empty() { units(empty) } else { out }
}

/// `stringifyPair` for a string key of a mapping at `ctx.indent`.
fn pair(key: &str, value: &JsValue, ctx: &Ctx) -> Option<Units> {
    let mut pair_ctx = Ctx {
        indent: ctx.indent + INDENT_STEP,
        implicit_key: true,
        ..*ctx
    };
    let key_text = string(&units(key), &pair_ctx)?;
    let explicit = key_text.len() > MAX_IMPLICIT_KEY;
    let mut out = Units::new();
    if explicit {
        push_str(&mut out, "? ");
        out.extend(key_text);
        out.push(NL);
        push_spaces(&mut out, ctx.indent);
        push_str(&mut out, ":");
    } else {
        out.extend(key_text);
        push_str(&mut out, ":");
    }
    pair_ctx.implicit_key = false;
    let is_collection = matches!(value, JsValue::Array(_) | JsValue::Object(_));
    if !explicit && !is_collection {
        pair_ctx.indent_at_start = Some(out.len() + 1);
    }
    let value_text = node(value, &pair_ctx)?;
    let empty_collection = match value {
        JsValue::Array(items) => items.is_empty(),
        JsValue::Object(o) => o.is_empty(),
        _ => false,
    };
    if !explicit && is_collection {
        if value_text.contains(&NL) || !empty_collection {
            out.push(NL);
            push_spaces(&mut out, pair_ctx.indent);
        } else {
            out.push(SP);
        }
    } else if value_text.first().is_some_and(|&c| c != NL) {
        out.push(SP);
    }
    out.extend(value_text);
    Some(out)
}

/// `stringifyString` for a string value or key.
fn string(value: &[u16], ctx: &Ctx) -> Option<Units> {
    if value.iter().any(|&c| forces_double_quotes(c)) {
        return double_quoted(value, ctx);
    }
    plain(value, ctx)
}

/// Control characters and lone surrogates force double quotes.
fn forces_double_quotes(c: u16) -> bool {
    c <= 0x08 || (0x0b..=0x1f).contains(&c) || (0x7f..=0x9f).contains(&c)
}

/// `plainString`: plain when YAML reads it back as this same string, else quoted or a block.
fn plain(value: &[u16], ctx: &Ctx) -> Option<Units> {
    let multi_line = value.contains(&NL);
    if ctx.implicit_key && multi_line {
        return quoted(value, ctx);
    }
    if value.is_empty() || cannot_be_plain(value) {
        return if ctx.implicit_key || !multi_line {
            quoted(value, ctx)
        } else {
            block(value, ctx)
        };
    }
    if !ctx.implicit_key && multi_line {
        return block(value, ctx);
    }
    if contains_document_marker(value) {
        if ctx.indent == 0 {
            let forced = Ctx {
                force_block_indent: true,
                ..*ctx
            };
            return block(value, &forced);
        } else if ctx.implicit_key && ctx.indent == INDENT_STEP {
            return quoted(value, ctx);
        }
    }
    // A plain scalar that would read back as null, a boolean or a number is quoted.
    if String::from_utf16(value).is_ok_and(|s| is_core_special(&s)) {
        return quoted(value, ctx);
    }
    if ctx.implicit_key {
        Some(value.to_vec())
    } else {
        fold(value, ctx.indent, Mode::Flow, ctx.indent_at_start, None)
    }
}

/// The characters and places that stop a string from being a plain scalar:
/// `^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$`.
fn cannot_be_plain(v: &[u16]) -> bool {
    let is = |c: u16, set: &str| c < 0x80 && set.as_bytes().contains(&(c as u8));
    let Some(&first) = v.first() else {
        return true;
    };
    if is(first, "\n\t ,[]{}#&*!|>'\"%@`") {
        return true;
    }
    if is(first, "?-") && (v.len() == 1 || is(v[1], " \t")) {
        return true;
    }
    for w in v.windows(2) {
        if (is(w[0], "\n:") && is(w[1], " \t"))
            || (is(w[0], " \t") && w[1] == NL)
            || (is(w[0], "\n\t ") && w[1] == b'#' as u16)
        {
            return true;
        }
    }
    v.last().is_some_and(|&c| is(c, "\n\t :"))
}

/// JavaScript's line terminators, where `^` matches in a multi-line regular expression.
fn is_line_terminator(c: u16) -> bool {
    matches!(c, 0x0a | 0x0d | 0x2028 | 0x2029)
}

/// `/^(%|---|\.\.\.)/m`: a line that YAML 1.1 would read as a directive or document marker.
fn contains_document_marker(v: &[u16]) -> bool {
    (0..v.len()).any(|i| {
        (i == 0 || is_line_terminator(v[i - 1]))
            && (v[i] == b'%' as u16
                || v[i..].starts_with(&units("---"))
                || v[i..].starts_with(&units("...")))
    })
}

/// `quotedString`: double quotes, or single quotes for text holding `"` and no `'`.
fn quoted(value: &[u16], ctx: &Ctx) -> Option<Units> {
    let has_double = value.contains(&DQUOTE);
    let has_single = value.contains(&SQUOTE);
    if has_double && !has_single {
        single_quoted(value, ctx)
    } else {
        double_quoted(value, ctx)
    }
}

/// The indentation of a quoted scalar's continuation lines.
fn quoted_indent(value: &[u16], ctx: &Ctx) -> usize {
    if ctx.indent == 0 && contains_document_marker(value) {
        INDENT_STEP
    } else {
        ctx.indent
    }
}

fn single_quoted(value: &[u16], ctx: &Ctx) -> Option<Units> {
    let space_around_newline = value.windows(2).any(|w| {
        (matches!(w[0], SP | TAB) && w[1] == NL) || (w[0] == NL && matches!(w[1], SP | TAB))
    });
    if (ctx.implicit_key && value.contains(&NL)) || space_around_newline {
        return double_quoted(value, ctx);
    }
    let indent = quoted_indent(value, ctx);
    let mut res = vec![SQUOTE];
    let mut i = 0;
    while i < value.len() {
        let c = value[i];
        if c == SQUOTE {
            res.extend([SQUOTE, SQUOTE]);
        } else if c == NL {
            // `/\n+/g` -> `$&\n<indent>`: a run of n newlines becomes n + 1, then the indent.
            while i < value.len() && value[i] == NL {
                res.push(NL);
                i += 1;
            }
            res.push(NL);
            push_spaces(&mut res, indent);
            continue;
        } else {
            res.push(c);
        }
        i += 1;
    }
    res.push(SQUOTE);
    if ctx.implicit_key {
        Some(res)
    } else {
        fold(&res, indent, Mode::Flow, ctx.indent_at_start, None)
    }
}

/// `JSON.stringify` of a string.
fn json_string(value: &[u16]) -> Units {
    let mut out = vec![DQUOTE];
    for &c in value {
        match c {
            DQUOTE => push_str(&mut out, "\\\""),
            BACKSLASH => push_str(&mut out, "\\\\"),
            0x08 => push_str(&mut out, "\\b"),
            0x0c => push_str(&mut out, "\\f"),
            NL => push_str(&mut out, "\\n"),
            CR => push_str(&mut out, "\\r"),
            TAB => push_str(&mut out, "\\t"),
            c if c < 0x20 => push_str(&mut out, &format!("\\u{c:04x}")),
            c => out.push(c),
        }
    }
    out.push(DQUOTE);
    out
}

fn double_quoted(value: &[u16], ctx: &Ctx) -> Option<Units> {
    let json = json_string(value);
    let indent = quoted_indent(value, ctx);
    let at = |i: usize| json.get(i).copied();
    let slice = |a: usize, b: usize| {
        json[a.min(json.len())..b.min(json.len()).max(a.min(json.len()))].to_vec()
    };
    let mut out = Units::new();
    let mut start = 0usize;
    let mut i = 0usize;
    while let Some(mut ch) = at(i) {
        if ch == SP && at(i + 1) == Some(BACKSLASH) && at(i + 2) == Some(b'n' as u16) {
            // A space before a newline is escaped so that folding keeps it.
            out.extend(slice(start, i));
            push_str(&mut out, "\\ ");
            i += 1;
            start = i;
            ch = BACKSLASH;
        }
        if ch == BACKSLASH {
            match at(i + 1).map(|c| c as u8 as char) {
                Some('u') => {
                    out.extend(slice(start, i));
                    let code = String::from_utf16_lossy(&slice(i + 2, i + 6));
                    match code.as_str() {
                        "0000" => push_str(&mut out, "\\0"),
                        "0007" => push_str(&mut out, "\\a"),
                        "000b" => push_str(&mut out, "\\v"),
                        "001b" => push_str(&mut out, "\\e"),
                        "0085" => push_str(&mut out, "\\N"),
                        "00a0" => push_str(&mut out, "\\_"),
                        "2028" => push_str(&mut out, "\\L"),
                        "2029" => push_str(&mut out, "\\P"),
                        c if c.starts_with("00") => {
                            push_str(&mut out, "\\x");
                            push_str(&mut out, &c[2..]);
                        }
                        _ => out.extend(slice(i, i + 6)),
                    }
                    i += 5;
                    start = i + 1;
                }
                Some('n') => {
                    if ctx.implicit_key
                        || at(i + 2) == Some(DQUOTE)
                        || json.len() < DOUBLE_QUOTED_MIN_MULTILINE
                    {
                        i += 1;
                    } else {
                        // A line break in the text becomes an empty line (folding eats one).
                        out.extend(slice(start, i));
                        out.extend([NL, NL]);
                        while at(i + 2) == Some(BACKSLASH)
                            && at(i + 3) == Some(b'n' as u16)
                            && at(i + 4) != Some(DQUOTE)
                        {
                            out.push(NL);
                            i += 2;
                        }
                        push_spaces(&mut out, indent);
                        if at(i + 2) == Some(SP) {
                            out.push(BACKSLASH);
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
    let text = if start > 0 {
        out.extend(slice(start, json.len()));
        out
    } else {
        json.clone()
    };
    if ctx.implicit_key {
        Some(text)
    } else {
        fold(&text, indent, Mode::Quoted, ctx.indent_at_start, None)
    }
}

/// JavaScript's `\s`.
fn is_js_space(c: u16) -> bool {
    matches!(
        c,
        0x09..=0x0d
            | 0x20
            | 0xa0
            | 0x1680
            | 0x2000..=0x200a
            | 0x2028
            | 0x2029
            | 0x202f
            | 0x205f
            | 0x3000
            | 0xfeff
    )
}

/// `lineLengthOverLimit`: whether some line is longer than the width left after `indent`.
fn line_over_limit(value: &[u16], indent: usize) -> bool {
    let limit = LINE_WIDTH - indent as isize;
    let len = value.len() as isize;
    if len <= limit {
        return false;
    }
    let mut start = 0isize;
    for (i, &c) in value.iter().enumerate() {
        if c == NL {
            let i = i as isize;
            if i - start > limit {
                return true;
            }
            start = i + 1;
            if len - start <= limit {
                return false;
            }
        }
    }
    true
}

/// `blockString`: a `|` literal or `>` folded block scalar (or quotes where a block cannot
/// hold the text).
fn block(value: &[u16], ctx: &Ctx) -> Option<Units> {
    let last_line_blank = value.iter().rposition(|&c| c == NL).is_some_and(|nl| {
        nl + 1 < value.len() && value[nl + 1..].iter().all(|&c| c == SP || c == TAB)
    });
    if last_line_blank || value.iter().all(|&c| is_js_space(c)) {
        return quoted(value, ctx);
    }
    let indent = if ctx.indent > 0 {
        ctx.indent
    } else if ctx.force_block_indent || contains_document_marker(value) {
        INDENT_STEP
    } else {
        0
    };
    let literal = !line_over_limit(value, indent);

    // Trailing whitespace decides chomping.
    let end_start = value
        .iter()
        .rposition(|&c| c != NL && c != TAB && c != SP)
        .map_or(0, |p| p + 1);
    let mut end: &[u16] = &value[end_start..];
    let chomp = match end.iter().position(|&c| c == NL) {
        None => "-",
        Some(nl) if end_start == 0 || nl != end.len() - 1 => "+",
        Some(_) => "",
    };
    let mut middle: &[u16] = &value[..end_start];
    let mut end_text = Units::new();
    if !end.is_empty() {
        if end.last() == Some(&NL) {
            end = &end[..end.len() - 1];
        }
        // Each run of newlines followed by more text gets the indentation after it.
        let mut k = 0;
        while k < end.len() {
            if end[k] == NL {
                let run = k;
                while k < end.len() && end[k] == NL {
                    k += 1;
                }
                end_text.extend_from_slice(&end[run..k]);
                if k < end.len() {
                    push_spaces(&mut end_text, indent);
                }
            } else {
                end_text.push(end[k]);
                k += 1;
            }
        }
    }

    // Leading spaces and newlines decide the indentation indicator.
    let mut start_with_space = false;
    let mut start_newline: Option<usize> = None;
    for (i, &c) in middle.iter().enumerate() {
        match c {
            SP => start_with_space = true,
            NL => start_newline = Some(i),
            _ => break,
        }
    }
    let start_len = start_newline.map_or(0, |nl| nl + 1);
    let start = indent_after_newline_runs(&middle[..start_len], indent);
    middle = &middle[start_len..];

    let mut header = String::new();
    if start_with_space {
        header.push(if indent > 0 { '2' } else { '1' });
    }
    header.push_str(chomp);

    if !literal {
        let mut text = start.clone();
        text.extend(indent_after_newline_runs(&folded_lines(middle), indent));
        text.extend_from_slice(&end_text);
        let mut overflow = false;
        let body = fold(
            &text,
            indent,
            Mode::Block,
            Some(ctx.indent),
            Some(&mut overflow),
        )?;
        if !overflow {
            let mut out = units(">");
            push_str(&mut out, &header);
            out.push(NL);
            push_spaces(&mut out, indent);
            out.extend(body);
            return Some(out);
        }
    }
    let mut out = units("|");
    push_str(&mut out, &header);
    out.push(NL);
    push_spaces(&mut out, indent);
    out.extend(start);
    out.extend(indent_after_newline_runs(middle, indent));
    out.extend(end_text);
    Some(out)
}

/// `s.replace(/\n+/g, "$&" + indent)`.
fn indent_after_newline_runs(s: &[u16], indent: usize) -> Units {
    let mut out = Units::with_capacity(s.len() + 16);
    for (i, &c) in s.iter().enumerate() {
        out.push(c);
        if c == NL && s.get(i + 1) != Some(&NL) {
            push_spaces(&mut out, indent);
        }
    }
    out
}

/// The text of a folded block before folding: every line break doubled (separate lines are
/// separated by an empty line in `>`), except around more-indented lines (starting with a space
/// or tab), which keep their breaks as they are. The package's two regular expressions
/// `/\n+/g -> "\n$&"` then `/(?:^|\n)([\t ].*)(?:([\n\t ]*)\n(?![\n\t ]))?/g -> "$1$2"`.
fn folded_lines(value: &[u16]) -> Units {
    let mut doubled = Units::with_capacity(value.len() + 16);
    let mut i = 0;
    while i < value.len() {
        if value[i] == NL {
            doubled.push(NL);
            while i < value.len() && value[i] == NL {
                doubled.push(NL);
                i += 1;
            }
        } else {
            doubled.push(value[i]);
            i += 1;
        }
    }
    let v = &doubled;
    let mut out = Units::with_capacity(v.len());
    let mut i = 0;
    let mut copied = 0;
    while i <= v.len() {
        // A match starts at the beginning of the text, or at a newline.
        let (line_start, at_newline) = if i == 0 && v.first().is_some_and(|&c| c == SP || c == TAB)
        {
            (0, false)
        } else if i < v.len() && v[i] == NL && v.get(i + 1).is_some_and(|&c| c == SP || c == TAB) {
            (i + 1, true)
        } else {
            i += 1;
            continue;
        };
        // `[\t ].*`: the line up to a line terminator.
        let mut line_end = line_start;
        while line_end < v.len() && !is_line_terminator(v[line_end]) {
            line_end += 1;
        }
        // `(?:([\n\t ]*)\n(?![\n\t ]))?`: the blank run after it, up to the last newline that
        // is followed by something else than whitespace (that newline is dropped).
        let mut run_end = line_end;
        while run_end < v.len() && matches!(v[run_end], NL | SP | TAB) {
            run_end += 1;
        }
        let mut tail: Option<(usize, usize)> = None;
        let mut k = run_end;
        while k > line_end {
            k -= 1;
            if v[k] == NL && v.get(k + 1).is_none_or(|&c| !matches!(c, NL | SP | TAB)) {
                tail = Some((line_end, k));
                break;
            }
        }
        out.extend_from_slice(&v[copied..if at_newline { i } else { line_start }]);
        out.extend_from_slice(&v[line_start..line_end]);
        let match_end = match tail {
            Some((blank_start, dropped)) => {
                out.extend_from_slice(&v[blank_start..dropped]);
                dropped + 1
            }
            None => line_end,
        };
        copied = match_end;
        i = if match_end > i { match_end } else { i + 1 };
    }
    if copied < v.len() {
        out.extend_from_slice(&v[copied..]);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flow,
    Block,
    Quoted,
}

/// `foldFlowLines`: breaks `text` at spaces so that lines fit in 80 columns (at least 20 of
/// content), continuation lines indented by `indent`. `None` when the result would split a
/// surrogate pair or the package's own result is not well defined (see the module docs).
fn fold(
    text: &[u16],
    indent: usize,
    mode: Mode,
    indent_at_start: Option<usize>,
    overflow_seen: Option<&mut bool>,
) -> Option<Units> {
    let indent_len = indent as isize;
    let end_step = (1 + MIN_CONTENT_WIDTH).max(1 + LINE_WIDTH - indent_len);
    if text.len() as isize <= end_step {
        return Some(text.to_vec());
    }
    let at = |i: isize| -> Option<u16> {
        if i < 0 {
            None
        } else {
            text.get(i as usize).copied()
        }
    };
    let blankish = |c: Option<u16>| matches!(c, Some(SP | NL | TAB));
    let mut folds: Vec<isize> = Vec::new();
    let mut escaped_folds: Vec<isize> = Vec::new();
    let mut end = LINE_WIDTH - indent_len;
    if let Some(at_start) = indent_at_start {
        if at_start as isize > LINE_WIDTH - 2.max(MIN_CONTENT_WIDTH) {
            folds.push(0);
        } else {
            end = LINE_WIDTH - at_start as isize;
        }
    }
    let mut split: Option<isize> = None;
    let mut prev: Option<u16> = None;
    let mut overflow = false;
    let mut i: isize = -1;
    let mut esc_start: isize = -1;
    let mut esc_end: isize = -1;
    if mode == Mode::Block {
        i = consume_more_indented_lines(text, i, indent_len);
        if i != -1 {
            end = i + end_step;
        }
    }
    loop {
        i += 1;
        let Some(first) = at(i) else { break };
        let mut ch = Some(first);
        if mode == Mode::Quoted && first == BACKSLASH {
            esc_start = i;
            i += match at(i + 1).map(|c| c as u8) {
                Some(b'x') => 3,
                Some(b'u') => 5,
                Some(b'U') => 9,
                _ => 1,
            };
            esc_end = i;
        }
        if first == NL {
            if mode == Mode::Block {
                i = consume_more_indented_lines(text, i, indent_len);
            }
            end = i + indent_len + end_step;
            split = None;
        } else {
            if first == SP && prev.is_some() && !blankish(prev) {
                let next = at(i + 1);
                if next.is_some() && !blankish(next) {
                    split = Some(i);
                }
            }
            if i >= end {
                if let Some(s) = split.filter(|s| *s != 0) {
                    folds.push(s);
                    end = s + end_step;
                    split = None;
                } else if mode == Mode::Quoted {
                    // Whitespace at the end may stretch past the width.
                    while matches!(prev, Some(SP | TAB)) {
                        prev = ch;
                        i += 1;
                        ch = at(i);
                        overflow = true;
                    }
                    // Break with an escaped newline, but not inside an escape.
                    let j = if i > esc_end + 1 {
                        i - 2
                    } else {
                        esc_start - 1
                    };
                    if j < 0 {
                        // The package slices from the end here and writes `undefined`.
                        return None;
                    }
                    if escaped_folds.contains(&j) {
                        return Some(text.to_vec());
                    }
                    folds.push(j);
                    escaped_folds.push(j);
                    end = j + end_step;
                    split = None;
                } else {
                    overflow = true;
                }
            }
        }
        prev = ch;
        if ch.is_none() {
            break;
        }
    }
    if overflow {
        if let Some(seen) = overflow_seen {
            *seen = true;
        }
    }
    if folds.is_empty() {
        return Some(text.to_vec());
    }
    write_folds(text, &folds, &escaped_folds, indent, mode)
}

/// `text` broken at `folds` (a newline and `indent` spaces replace the space there; at an
/// escaped fold of a quoted scalar the character stays and a `\` ends the line). `None` when
/// a fold falls between the halves of a surrogate pair.
fn write_folds(
    text: &[u16],
    folds: &[isize],
    escaped_folds: &[isize],
    indent: usize,
    mode: Mode,
) -> Option<Units> {
    let slice = |a: isize, b: isize| -> &[u16] {
        let len = text.len() as isize;
        let a = a.clamp(0, len) as usize;
        let b = b.clamp(0, len) as usize;
        if b > a { &text[a..b] } else { &[] }
    };
    let mut res: Units = slice(0, folds[0]).to_vec();
    for (k, &fold_at) in folds.iter().enumerate() {
        let stop = folds
            .get(k + 1)
            .copied()
            .filter(|f| *f != 0)
            .unwrap_or(text.len() as isize);
        if fold_at == 0 {
            res = vec![NL];
            push_spaces(&mut res, indent);
            res.extend_from_slice(slice(0, stop));
        } else {
            if mode == Mode::Quoted && escaped_folds.contains(&fold_at) {
                res.extend_from_slice(slice(fold_at, fold_at + 1));
                res.push(BACKSLASH);
            }
            res.push(NL);
            push_spaces(&mut res, indent);
            res.extend_from_slice(slice(fold_at + 1, stop));
        }
    }
    // A fold between the halves of a surrogate pair would write broken text.
    if String::from_utf16(&res).is_err() {
        return None;
    }
    Some(res)
}

/// `consumeMoreIndentedLines`: from the start of the line after `i`, skips the lines indented
/// more than `indent`; the index of the last newline skipped (or `i`).
fn consume_more_indented_lines(text: &[u16], mut i: isize, indent: isize) -> isize {
    let at = |i: isize| -> Option<u16> {
        if i < 0 {
            None
        } else {
            text.get(i as usize).copied()
        }
    };
    let mut end = i;
    let mut start = i + 1;
    let mut ch = at(start);
    while matches!(ch, Some(SP | TAB)) {
        if i < start + indent {
            i += 1;
            ch = at(i);
        } else {
            loop {
                i += 1;
                ch = at(i);
                if ch.is_none() || ch == Some(NL) {
                    break;
                }
            }
            end = i;
            start = i + 1;
            ch = at(start);
        }
    }
    end
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::yaml::js::JsObject;

    fn map(entries: &[(&str, JsValue)]) -> JsValue {
        JsValue::Object(JsObject::from_ordered(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        ))
    }

    fn s(v: &str) -> JsValue {
        JsValue::String(v.into())
    }

    fn one(v: &str) -> String {
        stringify(&map(&[("k", s(v))])).unwrap()
    }

    #[test]
    fn plain_and_quoted() {
        assert_eq!(one("wss://h/p?x=1&y=2"), "k: wss://h/p?x=1&y=2\n");
        assert_eq!(one("x {{A}}"), "k: x {{A}}\n");
        assert_eq!(one("{{BASE}}/ws"), "k: \"{{BASE}}/ws\"\n");
        assert_eq!(one("42"), "k: \"42\"\n");
        assert_eq!(one("true"), "k: \"true\"\n");
        assert_eq!(one(""), "k: \"\"\n");
        assert_eq!(one("a: b"), "k: \"a: b\"\n");
        assert_eq!(one("\"hi\" there"), "k: '\"hi\" there'\n");
        assert_eq!(one("yes"), "k: yes\n");
        assert_eq!(one("a\u{1b}b\u{0}"), "k: \"a\\eb\\0\"\n");
    }

    #[test]
    fn block_scalars() {
        assert_eq!(one("a\nb"), "k: |-\n  a\n  b\n");
        assert_eq!(one("a\nb\n"), "k: |\n  a\n  b\n");
        assert_eq!(one("a\nb\n\n"), "k: |+\n  a\n  b\n\n");
        assert_eq!(one("  a\nb"), "k: |2-\n    a\n  b\n");
        let long = format!("{}\nshort", "word ".repeat(20).trim_end());
        assert_eq!(
            one(&long),
            format!(
                "k: >-\n  {}\n  {}\n\n  short\n",
                "word ".repeat(15).trim_end(),
                "word ".repeat(5).trim_end()
            )
        );
    }

    #[test]
    fn collections() {
        let v = map(&[
            ("type", s("request")),
            ("attrs", map(&[("uid", s("u"))])),
            (
                "content",
                JsValue::Array(vec![map(&[("type", s("method")), ("content", s("GET"))])]),
            ),
            ("empty", JsValue::Array(vec![])),
            ("n", JsValue::Number(1.5)),
            ("z", JsValue::Null),
        ]);
        assert_eq!(
            stringify(&v).unwrap(),
            "type: request\nattrs:\n  uid: u\ncontent:\n  - type: method\n    content: GET\nempty: []\nn: 1.5\nz: null\n"
        );
    }

    #[test]
    fn long_plain_folds_at_a_space() {
        let v = map(&[(
            "row",
            JsValue::Array(vec![s(&format!("Bearer {}", "x".repeat(71)))]),
        )]);
        assert_eq!(
            stringify(&v).unwrap(),
            format!("row:\n  - Bearer\n    {}\n", "x".repeat(71))
        );
    }
}
