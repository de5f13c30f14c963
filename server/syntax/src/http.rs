//! HTTP sections: the words of the app's REST, GraphQL, assertion and runtime-variable blocks
//! (methods, content types, the `assertions-table` operators and fields, `{{$res...}}` /
//! `{{$req...}}` capture expressions, the `options-table` keys) and the checks run on a
//! section whose request is a `request` or a `gqlquery` (docs/format.md §3.2).
//!
//! The app's rules are followed where it has them: a URL without a scheme is sent as
//! `http://`; `json_body` may hold `//` and `/* */` comments, which are stripped before
//! sending; an assertion operator may also be written at the end of the field
//! (`status equals`). Like the rest of this crate, this module does no I/O.

use std::collections::HashMap;

use crate::diagnostics::{Diagnostic, Severity, codes};
use crate::model::*;
use crate::vocab;

/// The methods offered for completion, with what each is for.
pub const METHODS: &[(&str, &str)] = &[
    ("GET", "Read a resource. The app sends no body with GET."),
    ("POST", "Create a resource or submit data."),
    ("PUT", "Replace a resource."),
    ("PATCH", "Change part of a resource."),
    ("DELETE", "Remove a resource."),
    ("HEAD", "Like GET, without the response body."),
    (
        "OPTIONS",
        "Ask which methods and headers the server allows.",
    ),
];

/// Content types offered for `Content-Type` values and body `contentType` attrs.
pub const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/xml",
    "text/xml",
    "application/x-yaml",
    "application/yaml",
    "text/plain",
    "text/html",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/octet-stream",
    "text/event-stream",
    "application/graphql-response+json",
];

/// Whether `method` is an HTTP token (RFC 9110: letters, digits and `!#$%&'*+-.^_`|~`).
pub fn is_method_token(method: &str) -> bool {
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The content type a body block is sent with: its `contentType` attr when it is one the
/// app accepts for that kind, else the kind's default (as the app's REST plugin decides).
pub fn body_content_type(body: &Body) -> &str {
    let attr = body.content_type.as_ref().map(|c| c.value.trim());
    match body.kind {
        BodyKind::Json => match attr {
            Some("html") | Some("text/html") => "text/html",
            Some("text") | Some("text/plain") => "text/plain",
            _ => "application/json",
        },
        BodyKind::Xml => attr
            .filter(|t| ["application/xml", "text/xml", "application/xhtml+xml"].contains(t))
            .unwrap_or("application/xml"),
        BodyKind::Yaml => attr
            .filter(|t| {
                [
                    "application/x-yaml",
                    "application/yaml",
                    "text/yaml",
                    "text/x-yaml",
                ]
                .contains(t)
            })
            .unwrap_or("application/x-yaml"),
        BodyKind::Text => match attr {
            Some(t) if t.contains('/') => t,
            _ => "text/plain",
        },
    }
}

/// `json_body` text as sent: `//` line comments and `/* */` block comments removed outside
/// strings (the app allows them in the editor and strips them before sending).
pub fn strip_json_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut in_string = false;
    let mut escaped = false;
    while let Some((_, c)) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek().map(|&(_, n)| n)) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for (_, n) in chars.by_ref() {
                    if last == '*' && n == '/' {
                        break;
                    }
                    if n == '\n' {
                        out.push('\n');
                    }
                    last = n;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// An `assertions-table` operator (the app's Simple Assertions plugin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpOperator {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    Matches,
    Exists,
    NotExists,
    GreaterThan,
    LessThan,
    GreaterEqual,
    LessEqual,
    IsEmpty,
    NotEmpty,
    Truthy,
    Falsy,
    TypeIs,
}

