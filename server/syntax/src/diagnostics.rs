//! Diagnostics: the type, the stable codes, and the structural checks run on a parsed
//! document (uids, WebSocket requests, messages, options, assertions, sections).
//!
//! Codes are part of the public contract (editors and CI logs show them): never rename one.
//! Checks here work on the model only; they must not re-read Markdown or YAML text, and
//! environment-dependent checks (unresolved variables) live in `variables`.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::IgnoredAny;

use base64::Engine as _;

use crate::CompactString;
use crate::model::*;
use crate::vocab;
use crate::yaml::Node;

/// How serious a diagnostic is. `check` fails (exit 1) only on errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "info",
            Severity::Hint => "hint",
        }
    }
}

/// A problem found in a file, at an exact byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub range: TextRange,
    pub severity: Severity,
    /// A stable code from [`codes`].
    pub code: &'static str,
    pub message: String,
}

impl Diagnostic {
    pub fn new(range: TextRange, severity: Severity, code: &'static str, message: String) -> Self {
        Diagnostic {
            range,
            severity,
            code,
            message,
        }
    }
}

/// The stable diagnostic codes.
pub mod codes {
    /// A ```void fence with no closing fence.
    pub const UNCLOSED_FENCE: &str = "unclosed-fence";
    /// The block does not start with a `---` line.
    pub const YAML_START_MISSING: &str = "yaml-start-missing";
    /// The block's YAML has no closing `---` line.
    pub const YAML_END_MISSING: &str = "yaml-end-missing";
    /// The block's YAML does not parse (at the offending character).
    pub const YAML_SYNTAX: &str = "yaml-syntax";
    /// The block's YAML is not a mapping.
    pub const YAML_NOT_MAPPING: &str = "yaml-not-mapping";
    /// The frontmatter is not valid YAML (warning: the app never reads it).
    pub const FRONTMATTER_YAML: &str = "frontmatter-yaml";
    /// A block with no `type`.
    pub const MISSING_TYPE: &str = "missing-type";
    /// Two identity nodes share a uid.
    pub const DUPLICATE_UID: &str = "duplicate-uid";
    /// A uid that is not a UUID (warning).
    pub const UID_NOT_UUID: &str = "uid-not-uuid";
    /// A compacted table that does not have the app's shape (warning).
    pub const TABLE_SHAPE: &str = "table-shape";
    /// A WebSocket request without a URL.
    pub const WS_URL_MISSING: &str = "ws-url-missing";
    /// A WebSocket URL whose scheme is not `ws` or `wss`.
    pub const WS_URL_SCHEME: &str = "ws-url-scheme";
    /// A WebSocket URL whose port is not a number from 0 to 65535.
    pub const WS_URL_PORT: &str = "ws-url-port";
    /// `smethod` text that disagrees with the URL scheme (hint: the app connects by the URL).
    pub const WS_METHOD_MISMATCH: &str = "ws-method-mismatch";
    /// A `ws://` / `wss://` URL with no host (what the app's `/wss` inserts) (error).
    pub const WS_URL_NO_HOST: &str = "ws-url-no-host";
    /// `ws://` to a host other than loopback (warning).
    pub const WS_UNENCRYPTED: &str = "ws-unencrypted";
    /// `insecure: true` (warning).
    pub const WS_INSECURE: &str = "ws-insecure";
    /// A section with more than one `socket-request` (warning: only the first is used).
    pub const WS_MULTIPLE_REQUESTS: &str = "ws-multiple-requests";
    /// A `ws-*` block in a section without a WebSocket `socket-request`.
    pub const WS_BLOCK_OUTSIDE_SECTION: &str = "ws-block-outside-section";
    /// A second `ws-options` or `ws-assertions` block in one section.
    pub const WS_BLOCK_DUPLICATE: &str = "ws-block-duplicate";
    /// `format` is not text, json, xml or binary.
    pub const WS_MESSAGE_FORMAT: &str = "ws-message-format";
    /// `encoding` is not base64 or hex.
    pub const WS_MESSAGE_ENCODING: &str = "ws-message-encoding";
    /// The body does not match its format (JSON, XML, base64, hex).
    pub const WS_MESSAGE_BODY: &str = "ws-message-body";
    /// `send` is not manual, on-open or `after: <name>`.
    pub const WS_MESSAGE_SEND: &str = "ws-message-send";
    /// `send: after: <name>` names nothing in the section (warning).
    pub const WS_MESSAGE_AFTER_UNKNOWN: &str = "ws-message-after-unknown";
    /// `delay` is not a duration.
    pub const WS_MESSAGE_DELAY: &str = "ws-message-delay";
    /// Two messages with the same name in one section.
    pub const WS_MESSAGE_DUPLICATE_NAME: &str = "ws-message-duplicate-name";
    /// A `when:` that does not parse as `<field> <operator> <expected>`.
    pub const WS_MESSAGE_WHEN: &str = "ws-message-when";
    /// A `when:` that no message can satisfy (warning: the reply is never sent).
    pub const WS_MESSAGE_WHEN_NEVER: &str = "ws-message-when-never";
    /// `times` is not a whole number from 1.
    pub const WS_MESSAGE_TIMES: &str = "ws-message-times";
    /// A `capture:` that does not parse as `NAME = <field>`.
    pub const WS_MESSAGE_CAPTURE: &str = "ws-message-capture";
    /// `when`, `times` or `capture` on a message that is not a reply (warning: ignored).
    pub const WS_MESSAGE_REPLY_ATTR: &str = "ws-message-reply-attr";
    /// A `ws-message` attr this project does not define (warning: kept, not used).
    pub const WS_MESSAGE_ATTR_UNKNOWN: &str = "ws-message-attr-unknown";
    /// A Socket.IO attr (`event`, `args`, `ack`) with a value that is not valid.
    pub const WS_MESSAGE_EVENT: &str = "ws-message-event";
    /// A Socket.IO attr in a section that speaks plain WebSocket (warning: ignored).
    pub const WS_MESSAGE_SOCKETIO_ONLY: &str = "ws-message-socketio-only";
    /// A `{{$msg...}}` value outside a reply's body, or with a field that is not one.
    pub const WS_MESSAGE_MSG_VARIABLE: &str = "ws-message-msg-variable";
    /// A capture name that is also an environment variable (warning: once captured, the
    /// captured value wins for the rest of the session).
    pub const CAPTURE_SHADOWS_VARIABLE: &str = "capture-shadows-variable";
    /// An unknown `ws-options` key (warning).
    pub const WS_OPTION_UNKNOWN: &str = "ws-option-unknown";
    /// A `ws-options` value of the wrong kind (duration, size, ...).
    pub const WS_OPTION_VALUE: &str = "ws-option-value";
    /// A `ws-options` key given twice (warning: the last one wins).
    pub const WS_OPTION_DUPLICATE: &str = "ws-option-duplicate";
    /// An assertion row with an unknown field.
    pub const WS_ASSERTION_FIELD: &str = "ws-assertion-field";
    /// An assertion row with an unknown operator.
    pub const WS_ASSERTION_OPERATOR: &str = "ws-assertion-operator";
    /// An assertion row with the wrong number of columns.
    pub const WS_ASSERTION_COLUMNS: &str = "ws-assertion-columns";
    /// An assertion row whose expected value does not fit the operator (`within` needs a duration).
    pub const WS_ASSERTION_EXPECTED: &str = "ws-assertion-expected";
    /// A `{{NAME}}` with no value in the environment (warning).
    pub const UNRESOLVED_VARIABLE: &str = "unresolved-variable";
    /// An environment file exists but was not read: a symlink out of the project, a pipe, a
    /// device, a huge file (warning).
    pub const ENV_FILE_NOT_READ: &str = "env-file-not-read";
    /// An `auth` block of a WebSocket section whose type a handshake cannot carry (`oauth1`
    /// signing, `digest`, ...): `run` refuses the section with the same words (error).
    pub const WS_AUTH_UNSUPPORTED: &str = "ws-auth-unsupported";
    /// A `linkedBlock` or `linkedFile` that leads nowhere: a missing file, uid or section, a
    /// file that cannot be read, a cycle of links (error).
    pub const LINK_UNRESOLVED: &str = "link-unresolved";
    /// The chosen app environment or profile does not exist in the project.
    pub const UNKNOWN_ENVIRONMENT: &str = "unknown-environment";
    /// A path in `ws-options` (`transcript`, `caFile`, `clientCert`, `clientKey`) that would be
    /// refused at connect: outside the project, through a symlink out, not a regular file, or
    /// (for a transcript) an existing file that is not a transcript.
    pub const WS_OPTION_PATH: &str = "ws-option-path";
    /// A file an HTTP body sends (a `multipart-table` file link, a `restFile`) that a run would
    /// refuse: outside the project, through a symlink out, not a regular file, too large.
    pub const HTTP_BODY_FILE: &str = "http-body-file";
    /// A second `request` in an HTTP section (warning: only the first is sent).
    pub const HTTP_MULTIPLE_REQUESTS: &str = "http-multiple-requests";
    /// A `method` that is not an HTTP token.
    pub const HTTP_METHOD: &str = "http-method";
    /// An HTTP or GraphQL request without a URL.
    pub const HTTP_URL_MISSING: &str = "http-url-missing";
    /// An HTTP URL with another scheme than `http`/`https`, or without a host.
    pub const HTTP_URL_SCHEME: &str = "http-url-scheme";
    /// A `json_body` that is not JSON once its comments are stripped (warning).
    pub const HTTP_BODY_JSON: &str = "http-body-json";
    /// An `assertions-table` row with an operator the app does not know.
    pub const HTTP_ASSERTION_OPERATOR: &str = "http-assertion-operator";
    /// A `runtime-variables` row that captures nothing or twice (warning).
    pub const HTTP_CAPTURE: &str = "http-capture";
    /// An `options-table` key that HTTP sections do not read (warning).
    pub const HTTP_OPTION_UNKNOWN: &str = "http-option-unknown";
    /// An `options-table` value that does not fit its key.
    pub const HTTP_OPTION_VALUE: &str = "http-option-value";
    /// A `gqlquery` without a query.
    pub const GQL_QUERY_MISSING: &str = "gql-query-missing";
    /// `gqlvariables` that are not a JSON object (warning: the app sends `{}`).
    pub const GQL_VARIABLES_JSON: &str = "gql-variables-json";
}

