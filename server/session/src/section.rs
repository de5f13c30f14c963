//! From a parsed `.void` document to a [`SessionSpec`]: the one place that reads the syntax
//! model for the engine. It resolves `{{variables}}`, applies `{name}` path parameters, the
//! query table, headers, cookies and auth to the handshake, types the `ws-options`, parses the
//! `ws-assertions`, and collects the secrets to mask.
//!
//! It does no I/O: the caller resolves variables (files, environment, overrides) and passes
//! the file's directory. Every error names what is wrong and where (block index and byte
//! range), so callers can show it. An unresolved variable is an error naming it.
//!
//! Every key/value table goes through one row helper (`rows`, with a `Resolver` that
//! substitutes, names the place of an unresolved variable and collects secrets), and each part
//! of the spec has a small builder (`request_url`, `add_headers`, `add_cookies`, `add_auth`,
//! `add_options`, `add_messages`, `add_assertions`).
//!
//! The `auth` table's keys follow the app's auth editors (derived): bearer `token` (optional
//! `prefix`), basic `username`/`password`, apiKey `key`/`value` with `in` or `addTo` set to
//! `header` (default) or `query`. Key names are matched case-insensitively.

use std::path::Path;

use void_syntax::CompactString;
use void_syntax::conversation::{ArgsMode, Condition, parse_captures, parse_times};
use void_syntax::model::{Document, Section, SocketProtocol, Spanned, Table, TextRange, WsMessage};
use void_syntax::variables::{Variables, percent_encode};
use void_syntax::vocab::{BinaryEncoding, MessageFormat, SendMode};

use crate::connect::parse_ws_url;
use crate::mask::Masker;
use crate::spec::{AssertionSpec, Auth, MessageSpec, OptionEffect, SessionSpec};

/// Why a section cannot become a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("there is no section {0} in this file")]
    NoSection(usize),
    #[error(
        "this section has no WebSocket request (a `socket-request` block with a ws:// or wss:// URL)"
    )]
    NotWebSocket,
    #[error("the WebSocket request has no URL")]
    MissingUrl { block: usize },
    #[error("unresolved variable{} {} in {place}", if names.len() > 1 { "s" } else { "" }, names.iter().map(|n| format!("{{{{{n}}}}}")).collect::<Vec<_>>().join(", "))]
    Unresolved {
        names: Vec<String>,
        /// What held them (`the URL`, `ws-message "login"`, ...).
        place: String,
        block: usize,
        range: Option<TextRange>,
    },
    #[error("{message}")]
    Invalid {
        message: String,
        block: usize,
        range: Option<TextRange>,
    },
}

impl SpecError {
    /// The block the error is about, when there is one.
    pub fn block(&self) -> Option<usize> {
        match self {
            SpecError::MissingUrl { block }
            | SpecError::Unresolved { block, .. }
            | SpecError::Invalid { block, .. } => Some(*block),
            _ => None,
        }
    }
}

fn invalid(message: impl Into<String>, block: usize, range: Option<TextRange>) -> SpecError {
    SpecError::Invalid {
        message: message.into(),
        block,
        range,
    }
}

/// What the app's OAuth 2.0 auth block says in its `oauth2Config` attr (a JSON object, or its
/// text): where the token was captured, and how it is sent.
struct OAuth2Config {
    variable_prefix: String,
    header_prefix: String,
    add_to_query: bool,
}

impl OAuth2Config {
    fn of(attrs: Option<void_syntax::yaml::Node<'_>>) -> OAuth2Config {
        let node = attrs.and_then(|a| a.get("oauth2Config"));
        // The app keeps the config as JSON text, or (written by hand) as a YAML mapping.
        let json: serde_json::Value = node
            .and_then(|n| n.as_str())
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        let text = |key: &str, default: &str| {
            json.get(key)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .or_else(|| node?.get(key)?.as_str().map(str::to_string))
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_string())
                .trim()
                .to_string()
        };
        OAuth2Config {
            variable_prefix: text("variablePrefix", "oauth2"),
            header_prefix: text("headerPrefix", "Bearer"),
            add_to_query: text("addTokenTo", "header").eq_ignore_ascii_case("query"),
        }
    }
}