/// Every operator: the name the app's table writes, the other spellings it accepts, and what
/// it checks.
pub const HTTP_OPERATORS: &[(HttpOperator, &str, &[&str], &str)] = &[
    (
        HttpOperator::Equals,
        "equals",
        &["eq", "==", "==="],
        "The value, as text, is exactly the expected text.",
    ),
    (
        HttpOperator::NotEquals,
        "not-equals",
        &["notEquals", "ne", "!=", "!=="],
        "The value exists and, as text, differs from the expected text.",
    ),
    (
        HttpOperator::Contains,
        "contains",
        &["includes"],
        "The value, as text, contains the expected text.",
    ),
    (
        HttpOperator::NotContains,
        "not-contains",
        &["notContains", "not-includes"],
        "The value exists and, as text, does not contain the expected text.",
    ),
    (
        HttpOperator::StartsWith,
        "starts-with",
        &["startsWith"],
        "The value, as text, starts with the expected text.",
    ),
    (
        HttpOperator::EndsWith,
        "ends-with",
        &["endsWith"],
        "The value, as text, ends with the expected text.",
    ),
    (
        HttpOperator::Matches,
        "matches",
        &["regex"],
        "The value, as text, matches the regular expression.",
    ),
    (
        HttpOperator::Exists,
        "exists",
        &["is-defined", "isNotNull", "is-not-null"],
        "The value is present and not null.",
    ),
    (
        HttpOperator::NotExists,
        "not-exists",
        &["notExists", "is-null", "isNull", "is-undefined"],
        "The value is absent or null.",
    ),
    (
        HttpOperator::GreaterThan,
        "greater-than",
        &["greaterThan", "gt", ">"],
        "Both are numbers and the value is greater.",
    ),
    (
        HttpOperator::LessThan,
        "less-than",
        &["lessThan", "lt", "<"],
        "Both are numbers and the value is smaller.",
    ),
    (
        HttpOperator::GreaterEqual,
        "greater-equal",
        &["gte", ">="],
        "Both are numbers and the value is greater or equal.",
    ),
    (
        HttpOperator::LessEqual,
        "less-equal",
        &["lte", "<="],
        "Both are numbers and the value is smaller or equal.",
    ),
    (
        HttpOperator::IsEmpty,
        "is-empty",
        &["isEmpty", "empty"],
        "The value is \"\", [] or {} (null is not empty).",
    ),
    (
        HttpOperator::NotEmpty,
        "not-empty",
        &["isNotEmpty", "is-not-empty"],
        "The value is present and not \"\", [] or {}.",
    ),
    (
        HttpOperator::Truthy,
        "is-truthy",
        &["truthy"],
        "The value is truthy as in JavaScript (not false, 0, \"\", null).",
    ),
    (
        HttpOperator::Falsy,
        "is-falsy",
        &["falsy"],
        "The value is falsy as in JavaScript.",
    ),
    (
        HttpOperator::TypeIs,
        "type-is",
        &["typeof"],
        "The JavaScript type of the value: string, number, boolean, object or undefined.",
    ),
];

impl HttpOperator {
    /// Parses an operator in any spelling the app accepts (case and `-`/`_` ignored).
    pub fn parse(text: &str) -> Option<HttpOperator> {
        let key = normalize_operator(text);
        if key.is_empty() {
            return None;
        }
        HTTP_OPERATORS
            .iter()
            .find(|(_, name, aliases, _)| {
                normalize_operator(name) == key
                    || aliases.iter().any(|a| normalize_operator(a) == key)
            })
            .map(|(op, ..)| *op)
    }

    /// The name the app's table writes.
    pub fn as_str(self) -> &'static str {
        HTTP_OPERATORS
            .iter()
            .find(|(op, ..)| *op == self)
            .map_or("", |(_, name, ..)| name)
    }

    /// Whether the expected column is read (the existence, emptiness and truth checks ignore
    /// it).
    pub fn takes_expected(self) -> bool {
        !matches!(
            self,
            HttpOperator::Exists
                | HttpOperator::NotExists
                | HttpOperator::IsEmpty
                | HttpOperator::NotEmpty
                | HttpOperator::Truthy
                | HttpOperator::Falsy
        )
    }
}

fn normalize_operator(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A field and its operator as the app reads a row: an operator written as the last word of
/// the field (`status equals`) wins over the operator column; an empty operator is `equals`.
pub fn split_assertion_field<'t>(
    field: &'t str,
    operator: &'t str,
) -> (&'t str, Option<HttpOperator>) {
    let field = field.trim();
    if let Some((head, last)) = field.rsplit_once(char::is_whitespace)
        && let Some(op) = HttpOperator::parse(last)
    {
        return (head.trim_end(), Some(op));
    }
    if operator.trim().is_empty() {
        return (field, Some(HttpOperator::Equals));
    }
    (field, HttpOperator::parse(operator))
}

