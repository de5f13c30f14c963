//! The document model: plain data with byte ranges, produced by [`crate::parse`].
//!
//! Every range is a byte range into the text that was parsed (BOM included in the count).
//! Types here hold no behaviour beyond small accessors; building them is `parse`'s job and
//! checking them is `diagnostics`'.

use std::ops::Range;

use compact_str::CompactString;

use crate::diagnostics::Diagnostic;
use crate::vocab;
use crate::yaml;

/// A byte range in the parsed text.
pub type TextRange = Range<usize>;

/// A value with the byte range it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub range: TextRange,
}

impl<T> Spanned<T> {
    pub fn new(value: T, range: TextRange) -> Self {
        Spanned { value, range }
    }
}

/// Longest uid held inline by [`Uid`] (a hyphenated UUID is 36 bytes).
const UID_INLINE: usize = 40;

/// A block's uid text. Held inline when it fits, as every UUID does, so the model allocates
/// nothing for the uid of a block the app wrote. Reads as a `str`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Uid(UidText);

#[derive(Clone, PartialEq, Eq, Hash)]
enum UidText {
    Inline(arrayvec::ArrayString<UID_INLINE>),
    Heap(CompactString),
}

impl Uid {
    pub fn new(text: &str) -> Uid {
        Uid(match arrayvec::ArrayString::from(text) {
            Ok(inline) => UidText::Inline(inline),
            Err(_) => UidText::Heap(CompactString::from(text)),
        })
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            UidText::Inline(s) => s.as_str(),
            UidText::Heap(s) => s.as_str(),
        }
    }
}

impl std::ops::Deref for Uid {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Uid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Uid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Uid {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Uid {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Uid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Line endings the file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineEnding {
    #[default]
    Lf,
    CrLf,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

/// A parsed `.void` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    /// Length of the parsed text in bytes.
    pub len: usize,
    /// Whether the text starts with a UTF-8 byte order mark (3 bytes, counted in ranges).
    pub bom: bool,
    /// The line ending of the first line break (LF when there is none).
    pub line_ending: LineEnding,
    pub frontmatter: Option<Frontmatter>,
    /// Every ```` ```void ```` block, in file order.
    pub blocks: Vec<Block>,
    /// Sections split by `request-separator` blocks, in file order; never empty.
    pub sections: Vec<Section>,
    /// Markdown headings in the prose (outside blocks), in file order.
    pub headings: Vec<Heading>,
    /// Parse and structure diagnostics (environment-free; see `variables::diagnose_variables`).
    pub diagnostics: Vec<Diagnostic>,
    /// Every `{{...}}` reference inside block scalars, in file order.
    pub variables: Vec<VariableRef>,
}

impl Document {
    /// The block whose fence contains `offset`.
    pub fn block_at(&self, offset: usize) -> Option<(usize, &Block)> {
        let i = self.blocks.partition_point(|b| b.range.end <= offset);
        self.blocks
            .get(i)
            .filter(|b| b.range.start <= offset)
            .map(|b| (i, b))
    }

    /// The index of the section that contains `offset`.
    pub fn section_at(&self, offset: usize) -> usize {
        self.sections
            .iter()
            .rposition(|s| s.range.start <= offset)
            .unwrap_or(0)
    }

    /// The block with this top-level uid.
    pub fn block_by_uid(&self, uid: &str) -> Option<(usize, &Block)> {
        self.blocks
            .iter()
            .enumerate()
            .find(|(_, b)| b.uid.as_ref().is_some_and(|u| u.value == uid))
    }

    /// The `{{variable}}` reference under `offset`.
    pub fn variable_at(&self, offset: usize) -> Option<&VariableRef> {
        self.variables
            .iter()
            .find(|v| v.range.start <= offset && offset <= v.range.end)
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::Severity::Error)
    }
}

/// The YAML frontmatter at the top of the file (`---` ... `---`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontmatter {
    /// Whole frontmatter including both `---` lines and the final line break.
    pub range: TextRange,
    /// The YAML between the `---` lines.
    pub yaml_range: TextRange,
    /// Top-level `key: value` pairs with scalar values, in order.
    pub entries: Vec<(Spanned<String>, Spanned<String>)>,
}

/// A Markdown heading in the prose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub range: TextRange,
}

