//! Linked blocks and linked files (docs/format.md §6): a `linkedBlock` stands for the block of
//! another `.void` file whose uid is its `blockUid`, a `linkedFile` for the top-level blocks of
//! another file (or of one of its sections, `sectionUid`). Paths (`originalFile`) are from the
//! project root, written with a leading `/`.
//!
//! [`expand`] reads what a document links to and builds the document as the app sees it when
//! it runs a request: each link block replaced by what it links to, links in linked content
//! followed too (at most [`MAX_DEPTH`] levels, as the app). The result keeps, for each link,
//! where it leads or why it leads nowhere ([`LinkProblem`]: a missing file, a missing uid or
//! section, a file that cannot be read, a cycle, too deep), and maps offsets of the original
//! text to the expanded one. [`diagnostics`] turns the problems into diagnostics on the link
//! blocks, and checks the WebSocket sections the links complete.
//!
//! No I/O here: files are read through [`LinkFiles`], which the caller bounds (regular files
//! inside the project, size-capped). The expansion itself is bounded too: at most
//! [`MAX_FILES`] files read and [`MAX_EXPANDED_BYTES`] of expanded text.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::{Diagnostic, Severity, codes};
use crate::model::{Block, BlockKind, Document};
use crate::yaml::{self, Node, Value};

/// How deep links in linked content are followed (the app's own limit).
pub const MAX_DEPTH: usize = 10;
/// Most files one expansion reads.
pub const MAX_FILES: usize = 256;
/// Largest expanded text.
pub const MAX_EXPANDED_BYTES: usize = 64 * 1024 * 1024;

/// The block types that link.
pub const LINKED_BLOCK: &str = "linkedBlock";
pub const LINKED_FILE: &str = "linkedFile";

/// Whether a block is a link.
pub fn is_link(block: &Block) -> bool {
    matches!(block.type_str(), LINKED_BLOCK | LINKED_FILE)
}

/// Reads the files links point to. The caller bounds every read (regular files inside the
/// project, size-capped) and words every refusal.
pub trait LinkFiles {
    /// The file's text, or why it was not read (`Err(None)`: it does not exist).
    fn read(&self, path: &Path) -> Result<String, Option<String>>;
}

impl LinkFiles for HashMap<PathBuf, String> {
    fn read(&self, path: &Path) -> Result<String, Option<String>> {
        self.get(path).cloned().ok_or(None)
    }
}

/// Why a link leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    /// The link block has no `originalFile` (or, for a `linkedBlock`, no `blockUid`).
    Incomplete(&'static str),
    /// The file does not exist.
    NoFile(PathBuf),
    /// The file exists but was not read: the reader's words.
    Unreadable(String),
    /// No block with the uid in the file.
    NoBlock { file: PathBuf, uid: String },
    /// No section whose separator has the uid in the file.
    NoSection { file: PathBuf, uid: String },
    /// Following links comes back to where it started: the chain, as `file#uid` steps.
    Cycle(Vec<String>),
    /// Links nested deeper than [`MAX_DEPTH`], or past the bounds of one expansion.
    TooMuch(String),
}

impl std::fmt::Display for LinkProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkProblem::Incomplete(what) => write!(f, "this link has no `{what}`"),
            LinkProblem::NoFile(path) => {
                write!(f, "the linked file {} does not exist", path.display())
            }
            LinkProblem::Unreadable(why) => write!(f, "the linked file was not read: {why}"),
            LinkProblem::NoBlock { file, uid } => {
                write!(f, "no block with uid `{uid}` in {}", file.display())
            }
            LinkProblem::NoSection { file, uid } => {
                write!(
                    f,
                    "no section whose separator has uid `{uid}` in {}",
                    file.display()
                )
            }
            LinkProblem::Cycle(chain) => {
                write!(
                    f,
                    "these links lead back to themselves: {}",
                    chain.join(" → ")
                )
            }
            LinkProblem::TooMuch(what) => f.write_str(what),
        }
    }
}