/// Where a text of the section is: its block, and its range when known.
#[derive(Debug, Clone)]
pub(crate) struct At {
    pub(crate) block: usize,
    pub(crate) range: Option<TextRange>,
}

impl At {
    pub(crate) fn invalid(&self, message: impl Into<String>) -> SpecError {
        invalid(message, self.block, self.range.clone())
    }
}

/// Resolves the texts of one section: substitutes variables, names what held an unresolved
/// one and where, and collects the values of the secret variables used.
pub(crate) struct Resolver<'v> {
    pub(crate) vars: &'v Variables,
    pub(crate) secrets: Vec<String>,
}

impl<'v> Resolver<'v> {
    /// A resolver of `vars` that has met no secret yet.
    pub(crate) fn new(vars: &'v Variables) -> Self {
        Resolver {
            vars,
            secrets: Vec::new(),
        }
    }

    /// Like [`Resolver::text`] for a message body, which keeps the names in `captured` and the
    /// `{{$msg...}}` values as written: they are filled in when the message is sent.
    fn template(
        &mut self,
        text: &str,
        place: impl Into<String>,
        at: &At,
        captured: &[String],
    ) -> Result<String, SpecError> {
        collect_secrets(self.vars, text, &mut self.secrets);
        let keep = |name: &str| {
            captured.iter().any(|c| c == name) || void_syntax::conversation::is_msg_value(name)
        };
        self.vars
            .substitute_except(text, keep)
            .map_err(|names| SpecError::Unresolved {
                names,
                place: place.into(),
                block: at.block,
                range: at.range.clone(),
            })
    }

    /// `text` with its variables substituted; an unresolved one is an error naming it and
    /// `place`.
    pub(crate) fn text(
        &mut self,
        text: &str,
        place: impl Into<String>,
        at: &At,
    ) -> Result<String, SpecError> {
        collect_secrets(self.vars, text, &mut self.secrets);
        self.vars
            .substitute(text)
            .map_err(|names| unresolved(names, place, at))
    }

    /// [`Resolver::text`] for the URL: values that land in a query parameter are
    /// percent-encoded (`Variables::substitute_url`).
    fn url(&mut self, text: &str, at: &At) -> Result<String, SpecError> {
        collect_secrets(self.vars, text, &mut self.secrets);
        self.vars
            .substitute_url(text)
            .map_err(|names| unresolved(names, "the URL", at))
    }
}

fn unresolved(names: Vec<String>, place: impl Into<String>, at: &At) -> SpecError {
    SpecError::Unresolved {
        names,
        place: place.into(),
        block: at.block,
        range: at.range.clone(),
    }
}

/// One enabled row of a key/value table, as written.
pub(crate) struct Row {
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) at: At,
}

/// The enabled rows with a key of `tables`, in order: the one row loop every table of the
/// section goes through.
pub(crate) fn rows<'d>(tables: Vec<(usize, &'d Table)>) -> impl Iterator<Item = Row> + 'd {
    tables.into_iter().flat_map(|(block, table)| {
        table.enabled().filter_map(move |row| {
            Some(Row {
                key: row.key()?.value.to_string(),
                value: row.value().map(|v| v.value.to_string()).unwrap_or_default(),
                at: At {
                    block,
                    range: Some(row.range.clone()),
                },
            })
        })
    })
}

/// Adds the values of the secret variables that `text` uses.
fn collect_secrets(vars: &Variables, text: &str, secrets: &mut Vec<String>) {
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        let name = rest[open + 2..open + 2 + close].trim();
        if let Some(resolved) = vars.get(name)
            && resolved.secret
            && !secrets.contains(&resolved.value)
        {
            secrets.push(resolved.value.clone());
        }
        rest = &rest[open + 2 + close + 2..];
    }
}