/// One ```` ```void ```` fenced block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The whole fence, from the opening fence line to the end of the closing fence line
    /// (without its line break).
    pub range: TextRange,
    /// The fence's inner text, between the opening and closing fence lines.
    pub content_range: TextRange,
    /// The YAML between the `---` lines (when found). For a block inside a list or quote this
    /// spans the container prefixes too.
    pub yaml_range: Option<TextRange>,
    /// Whether the block sits inside a Markdown list or block quote.
    pub in_container: bool,
    /// `type:` value.
    pub type_name: Option<Spanned<CompactString>>,
    /// `attrs.uid` of the block node.
    pub uid: Option<Spanned<Uid>>,
    pub kind: BlockKind,
    /// The parsed YAML, when it parsed.
    pub yaml: Option<yaml::Tree>,
}

impl Block {
    /// The type name, or `""` when missing.
    pub fn type_str(&self) -> &str {
        self.type_name.as_ref().map_or("", |t| t.value.as_str())
    }

    /// The top node of the parsed YAML, when it parsed.
    pub fn yaml_root(&self) -> Option<yaml::Node<'_>> {
        self.yaml.as_ref().map(yaml::Tree::root)
    }

    /// The `attrs` mapping of the block node.
    pub fn attrs(&self) -> Option<yaml::Node<'_>> {
        self.yaml_root()?.get("attrs")
    }
}

/// What a block is, with its typed content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockKind {
    /// `socket-request`: a WebSocket (or gRPC) request.
    SocketRequest(SocketRequest),
    /// `ws-message`: a message to send (boxed: it has many optional attrs).
    WsMessage(Box<WsMessage>),
    /// `ws-options`: how to connect.
    WsOptions(WsOptions),
    /// `ws-assertions`: what must be true.
    WsAssertions(Assertions),
    HeadersTable(Table),
    QueryTable(Table),
    CookiesTable(Table),
    PathTable(Table),
    OptionsTable(Table),
    Auth(Auth),
    /// The app's HTTP `assertions-table`.
    AssertionsTable(Assertions),
    /// `request`: an HTTP request.
    HttpRequest(HttpRequest),
    /// `json_body`, `xml_body`, `yml_body`, `text_body`: an HTTP request body.
    Body(Body),
    /// `multipart-table`: a `multipart/form-data` body, text fields and files.
    MultipartTable(MultipartTable),
    /// `url-table`: an `application/x-www-form-urlencoded` body.
    UrlTable(Table),
    /// `restFile`: a file sent as the whole body.
    RestFile(RestFile),
    /// `runtime-variables`: values captured from the response (`[name, {{$res...}}]` rows).
    RuntimeVariables(Table),
    /// `gqlquery`: a GraphQL operation and its endpoint.
    GqlQuery(GqlQuery),
    /// `gqlvariables`: the JSON variables of the section's GraphQL operation.
    GqlVariables(GqlVariables),
    /// `request-separator`.
    Separator(Separator),
    /// `pre_script` / `post_script`: kept, never executed.
    Script(Script),
    /// A known type this project only keeps (`json_body`, `messages-node`, `linkedBlock`, ...).
    Other,
    /// A type this project does not know; kept byte for byte.
    Unknown,
    /// The block's YAML did not parse, or has no usable `type`.
    Malformed,
}

/// Whether a `socket-request` is WebSocket or gRPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketProtocol {
    WebSocket,
    Grpc,
}