/// Runs the section checks on a freshly parsed document. The block checks ([`check_block`] and
/// the uid rule through [`UidChecker`]) run earlier, block by block, while each block is in
/// cache.
pub(crate) fn check_document(doc: &mut Document) {
    let mut diags = std::mem::take(&mut doc.diagnostics);
    // The `{{$msg...}}` references, found once: looking through every variable of the file
    // for each section cost a keystroke on a 1 MB file half a millisecond.
    let message_vars: Vec<&VariableRef> = doc
        .variables
        .iter()
        .filter(|v| v.kind() == VariableKind::Message)
        .collect();
    for section in &doc.sections {
        check_section(doc, section, &message_vars, &mut diags);
        crate::http::check_section(doc, section, &mut diags);
    }
    doc.diagnostics = diags;
}

/// Node types whose uid is a link copy, not an identity: the app writes the same uid on every
/// `fileLink` inline node of a prose table, so they are not checked for duplicates.
const LINK_NODE_TYPES: &[&str] = &["fileLink", "linkedFile"];

/// Uid rule (see docs): every `attrs.uid` on a node that has a `type`, in every block, is an
/// identity and must be unique in the file, except uids of inline link nodes
/// ([`LINK_NODE_TYPES`]). Every uid, link nodes included, should be a UUID (warning).
///
/// The parser hands it every mapping of a block right after building the block (while the
/// block's tree is still in cache), in file order, then calls [`UidChecker::finish`] once.
/// Lowercase hyphenated UUIDs (what the app writes, nearly every uid) are collected as 128-bit
/// numbers with their ranges, which is exact because that text form is one-to-one with the
/// number, and their duplicates are found by one sort at the end (no hashing per uid); any other
/// uid is remembered as text in a table and checked as it comes.
#[derive(Default)]
pub(crate) struct UidChecker {
    /// Lowercase hyphenated UUIDs seen, with the range of each use, in file order.
    uuids: Vec<(u128, TextRange)>,
    /// Other uids seen (uppercase UUIDs, braces, placeholders), with their first use.
    others: HashMap<String, usize>,
}