/// Where a link leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    pub file: PathBuf,
    /// The linked block's fence (a `linkedBlock`), the section (a `linkedFile` with
    /// `sectionUid`) or the body after the frontmatter (a whole `linkedFile`), in `file`'s text.
    pub range: Range<usize>,
    /// The type of the linked block (`linkedBlock` only).
    pub block_type: Option<String>,
}

/// One link block of the document and where it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Index of the link block in the document's `blocks`.
    pub block: usize,
    pub target: Result<LinkTarget, LinkProblem>,
}

/// A document with its links replaced by what they link to.
#[derive(Debug, Clone, Default)]
pub struct Expansion {
    /// The expanded text (the original text when nothing links).
    pub text: String,
    /// Every link block of the original document, in file order.
    pub links: Vec<Link>,
    /// `(original range, expanded range)` of every replaced link block, in order.
    replaced: Vec<(Range<usize>, Range<usize>)>,
}

impl Expansion {
    /// Whether the document has no link at all.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// The offset in the expanded text of an offset of the original text (an offset inside a
    /// replaced link block maps to the start of what replaced it).
    pub fn to_expanded(&self, offset: usize) -> usize {
        let mut shift: isize = 0;
        for (original, expanded) in &self.replaced {
            if offset < original.start {
                break;
            }
            if offset < original.end {
                return expanded.start;
            }
            shift = expanded.end as isize - original.end as isize;
        }
        (offset as isize + shift).max(0) as usize
    }

    /// The link whose block is `block` (an index of the original document).
    pub fn link(&self, block: usize) -> Option<&Link> {
        self.links.iter().find(|l| l.block == block)
    }
}

/// Where the document being expanded is, and how to read what it links to.
pub struct LinkContext<'a> {
    /// The project root, which `originalFile` paths start from.
    pub root: &'a Path,
    /// The document's own file.
    pub file: &'a Path,
    pub files: &'a dyn LinkFiles,
}

/// Expands the links of `doc` (whose text is `text`).
pub fn expand(doc: &Document, text: &str, ctx: &LinkContext<'_>) -> Expansion {
    let mut links: Vec<usize> = doc
        .blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| is_link(b) && !b.in_container)
        .map(|(i, _)| i)
        .collect();
    links.sort_by_key(|&i| doc.blocks[i].range.start);
    if links.is_empty() {
        return Expansion {
            text: text.to_string(),
            ..Expansion::default()
        };
    }
    let mut expander = Expander {
        ctx,
        cache: HashMap::new(),
        files_read: 0,
        expanded_bytes: text.len(),
    };
    let mut stack = vec![key(ctx.file, "*")];
    let mut out = Expansion::default();
    let mut pos = 0;
    for index in links {
        let block = &doc.blocks[index];
        let (target, content) = expander.follow(block, &mut stack, 0);
        if let Ok(content) = &content {
            out.text.push_str(&text[pos..block.range.start]);
            let start = out.text.len();
            out.text.push_str(content);
            out.replaced
                .push((block.range.clone(), start..out.text.len()));
            pos = block.range.end;
        }
        out.links.push(Link {
            block: index,
            target: target.and_then(|t| content.map(|_| t)),
        });
    }
    out.text.push_str(&text[pos..]);
    out
}

struct Expander<'a, 'c> {
    ctx: &'a LinkContext<'c>,
    /// Texts (or refusals) of the files read so far, and their parsed documents.
    cache: HashMap<PathBuf, Result<(String, std::sync::Arc<Document>), LinkProblem>>,
    files_read: usize,
    expanded_bytes: usize,
}

/// A cycle key: a file and the uid (or `*` for the whole file) reached in it.
fn key(file: &Path, what: &str) -> String {
    format!("{}#{what}", file.display())
}