/// A `socket-request` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketRequest {
    /// `smethod` text (`WSS`, `WS`, `GRPC`, `GRPCS`).
    pub method: Option<Spanned<CompactString>>,
    /// `smethod` `attrs.method`.
    pub method_attr: Option<Spanned<CompactString>>,
    /// The whole `smethod` node.
    pub method_node: Option<TextRange>,
    /// `surl` text.
    pub url: Option<Spanned<CompactString>>,
    /// The whole `surl` node.
    pub url_node: Option<TextRange>,
    pub protocol: SocketProtocol,
}

/// A `ws-message` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WsMessage {
    pub name: Option<Spanned<CompactString>>,
    /// Raw `format` text; see [`WsMessage::format_value`].
    pub format: Option<Spanned<CompactString>>,
    pub encoding: Option<Spanned<CompactString>>,
    pub send: Option<Spanned<CompactString>>,
    pub delay: Option<Spanned<CompactString>>,
    /// `when:` of a reply (`send: on-receive`); see [`crate::conversation::Condition`].
    pub when: Option<Spanned<CompactString>>,
    /// How often a reply is sent at most.
    pub times: Option<Spanned<CompactString>>,
    /// `capture: NAME = <field>; ...` of a reply.
    pub capture: Option<Spanned<CompactString>>,
    /// Socket.IO: the event name.
    pub event: Option<Spanned<CompactString>>,
    /// Socket.IO: `list` when the body is the argument list.
    pub args: Option<Spanned<CompactString>>,
    /// Socket.IO: `true` to wait for the acknowledgement.
    pub ack: Option<Spanned<CompactString>>,
    /// The body value; its range covers the whole scalar as written (block header included).
    pub body: Option<Spanned<CompactString>>,
}

impl WsMessage {
    /// The format (default `text`); `None` when written but not valid.
    pub fn format_value(&self) -> Option<vocab::MessageFormat> {
        match &self.format {
            None => Some(vocab::MessageFormat::Text),
            Some(f) => vocab::MessageFormat::parse(&f.value),
        }
    }

    /// The binary encoding (default base64); `None` when written but not valid.
    pub fn encoding_value(&self) -> Option<vocab::BinaryEncoding> {
        match &self.encoding {
            None => Some(vocab::BinaryEncoding::Base64),
            Some(e) => vocab::BinaryEncoding::parse(&e.value),
        }
    }

    /// The send mode (default manual); `None` when written but not valid.
    pub fn send_value(&self) -> Option<vocab::SendMode> {
        match &self.send {
            None => Some(vocab::SendMode::Manual),
            Some(s) => vocab::SendMode::parse(&s.value).ok(),
        }
    }

    /// Whether this message is a reply (`send: on-receive`).
    pub fn is_reply(&self) -> bool {
        self.send_value() == Some(vocab::SendMode::OnReceive)
    }

    /// The `when:` condition, when written and valid.
    pub fn when_value(&self) -> Option<crate::conversation::Condition> {
        crate::conversation::Condition::parse(&self.when.as_ref()?.value).ok()
    }

    /// The `capture:` list (empty when absent or not valid).
    pub fn captures(&self) -> Vec<crate::conversation::Capture> {
        self.capture
            .as_ref()
            .and_then(|c| crate::conversation::parse_captures(&c.value).ok())
            .unwrap_or_default()
    }
}

/// One cell of a compacted table: a string, `null`, or inline nodes (whose text is joined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The cell's text (`None` for `null`); inline nodes give the concatenation of their
    /// `text` values.
    pub text: Option<CompactString>,
    pub range: TextRange,
}

/// One row of a compacted table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// The whole row item (`attrs` and `row`).
    pub range: TextRange,
    /// `attrs.disabled: true`: kept but not used.
    pub disabled: bool,
    /// Held inline up to four cells (every row of the app's tables), so a row allocates
    /// nothing of its own.
    pub cells: smallvec::SmallVec<[Cell; 4]>,
}

impl TableRow {
    /// Cell `i` as a spanned string (`None` when missing or `null`).
    pub fn cell(&self, i: usize) -> Option<Spanned<CompactString>> {
        let c = self.cells.get(i)?;
        Some(Spanned::new(c.text.clone()?, c.range.clone()))
    }