impl UidChecker {
    /// Checks the uid of one mapping node (`entries` are its entries), if it has one.
    pub(crate) fn check_mapping(
        &mut self,
        entries: crate::yaml::Entries<'_>,
        diags: &mut Vec<Diagnostic>,
    ) {
        let mut attrs = None;
        let mut node_type = "";
        for e in entries {
            if e.key.is_scalar_text("attrs") {
                attrs = Some(e.value);
            } else if e.key.is_scalar_text("type") {
                node_type = e.value.as_str().unwrap_or("");
            }
        }
        let Some(uid_node) = attrs.and_then(|a| a.get("uid")) else {
            return;
        };
        let Some(uid) = uid_node.as_str() else { return };
        let lowercase_uuid = lowercase_uuid_value(uid);
        if lowercase_uuid.is_none() && !looks_like_uuid(uid) && uuid::Uuid::try_parse(uid).is_err()
        {
            diags.push(Diagnostic::new(
                uid_node.range(),
                Severity::Warning,
                codes::UID_NOT_UUID,
                format!("uid `{uid}` is not a UUID; the Voiden app writes UUID v4 uids"),
            ));
        }
        if LINK_NODE_TYPES.contains(&node_type) {
            return;
        }
        let here = uid_node.range();
        if let Some(value) = lowercase_uuid {
            self.uuids.push((value, here));
            return;
        }
        let first = *self.others.entry(uid.to_string()).or_insert(here.start);
        if first != here.start {
            diags.push(duplicate_uid(uid, first, here));
        }
    }

    /// Reports every lowercase UUID used again after its first use (in file order).
    pub(crate) fn finish(mut self, diags: &mut Vec<Diagnostic>) {
        if !may_repeat(&self.uuids) {
            return;
        }
        // Equal values in file order, so the first of a run is the first use.
        self.uuids
            .sort_unstable_by_key(|(value, range)| (*value, range.start));
        for run in self.uuids.chunk_by(|a, b| a.0 == b.0) {
            let Some(((value, first), again)) = run.split_first() else {
                continue;
            };
            for (_, here) in again {
                let uid = uuid::Uuid::from_u128(*value).hyphenated().to_string();
                diags.push(duplicate_uid(&uid, first.start, here.clone()));
            }
        }
    }
}

/// Whether a value may repeat among `uuids`: `false` only when they are all different. An
/// open-addressing set of the values (a multiplicative hash of both halves, so generated,
/// sequential uids spread as well as random ones) costs a few instructions per value where
/// sorting them costs a thousand; a probe longer than 32 slots (values chosen to collide) gives
/// up and answers `true`, so the caller sorts.
fn may_repeat(uuids: &[(u128, TextRange)]) -> bool {
    const MAX_PROBE: usize = 32;
    let bits = (uuids.len() * 2)
        .next_power_of_two()
        .max(16)
        .trailing_zeros();
    let size = 1usize << bits;
    let mask = size - 1;
    // 0 marks an empty slot, so the nil UUID is tracked on the side.
    let mut set = vec![0u128; size];
    let mut nil_seen = false;
    for &(value, _) in uuids {
        if value == 0 {
            if std::mem::replace(&mut nil_seen, true) {
                return true;
            }
            continue;
        }
        let mut i = uuid_slot(value, bits);
        let mut probes = 0;
        loop {
            match set[i] {
                0 => {
                    set[i] = value;
                    break;
                }
                v if v == value => return true,
                _ if probes == MAX_PROBE => return true,
                _ => {
                    i = (i + 1) & mask;
                    probes += 1;
                }
            }
        }
    }
    false
}

/// The slot of `value` in a table of `2^bits` slots.
fn uuid_slot(value: u128, bits: u32) -> usize {
    let folded = (value as u64) ^ ((value >> 64) as u64).rotate_left(32);
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
}

fn duplicate_uid(uid: &str, first: usize, here: TextRange) -> Diagnostic {
    Diagnostic::new(
        here,
        Severity::Error,
        codes::DUPLICATE_UID,
        format!(
            "duplicate uid `{uid}` (first used at byte {first}); uids must be unique in a file"
        ),
    )
}

/// The value of a lowercase hyphenated 8-4-4-4-12 UUID, `None` for any other text.
fn lowercase_uuid_value(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    // 36 bytes is only the hyphenated form for the uuid parser; no uppercase keeps the text
    // one-to-one with the value.
    if b.len() != 36 || b.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    uuid::Uuid::try_parse_ascii(b).ok().map(|u| u.as_u128())
}

/// The hyphenated 8-4-4-4-12 hex form (the fast path before a full UUID parse).
fn looks_like_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The checks of one block on its own (type, socket request, message, options, assertions).
/// `root` is the top node of the block's YAML tree (the block's own `yaml` is attached only
/// once the whole document is parsed).
pub(crate) fn check_block(block: &Block, root: Option<Node<'_>>, diags: &mut Vec<Diagnostic>) {
    let Some(root) = root else {
        return;
    };
    if block.type_name.is_none() && root.entries().is_some() {
        let range = root.get("type").map_or_else(
            || block.yaml_range.clone().unwrap_or(block.range.clone()),
            |n| n.range(),
        );
        let range = if range.is_empty() {
            block.range.start..block.range.start + 3
        } else {
            range
        };
        diags.push(Diagnostic::new(
            range,
            Severity::Error,
            codes::MISSING_TYPE,
            "this block has no `type`; add e.g. `type: socket-request`".into(),
        ));
    }
    match &block.kind {
        BlockKind::SocketRequest(r) => check_socket_request(block, r, diags),
        BlockKind::WsMessage(m) => {
            check_message(m, diags);
            check_message_attr_types(root, diags);
        }
        BlockKind::WsOptions(o) => check_options(o, diags),
        BlockKind::WsAssertions(a) => check_assertions(a, diags),
        _ => {}
    }
}