/// `root` joined with a project path (`/blocks/x.void`), `..` resolved lexically (the reader
/// refuses what leaves the project).
pub fn project_path(root: &Path, original: &str) -> PathBuf {
    let mut out = root.to_path_buf();
    for part in Path::new(original.trim_start_matches(['/', '\\'])).components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(p) => out.push(p),
            _ => {}
        }
    }
    out
}

/// The scalar text of attr `name` of a block, and its range.
fn attr(block: &Block, name: &str) -> Option<(String, Range<usize>)> {
    let node = block.attrs()?.get(name)?;
    let scalar = node.as_scalar().filter(|s| !s.is_null())?;
    Some((scalar.value.to_string(), node.range()))
}

impl Expander<'_, '_> {
    fn load(&mut self, path: &Path) -> Result<(String, std::sync::Arc<Document>), LinkProblem> {
        if let Some(hit) = self.cache.get(path) {
            return hit.clone();
        }
        self.files_read += 1;
        let loaded = if self.files_read > MAX_FILES {
            Err(LinkProblem::TooMuch(format!(
                "links lead to more than {MAX_FILES} files; not followed further"
            )))
        } else {
            match self.ctx.files.read(path) {
                Ok(text) => {
                    let doc = std::sync::Arc::new(crate::parse(&text));
                    Ok((text, doc))
                }
                Err(None) => Err(LinkProblem::NoFile(path.to_path_buf())),
                Err(Some(why)) => Err(LinkProblem::Unreadable(why)),
            }
        };
        self.cache.insert(path.to_path_buf(), loaded.clone());
        loaded
    }