    /// The key column of a `[key, value, note]` table.
    pub fn key(&self) -> Option<Spanned<CompactString>> {
        self.cell(0)
    }

    /// The value column of a `[key, value, note]` table.
    pub fn value(&self) -> Option<Spanned<CompactString>> {
        self.cell(1)
    }

    /// The note column of a `[key, value, note]` table.
    pub fn note(&self) -> Option<Spanned<CompactString>> {
        self.cell(2)
    }
}

/// A compacted `[key, value, optional note]` table block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub rows: Vec<TableRow>,
}

impl Table {
    /// Enabled rows only.
    pub fn enabled(&self) -> impl Iterator<Item = &TableRow> {
        self.rows.iter().filter(|r| !r.disabled)
    }
}

/// One `ws-options` row, with the option it names when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionRow {
    pub row: TableRow,
    pub key: Option<Spanned<CompactString>>,
    pub value: Option<Spanned<CompactString>>,
    pub note: Option<Spanned<CompactString>>,
    pub option: Option<&'static vocab::OptionKey>,
}

/// A `ws-options` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WsOptions {
    pub rows: Vec<OptionRow>,
}

impl WsOptions {
    /// The value of the last enabled row with this key.
    pub fn get(&self, key: &str) -> Option<&Spanned<CompactString>> {
        self.rows
            .iter()
            .rev()
            .filter(|r| !r.row.disabled)
            .find(|r| r.key.as_ref().is_some_and(|k| k.value == key))
            .and_then(|r| r.value.as_ref())
    }
}

/// One assertion row `[description, field, operator, expected]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionRow {
    pub row: TableRow,
    pub description: Option<Spanned<CompactString>>,
    pub field: Option<Spanned<CompactString>>,
    pub operator: Option<Spanned<CompactString>>,
    pub expected: Option<Spanned<CompactString>>,
    /// The field, when it parses (WebSocket grammar; `None` for HTTP assertion tables).
    pub parsed_field: Option<vocab::Field>,
    /// The operator, when it parses.
    pub parsed_operator: Option<vocab::Operator>,
}

/// A `ws-assertions` or `assertions-table` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assertions {
    pub rows: Vec<AssertionRow>,
}

/// An `auth` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth {
    pub auth_type: Option<Spanned<CompactString>>,
    pub table: Table,
}

/// An HTTP `request` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpRequest {
    pub method: Option<Spanned<CompactString>>,
    pub url: Option<Spanned<CompactString>>,
}

/// Which of the app's body blocks a [`Body`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `json_body` (comments allowed, as the app strips them before sending).
    Json,
    /// `xml_body`.
    Xml,
    /// `yml_body`.
    Yaml,
    /// `text_body`.
    Text,
}

impl BodyKind {
    /// The block type that holds this kind of body.
    pub fn block_type(self) -> &'static str {
        match self {
            BodyKind::Json => "json_body",
            BodyKind::Xml => "xml_body",
            BodyKind::Yaml => "yml_body",
            BodyKind::Text => "text_body",
        }
    }
}

/// A body block: its text (attr `body`) and the `contentType` attr the app may set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub kind: BodyKind,
    pub body: Option<Spanned<CompactString>>,
    pub content_type: Option<Spanned<CompactString>>,
    /// Attr `importedFrom` is set: the block came from another file (the app's local blocks
    /// win over imported ones).
    pub imported: bool,
}

/// One `multipart-table` row: `[name, value, optional type]`, where the value cell may hold
/// `fileLink` nodes (files to attach) instead of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartRow {
    pub row: TableRow,
    /// The `filePath`s of the `fileLink` (or `file`) nodes in the value cell, in order.
    pub files: Vec<Spanned<CompactString>>,
}

impl MultipartRow {
    /// Whether the row attaches files: it holds file links, or its third column says `file`.
    pub fn is_file(&self) -> bool {
        !self.files.is_empty()
            || self
                .row
                .cell(2)
                .is_some_and(|t| t.value.trim().eq_ignore_ascii_case("file"))
    }
}