/// Whether `host` is a loopback name or address.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.to_ascii_lowercase().ends_with(".localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Splits `scheme://host[:port]/...` into scheme and host (no URL parsing library needed for
/// diagnostics, and `{{vars}}` are kept as written).
pub fn url_scheme_and_host(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .split_once(']')
            .map_or(host_port, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
    };
    Some((scheme, host))
}

/// The port written in `scheme://host:port/...`, when there is one (`{{vars}}` kept).
fn url_port(url: &str) -> Option<&str> {
    let (_, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        host_port.split_once(']')?.1.strip_prefix(':')
    } else {
        host_port.rsplit_once(':').map(|(_, port)| port)
    }
}

fn check_socket_request(block: &Block, r: &SocketRequest, diags: &mut Vec<Diagnostic>) {
    if r.protocol == SocketProtocol::Grpc {
        return;
    }
    let Some(url) = r.url.as_ref().filter(|u| !u.value.trim().is_empty()) else {
        let range = r
            .url_node
            .clone()
            .or_else(|| block.type_name.as_ref().map(|t| t.range.clone()));
        diags.push(Diagnostic::new(
            range.unwrap_or(block.range.clone()),
            Severity::Error,
            codes::WS_URL_MISSING,
            "this WebSocket request has no URL; write it as the `surl` content, e.g. `wss://example.com/ws`".into(),
        ));
        return;
    };
    let value = url.value.trim();
    if value.starts_with("{{") && !value.contains("://") {
        // The scheme comes from a variable: checked after resolution.
        return;
    }
    let Some((scheme, host)) = url_scheme_and_host(value) else {
        diags.push(Diagnostic::new(
            url.range.clone(),
            Severity::Error,
            codes::WS_URL_SCHEME,
            format!("`{value}` is not a WebSocket URL; it must start with `ws://` or `wss://`"),
        ));
        return;
    };
    let scheme_lc = scheme.to_ascii_lowercase();
    if scheme_lc != "ws" && scheme_lc != "wss" {
        diags.push(Diagnostic::new(
            url.range.clone(),
            Severity::Error,
            codes::WS_URL_SCHEME,
            format!("URL scheme `{scheme}` is not `ws` or `wss`"),
        ));
        return;
    }
    if host.trim().is_empty() {
        // Exactly what the app's `/wss` inserts: `wss://` and nothing after it.
        diags.push(Diagnostic::new(
            url.range.clone(),
            Severity::Error,
            codes::WS_URL_NO_HOST,
            format!(
                "`{value}` has no host; write the server's address after `{scheme}://`, e.g. `{scheme}://echo.example/ws`"
            ),
        ));
    }
    if let Some(port) = url_port(value).filter(|p| !p.contains("{{"))
        && !port.is_empty()
        && port.parse::<u16>().is_err()
    {
        diags.push(Diagnostic::new(
            url.range.clone(),
            Severity::Error,
            codes::WS_URL_PORT,
            format!("port `{port}` is not valid: a port is a number from 0 to 65535"),
        ));
    }
    let expected = if scheme_lc == "wss" { "WSS" } else { "WS" };
    if let Some(m) = &r.method {
        if !m.value.trim().eq_ignore_ascii_case(expected) {
            // The app connects by the URL's scheme and its own websocat paste writes `WSS` with
            // a `ws://` URL: worth a hint (with its quick fix), not a warning.
            diags.push(Diagnostic::new(
                m.range.clone(),
                Severity::Hint,
                codes::WS_METHOD_MISMATCH,
                format!(
                    "method `{}` disagrees with the `{scheme}://` URL, which decides how to connect; set it to `{expected}`",
                    m.value.trim()
                ),
            ));
        }
    }
    if scheme_lc == "ws" && !host.contains("{{") && !is_loopback_host(host) {
        diags.push(Diagnostic::new(
            url.range.clone(),
            Severity::Warning,
            codes::WS_UNENCRYPTED,
            format!(
                "`ws://` to `{host}` is unencrypted; use `wss://` unless this is a trusted network"
            ),
        ));
    }
}

/// `ws-message` attrs must be scalars (a `body: {"a": 1}` written without quotes is a YAML
/// mapping, not text).
fn check_message_attr_types(root: Node<'_>, diags: &mut Vec<Diagnostic>) {
    let Some(entries) = root.get("attrs").and_then(|a| a.entries()) else {
        return;
    };
    for e in entries {
        // A key that is not text, or empty text (an empty key and a null one are the same
        // key once formatted), names no attr.
        let Some(key) = e.key.as_str().filter(|k| !k.is_empty()) else {
            continue;
        };
        if !crate::conversation::MESSAGE_ATTRS.contains(&key) {
            if !crate::conversation::COMMON_ATTRS.contains(&key) {
                diags.push(unknown_message_attr(key, e.key.range()));
            }
            continue;
        }
        if e.value.as_scalar().is_none() {
            let code = if key == "body" {
                codes::WS_MESSAGE_BODY
            } else {
                codes::WS_MESSAGE_FORMAT
            };
            diags.push(Diagnostic::new(
                e.value.range(),
                Severity::Error,
                code,
                format!("`{key}` must be text; this is YAML structure. Write it as a block literal (`{key}: |-`) or in quotes"),
            ));
        }
    }
}

/// A `ws-message` attr this project does not define: kept, but worth a warning (with the
/// attr it most likely means).
fn unknown_message_attr(key: &str, range: TextRange) -> Diagnostic {
    let known = crate::conversation::MESSAGE_ATTRS;
    let suggestion = known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(key))
        .or_else(|| {
            known
                .iter()
                .map(|k| (k, edit_distance(&key.to_ascii_lowercase(), k)))
                .filter(|(k, d)| *d <= 2 && *d < k.len())
                .min_by_key(|(_, d)| *d)
                .map(|(k, _)| k)
        })
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default();
    Diagnostic::new(
        range,
        Severity::Warning,
        codes::WS_MESSAGE_ATTR_UNKNOWN,
        format!("`{key}` is not a ws-message attr (it is kept, but nothing reads it){suggestion}"),
    )
}

/// The Levenshtein distance between two short words.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The attrs of a reply (`when`, `times`, `capture`): each must parse, and they only mean
/// something with `send: on-receive`.
/// A reply attr: its value, its name, the code of its errors, and its check.
type ReplyAttr<'m> = (
    &'m Option<Spanned<CompactString>>,
    &'static str,
    &'static str,
    fn(&str) -> Option<String>,
);

