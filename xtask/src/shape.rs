//! `cargo xtask shape`: checks of the code's shape that clippy does not make, run by the rust
//! test stage:
//!
//! - no function in the server crates' sources (`server/*/src`, outside `#[cfg(test)]` items)
//!   is longer than [`MAX_FUNCTION_LINES`] lines, signature to closing brace;
//! - no two files of the session crate import each other, directly or around a loop (`use
//!   crate::a`, `crate::a::f()` and `super::a` paths are imports of `a.rs`; `lib.rs` is left
//!   out, since it declares every module and re-exports their items).
//!
//! Both read the source text with a small Rust lexer (comments, strings, raw strings, chars and
//! lifetimes), not a full parser: enough to find items, braces and paths.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest function allowed outside tests.
pub const MAX_FUNCTION_LINES: usize = 120;

pub fn shape(args: &[String]) -> anyhow::Result<()> {
    let root = match args.first() {
        Some(root) => PathBuf::from(root),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
    };
    let mut problems = Vec::new();
    for crate_dir in sorted_dirs(&root.join("server"))? {
        for file in rust_files(&crate_dir.join("src"))? {
            let text = std::fs::read_to_string(&file)?;
            for f in long_functions(&text) {
                problems.push(format!(
                    "{}:{}: fn {} is {} lines long (at most {MAX_FUNCTION_LINES} outside tests)",
                    file.strip_prefix(&root).unwrap_or(&file).display(),
                    f.line,
                    f.name,
                    f.lines
                ));
            }
        }
    }
    let session = root.join("server/session/src");
    for cycle in import_cycles(&session)? {
        problems.push(format!(
            "server/session/src: files import each other in a loop: {}",
            cycle.join(" -> ")
        ));
    }
    if problems.is_empty() {
        use std::io::Write as _;
        writeln!(
            std::io::stdout().lock(),
            "shape: no function over {MAX_FUNCTION_LINES} lines in server/*/src, no import loop between the session crate's files"
        )?;
        return Ok(());
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    anyhow::bail!("{} shape problem(s)", problems.len())
}

fn sorted_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A token of Rust source: an identifier or keyword, or one punctuation character.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Punct(char),
}

/// The tokens of `text` with their 1-based lines, comments and literals left out.
fn tokens(text: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Advances over `chars[from..to]`, counting line breaks.
    let skip = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to.min(chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count();
        to
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            let end = (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .unwrap_or(chars.len());
            i = skip(i, end, &mut line);
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            let mut j = i;
            while j < chars.len() {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            i = skip(i, j, &mut line);
        } else if let Some(end) = raw_string_end(&chars, i) {
            i = skip(i, end, &mut line);
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            i = skip(i, j + 1, &mut line);
        } else if c == '\'' || (c == 'b' && next == Some('\'')) {
            let q = if c == 'b' { i + 1 } else { i };
            if chars.get(q + 1) == Some(&'\\') {
                let mut j = q + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if chars.get(q + 2) == Some(&'\'') {
                i = q + 3;
            } else {
                i = q + 1; // a lifetime: its name follows as an identifier
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), line));
        } else {
            if c == '\n' {
                line += 1;
            } else if !c.is_whitespace() {
                out.push((Token::Punct(c), line));
            }
            i += 1;
        }
    }
    out
}