/// The fields of an `assertions-table` row, for completion and hover.
pub const HTTP_FIELD_DOCS: &[(&str, &str)] = &[
    ("status", "The HTTP status code (`200`)."),
    ("statusText", "The status text (`OK`)."),
    (
        "responseTime",
        "Milliseconds from sending the request to the end of the response.",
    ),
    (
        "header.",
        "A response header by name (any case): `header.content-type`.",
    ),
    (
        "headers.",
        "The same as `header.`; `headers.set-cookie.<name>` reads a cookie the server set.",
    ),
    ("requestHeader.", "A header that was sent, by name."),
    ("body", "The whole response body (parsed when it is JSON)."),
    (
        "body.",
        "A path into the JSON body: `body.data.items[0].id`, `body[\"a-key\"]`.",
    ),
    (
        "events.count",
        "Server-Sent Events: how many events arrived.",
    ),
    (
        "events[-1].",
        "Server-Sent Events: an event by index (`[0]` first, `[-1]` last, `[any]`, `[all]`), then `.event`, `.id`, `.data` or `.json.<path>`.",
    ),
];

/// Where a `{{$...}}` capture expression reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureSource {
    /// `$res`: the response.
    Response,
    /// `$req`: the request as sent.
    Request,
}

/// The first path segment a `{{$res.<...>}}` expression may start with, with its meaning.
pub const RESPONSE_ROOTS: &[(&str, &str)] = &[
    ("status", "The HTTP status code."),
    ("statusText", "The status text."),
    (
        "body",
        "The response body (a path into it when it is JSON: `body.token`).",
    ),
    (
        "headers",
        "A response header by name: `headers.X-Request-Id`.",
    ),
    ("time", "Milliseconds the exchange took."),
    ("size", "The response body size in bytes."),
];

/// The first path segment a `{{$req.<...>}}` expression may start with.
pub const REQUEST_ROOTS: &[(&str, &str)] = &[
    ("url", "The URL as sent, variables resolved."),
    ("method", "The method."),
    ("headers", "A header that was sent, by name."),
    (
        "body",
        "The body that was sent (a path into it when it is JSON).",
    ),
];

/// One `{{$res.path}}` / `{{$req.path}}` in a capture value, with its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureRef {
    pub source: CaptureSource,
    /// The path after `$res.` / `$req.`, trimmed.
    pub path: String,
    pub range: std::ops::Range<usize>,
}

/// The `{{$res...}}` and `{{$req...}}` references in a runtime-variables value.
pub fn capture_refs(text: &str) -> Vec<CaptureRef> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = text[at..].find("{{").map(|i| at + i) {
        let Some(close) = text[open + 2..].find("}}").map(|i| open + 2 + i) else {
            break;
        };
        let inner = text[open + 2..close].trim();
        let source = if let Some(path) = inner.strip_prefix("$res.") {
            Some((CaptureSource::Response, path))
        } else {
            inner
                .strip_prefix("$req.")
                .map(|path| (CaptureSource::Request, path))
        };
        if let Some((source, path)) = source {
            out.push(CaptureRef {
                source,
                path: path.trim().to_string(),
                range: open..close + 2,
            });
        }
        at = close + 2;
    }
    out
}

/// Why a capture path cannot read anything, in words (`None` when its root is known).
pub fn capture_path_problem(r: &CaptureRef) -> Option<String> {
    let root = r.path.split(['.', '[']).next().unwrap_or_default().trim();
    let roots = match r.source {
        CaptureSource::Response => RESPONSE_ROOTS,
        CaptureSource::Request => REQUEST_ROOTS,
    };
    if roots.iter().any(|(name, _)| *name == root) {
        return None;
    }
    let prefix = match r.source {
        CaptureSource::Response => "$res",
        CaptureSource::Request => "$req",
    };
    Some(format!(
        "`{prefix}.{}` reads nothing: after `{prefix}.` write one of {}",
        r.path,
        roots.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    ))
}