/// The rows of a section's `ws-assertions` block that become [`AssertionSpec`]s, in order:
/// enabled rows with a field or an operator. The `index` of an
/// [`AssertionResult`](crate::AssertionResult) is a position in this list, so a caller can put
/// a result back on its row in the current text.
pub fn assertion_rows<'d>(
    doc: &'d Document,
    section: &Section,
) -> Vec<&'d void_syntax::model::AssertionRow> {
    let Some((_, assertions)) = section.assertions(doc) else {
        return Vec::new();
    };
    let blank =
        |c: &Option<Spanned<CompactString>>| c.as_ref().is_none_or(|s| s.value.trim().is_empty());
    assertions
        .rows
        .iter()
        .filter(|r| {
            let empty = blank(&r.field) && blank(&r.operator);
            !r.row.disabled && !empty
        })
        .collect()
}

impl SessionSpec {
    /// Builds the spec of section `section_index` of `doc`, with `vars` resolved and relative
    /// paths taken from `file_dir`: one small builder per part, in the order a handshake is
    /// made (URL, headers, cookies, auth), then options, messages and assertions.
    pub fn from_section(
        doc: &Document,
        section_index: usize,
        vars: &Variables,
        file_dir: Option<&Path>,
    ) -> Result<SessionSpec, SpecError> {
        let section = doc
            .sections
            .get(section_index)
            .ok_or(SpecError::NoSection(section_index))?;
        let mut resolver = Resolver::new(vars);
        let url = request_url(doc, section, &mut resolver)?;
        let mut spec = SessionSpec::new(url);
        spec.file_dir = file_dir.map(Path::to_path_buf);
        add_headers(doc, section, &mut resolver, &mut spec)?;
        add_cookies(doc, section, &mut resolver, &mut spec)?;
        add_auth(doc, section, &mut resolver, &mut spec)?;
        add_options(doc, section, &mut resolver, &mut spec)?;
        add_messages(doc, section, &mut resolver, &mut spec)?;
        add_assertions(doc, section, &mut resolver, &mut spec)?;
        for secret in resolver.secrets {
            if !spec.secrets.contains(&secret) {
                spec.secrets.push(secret);
            }
        }
        Ok(spec)
    }
}

/// The URL of the section's WebSocket request, with its `{name}` path parameters and its
/// query table applied.
fn request_url(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
) -> Result<String, SpecError> {
    let (request_block, request) = section
        .socket_request(doc)
        .filter(|(_, r)| r.protocol == SocketProtocol::WebSocket)
        .ok_or(SpecError::NotWebSocket)?;
    block_url(
        doc,
        section,
        resolver,
        request_block,
        request.url.as_ref(),
        parse_ws_url,
    )
    .map(|(url, _)| url)
}

/// The URL `url` of block `block` (a `socket-request`'s, a `request` block's, a `gqlquery`
/// endpoint) with the section's path and query parameters ([`url_with_parts`]); a missing or
/// empty URL is refused. Also where the URL stands, for errors about the block.
pub(crate) fn block_url(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    block: usize,
    url: Option<&Spanned<CompactString>>,
    parse: fn(&str) -> Result<url::Url, String>,
) -> Result<(String, At), SpecError> {
    let url_text = url
        .filter(|u| !u.value.trim().is_empty())
        .ok_or(SpecError::MissingUrl { block })?;
    let at = At {
        block,
        range: Some(url_text.range.clone()),
    };
    let url = url_with_parts(doc, section, resolver, url_text.value.trim(), &at, parse)?;
    Ok((url, at))
}

/// `raw` (the URL as written) resolved, with the section's `{name}` path parameters and its
/// query table applied; `parse` checks the scheme (`ws`/`wss`, or `http`/`https`).
fn url_with_parts(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    raw: &str,
    at: &At,
    parse: fn(&str) -> Result<url::Url, String>,
) -> Result<String, SpecError> {
    let mut url = resolver.url(raw, at)?;
    for row in rows(section.path_params(doc)) {
        let value = resolver.text(&row.value, format!("path parameter `{}`", row.key), &row.at)?;
        url = url.replace(&format!("{{{}}}", row.key.trim()), &percent_encode(&value));
    }
    let mut parsed = parse(&url)
        .map_err(|e| at.invalid(Masker::new(&resolver.secrets).mask(&e).into_owned()))?;
    let mut query_added = false;
    for row in rows(section.query(doc)) {
        let key = resolver.text(&row.key, "the query table", &row.at)?;
        let value = resolver.text(
            &row.value,
            format!("query parameter `{}`", row.key),
            &row.at,
        )?;
        parsed.query_pairs_mut().append_pair(key.trim(), &value);
        query_added = true;
    }
    if query_added {
        url = parsed.to_string();
    }
    Ok(url)
}