/// A `multipart-table` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultipartTable {
    pub rows: Vec<MultipartRow>,
}

/// A `restFile` block: the files sent as the body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RestFile {
    pub files: Vec<Spanned<CompactString>>,
}

/// A `gqlquery` block: its `gqlurl` and `gqlbody` children (or the legacy attrs `endpoint`
/// and `body`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GqlQuery {
    pub url: Option<Spanned<CompactString>>,
    /// The whole `gqlurl` node (or the `gqlquery` type when there is none).
    pub url_node: Option<TextRange>,
    /// The GraphQL document.
    pub query: Option<Spanned<CompactString>>,
    /// `operationType` as written (`query`, `mutation`, `subscription`).
    pub operation_type: Option<Spanned<CompactString>>,
}

/// A `gqlvariables` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GqlVariables {
    pub body: Option<Spanned<CompactString>>,
}

/// What a section runs, by its request block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    WebSocket,
    Grpc,
    /// An HTTP `request` (REST, or Server-Sent Events when the response says so).
    Http,
    /// A `gqlquery`: queries and mutations over HTTP, subscriptions over WebSocket.
    GraphQl,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::WebSocket => "websocket",
            RequestKind::Grpc => "grpc",
            RequestKind::Http => "http",
            RequestKind::GraphQl => "graphql",
        }
    }
}

/// A `request-separator` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Separator {
    pub label: Option<Spanned<CompactString>>,
    pub color_index: Option<Spanned<CompactString>>,
}

/// A `pre_script` / `post_script` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub language: Option<Spanned<CompactString>>,
    pub body: Option<Spanned<CompactString>>,
}

/// A part of the file between `request-separator` blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// From the separator (or the file start) to the next separator (or the file end).
    pub range: TextRange,
    /// The separator's label, when the section starts with one.
    pub label: Option<Spanned<CompactString>>,
    /// Index of the separator block that starts the section.
    pub separator: Option<usize>,
    /// Indexes (into `Document::blocks`) of the blocks in this section, separator excluded.
    pub blocks: Vec<usize>,
    /// Index of the first heading inside the section, for a display name.
    pub heading: Option<usize>,
}

impl Section {
    fn find<'d, T>(
        &self,
        doc: &'d Document,
        f: impl Fn(&'d BlockKind) -> Option<T>,
    ) -> Option<(usize, T)> {
        self.blocks
            .iter()
            .find_map(|&i| doc.blocks.get(i).and_then(|b| f(&b.kind)).map(|t| (i, t)))
    }

    fn all<'d, T>(
        &self,
        doc: &'d Document,
        f: impl Fn(&'d BlockKind) -> Option<T>,
    ) -> Vec<(usize, T)> {
        self.blocks
            .iter()
            .filter_map(|&i| doc.blocks.get(i).and_then(|b| f(&b.kind)).map(|t| (i, t)))
            .collect()
    }

    /// A name for people: the separator label, else the first heading, else `None`.
    pub fn display_name<'d>(&'d self, doc: &'d Document) -> Option<&'d str> {
        self.label.as_ref().map(|l| l.value.as_str()).or_else(|| {
            self.heading
                .and_then(|h| doc.headings.get(h))
                .map(|h| h.text.as_str())
        })
    }