/// The checks of an HTTP or GraphQL section (called for every section; a section whose
/// request is a `socket-request` or that has none is left alone).
pub(crate) fn check_section(doc: &Document, section: &Section, diags: &mut Vec<Diagnostic>) {
    let Some((request_block, kind)) = section.request_kind(doc) else {
        return;
    };
    match kind {
        RequestKind::Http => {
            if let Some(BlockKind::HttpRequest(request)) =
                doc.blocks.get(request_block).map(|b| &b.kind)
            {
                check_request(&doc.blocks[request_block], request, diags);
            }
        }
        RequestKind::GraphQl => {
            if let Some(BlockKind::GqlQuery(query)) = doc.blocks.get(request_block).map(|b| &b.kind)
            {
                check_graphql(&doc.blocks[request_block], query, diags);
            }
        }
        RequestKind::WebSocket | RequestKind::Grpc => return,
    }
    for (i, block) in section.blocks.iter().map(|&i| (i, &doc.blocks[i])) {
        match &block.kind {
            BlockKind::HttpRequest(_) if i != request_block && kind == RequestKind::Http => {
                diags.push(Diagnostic::new(
                    type_range(block),
                    Severity::Warning,
                    codes::HTTP_MULTIPLE_REQUESTS,
                    "this section already has a request; only the first one is sent. Add a request-separator (`/separator` in the app) before this block".into(),
                ));
            }
            BlockKind::Body(body) => check_body(body, diags),
            BlockKind::AssertionsTable(a) => check_assertions(a, diags),
            BlockKind::RuntimeVariables(t) => check_captures(t, diags),
            BlockKind::OptionsTable(t) => check_options(t, kind, diags),
            BlockKind::GqlVariables(v) => check_graphql_variables(v, diags),
            BlockKind::Auth(auth) => {
                crate::diagnostics::check_auth_kind(auth, "for HTTP requests", diags)
            }
            _ => {}
        }
    }
}

fn type_range(block: &Block) -> TextRange {
    block
        .type_name
        .as_ref()
        .map_or(block.range.clone(), |t| t.range.clone())
}