/// The headers table: one header per row.
pub(crate) fn add_headers(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    spec: &mut SessionSpec,
) -> Result<(), SpecError> {
    for row in rows(section.headers(doc)) {
        let name = resolver.text(row.key.trim(), "the headers table", &row.at)?;
        let value = resolver.text(&row.value, format!("header `{name}`"), &row.at)?;
        spec.headers.push((name, value));
    }
    Ok(())
}

/// The cookies table: one `Cookie` header.
pub(crate) fn add_cookies(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    spec: &mut SessionSpec,
) -> Result<(), SpecError> {
    let mut cookies = Vec::new();
    for row in rows(section.cookies(doc)) {
        let value = resolver.text(&row.value, format!("cookie `{}`", row.key), &row.at)?;
        cookies.push(format!("{}={value}", row.key.trim()));
    }
    if !cookies.is_empty() {
        spec.headers.push(("Cookie".into(), cookies.join("; ")));
    }
    Ok(())
}

/// The auth block, applied to the handshake (see the module docs for its keys).
pub(crate) fn add_auth(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    spec: &mut SessionSpec,
) -> Result<(), SpecError> {
    let Some((block, auth)) = section.auth(doc) else {
        return Ok(());
    };
    let table = vec![(block, &auth.table)];
    // The first row whose key is one of `names` (any case), resolved.
    let field = |resolver: &mut Resolver<'_>, names: &[&str]| {
        let Some(row) = rows(table.clone())
            .find(|row| names.iter().any(|n| row.key.trim().eq_ignore_ascii_case(n)))
        else {
            return Ok(None);
        };
        let place = format!("auth `{}`", row.key.trim());
        resolver.text(&row.value, place, &row.at).map(Some)
    };
    let at = At { block, range: None };
    let kind = auth
        .auth_type
        .as_ref()
        .map(|t| t.value.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let resolved = match kind.as_str() {
        "" | "none" | "inherit" | "noauth" => Auth::None,
        "bearer" | "bearer-token" => {
            let token = field(resolver, &["token", "accessToken", "bearer"])?
                .ok_or_else(|| at.invalid("bearer auth needs a `token` row"))?;
            let prefix = field(resolver, &["prefix"])?;
            with_prefix(spec, token, prefix.as_deref().unwrap_or("Bearer"))
        }
        "basic" | "basic-auth" => Auth::Basic {
            user: field(resolver, &["username", "user"])?.unwrap_or_default(),
            password: field(resolver, &["password"])?.unwrap_or_default(),
        },
        "apikey" | "api-key" | "api_key" => {
            let name = field(resolver, &["key", "name", "keyName", "header"])?;
            let value = field(resolver, &["value", "apiKey", "keyValue"])?;
            let place = field(resolver, &["in", "addTo", "add_to", "location"])?;
            let (name, value) = match (name, value) {
                (Some(n), Some(v)) => (n, v),
                _ => {
                    // A single `[HeaderName, value]` row: the first enabled one.
                    let row = auth
                        .table
                        .enabled()
                        .next()
                        .ok_or_else(|| at.invalid("apiKey auth needs a key and a value"))?;
                    let key = row.key().map(|k| k.value.to_string()).unwrap_or_default();
                    let value = row.value().map(|v| v.value.to_string()).unwrap_or_default();
                    let row_at = At {
                        block,
                        range: Some(row.range.clone()),
                    };
                    let value = resolver.text(&value, format!("auth `{key}`"), &row_at)?;
                    (key, value)
                }
            };
            Auth::ApiKey {
                name: name.trim().to_string(),
                value,
                in_query: place
                    .unwrap_or_default()
                    .trim()
                    .eq_ignore_ascii_case("query"),
            }
        }
        "oauth2" => {
            // The app's OAuth 2.0: the token its flow captured into
            // `{{process.<variablePrefix>_access_token}}` (or an `access_token` row), sent as
            // `<headerPrefix> <token>` or as the `access_token` query parameter.
            let config = OAuth2Config::of(doc.blocks[block].attrs());
            let token = match field(resolver, &["access_token", "accessToken", "token"])? {
                Some(token) => token,
                None => resolver.text(
                    &format!("{{{{process.{}_access_token}}}}", config.variable_prefix),
                    "oauth2 access token",
                    &At {
                        block,
                        range: auth.auth_type.as_ref().map(|t| t.range.clone()),
                    },
                )?,
            };
            if config.add_to_query {
                Auth::ApiKey {
                    name: "access_token".into(),
                    value: token,
                    in_query: true,
                }
            } else {
                with_prefix(spec, token, &config.header_prefix)
            }
        }
        other => {
            debug_assert!(!void_syntax::vocab::is_ws_auth_type(other));
            return Err(invalid(
                format!(
                    "auth type `{other}` is not supported for WebSocket handshakes; use {}",
                    void_syntax::vocab::WS_AUTH_TYPES_IN_WORDS
                ),
                block,
                auth.auth_type.as_ref().map(|t| t.range.clone()),
            ));
        }
    };
    resolved.apply(spec).map_err(|e| at.invalid(e))
}