fn check_reply_attrs(m: &WsMessage, diags: &mut Vec<Diagnostic>) {
    use crate::conversation::{Condition, parse_captures, parse_times};
    // A message whose `send` is not valid has its own error; these attrs wait for it.
    let ignored = !m.is_reply() && m.send_value().is_some();
    let attrs: [ReplyAttr<'_>; 3] = [
        (&m.when, "when", codes::WS_MESSAGE_WHEN, |v| {
            Condition::parse(v).err()
        }),
        (&m.times, "times", codes::WS_MESSAGE_TIMES, |v| {
            parse_times(v).err()
        }),
        (&m.capture, "capture", codes::WS_MESSAGE_CAPTURE, |v| {
            parse_captures(v).err()
        }),
    ];
    for (attr, name, code, problem) in attrs {
        let Some(attr) = attr else { continue };
        if ignored {
            diags.push(Diagnostic::new(
                attr.range.clone(),
                Severity::Warning,
                codes::WS_MESSAGE_REPLY_ATTR,
                format!("`{name}` is only used by a reply; add `send: on-receive` to this message"),
            ));
        }
        if let Some(e) = problem(&attr.value) {
            diags.push(Diagnostic::new(
                attr.range.clone(),
                Severity::Error,
                code,
                e,
            ));
        }
    }
}

/// The Socket.IO attrs of a message (`event`, `args`, `ack`): values that are valid.
fn check_event_attrs(m: &WsMessage, diags: &mut Vec<Diagnostic>) {
    let mut wrong = |attr: &Spanned<CompactString>, message: String| {
        diags.push(Diagnostic::new(
            attr.range.clone(),
            Severity::Error,
            codes::WS_MESSAGE_EVENT,
            message,
        ));
    };
    if let Some(event) = &m.event
        && event.value.trim().is_empty()
    {
        wrong(
            event,
            "`event` is empty; write the event name, e.g. `chat message`".into(),
        );
    }
    if let Some(args) = &m.args
        && let Err(e) = crate::conversation::ArgsMode::parse(&args.value)
    {
        wrong(args, e);
    }
    if let Some(ack) = &m.ack
        && let Err(e) = vocab::parse_bool(&ack.value)
    {
        wrong(ack, format!("`ack`: {e}"));
    }
}

fn check_message(m: &WsMessage, diags: &mut Vec<Diagnostic>) {
    check_reply_attrs(m, diags);
    check_event_attrs(m, diags);
    let mut format = Some(vocab::MessageFormat::Text);
    if let Some(f) = &m.format {
        format = vocab::MessageFormat::parse(&f.value);
        if format.is_none() {
            diags.push(Diagnostic::new(
                f.range.clone(),
                Severity::Error,
                codes::WS_MESSAGE_FORMAT,
                format!(
                    "unknown message format `{}`; use text, json, xml or binary",
                    f.value
                ),
            ));
        }
    }
    let mut encoding = Some(vocab::BinaryEncoding::Base64);
    if let Some(e) = &m.encoding {
        encoding = vocab::BinaryEncoding::parse(&e.value);
        if encoding.is_none() {
            diags.push(Diagnostic::new(
                e.range.clone(),
                Severity::Error,
                codes::WS_MESSAGE_ENCODING,
                format!("unknown encoding `{}`; use base64 or hex", e.value),
            ));
        }
    }
    if let Some(s) = &m.send {
        if let Err(e) = vocab::SendMode::parse(&s.value) {
            diags.push(Diagnostic::new(
                s.range.clone(),
                Severity::Error,
                codes::WS_MESSAGE_SEND,
                e,
            ));
        }
    }
    if let Some(d) = &m.delay {
        if let Err(e) = vocab::parse_duration(&d.value) {
            diags.push(Diagnostic::new(
                d.range.clone(),
                Severity::Error,
                codes::WS_MESSAGE_DELAY,
                e,
            ));
        }
    }
    if let (Some(body), Some(format)) = (&m.body, format) {
        if let Some(problem) = body_problem(&body.value, format, encoding) {
            diags.push(Diagnostic::new(
                body.range.clone(),
                Severity::Error,
                codes::WS_MESSAGE_BODY,
                problem,
            ));
        }
    }
}

/// Checks a message body against its format. Bodies holding `{{variables}}` are checked with
/// each reference replaced by a neutral value of the right kind, so `{"n": {{N}}}` passes.
pub fn body_problem(
    body: &str,
    format: vocab::MessageFormat,
    encoding: Option<vocab::BinaryEncoding>,
) -> Option<String> {
    match format {
        vocab::MessageFormat::Text => None,
        vocab::MessageFormat::Json => {
            // Validity only: `IgnoredAny` reads the whole text with the same grammar and
            // limits as `serde_json::Value`, without building (allocating) the value.
            let valid = |probe: &str| serde_json::from_str::<IgnoredAny>(probe).is_ok();
            let probe = replace_variables(body, "0");
            if valid(&probe) || body.contains("{{") && valid(&replace_variables(body, "x")) {
                None
            } else {
                // The message comes from the same parse as before (only on invalid bodies).
                let err = serde_json::from_str::<serde_json::Value>(&probe).err()?;
                Some(format!("body is not valid JSON: {err}"))
            }
        }
        vocab::MessageFormat::Xml => vocab::xml_problem(&replace_variables(body, "x"))
            .map(|p| format!("body is not valid XML: {}", p.message)),
        vocab::MessageFormat::Binary => {
            if body.contains("{{") {
                return None;
            }
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            match encoding.unwrap_or_default() {
                vocab::BinaryEncoding::Base64 => base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .err()
                    .map(|e| format!("body is not valid base64: {e}")),
                vocab::BinaryEncoding::Hex => {
                    if compact.len() % 2 != 0 {
                        Some("body is not valid hex: odd number of digits".into())
                    } else {
                        compact
                            .chars()
                            .find(|c| !c.is_ascii_hexdigit())
                            .map(|c| format!("body is not valid hex: `{c}` is not a hex digit"))
                    }
                }
            }
        }
    }
}