fn check_request(block: &Block, request: &HttpRequest, diags: &mut Vec<Diagnostic>) {
    if let Some(method) = &request.method {
        let m = method.value.trim();
        if !m.contains("{{") && !is_method_token(m) {
            diags.push(Diagnostic::new(
                method.range.clone(),
                Severity::Error,
                codes::HTTP_METHOD,
                format!(
                    "`{m}` is not an HTTP method; use one of {}",
                    METHODS
                        .iter()
                        .map(|(m, _)| *m)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    match request.url.as_ref().filter(|u| !u.value.trim().is_empty()) {
        None => diags.push(Diagnostic::new(
            type_range(block),
            Severity::Error,
            codes::HTTP_URL_MISSING,
            "this request has no URL; write it as the `url` content, e.g. `https://example.com/api`"
                .into(),
        )),
        Some(url) => check_url(url, diags),
    }
}

/// A URL without a scheme is sent as `http://` (as the app does); another scheme than
/// `http`/`https` is an error, unless a variable gives it.
fn check_url(url: &Spanned<compact_str::CompactString>, diags: &mut Vec<Diagnostic>) {
    let value = url.value.trim();
    let Some((scheme, rest)) = value.split_once("://") else {
        return;
    };
    if scheme.contains("{{") {
        return;
    }
    let lower = scheme.to_ascii_lowercase();
    if lower != "http" && lower != "https" {
        let hint = if lower == "ws" || lower == "wss" {
            "; a WebSocket is a `socket-request` block (`/wss` in the app)"
        } else {
            ""
        };
        diags.push(Diagnostic::new(
            url.range.clone(),
            Severity::Error,
            codes::HTTP_URL_SCHEME,
            format!(
                "`{value}` is not an HTTP URL; it must start with `http://` or `https://`{hint}"
            ),
        ));
    } else if rest.split(['/', '?', '#']).next().is_none_or(str::is_empty) {
        diags.push(Diagnostic::new(
            url.range.clone(),
            Severity::Error,
            codes::HTTP_URL_SCHEME,
            format!("`{value}` has no host"),
        ));
    }
}

fn check_graphql(block: &Block, query: &GqlQuery, diags: &mut Vec<Diagnostic>) {
    match query.url.as_ref().filter(|u| !u.value.trim().is_empty()) {
        None => diags.push(Diagnostic::new(
            query.url_node.clone().unwrap_or_else(|| type_range(block)),
            Severity::Error,
            codes::HTTP_URL_MISSING,
            "this GraphQL request has no endpoint; write it in the `gqlurl` node, e.g. `https://example.com/graphql`".into(),
        )),
        Some(url) => {
            let value = url.value.trim();
            let scheme = value.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
            // A GraphQL endpoint may be given as ws:// or wss:// for subscriptions.
            if !matches!(scheme.as_deref(), Some("ws" | "wss")) {
                check_url(url, diags);
            }
        }
    }
    if query
        .query
        .as_ref()
        .is_none_or(|q| q.value.trim().is_empty())
    {
        diags.push(Diagnostic::new(
            type_range(block),
            Severity::Error,
            codes::GQL_QUERY_MISSING,
            "this GraphQL request has no query; write it in the `gqlbody` node's `body`".into(),
        ));
    }
}

/// What kind of GraphQL operation a query text is: its first keyword (`query`, `mutation`,
/// `subscription`; a bare `{ ... }` selection is a query), as the app reads it.
pub fn graphql_operation(query: &str, operation_type: Option<&str>) -> (String, Option<String>) {
    let text = strip_graphql_comments(query);
    let trimmed = text.trim_start();
    for keyword in ["query", "mutation", "subscription"] {
        if let Some(rest) = trimmed.strip_prefix(keyword)
            && rest.starts_with(|c: char| c.is_whitespace() || c == '{' || c == '(')
        {
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            return (keyword.to_string(), (!name.is_empty()).then_some(name));
        }
    }
    let declared = operation_type
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| matches!(t.as_str(), "query" | "mutation" | "subscription"));
    (declared.unwrap_or_else(|| "query".into()), None)
}

fn strip_graphql_comments(query: &str) -> String {
    query
        .lines()
        .map(|line| match line.find('#') {
            // A `#` inside a string is rare in operation headers; the keyword is what matters.
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_body(body: &Body, diags: &mut Vec<Diagnostic>) {
    let Some(text) = &body.body else { return };
    if body.kind != BodyKind::Json
        || text.value.contains("{{")
        || text.value.trim().is_empty()
        || body_content_type(body) != "application/json"
    {
        return;
    }
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&strip_json_comments(&text.value))
    {
        diags.push(Diagnostic::new(
            text.range.clone(),
            Severity::Warning,
            codes::HTTP_BODY_JSON,
            format!("this JSON body is not valid JSON ({e}); it is sent as written"),
        ));
    }
}

fn check_graphql_variables(v: &GqlVariables, diags: &mut Vec<Diagnostic>) {
    let Some(text) = &v.body else { return };
    let t = text.value.trim();
    if t.is_empty() || t.contains("{{") {
        return;
    }
    match serde_json::from_str::<serde_json::Value>(t) {
        Ok(serde_json::Value::Object(_)) => {}
        Ok(_) => diags.push(Diagnostic::new(
            text.range.clone(),
            Severity::Warning,
            codes::GQL_VARIABLES_JSON,
            "GraphQL variables must be a JSON object (`{\"id\": 1}`); these are sent as `{}`"
                .into(),
        )),
        Err(e) => diags.push(Diagnostic::new(
            text.range.clone(),
            Severity::Warning,
            codes::GQL_VARIABLES_JSON,
            format!("the GraphQL variables are not valid JSON ({e}); they are sent as `{{}}`"),
        )),
    }
}

fn check_assertions(a: &Assertions, diags: &mut Vec<Diagnostic>) {
    for row in a.rows.iter().filter(|r| !r.row.disabled) {
        let field = row.field.as_ref().map_or("", |f| f.value.as_str());
        let operator = row.operator.as_ref().map_or("", |o| o.value.as_str());
        if field.trim().is_empty() && operator.trim().is_empty() {
            continue;
        }
        let (field_path, parsed) = split_assertion_field(field, operator);
        if parsed.is_none()
            && let Some(o) = &row.operator
        {
            diags.push(Diagnostic::new(
                o.range.clone(),
                Severity::Error,
                codes::HTTP_ASSERTION_OPERATOR,
                format!(
                    "unknown operator `{}`; use one of {}",
                    o.value.trim(),
                    HTTP_OPERATORS
                        .iter()
                        .map(|(_, n, ..)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if field_path.starts_with("events")
            && let Err(e) = vocab::Field::parse(field_path)
            && let Some(f) = &row.field
        {
            diags.push(Diagnostic::new(
                f.range.clone(),
                Severity::Error,
                codes::WS_ASSERTION_FIELD,
                e,
            ));
        }
    }
}

fn check_captures(table: &Table, diags: &mut Vec<Diagnostic>) {
    let mut names: HashMap<String, ()> = HashMap::new();
    for row in table.enabled() {
        let Some(key) = row.key().filter(|k| !k.value.trim().is_empty()) else {
            continue;
        };
        if names.insert(key.value.trim().to_string(), ()).is_some() {
            diags.push(Diagnostic::new(
                key.range.clone(),
                Severity::Warning,
                codes::HTTP_CAPTURE,
                format!(
                    "`{}` is captured twice in this block; the last row wins",
                    key.value.trim()
                ),
            ));
        }
        let Some(value) = row.value() else { continue };
        for r in capture_refs(&value.value) {
            if let Some(problem) = capture_path_problem(&r) {
                diags.push(Diagnostic::new(
                    value.range.clone(),
                    Severity::Warning,
                    codes::HTTP_CAPTURE,
                    problem,
                ));
            }
        }
    }
}

fn check_options(table: &Table, kind: RequestKind, diags: &mut Vec<Diagnostic>) {
    for row in table.enabled() {
        let Some(key) = row.key().filter(|k| !k.value.trim().is_empty()) else {
            continue;
        };
        let name = key.value.trim();
        // A GraphQL subscription runs over WebSocket: the WebSocket keys apply there too.
        let known =
            vocab::http_option_key(name).filter(|k| k.scope.http() || kind == RequestKind::GraphQl);
        let Some(option) = known else {
            diags.push(Diagnostic::new(
                key.range.clone(),
                Severity::Warning,
                codes::HTTP_OPTION_UNKNOWN,
                format!(
                    "unknown options-table key `{name}`; HTTP sections read {}",
                    vocab::OPTION_KEYS
                        .iter()
                        .filter(|k| k.scope.http())
                        .map(|k| k.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            continue;
        };
        let value = row.value();
        let text = value.as_ref().map_or("", |v| v.value.as_str());
        if let Err(e) = vocab::check_option_value(option, text) {
            diags.push(Diagnostic::new(
                value.map_or(key.range.clone(), |v| v.range),
                Severity::Error,
                codes::HTTP_OPTION_VALUE,
                format!("`{name}`: {e}"),
            ));
        } else if option.option == vocab::WsOption::Insecure && text.trim() == "true" {
            diags.push(Diagnostic::new(
                value.map_or(key.range.clone(), |v| v.range),
                Severity::Warning,
                codes::WS_INSECURE,
                "`insecure: true` skips TLS certificate checks: anyone on the path can read and change the traffic".into(),
            ));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn json_comments_are_stripped_outside_strings() {
        let text = "{\n  // \"operation\": \"Treadstone\",\n  \"url\": \"http://x//y\", /* note */ \"a\": \"\\\"//\"\n}";
        let stripped = strip_json_comments(text);
        let value: serde_json::Value = serde_json::from_str(&stripped).unwrap();
        assert_eq!(value["url"], "http://x//y");
        assert_eq!(value["a"], "\"//");
        assert!(value.get("operation").is_none());
        assert_eq!(stripped.lines().count(), text.lines().count());
    }

    #[test]
    fn operators_in_every_spelling_the_app_accepts() {
        for (text, op) in [
            ("equals", HttpOperator::Equals),
            ("==", HttpOperator::Equals),
            ("notEquals", HttpOperator::NotEquals),
            ("not-equals", HttpOperator::NotEquals),
            ("greaterThan", HttpOperator::GreaterThan),
            ("greater_than", HttpOperator::GreaterThan),
            ("gte", HttpOperator::GreaterEqual),
            ("isNull", HttpOperator::NotExists),
            ("TYPE-IS", HttpOperator::TypeIs),
        ] {
            assert_eq!(HttpOperator::parse(text), Some(op), "{text}");
        }
        assert_eq!(HttpOperator::parse("within"), None);
        assert_eq!(
            split_assertion_field("status equals", "contains"),
            ("status", Some(HttpOperator::Equals))
        );
        assert_eq!(
            split_assertion_field("body.id", ""),
            ("body.id", Some(HttpOperator::Equals))
        );
    }

    #[test]
    fn capture_references_and_their_roots() {
        let refs = capture_refs("Bearer {{$res.body.token}} for {{ $req.url }} {{NAME}}");
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].path, "body.token");
        assert_eq!(refs[1].source, CaptureSource::Request);
        assert!(capture_path_problem(&refs[0]).is_none());
        let bad = &capture_refs("{{$res.data.token}}")[0];
        assert!(capture_path_problem(bad).unwrap().contains("status"));
    }

    #[test]
    fn graphql_operation_kind_and_name() {
        assert_eq!(
            graphql_operation("# c\nsubscription OnTick($n: Int) { tick }", None),
            ("subscription".into(), Some("OnTick".into()))
        );
        assert_eq!(
            graphql_operation("{ hello }", Some("mutation")).0,
            "mutation"
        );
        assert_eq!(
            graphql_operation("query{ a }", None),
            ("query".into(), None)
        );
    }
}