/// A token sent as `Authorization: <prefix> <token>`: [`Auth::Bearer`] for the usual `Bearer`
/// (or no prefix), else the header itself, with the token kept as a secret.
fn with_prefix(spec: &mut SessionSpec, token: String, prefix: &str) -> Auth {
    let prefix = prefix.trim();
    if prefix.is_empty() || prefix == "Bearer" {
        return Auth::Bearer(token);
    }
    spec.secrets.push(token.clone());
    spec.headers
        .push(("Authorization".into(), format!("{prefix} {token}")));
    Auth::None
}

/// The `ws-options` block, typed.
fn add_options(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    spec: &mut SessionSpec,
) -> Result<(), SpecError> {
    let Some((block, options)) = section.options(doc) else {
        return Ok(());
    };
    for row in options.rows.iter().filter(|r| !r.row.disabled) {
        let Some(key) = &row.key else { continue };
        let at = At {
            block,
            range: Some(row.row.range.clone()),
        };
        let raw = row.value.as_ref().map(|v| v.value.as_str()).unwrap_or("");
        let value = resolver.text(raw, format!("option `{}`", key.value), &at)?;
        match spec.options.apply(key.value.trim(), &value) {
            Ok(OptionEffect::Stored) => {}
            Ok(OptionEffect::Subprotocols(list)) => spec.subprotocols = list,
            Ok(OptionEffect::Origin(origin)) => spec.origin = Some(origin),
            Err(e) => return Err(at.invalid(e)),
        }
    }
    Ok(())
}

/// The `ws-message` blocks, in file order. The names the section's replies capture are left
/// in the bodies, to be filled in when a message is sent; the environment's values of those
/// names are kept as [`SessionSpec::capture_defaults`].
fn add_messages(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    spec: &mut SessionSpec,
) -> Result<(), SpecError> {
    let mut captured: Vec<String> = Vec::new();
    for (name, _, _) in section.captured_names(doc) {
        if captured.contains(&name) {
            continue;
        }
        if let Some(resolved) = resolver.vars.get(&name) {
            if resolved.secret || void_syntax::variables::is_secret_name(&name) {
                resolver.secrets.push(resolved.value.clone());
            }
            spec.capture_defaults
                .push((name.clone(), resolved.value.clone()));
        }
        captured.push(name);
    }
    for (block, message) in section.messages(doc) {
        spec.messages
            .push(message_spec(doc, block, message, resolver, &captured)?);
    }
    Ok(())
}