/// `body` with every `{{...}}` replaced by `with` (borrowed when it holds none).
fn replace_variables<'b>(body: &'b str, with: &str) -> Cow<'b, str> {
    if !body.contains("{{") {
        return Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(with);
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn check_options(o: &WsOptions, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, ()> = HashMap::new();
    for row in &o.rows {
        let Some(key) = &row.key else { continue };
        let name = key.value.trim();
        if name.is_empty() {
            continue;
        }
        let Some(option) = row.option else {
            let suggestion = match vocab::option_key(name) {
                Some(_) => "; it applies to HTTP sections (the app's `options-table`)".to_string(),
                None => vocab::OPTION_KEYS
                    .iter()
                    .filter(|k| k.scope.websocket())
                    .find(|k| k.name.eq_ignore_ascii_case(name))
                    .map(|k| format!("; did you mean `{}`?", k.name))
                    .unwrap_or_default(),
            };
            diags.push(Diagnostic::new(
                key.range.clone(),
                Severity::Warning,
                codes::WS_OPTION_UNKNOWN,
                format!("unknown ws-options key `{name}`{suggestion}"),
            ));
            continue;
        };
        if row.row.disabled {
            continue;
        }
        if seen.insert(name.to_string(), ()).is_some() {
            diags.push(Diagnostic::new(
                key.range.clone(),
                Severity::Warning,
                codes::WS_OPTION_DUPLICATE,
                format!("`{name}` is given more than once; the last one wins"),
            ));
        }
        let value = row.value.as_ref();
        let text = value.map_or("", |v| v.value.as_str());
        if let Err(e) = vocab::check_option_value(option, text) {
            diags.push(Diagnostic::new(
                value.map_or(key.range.clone(), |v| v.range.clone()),
                Severity::Error,
                codes::WS_OPTION_VALUE,
                format!("`{name}`: {e}"),
            ));
        } else if option.option == vocab::WsOption::Insecure && text.trim() == "true" {
            diags.push(Diagnostic::new(
                value.map_or(key.range.clone(), |v| v.range.clone()),
                Severity::Warning,
                codes::WS_INSECURE,
                "`insecure: true` skips TLS certificate checks: anyone on the path can read and change the traffic".into(),
            ));
        }
    }
}

fn check_assertions(a: &Assertions, diags: &mut Vec<Diagnostic>) {
    for row in &a.rows {
        let n = row.row.cells.len();
        if !(3..=4).contains(&n) {
            diags.push(Diagnostic::new(
                row.row.range.clone(),
                Severity::Error,
                codes::WS_ASSERTION_COLUMNS,
                format!("an assertion row has 4 columns [description, field, operator, expected]; this one has {n}"),
            ));
            continue;
        }
        if let Some(f) = &row.field {
            // The parse already made while building the row is reused; only a field that did
            // not parse is parsed again, for its error.
            if row.parsed_field.is_none()
                && let Err(e) = vocab::Field::parse(&f.value)
            {
                diags.push(Diagnostic::new(
                    f.range.clone(),
                    Severity::Error,
                    codes::WS_ASSERTION_FIELD,
                    e,
                ));
            }
        } else {
            diags.push(Diagnostic::new(
                row.row.cells[1].range.clone(),
                Severity::Error,
                codes::WS_ASSERTION_FIELD,
                "the field column is empty".into(),
            ));
        }
        match (&row.operator, row.parsed_operator) {
            (Some(o), None) => diags.push(Diagnostic::new(
                o.range.clone(),
                Severity::Error,
                codes::WS_ASSERTION_OPERATOR,
                format!(
                    "unknown operator `{}`; use one of {}",
                    o.value,
                    vocab::Operator::ALL.map(|o| o.as_str()).join(", ")
                ),
            )),
            (None, _) => diags.push(Diagnostic::new(
                row.row.cells[2].range.clone(),
                Severity::Error,
                codes::WS_ASSERTION_OPERATOR,
                "the operator column is empty".into(),
            )),
            (Some(_), Some(op)) => {
                if op == vocab::Operator::Within {
                    let expected = row.expected.as_ref();
                    let text = expected.map_or("", |e| e.value.as_str());
                    if !text.contains("{{") {
                        if let Err(e) = vocab::parse_duration(text) {
                            diags.push(Diagnostic::new(
                                expected.map_or(row.row.range.clone(), |e| e.range.clone()),
                                Severity::Error,
                                codes::WS_ASSERTION_EXPECTED,
                                format!("`within` needs a duration: {e}"),
                            ));
                        }
                    }
                } else if op == vocab::Operator::Matches {
                    if let Some(e) = &row.expected {
                        if !e.value.contains("{{") {
                            if let Err(err) = regex::Regex::new(&e.value) {
                                diags.push(Diagnostic::new(
                                    e.range.clone(),
                                    Severity::Error,
                                    codes::WS_ASSERTION_EXPECTED,
                                    format!("`matches` needs a regular expression: {err}"),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An `auth` block: its type must be one void-ls can send (the WebSocket handshake's kinds,
/// which HTTP requests share). `context` says for what, in words.
pub(crate) fn check_auth_kind(
    auth: &crate::model::Auth,
    context: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(kind) = &auth.auth_type else {
        return;
    };
    if crate::vocab::is_ws_auth_type(&kind.value) {
        return;
    }
    diags.push(Diagnostic::new(
        kind.range.clone(),
        Severity::Error,
        codes::WS_AUTH_UNSUPPORTED,
        format!(
            "auth type `{}` is not supported {context}; use {}",
            kind.value.trim(),
            crate::vocab::WS_AUTH_TYPES_IN_WORDS
        ),
    ));
}

fn is_ws_block(kind: &BlockKind) -> bool {
    matches!(
        kind,
        BlockKind::WsMessage(_) | BlockKind::WsOptions(_) | BlockKind::WsAssertions(_)
    )
}

fn check_section(
    doc: &Document,
    section: &Section,
    message_vars: &[&VariableRef],
    diags: &mut Vec<Diagnostic>,
) {
    let requests = section
        .blocks
        .iter()
        .copied()
        .filter(|&i| matches!(doc.blocks[i].kind, BlockKind::SocketRequest(_)));
    for extra in requests.skip(1) {
        let b = &doc.blocks[extra];
        diags.push(Diagnostic::new(
            b.type_name.as_ref().map_or(b.range.clone(), |t| t.range.clone()),
            Severity::Warning,
            codes::WS_MULTIPLE_REQUESTS,
            "this section already has a socket-request; only the first one is used. Add a request-separator (`/separator` in the app) before this block".into(),
        ));
    }
    // A section that links to other files may get its socket-request from them: whether it
    // does is checked once the links are read (`links::diagnostics`).
    let websocket = section.is_websocket(doc)
        || section
            .blocks
            .iter()
            .any(|&i| crate::links::is_link(&doc.blocks[i]));
    let mut options_seen = false;
    let mut assertions_seen = false;
    let mut names: HashMap<&str, ()> = HashMap::new();
    for &i in &section.blocks {
        let b = &doc.blocks[i];
        if let BlockKind::Auth(auth) = &b.kind
            && section.is_websocket(doc)
        {
            check_auth_kind(auth, "for WebSocket handshakes", diags);
        }
        if !is_ws_block(&b.kind) {
            continue;
        }
        let type_range = b
            .type_name
            .as_ref()
            .map_or(b.range.clone(), |t| t.range.clone());
        if !websocket {
            diags.push(Diagnostic::new(
                type_range.clone(),
                Severity::Error,
                codes::WS_BLOCK_OUTSIDE_SECTION,
                format!(
                    "`{}` belongs to a WebSocket section, but this section has no WebSocket socket-request",
                    b.type_str()
                ),
            ));
        }
        match &b.kind {
            BlockKind::WsOptions(_) => {
                if options_seen {
                    diags.push(Diagnostic::new(
                        type_range,
                        Severity::Error,
                        codes::WS_BLOCK_DUPLICATE,
                        "a section may hold only one ws-options block".into(),
                    ));
                }
                options_seen = true;
            }
            BlockKind::WsAssertions(_) => {
                if assertions_seen {
                    diags.push(Diagnostic::new(
                        type_range,
                        Severity::Error,
                        codes::WS_BLOCK_DUPLICATE,
                        "a section may hold only one ws-assertions block".into(),
                    ));
                }
                assertions_seen = true;
            }
            BlockKind::WsMessage(m) => {
                if let Some(name) = &m.name {
                    if names.insert(name.value.as_str(), ()).is_some() {
                        diags.push(Diagnostic::new(
                            name.range.clone(),
                            Severity::Error,
                            codes::WS_MESSAGE_DUPLICATE_NAME,
                            format!(
                                "another ws-message in this section is already named `{}`",
                                name.value
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    check_after_targets(doc, section, &names, diags);
    if section.is_websocket(doc) {
        check_conversation(doc, section, message_vars, diags);
    }
}

/// `send: after: <name>` must name a message (`names`) or an assertion row of the section.
fn check_after_targets(
    doc: &Document,
    section: &Section,
    names: &HashMap<&str, ()>,
    diags: &mut Vec<Diagnostic>,
) {
    let assertions = section.assertions(doc).map(|(_, a)| a);
    let is_assertion_name = |target: &str| {
        assertions.is_some_and(|a| {
            a.rows
                .iter()
                .any(|r| r.description.as_ref().is_some_and(|d| d.value == target))
        })
    };
    let messages = section
        .blocks
        .iter()
        .filter_map(|&i| match &doc.blocks[i].kind {
            BlockKind::WsMessage(m) => Some(m),
            _ => None,
        });
    for m in messages {
        if let (Some(send), Some(vocab::SendMode::After(target))) = (&m.send, m.send_value()) {
            if !names.contains_key(target.as_str()) && !is_assertion_name(target.as_str()) {
                diags.push(Diagnostic::new(
                    send.range.clone(),
                    Severity::Warning,
                    codes::WS_MESSAGE_AFTER_UNKNOWN,
                    format!("no ws-message or assertion row in this section is named `{target}`"),
                ));
            }
        }
    }
}

/// What depends on the whole section in a conversation (docs/format.md §4.4, §4.5): a `when:`
/// that can never hold for what this section speaks, Socket.IO attrs in a plain WebSocket
/// section, and `{{$msg...}}` values (`message_vars`, the file's) outside a reply.
fn check_conversation(
    doc: &Document,
    section: &Section,
    message_vars: &[&VariableRef],
    diags: &mut Vec<Diagnostic>,
) {
    let protocol = section.protocol(doc);
    for (_, m) in section.messages(doc) {
        if let (Some(when), Some(condition)) = (&m.when, m.when_value())
            && m.is_reply()
            && let Some(why) = condition.never_matches(protocol)
        {
            diags.push(Diagnostic::new(
                when.range.clone(),
                Severity::Warning,
                codes::WS_MESSAGE_WHEN_NEVER,
                format!("this `when:` can never match: {why}"),
            ));
        }
        if protocol == vocab::Protocol::WebSocket {
            for (attr, name) in [(&m.event, "event"), (&m.args, "args"), (&m.ack, "ack")] {
                if let Some(attr) = attr {
                    diags.push(Diagnostic::new(
                        attr.range.clone(),
                        Severity::Warning,
                        codes::WS_MESSAGE_SOCKETIO_ONLY,
                        format!(
                            "`{name}` is a Socket.IO attr, and this section speaks plain WebSocket; add a `protocol` row with `socket.io` to its ws-options"
                        ),
                    ));
                }
            }
        }
    }
    for var in message_vars {
        if !section.blocks.contains(&var.block) {
            continue;
        }
        if let Some(Err(e)) = crate::conversation::msg_variable(&var.name) {
            diags.push(Diagnostic::new(
                var.name_range.clone(),
                Severity::Error,
                codes::WS_MESSAGE_MSG_VARIABLE,
                e,
            ));
            continue;
        }
        let answers_a_message = match &doc.blocks[var.block].kind {
            BlockKind::WsMessage(m) => matches!(
                m.send_value(),
                Some(vocab::SendMode::OnReceive | vocab::SendMode::After(_))
            ),
            _ => false,
        };
        if !answers_a_message {
            diags.push(Diagnostic::new(
                var.name_range.clone(),
                Severity::Warning,
                codes::WS_MESSAGE_MSG_VARIABLE,
                format!(
                    "`{{{{{}}}}}` takes a value from the message a reply answers; it only has one in the body of a `send: on-receive` (or `after:`) message",
                    var.name
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_read_from_urls() {
        assert_eq!(url_port("ws://h:70000/x"), Some("70000"));
        assert_eq!(url_port("wss://u:p@h:443?q=a:b"), Some("443"));
        assert_eq!(url_port("ws://[::1]:9/"), Some("9"));
        assert_eq!(url_port("ws://[::1]/"), None);
        assert_eq!(url_port("ws://h/a:b"), None);
        assert_eq!(url_port("ws://h:{{PORT}}"), Some("{{PORT}}"));
        let doc = crate::parse(
            "```void\n---\ntype: socket-request\nattrs:\n  uid: 11111111-1111-4111-8111-111111111111\ncontent:\n  - type: smethod\n    attrs:\n      uid: 22222222-2222-4222-8222-222222222222\n    content: WS\n  - type: surl\n    attrs:\n      uid: 33333333-3333-4333-8333-333333333333\n    content: ws://127.0.0.1:70000/x\n---\n```\n",
        );
        let port: Vec<_> = doc
            .diagnostics
            .iter()
            .filter(|d| d.code == codes::WS_URL_PORT)
            .collect();
        assert_eq!(port.len(), 1, "{:?}", doc.diagnostics);
        assert_eq!(port[0].severity, Severity::Error);
        assert!(port[0].message.contains("70000"), "{}", port[0].message);
    }

    #[test]
    fn may_repeat_is_false_only_when_every_value_differs() {
        let r = 0..1;
        let distinct: Vec<(u128, TextRange)> = (0..5000u128)
            .map(|i| {
                (
                    i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
                    r.clone(),
                )
            })
            .collect();
        assert!(!may_repeat(&distinct));
        let mut repeated = distinct.clone();
        repeated.push(distinct[1234].clone());
        assert!(may_repeat(&repeated));
        // Uids that differ only in their first group (generated ones) spread too.
        let sequential: Vec<(u128, TextRange)> = (0..5000u128)
            .map(|i| ((i << 96) | 0x4000_8000_0000_0000, r.clone()))
            .collect();
        assert!(!may_repeat(&sequential));
        // Values that all land on one slot: the probe gives up (the caller then sorts).
        let colliding: Vec<(u128, TextRange)> = (0..2_000_000u128)
            .filter(|v| uuid_slot(*v, 7) == 0)
            .take(40)
            .map(|v| (v, r.clone()))
            .collect();
        assert_eq!(colliding.len(), 40);
        assert!(may_repeat(&colliding));
        assert!(!may_repeat(&[]));
        let nil = |n: usize| vec![(0u128, r.clone()); n];
        assert!(!may_repeat(&nil(1)));
        assert!(may_repeat(&nil(2)));
    }

    #[test]
    fn only_lowercase_hyphenated_uuids_become_numbers() {
        let lower = "2f1e6a7c-3b5d-4e8f-9a0b-1c2d3e4f5a6b";
        assert_eq!(
            lowercase_uuid_value(lower),
            Some(0x2f1e6a7c_3b5d_4e8f_9a0b_1c2d3e4f5a6b)
        );
        assert_eq!(lowercase_uuid_value(&lower.to_ascii_uppercase()), None);
        assert_eq!(
            lowercase_uuid_value("2f1e6a7c3b5d4e8f9a0b1c2d3e4f5a6b"),
            None
        );
        assert_eq!(
            lowercase_uuid_value("2f1e6a7c-3b5d-4e8f-9a0b-1c2d3e4f5a6g"),
            None
        );
        assert_eq!(
            lowercase_uuid_value("2f1e6a7c3-b5d-4e8f-9a0b-1c2d3e4f5a6b"),
            None
        );
    }

    #[test]
    fn every_later_use_of_a_lowercase_uuid_points_at_the_first_in_file_order() {
        let a = "2f1e6a7c-3b5d-4e8f-9a0b-1c2d3e4f5a6b";
        let b = "00000000-0000-4000-8000-000000000001";
        let block = |uid: &str| {
            format!("```void\n---\ntype: messages-node\nattrs:\n  uid: {uid}\n---\n```\n\n")
        };
        let text = [b, a, b, a, a].map(block).concat();
        let doc = crate::parse(&text);
        let starts: Vec<usize> = text.match_indices("uid: ").map(|(i, _)| i + 5).collect();
        let dups: Vec<_> = doc
            .diagnostics
            .iter()
            .filter(|d| d.code == codes::DUPLICATE_UID)
            .map(|d| (d.range.clone(), d.message.clone()))
            .collect();
        let expect = |uid: &str, first: usize, at: usize| {
            (
                at..at + 36,
                format!(
                    "duplicate uid `{uid}` (first used at byte {first}); uids must be unique in a file"
                ),
            )
        };
        assert_eq!(
            dups,
            vec![
                expect(b, starts[0], starts[2]),
                expect(a, starts[1], starts[3]),
                expect(a, starts[1], starts[4]),
            ]
        );
    }

    #[test]
    fn duplicate_uids_differ_by_case_are_not_duplicates() {
        let lower = "2f1e6a7c-3b5d-4e8f-9a0b-1c2d3e4f5a6b";
        let upper = lower.to_ascii_uppercase();
        let block = |uid: &str| {
            format!("```void\n---\ntype: messages-node\nattrs:\n  uid: {uid}\n---\n```\n\n")
        };
        let same = crate::parse(&(block(lower) + &block(lower)));
        assert_eq!(
            same.diagnostics
                .iter()
                .filter(|d| d.code == codes::DUPLICATE_UID)
                .count(),
            1
        );
        let cased = crate::parse(&(block(lower) + &block(&upper) + &block(&upper)));
        let dups: Vec<_> = cased
            .diagnostics
            .iter()
            .filter(|d| d.code == codes::DUPLICATE_UID)
            .collect();
        assert_eq!(dups.len(), 1);
        assert!(dups[0].message.contains(&upper));
    }
}