    /// The first `socket-request` of the section (WebSocket or gRPC).
    pub fn socket_request<'d>(&self, doc: &'d Document) -> Option<(usize, &'d SocketRequest)> {
        self.find(doc, |k| match k {
            BlockKind::SocketRequest(r) => Some(r),
            _ => None,
        })
    }

    /// Whether the section is a WebSocket section (holds a WebSocket `socket-request`).
    pub fn is_websocket(&self, doc: &Document) -> bool {
        self.socket_request(doc)
            .is_some_and(|(_, r)| r.protocol == SocketProtocol::WebSocket)
    }

    pub fn messages<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d WsMessage)> {
        self.all(doc, |k| match k {
            BlockKind::WsMessage(m) => Some(&**m),
            _ => None,
        })
    }

    /// What the section speaks over its connection: its `ws-options` `protocol` row (the last
    /// enabled one), `websocket` when there is none or it is not valid.
    pub fn protocol(&self, doc: &Document) -> vocab::Protocol {
        self.options(doc)
            .and_then(|(_, o)| {
                o.rows
                    .iter()
                    .rev()
                    .filter(|r| !r.row.disabled)
                    .filter(|r| {
                        r.option
                            .is_some_and(|k| k.option == vocab::WsOption::Protocol)
                    })
                    .find_map(|r| vocab::Protocol::parse(&r.value.as_ref()?.value).ok())
            })
            .unwrap_or_default()
    }

    /// The names the section's replies capture (`capture: NAME = ...`), with the message that
    /// captures each, in file order (a name captured twice appears twice).
    pub fn captured_names<'d>(&self, doc: &'d Document) -> Vec<(String, usize, &'d WsMessage)> {
        self.messages(doc)
            .into_iter()
            .flat_map(|(block, m)| m.captures().into_iter().map(move |c| (c.name, block, m)))
            .collect()
    }

    pub fn options<'d>(&self, doc: &'d Document) -> Option<(usize, &'d WsOptions)> {
        self.find(doc, |k| match k {
            BlockKind::WsOptions(o) => Some(o),
            _ => None,
        })
    }

    pub fn assertions<'d>(&self, doc: &'d Document) -> Option<(usize, &'d Assertions)> {
        self.find(doc, |k| match k {
            BlockKind::WsAssertions(a) => Some(a),
            _ => None,
        })
    }

    pub fn headers<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Table)> {
        self.all(doc, |k| match k {
            BlockKind::HeadersTable(t) => Some(t),
            _ => None,
        })
    }

    pub fn query<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Table)> {
        self.all(doc, |k| match k {
            BlockKind::QueryTable(t) => Some(t),
            _ => None,
        })
    }

    pub fn cookies<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Table)> {
        self.all(doc, |k| match k {
            BlockKind::CookiesTable(t) => Some(t),
            _ => None,
        })
    }

    pub fn path_params<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Table)> {
        self.all(doc, |k| match k {
            BlockKind::PathTable(t) => Some(t),
            _ => None,
        })
    }

    pub fn auth<'d>(&self, doc: &'d Document) -> Option<(usize, &'d Auth)> {
        self.find(doc, |k| match k {
            BlockKind::Auth(a) => Some(a),
            _ => None,
        })
    }

    /// The first HTTP `request` of the section.
    pub fn http_request<'d>(&self, doc: &'d Document) -> Option<(usize, &'d HttpRequest)> {
        self.find(doc, |k| match k {
            BlockKind::HttpRequest(r) => Some(r),
            _ => None,
        })
    }

    /// What the section runs, and its request block: the first `socket-request`, `gqlquery`
    /// or `request` (a `gqlquery` wins over a `request`, as in the app).
    pub fn request_kind(&self, doc: &Document) -> Option<(usize, RequestKind)> {
        let mut http = None;
        for &i in &self.blocks {
            match doc.blocks.get(i).map(|b| &b.kind) {
                Some(BlockKind::SocketRequest(r)) => {
                    let kind = match r.protocol {
                        SocketProtocol::WebSocket => RequestKind::WebSocket,
                        SocketProtocol::Grpc => RequestKind::Grpc,
                    };
                    return Some((i, kind));
                }
                Some(BlockKind::GqlQuery(_)) => return Some((i, RequestKind::GraphQl)),
                Some(BlockKind::HttpRequest(_)) if http.is_none() => {
                    http = Some((i, RequestKind::Http));
                }
                _ => {}
            }
        }
        http
    }

    /// The body blocks (`json_body`, `xml_body`, `yml_body`, `text_body`), in order.
    pub fn bodies<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Body)> {
        self.all(doc, |k| match k {
            BlockKind::Body(b) => Some(b),
            _ => None,
        })
    }

    pub fn multipart<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d MultipartTable)> {
        self.all(doc, |k| match k {
            BlockKind::MultipartTable(t) => Some(t),
            _ => None,
        })
    }

    pub fn url_encoded<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Table)> {
        self.all(doc, |k| match k {
            BlockKind::UrlTable(t) => Some(t),
            _ => None,
        })
    }

    pub fn rest_files<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d RestFile)> {
        self.all(doc, |k| match k {
            BlockKind::RestFile(f) => Some(f),
            _ => None,
        })
    }

    /// The app's `options-table` blocks (HTTP options).
    pub fn http_options<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Table)> {
        self.all(doc, |k| match k {
            BlockKind::OptionsTable(t) => Some(t),
            _ => None,
        })
    }

    /// The app's `assertions-table` blocks.
    pub fn http_assertions<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Assertions)> {
        self.all(doc, |k| match k {
            BlockKind::AssertionsTable(a) => Some(a),
            _ => None,
        })
    }

    pub fn runtime_variables<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Table)> {
        self.all(doc, |k| match k {
            BlockKind::RuntimeVariables(t) => Some(t),
            _ => None,
        })
    }

    /// The `pre_script` / `post_script` blocks (never run; a run says so).
    pub fn scripts<'d>(&self, doc: &'d Document) -> Vec<(usize, &'d Script)> {
        self.all(doc, |k| match k {
            BlockKind::Script(s) => Some(s),
            _ => None,
        })
    }

    /// The section's `gqlquery`: the last one, as the app pairs variables with it.
    pub fn graphql<'d>(&self, doc: &'d Document) -> Option<(usize, &'d GqlQuery)> {
        self.all(doc, |k| match k {
            BlockKind::GqlQuery(q) => Some(q),
            _ => None,
        })
        .pop()
    }

    /// The section's `gqlvariables`: the first after its `gqlquery`, else the nearest before.
    pub fn graphql_variables<'d>(&self, doc: &'d Document) -> Option<(usize, &'d GqlVariables)> {
        let all = self.all(doc, |k| match k {
            BlockKind::GqlVariables(v) => Some(v),
            _ => None,
        });
        let query = self.graphql(doc).map_or(0, |(i, _)| i);
        all.iter()
            .find(|(i, _)| *i > query)
            .or_else(|| all.iter().rev().find(|(i, _)| *i < query))
            .copied()
    }
}