/// One `ws-message` block as the engine sends it.
fn message_spec(
    doc: &Document,
    block: usize,
    message: &WsMessage,
    resolver: &mut Resolver<'_>,
    captured: &[String],
) -> Result<MessageSpec, SpecError> {
    let uid = doc.blocks[block]
        .uid
        .as_ref()
        .map(|u| u.value.to_string())
        .unwrap_or_default();
    let name = message.name.as_ref().map(|n| n.value.trim().to_string());
    let label = name.clone().unwrap_or_else(|| uid.clone());
    // An attribute's error, on the attribute.
    let wrong = |what: String, range: &TextRange| {
        invalid(
            format!("ws-message \"{label}\": {what}"),
            block,
            Some(range.clone()),
        )
    };
    fn attr(value: &Option<Spanned<CompactString>>) -> Option<(&str, &TextRange)> {
        value.as_ref().map(|v| (v.value.trim(), &v.range))
    }
    let mut spec = MessageSpec::text(uid, "");
    if let Some((f, range)) = attr(&message.format) {
        spec.format =
            MessageFormat::parse(f).ok_or_else(|| wrong(format!("unknown format `{f}`"), range))?;
    }
    if let Some((e, range)) = attr(&message.encoding) {
        spec.encoding = BinaryEncoding::parse(e)
            .ok_or_else(|| wrong(format!("unknown encoding `{e}`"), range))?;
    }
    if let Some((s, range)) = attr(&message.send) {
        spec.send = SendMode::parse(s).map_err(|e| wrong(e, range))?;
    }
    if let Some((d, range)) = attr(&message.delay) {
        spec.delay = Some(
            void_syntax::vocab::parse_duration(d)
                .map_err(|e| wrong(format!("delay: {e}"), range))?,
        );
    }
    if let Some((w, range)) = attr(&message.when) {
        spec.when = Some(Condition::parse(w).map_err(|e| wrong(format!("when: {e}"), range))?);
    }
    if let Some((t, range)) = attr(&message.times) {
        spec.times = Some(parse_times(t).map_err(|e| wrong(e, range))?);
    }
    if let Some((c, range)) = attr(&message.capture) {
        spec.captures = parse_captures(c).map_err(|e| wrong(format!("capture: {e}"), range))?;
    }
    if let Some((e, _)) = attr(&message.event) {
        spec.event = Some(e.to_string());
    }
    if let Some((a, range)) = attr(&message.args) {
        spec.args = ArgsMode::parse(a).map_err(|e| wrong(e, range))?;
    }
    if let Some((a, range)) = attr(&message.ack) {
        spec.ack =
            void_syntax::vocab::parse_bool(a).map_err(|e| wrong(format!("ack: {e}"), range))?;
    }
    let at = At {
        block,
        range: message.body.as_ref().map(|b| b.range.clone()),
    };
    spec.has_body = message.body.is_some();
    let raw = message.body.as_ref().map_or("", |b| b.value.as_str());
    spec.body = resolver.template(raw, format!("ws-message \"{label}\""), &at, captured)?;
    spec.name = name;
    Ok(spec)
}