    /// Where `block` (a link) leads, and the text that replaces it.
    fn follow(
        &mut self,
        block: &Block,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> (Result<LinkTarget, LinkProblem>, Result<String, LinkProblem>) {
        let result = self.follow_inner(block, stack, depth);
        match result {
            Ok((target, content)) => {
                self.expanded_bytes += content.len();
                if self.expanded_bytes > MAX_EXPANDED_BYTES {
                    let problem = LinkProblem::TooMuch(format!(
                        "the linked content is larger than {} MiB; not followed",
                        MAX_EXPANDED_BYTES >> 20
                    ));
                    return (Ok(target), Err(problem));
                }
                (Ok(target), Ok(content))
            }
            Err(problem) => (Err(problem.clone()), Err(problem)),
        }
    }

    fn follow_inner(
        &mut self,
        block: &Block,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> Result<(LinkTarget, String), LinkProblem> {
        if depth >= MAX_DEPTH {
            return Err(LinkProblem::TooMuch(format!(
                "links nested more than {MAX_DEPTH} deep; not followed further"
            )));
        }
        let (original, _) =
            attr(block, "originalFile").ok_or(LinkProblem::Incomplete("originalFile"))?;
        let path = project_path(self.ctx.root, &original);
        let linked_block = block.type_str() == LINKED_BLOCK;
        let what = if linked_block {
            attr(block, "blockUid")
                .ok_or(LinkProblem::Incomplete("blockUid"))?
                .0
        } else {
            attr(block, "sectionUid").map_or("*".to_string(), |(uid, _)| uid)
        };
        let step = key(&path, &what);
        if stack.contains(&step) {
            let mut chain = stack.clone();
            chain.push(step);
            return Err(LinkProblem::Cycle(chain));
        }
        let (text, doc) = self.load(&path)?;
        stack.push(step);
        let result = if linked_block {
            self.linked_block(&path, &text, &doc, &what, stack, depth)
        } else {
            self.linked_file(&path, &text, &doc, &what, stack, depth)
        };
        stack.pop();
        result
    }

    fn linked_block(
        &mut self,
        path: &Path,
        text: &str,
        doc: &Document,
        uid: &str,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> Result<(LinkTarget, String), LinkProblem> {
        let no_block = || LinkProblem::NoBlock {
            file: path.to_path_buf(),
            uid: uid.to_string(),
        };
        // A top-level block with the uid, else a node with it inside a block (the app searches
        // every node).
        let (block, node) = match doc.block_by_uid(uid) {
            Some((_, block)) => (block, None),
            None => doc
                .blocks
                .iter()
                .find_map(|b| nested_node(b.yaml_root()?, uid).map(|n| (b, Some(n))))
                .ok_or_else(no_block)?,
        };
        let target = LinkTarget {
            file: path.to_path_buf(),
            range: block.range.clone(),
            block_type: Some(match node {
                Some(n) => n
                    .get("type")
                    .and_then(|t| t.as_str())
                    .unwrap_or("")
                    .to_string(),
                None => block.type_str().to_string(),
            }),
        };
        if node.is_none() && is_link(block) {
            // A link to a link: follow it.
            let (_, content) = self.follow(block, stack, depth + 1);
            return Ok((target, content?));
        }
        let yaml_text = match node {
            None if !block.in_container => block
                .yaml_range
                .clone()
                .and_then(|r| text.get(r))
                .map(str::to_string),
            _ => node
                .or_else(|| block.yaml_root())
                .and_then(crate::format::canonical_value)
                .and_then(|v| yaml::stringify(&v)),
        }
        .ok_or_else(no_block)?;
        Ok((target, format!("```void\n---\n{yaml_text}---\n```")))
    }

    fn linked_file(
        &mut self,
        path: &Path,
        text: &str,
        doc: &Document,
        section_uid: &str,
        stack: &mut Vec<String>,
        depth: usize,
    ) -> Result<(LinkTarget, String), LinkProblem> {
        let body_start = doc.frontmatter.as_ref().map_or(0, |f| f.range.end);
        let range = if section_uid == "*" {
            body_start..text.len()
        } else {
            let section = doc
                .sections
                .iter()
                .find(|s| {
                    s.separator.is_some_and(|i| {
                        doc.blocks[i]
                            .uid
                            .as_ref()
                            .is_some_and(|u| u.value == section_uid)
                    })
                })
                .ok_or_else(|| LinkProblem::NoSection {
                    file: path.to_path_buf(),
                    uid: section_uid.to_string(),
                })?;
            let start = section
                .separator
                .map_or(section.range.start, |i| doc.blocks[i].range.end);
            start..section.range.end
        };
        // The links inside the linked part are followed too.
        let mut content = String::new();
        let mut pos = range.start;
        let mut inner: Vec<&Block> = doc
            .blocks
            .iter()
            .filter(|b| is_link(b) && !b.in_container && range.contains(&b.range.start))
            .collect();
        inner.sort_by_key(|b| b.range.start);
        for block in inner {
            let (_, expanded) = self.follow(block, stack, depth + 1);
            let expanded = expanded?;
            content.push_str(&text[pos..block.range.start]);
            content.push_str(&expanded);
            pos = block.range.end;
        }
        content.push_str(&text[pos..range.end]);
        let target = LinkTarget {
            file: path.to_path_buf(),
            range,
            block_type: None,
        };
        Ok((target, format!("\n{}\n", content.trim_matches('\n'))))
    }
}

/// The node with `attrs.uid == uid` below `root` (not `root` itself).
fn nested_node<'a>(root: Node<'a>, uid: &str) -> Option<Node<'a>> {
    let mut found = None;
    root.walk(&mut |n| {
        if found.is_some() || n == root {
            return;
        }
        if let Value::Mapping { .. } = n.value()
            && n.get("type").is_some()
            && n.get("attrs")
                .and_then(|a| a.get("uid"))
                .and_then(|u| u.as_str())
                == Some(uid)
        {
            found = Some(n);
        }
    });
    found
}

/// Diagnostics of a document's links: each link that leads nowhere is an error on it, and a
/// section whose `ws-*` blocks rely on a linked `socket-request` that is not one gets the
/// error the parser left to this check.
pub fn diagnostics(doc: &Document, expansion: &Expansion) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for link in &expansion.links {
        let block = &doc.blocks[link.block];
        let Err(problem) = &link.target else {
            continue;
        };
        let range = attr(block, "originalFile")
            .map(|(_, r)| r)
            .or_else(|| block.type_name.as_ref().map(|t| t.range.clone()))
            .unwrap_or_else(|| block.range.clone());
        out.push(Diagnostic::new(
            range,
            Severity::Error,
            codes::LINK_UNRESOLVED,
            format!("{problem}"),
        ));
    }
    if expansion.is_empty() {
        return out;
    }
    let expanded = crate::parse(&expansion.text);
    for section in &doc.sections {
        let has_link = section.blocks.iter().any(|&i| is_link(&doc.blocks[i]));
        if !has_link || section.is_websocket(doc) {
            continue;
        }
        for &i in &section.blocks {
            let b = &doc.blocks[i];
            if !matches!(
                b.kind,
                BlockKind::WsMessage(_) | BlockKind::WsOptions(_) | BlockKind::WsAssertions(_)
            ) {
                continue;
            }
            let at = expanded.section_at(expansion.to_expanded(b.range.start));
            if expanded
                .sections
                .get(at)
                .is_some_and(|s| s.is_websocket(&expanded))
            {
                continue;
            }
            out.push(Diagnostic::new(
                b.type_name.as_ref().map_or(b.range.clone(), |t| t.range.clone()),
                Severity::Error,
                codes::WS_BLOCK_OUTSIDE_SECTION,
                format!(
                    "`{}` belongs to a WebSocket section, but neither this section nor what it links to has a WebSocket socket-request",
                    b.type_str()
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use crate::variables::test_files as files;

    fn block(yaml: &str) -> String {
        format!("```void\n---\n{yaml}---\n```\n")
    }

    fn link_block(uid: &str, file: &str) -> String {
        block(&format!(
            "type: linkedBlock\nattrs:\n  uid: 0f0f0f0f-0000-4000-8000-{uid:0>12}\n  blockUid: {file}\n"
        ))
    }

    fn expand_at(fs: &HashMap<PathBuf, String>, file: &str) -> (Document, Expansion) {
        let text = fs.get(Path::new(file)).unwrap();
        let doc = crate::parse(text);
        let ctx = LinkContext {
            root: Path::new("/p"),
            file: Path::new(file),
            files: fs,
        };
        let expansion = expand(&doc, text, &ctx);
        (doc, expansion)
    }

    const REQUEST: &str = "type: socket-request\nattrs:\n  uid: 11111111-1111-4111-8111-111111111111\ncontent:\n  - type: smethod\n    attrs:\n      uid: 22222222-2222-4222-8222-222222222222\n    content: WS\n  - type: surl\n    attrs:\n      uid: 33333333-3333-4333-8333-333333333333\n    content: ws://h/x\n";

    fn linked(block_uid: &str, file: &str) -> String {
        block(&format!(
            "type: linkedBlock\nattrs:\n  uid: 44444444-4444-4444-8444-{:0>12}\n  blockUid: {block_uid}\n  originalFile: {file}\n",
            block_uid.len()
        ))
    }

    #[test]
    fn a_linked_block_stands_where_the_link_is() {
        let message = block(
            "type: ws-message\nattrs:\n  uid: 55555555-5555-4555-8555-555555555555\n  name: m\n  body: hi\n",
        );
        let fs = files(&[
            (
                "/p/lib/requests.void",
                &format!("# lib\n\n{}", block(REQUEST)),
            ),
            (
                "/p/api/use.void",
                &format!(
                    "# use\n\n{}\n{message}",
                    linked("11111111-1111-4111-8111-111111111111", "/lib/requests.void")
                ),
            ),
        ]);
        let (doc, expansion) = expand_at(&fs, "/p/api/use.void");
        assert_eq!(expansion.links.len(), 1);
        let target = expansion.links[0].target.clone().unwrap();
        assert_eq!(target.file, PathBuf::from("/p/lib/requests.void"));
        assert_eq!(target.block_type.as_deref(), Some("socket-request"));
        let expanded = crate::parse(&expansion.text);
        assert!(expanded.sections[0].is_websocket(&expanded));
        // Without the links, the ws-message would be outside a WebSocket section: no error now.
        assert!(
            !doc.diagnostics
                .iter()
                .any(|d| d.code == codes::WS_BLOCK_OUTSIDE_SECTION)
        );
        assert!(diagnostics(&doc, &expansion).is_empty());
        // Offsets after the link move with the expansion.
        let m = doc
            .blocks
            .iter()
            .position(|b| b.type_str() == "ws-message")
            .unwrap();
        let at = expansion.to_expanded(doc.blocks[m].range.start);
        assert!(expansion.text[at..].starts_with("```void\n---\ntype: ws-message"));
    }

    #[test]
    fn missing_files_uids_and_cycles_are_problems() {
        let fs = files(&[
            ("/p/a.void", &linked("b-uid", "/b.void")),
            (
                "/p/b.void",
                &block(
                    "type: linkedBlock\nattrs:\n  uid: b-uid\n  blockUid: a-uid\n  originalFile: /c.void\n",
                ),
            ),
            (
                "/p/c.void",
                &block(
                    "type: linkedBlock\nattrs:\n  uid: a-uid\n  blockUid: b-uid\n  originalFile: /b.void\n",
                ),
            ),
            (
                "/p/missing.void",
                &format!(
                    "{}{}",
                    linked("x", "/nope.void"),
                    linked("nope-uid", "/b.void")
                ),
            ),
        ]);
        let (doc, expansion) = expand_at(&fs, "/p/a.void");
        match &expansion.links[0].target {
            Err(LinkProblem::Cycle(chain)) => assert_eq!(chain.len(), 4, "{chain:?}"),
            other => panic!("{other:?}"),
        }
        let diags = diagnostics(&doc, &expansion);
        assert_eq!(diags[0].code, codes::LINK_UNRESOLVED);
        assert!(
            diags[0].message.contains("lead back to themselves"),
            "{}",
            diags[0].message
        );
        let (_, expansion) = expand_at(&fs, "/p/missing.void");
        assert_eq!(
            expansion.links[0].target,
            Err(LinkProblem::NoFile(PathBuf::from("/p/nope.void")))
        );
        assert!(matches!(
            expansion.links[1].target,
            Err(LinkProblem::NoBlock { .. })
        ));
        let _ = link_block;
    }

    #[test]
    fn a_linked_file_brings_its_sections() {
        let sep = |uid: &str, label: &str| {
            block(&format!(
                "type: request-separator\nattrs:\n  uid: {uid}\n  colorIndex: 0\n  label: {label}\n"
            ))
        };
        let lib = format!(
            "---\nversion: 1\n---\n# lib\n{}{}{}{}",
            sep("s-one", "One"),
            block(REQUEST),
            sep("s-two", "Two"),
            block(
                "type: ws-options\nattrs:\n  uid: 66666666-6666-4666-8666-666666666666\ncontent: []\n"
            )
        );
        let file_link = |section: &str| {
            block(&format!(
                "type: linkedFile\nattrs:\n  uid: 77777777-7777-4777-8777-777777777777\n  originalFile: /lib.void\n{section}"
            ))
        };
        let fs = files(&[
            ("/p/lib.void", &lib),
            ("/p/all.void", &file_link("")),
            ("/p/one.void", &file_link("  sectionUid: s-one\n")),
        ]);
        let (_, all) = expand_at(&fs, "/p/all.void");
        let expanded = crate::parse(&all.text);
        assert_eq!(expanded.sections.len(), 2, "{}", all.text);
        assert!(!all.text.contains("version: 1"));
        let (_, one) = expand_at(&fs, "/p/one.void");
        let expanded = crate::parse(&one.text);
        assert_eq!(expanded.sections.len(), 1, "{}", one.text);
        assert!(expanded.sections[0].is_websocket(&expanded));
        assert!(!one.text.contains("ws-options"));
    }
}