/// A `{{...}}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableRef {
    /// The text between the braces, trimmed (`NAME`, `process.token`, `$faker.x`).
    pub name: CompactString,
    /// The whole `{{...}}` including braces.
    pub range: TextRange,
    /// The name's range inside the braces.
    pub name_range: TextRange,
    /// Index of the block it is in.
    pub block: usize,
}

impl VariableRef {
    /// What kind of reference it is.
    pub fn kind(&self) -> VariableKind {
        if let Some(rest) = self.name.strip_prefix("process.") {
            let _ = rest;
            VariableKind::Process
        } else if crate::conversation::is_msg_value(&self.name) {
            VariableKind::Message
        } else if self.name.starts_with("$faker.")
            || self.name.starts_with("$req.")
            || self.name.starts_with("$res.")
        {
            VariableKind::Runtime
        } else {
            VariableKind::Environment
        }
    }
}

/// Kinds of `{{...}}` references (docs/format.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableKind {
    /// `{{NAME}}`: resolved from the environment files.
    Environment,
    /// `{{process.NAME}}`: captured at run time.
    Process,
    /// `{{$faker.*}}`, `{{$req.*}}`, `{{$res.*}}`: belong to the app's HTTP runner.
    Runtime,
    /// `{{$msg.*}}`: a value of the message a reply answers (docs/format.md §4.4).
    Message,
}