/// Where the raw string starting at `i` ends (`r"…"`, `r#"…"#`, `br#"…"#`), if one starts there.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r')
        || (i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
    {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"'
            && chars[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

/// A function longer than the limit.
#[derive(Debug, PartialEq, Eq)]
struct LongFunction {
    name: String,
    line: usize,
    lines: usize,
}

/// What an open brace belongs to.
enum Open {
    Function { name: String, line: usize },
    Test,
    Other,
}

/// The functions of `text` longer than [`MAX_FUNCTION_LINES`], outside `#[cfg(test)]` items.
fn long_functions(text: &str) -> Vec<LongFunction> {
    let tokens = tokens(text);
    let mut out = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut pending_fn: Option<(String, usize)> = None;
    let mut pending_test = false;
    let mut i = 0;
    while i < tokens.len() {
        let in_test = stack.iter().any(|o| matches!(o, Open::Test));
        match &tokens[i].0 {
            Token::Punct('#') if is_cfg_test(&tokens[i..]) => pending_test = true,
            Token::Ident(word) if word == "fn" => {
                if let Some((Token::Ident(name), _)) = tokens.get(i + 1) {
                    pending_fn = Some((name.clone(), tokens[i].1));
                }
            }
            Token::Punct(';') => {
                pending_fn = None;
                pending_test = false;
            }
            Token::Punct('{') => {
                let open = if pending_test {
                    Open::Test
                } else if let Some((name, line)) = pending_fn.take() {
                    Open::Function { name, line }
                } else {
                    Open::Other
                };
                pending_test = false;
                pending_fn = None;
                stack.push(open);
            }
            Token::Punct('}') => {
                if let Some(Open::Function { name, line }) = stack.pop() {
                    let lines = tokens[i].1 - line + 1;
                    if lines > MAX_FUNCTION_LINES && !in_test {
                        out.push(LongFunction { name, line, lines });
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Whether the tokens start with `#[cfg(test)]`.
fn is_cfg_test(tokens: &[(Token, usize)]) -> bool {
    let want = [
        Token::Punct('#'),
        Token::Punct('['),
        Token::Ident("cfg".into()),
        Token::Punct('('),
        Token::Ident("test".into()),
        Token::Punct(')'),
        Token::Punct(']'),
    ];
    tokens.len() >= want.len() && tokens.iter().zip(&want).all(|((t, _), w)| t == w)
}

/// The loops among the imports between the files of the crate at `src` (each loop once, as
/// module names ending where they start).
fn import_cycles(src: &Path) -> anyhow::Result<Vec<Vec<String>>> {
    let mut modules: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in rust_files(src)? {
        let Ok(relative) = file.strip_prefix(src) else {
            continue;
        };
        let name = relative
            .with_extension("")
            .to_string_lossy()
            .replace('/', "::")
            .trim_end_matches("::mod")
            .to_string();
        if name != "lib" && name != "main" {
            modules.insert(name, file);
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file)?;
        let edges = imports(module, &text, &modules);
        graph.insert(module.clone(), edges);
    }
    Ok(cycles(&graph))
}

/// The modules `module` (text `text`) names through `crate::` and `super::` paths, outside
/// its `#[cfg(test)]` items.
fn imports(module: &str, text: &str, modules: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let tokens = tokens(text);
    let parent: Vec<&str> = module.split("::").collect();
    let mut out = BTreeSet::new();
    let mut depth_of_test: Option<usize> = None;
    let mut depth = 0usize;
    let mut pending_test = false;
    for (i, (token, _)) in tokens.iter().enumerate() {
        match token {
            Token::Punct('#') if is_cfg_test(&tokens[i..]) => pending_test = true,
            Token::Punct(';') => pending_test = false,
            Token::Punct('{') => {
                depth += 1;
                if pending_test && depth_of_test.is_none() {
                    depth_of_test = Some(depth);
                }
                pending_test = false;
            }
            Token::Punct('}') => {
                if depth_of_test == Some(depth) {
                    depth_of_test = None;
                }
                depth = depth.saturating_sub(1);
            }
            Token::Ident(word)
                if depth_of_test.is_none() && (word == "crate" || word == "super") =>
            {
                let path = path_after(&tokens[i..]);
                let base: Vec<String> = if word == "crate" {
                    Vec::new()
                } else {
                    parent[..parent.len().saturating_sub(1)]
                        .iter()
                        .map(|s| s.to_string())
                        .collect()
                };
                // The longest prefix of base + path that names a file of the crate.
                let mut full = base;
                let mut found = None;
                for segment in path {
                    full.push(segment);
                    let name = full.join("::");
                    if modules.contains_key(&name) {
                        found = Some(name);
                    }
                }
                if let Some(target) = found.filter(|t| t != module) {
                    out.insert(target);
                }
            }
            _ => {}
        }
    }
    out
}

/// The identifiers of the path after a `crate`/`super` token (`crate::a::b` -> `[a, b]`), and
/// for a `use crate::a::{b, c}` group, the first name of the group.
fn path_after(tokens: &[(Token, usize)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 1;
    while tokens.get(i).map(|t| &t.0) == Some(&Token::Punct(':'))
        && tokens.get(i + 1).map(|t| &t.0) == Some(&Token::Punct(':'))
    {
        match tokens.get(i + 2).map(|t| &t.0) {
            Some(Token::Ident(name)) if name != "super" && name != "self" => {
                out.push(name.clone());
                i += 3;
            }
            _ => break,
        }
    }
    out
}

/// Each elementary loop of `graph` once (found by a depth-first walk from every node, keeping
/// loops whose smallest node is where they start).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for start in graph.keys() {
        let mut path = vec![start.clone()];
        walk(graph, start, &mut path, &mut out);
    }
    out
}

fn walk(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    let Some(current) = path.last().cloned() else {
        return;
    };
    for next in graph.get(&current).into_iter().flatten() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(start.to_string());
            out.push(cycle);
        } else if next.as_str() > start && !path.contains(next) {
            path.push(next.clone());
            walk(graph, start, path, out);
            path.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_functions_are_found_outside_tests_only() {
        let body = "    let x = 1;\n".repeat(MAX_FUNCTION_LINES);
        let text = format!(
            "fn short() {{ let s = \"}}\"; let c = '}}'; }}\n\
             fn long<'a>(x: &'a str) {{\n{body}}}\n\
             trait T {{ fn declared(&self); }}\n\
             #[cfg(test)]\nmod tests {{\n    fn long_test() {{\n{body}    }}\n}}\n\
             const R: &str = r#\"fn fake() {{\"#;\n"
        );
        let found = long_functions(&text);
        assert_eq!(
            found,
            vec![LongFunction {
                name: "long".into(),
                line: 2,
                lines: MAX_FUNCTION_LINES + 2
            }]
        );
    }

    #[test]
    fn import_loops_are_found() {
        let mut graph = BTreeMap::new();
        let edges = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        graph.insert("a".to_string(), edges(&["b"]));
        graph.insert("b".to_string(), edges(&["c"]));
        graph.insert("c".to_string(), edges(&["a"]));
        graph.insert("d".to_string(), edges(&["a"]));
        assert_eq!(cycles(&graph), vec![vec!["a", "b", "c", "a"]]);
    }

    #[test]
    fn paths_name_the_files_they_reach() {
        let modules: BTreeMap<String, PathBuf> = ["engine", "outbox", "run", "sync"]
            .iter()
            .map(|m| (m.to_string(), PathBuf::new()))
            .collect();
        let text = "use crate::outbox::{Outbox, Taken};\nuse super::run::Run;\nfn f() { crate::sync::x(); }\n#[cfg(test)]\nmod tests { use crate::engine::E; }\n";
        assert_eq!(
            imports("engine", text, &modules),
            ["outbox", "run", "sync"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
    }
}