/// The `ws-assertions` rows ([`assertion_rows`]), parsed.
fn add_assertions(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    spec: &mut SessionSpec,
) -> Result<(), SpecError> {
    let Some((block, _)) = section.assertions(doc) else {
        return Ok(());
    };
    for row in assertion_rows(doc, section) {
        let cell = |c: &Option<Spanned<CompactString>>| {
            c.as_ref().map(|s| s.value.to_string()).unwrap_or_default()
        };
        let (description, field, operator) = (
            cell(&row.description),
            cell(&row.field),
            cell(&row.operator),
        );
        let at = At {
            block,
            range: Some(row.row.range.clone()),
        };
        let expected = resolver.text(
            &cell(&row.expected),
            format!("assertion \"{description}\""),
            &at,
        )?;
        let parsed = AssertionSpec::parse(&description, &field, &operator, &expected)
            .map_err(|e| at.invalid(format!("assertion \"{}\": {e}", description.trim())))?;
        spec.assertions.push(parsed);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use void_syntax::variables::Source;
    use void_syntax::vocab::MessageFormat;

    fn block(body: &str) -> String {
        format!("```void\n---\n{body}---\n```\n\n")
    }

    fn table(kind: &str, rows: &[(&str, &str)]) -> String {
        let mut s = format!(
            "type: {kind}\nattrs:\n  uid: {kind}-uid\ncontent:\n  - type: table\n    rows:\n"
        );
        for (k, v) in rows {
            s.push_str(&format!("      - attrs:\n          disabled: false\n        row:\n          - \"{k}\"\n          - \"{v}\"\n"));
        }
        s
    }

    fn file() -> String {
        let mut text = String::from("# Chat\n\n");
        text += &block(
            "type: socket-request\nattrs:\n  uid: req-uid\ncontent:\n  - type: smethod\n    attrs:\n      uid: m-uid\n      method: WSS\n    content: WSS\n  - type: surl\n    attrs:\n      uid: u-uid\n    content: \"wss://{{HOST}}/rooms/{room}\"\n",
        );
        text += &block(&table("path-table", &[("room", "a b")]));
        text += &block(&table("query-table", &[("v", "2")]));
        text += &block(&table("headers-table", &[("X-Trace", "t1")]));
        text += &block(&table("cookies-table", &[("sid", "{{SESSION_TOKEN}}")]));
        text += &block(&table(
            "ws-options",
            &[
                ("subprotocols", "chat, v2"),
                ("connectTimeout", "3s"),
                ("origin", "https://app"),
            ],
        ));
        text += &block(
            "type: ws-message\nattrs:\n  uid: msg-uid\n  name: hello\n  format: json\n  send: on-open\n  delay: 250ms\n  body: |-\n    {\"hi\": \"{{USER}}\"}\n",
        );
        let mut asserts = String::from(
            "type: ws-assertions\nattrs:\n  uid: as-uid\ncontent:\n  - type: table\n    rows:\n",
        );
        asserts.push_str("      - attrs:\n          disabled: false\n        row:\n          - greeted\n          - received[0].json.hi\n          - equals\n          - \"{{USER}}\"\n");
        text += &block(&asserts);
        text
    }

    fn vars() -> Variables {
        let mut v = Variables::new();
        v.insert("HOST", "chat.example:8443", Source::Override, false);
        v.insert("USER", "ada", Source::Override, false);
        v.insert("SESSION_TOKEN", "sess-123", Source::Override, false);
        v
    }

    #[test]
    fn a_websocket_section_becomes_a_spec() {
        let doc = void_syntax::parse(&file());
        let spec = SessionSpec::from_section(&doc, 0, &vars(), Some(Path::new("/w"))).unwrap();
        assert_eq!(spec.url, "wss://chat.example:8443/rooms/a%20b?v=2");
        assert_eq!(
            spec.headers,
            vec![
                ("X-Trace".into(), "t1".into()),
                ("Cookie".into(), "sid=sess-123".into())
            ]
        );
        assert_eq!(
            spec.subprotocols,
            vec!["chat".to_string(), "v2".to_string()]
        );
        assert_eq!(spec.origin.as_deref(), Some("https://app"));
        assert_eq!(
            spec.options.connect_timeout,
            std::time::Duration::from_secs(3)
        );
        assert_eq!(spec.messages.len(), 1);
        let m = &spec.messages[0];
        assert_eq!(
            (m.uid.as_str(), m.name.as_deref(), m.format),
            ("msg-uid", Some("hello"), MessageFormat::Json)
        );
        assert_eq!(m.send, SendMode::OnOpen);
        assert_eq!(m.delay, Some(std::time::Duration::from_millis(250)));
        assert_eq!(m.body, "{\"hi\": \"ada\"}");
        assert_eq!(spec.assertions.len(), 1);
        assert_eq!(spec.assertions[0].expected, "ada");
        assert_eq!(spec.secrets, vec!["sess-123".to_string()]);
        assert_eq!(spec.file_dir.as_deref(), Some(Path::new("/w")));
    }

    #[test]
    fn an_unresolved_variable_is_named() {
        let doc = void_syntax::parse(&file());
        let mut v = Variables::new();
        v.insert("USER", "ada", Source::Override, false);
        let err = SessionSpec::from_section(&doc, 0, &v, None).unwrap_err();
        assert_eq!(err.to_string(), "unresolved variable {{HOST}} in the URL");
        assert!(
            matches!(err, SpecError::Unresolved { ref names, .. } if names == &["HOST".to_string()])
        );
    }

    #[test]
    fn sections_without_websocket_are_refused() {
        let doc = void_syntax::parse("# nothing\n");
        assert_eq!(
            SessionSpec::from_section(&doc, 0, &vars(), None).unwrap_err(),
            SpecError::NotWebSocket
        );
        assert_eq!(
            SessionSpec::from_section(&doc, 5, &vars(), None).unwrap_err(),
            SpecError::NoSection(5)
        );
    }

    #[test]
    fn auth_kinds_apply_to_the_handshake() {
        let base = file();
        let with_auth = |kind: &str, rows: &[(&str, &str)]| {
            let mut t = table("auth", rows);
            t = t.replace(
                "attrs:\n  uid: auth-uid\n",
                &format!("attrs:\n  uid: auth-uid\n  authType: {kind}\n"),
            );
            let text = format!("{base}{}", block(&t));
            let doc = void_syntax::parse(&text);
            SessionSpec::from_section(&doc, 0, &vars(), None)
        };
        let spec = with_auth("bearer", &[("token", "{{SESSION_TOKEN}}")]).unwrap();
        assert!(
            spec.headers
                .contains(&("Authorization".into(), "Bearer sess-123".into()))
        );
        let spec = with_auth("basic", &[("username", "u"), ("password", "pw1")]).unwrap();
        assert!(
            spec.headers
                .contains(&("Authorization".into(), "Basic dTpwdzE=".into()))
        );
        assert!(spec.secrets.contains(&"pw1".to_string()));
        let spec = with_auth(
            "apiKey",
            &[("key", "api_key"), ("value", "k-999"), ("in", "query")],
        )
        .unwrap();
        assert!(spec.url.ends_with("&api_key=k-999"), "{}", spec.url);
        let spec = with_auth("apiKey", &[("X-Api-Key", "k-999")]).unwrap();
        assert!(spec.headers.contains(&("X-Api-Key".into(), "k-999".into())));
        // OAuth 2.0: the token the app's flow captured, or a row.
        let spec = with_auth("oauth2", &[("access_token", "at-42")]).unwrap();
        assert!(
            spec.headers
                .contains(&("Authorization".into(), "Bearer at-42".into()))
        );
        match with_auth("oauth2", &[]).unwrap_err() {
            SpecError::Unresolved { names, .. } => {
                assert_eq!(names, ["process.oauth2_access_token"])
            }
            other => panic!("{other:?}"),
        }
    }

    /// `check` (the parser's diagnostics) and a run refuse exactly the same auth types.
    #[test]
    fn check_and_run_agree_on_every_auth_type() {
        let base = file();
        for kind in [
            "none",
            "inherit",
            "bearer",
            "basic",
            "apiKey",
            "oauth2",
            "oauth1",
            "digest",
            "ntlm",
            "awsSignature",
            "hawk",
            "atlassianAsap",
            "netrc",
            "made-up",
        ] {
            let mut t = table("auth", &[("token", "t-1"), ("access_token", "t-2")]);
            t = t.replace(
                "attrs:\n  uid: auth-uid\n",
                &format!("attrs:\n  uid: auth-uid\n  authType: {kind}\n"),
            );
            let text = format!("{base}{}", block(&t));
            let doc = void_syntax::parse(&text);
            let check_refuses = doc
                .diagnostics
                .iter()
                .any(|d| d.code == void_syntax::codes::WS_AUTH_UNSUPPORTED);
            let run_refuses = SessionSpec::from_section(&doc, 0, &vars(), None)
                .err()
                .is_some_and(|e| e.to_string().contains("not supported"));
            assert_eq!(check_refuses, run_refuses, "{kind}");
            assert_eq!(
                check_refuses,
                !void_syntax::vocab::is_ws_auth_type(kind),
                "{kind}"
            );
        }
    }
}
