//! From a parsed `.void` document to a [`SessionSpec`]: the one place that reads the syntax
//! model for the engine. It resolves `{{variables}}`, applies `{name}` path parameters, the
//! query table, headers, cookies and auth to the handshake, types the `ws-options`, parses the
//! `ws-assertions`, and collects the secrets to mask.
//!
//! It does no I/O: the caller resolves variables (files, environment, overrides) and passes
//! the file's directory. Every error names what is wrong and where (block index and byte
//! range), so callers can show it. An unresolved variable is an error naming it.
//!
//! The `auth` table's keys follow the app's auth editors (derived): bearer `token` (optional
//! `prefix`), basic `username`/`password`, apiKey `key`/`value` with `in` or `addTo` set to
//! `header` (default) or `query`. Key names are matched case-insensitively.

use std::path::Path;

use void_syntax::model::{Document, Section, SocketProtocol, TextRange};
use void_syntax::variables::Variables;
use void_syntax::vocab::SendMode;

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

/// Substitutes variables; an unresolved one is an error naming it and `place`.
fn resolve(
    vars: &Variables,
    text: &str,
    place: impl Into<String>,
    block: usize,
    range: Option<TextRange>,
    secrets: &mut Vec<String>,
) -> Result<String, SpecError> {
    collect_secrets(vars, text, secrets);
    vars.substitute(text)
        .map_err(|names| SpecError::Unresolved {
            names,
            place: place.into(),
            block,
            range,
        })
}

/// [`resolve`] for the URL: values that land in a query parameter are percent-encoded
/// (`Variables::substitute_url`).
fn resolve_url(
    vars: &Variables,
    text: &str,
    block: usize,
    range: Option<TextRange>,
    secrets: &mut Vec<String>,
) -> Result<String, SpecError> {
    collect_secrets(vars, text, secrets);
    vars.substitute_url(text)
        .map_err(|names| SpecError::Unresolved {
            names,
            place: "the URL".into(),
            block,
            range,
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

/// Percent-encodes a path parameter value (unreserved characters stay).
fn encode_path_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
    let blank = |c: &Option<void_syntax::model::Spanned<void_syntax::CompactString>>| {
        c.as_ref().is_none_or(|s| s.value.trim().is_empty())
    };
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
    /// paths taken from `file_dir`.
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
        let (request_block, request) = section
            .socket_request(doc)
            .filter(|(_, r)| r.protocol == SocketProtocol::WebSocket)
            .ok_or(SpecError::NotWebSocket)?;
        let url_text = request.url.as_ref().ok_or(SpecError::MissingUrl {
            block: request_block,
        })?;
        if url_text.value.trim().is_empty() {
            return Err(SpecError::MissingUrl {
                block: request_block,
            });
        }
        let mut secrets = Vec::new();
        let mut url = resolve_url(
            vars,
            url_text.value.trim(),
            request_block,
            Some(url_text.range.clone()),
            &mut secrets,
        )?;

        // `{name}` path parameters.
        for (block, table) in section.path_params(doc) {
            for row in table.enabled() {
                let Some(key) = row.key() else { continue };
                let value = row.value().map(|v| v.value).unwrap_or_default();
                let value = resolve(
                    vars,
                    &value,
                    format!("path parameter `{}`", key.value),
                    block,
                    Some(row.range.clone()),
                    &mut secrets,
                )?;
                url = url.replace(
                    &format!("{{{}}}", key.value.trim()),
                    &encode_path_value(&value),
                );
            }
        }
        let mut parsed = crate::connect::parse_ws_url(&url).map_err(|e| {
            invalid(
                Masker::new(&secrets).mask(&e).into_owned(),
                request_block,
                Some(url_text.range.clone()),
            )
        })?;
        let mut query_added = false;
        for (block, table) in section.query(doc) {
            for row in table.enabled() {
                let Some(key) = row.key() else { continue };
                let value = row.value().map(|v| v.value).unwrap_or_default();
                let key_text = resolve(
                    vars,
                    &key.value,
                    "the query table",
                    block,
                    Some(row.range.clone()),
                    &mut secrets,
                )?;
                let value = resolve(
                    vars,
                    &value,
                    format!("query parameter `{}`", key.value),
                    block,
                    Some(row.range.clone()),
                    &mut secrets,
                )?;
                parsed
                    .query_pairs_mut()
                    .append_pair(key_text.trim(), &value);
                query_added = true;
            }
        }
        if query_added {
            url = parsed.to_string();
        }
        let mut spec = SessionSpec::new(url);
        spec.file_dir = file_dir.map(Path::to_path_buf);

        for (block, table) in section.headers(doc) {
            for row in table.enabled() {
                let Some(key) = row.key() else { continue };
                let name = resolve(
                    vars,
                    key.value.trim(),
                    "the headers table",
                    block,
                    Some(row.range.clone()),
                    &mut secrets,
                )?;
                let value = row.value().map(|v| v.value).unwrap_or_default();
                let value = resolve(
                    vars,
                    &value,
                    format!("header `{name}`"),
                    block,
                    Some(row.range.clone()),
                    &mut secrets,
                )?;
                spec.headers.push((name, value));
            }
        }
        let mut cookies = Vec::new();
        for (block, table) in section.cookies(doc) {
            for row in table.enabled() {
                let Some(key) = row.key() else { continue };
                let value = row.value().map(|v| v.value).unwrap_or_default();
                let value = resolve(
                    vars,
                    &value,
                    format!("cookie `{}`", key.value),
                    block,
                    Some(row.range.clone()),
                    &mut secrets,
                )?;
                cookies.push(format!("{}={value}", key.value.trim()));
            }
        }
        if !cookies.is_empty() {
            spec.headers.push(("Cookie".into(), cookies.join("; ")));
        }

        if let Some((block, auth)) = section.auth(doc) {
            let mut field = |names: &[&str]| -> Result<Option<String>, SpecError> {
                for row in auth.table.enabled() {
                    if let Some(key) = row.key()
                        && names
                            .iter()
                            .any(|n| key.value.trim().eq_ignore_ascii_case(n))
                    {
                        let value = row.value().map(|v| v.value).unwrap_or_default();
                        return resolve(
                            vars,
                            &value,
                            format!("auth `{}`", key.value.trim()),
                            block,
                            Some(row.range.clone()),
                            &mut secrets,
                        )
                        .map(Some);
                    }
                }
                Ok(None)
            };
            let kind = auth
                .auth_type
                .as_ref()
                .map(|t| t.value.trim().to_string())
                .unwrap_or_default();
            let resolved = match kind.to_ascii_lowercase().as_str() {
                "" | "none" | "inherit" | "noauth" => Auth::None,
                "bearer" | "bearer-token" => {
                    let token = field(&["token", "accessToken", "bearer"])?
                        .ok_or_else(|| invalid("bearer auth needs a `token` row", block, None))?;
                    match field(&["prefix"])?
                        .filter(|p| !p.trim().is_empty() && p.trim() != "Bearer")
                    {
                        Some(prefix) => {
                            spec.secrets.push(token.clone());
                            spec.headers.push((
                                "Authorization".into(),
                                format!("{} {token}", prefix.trim()),
                            ));
                            Auth::None
                        }
                        None => Auth::Bearer(token),
                    }
                }
                "basic" | "basic-auth" => Auth::Basic {
                    user: field(&["username", "user"])?.unwrap_or_default(),
                    password: field(&["password"])?.unwrap_or_default(),
                },
                "apikey" | "api-key" | "api_key" => {
                    let name = field(&["key", "name", "keyName", "header"])?;
                    let value = field(&["value", "apiKey", "keyValue"])?;
                    let place = field(&["in", "addTo", "add_to", "location"])?.unwrap_or_default();
                    let (name, value) = match (name, value) {
                        (Some(n), Some(v)) => (n, v),
                        _ => {
                            // A single `[HeaderName, value]` row.
                            let row = auth.table.enabled().next().ok_or_else(|| {
                                invalid("apiKey auth needs a key and a value", block, None)
                            })?;
                            let key = row.key().map(|k| k.value.to_string()).unwrap_or_default();
                            let value = row.value().map(|v| v.value).unwrap_or_default();
                            let value = resolve(
                                vars,
                                &value,
                                format!("auth `{key}`"),
                                block,
                                Some(row.range.clone()),
                                &mut secrets,
                            )?;
                            (key, value)
                        }
                    };
                    Auth::ApiKey {
                        name: name.trim().to_string(),
                        value,
                        in_query: place.trim().eq_ignore_ascii_case("query"),
                    }
                }
                "oauth2" => {
                    // The app's OAuth 2.0: the token its flow captured into
                    // `{{process.<variablePrefix>_access_token}}` (or an `access_token` row),
                    // sent as `<headerPrefix> <token>` or as the `access_token` query parameter.
                    let config = OAuth2Config::of(doc.blocks[block].attrs());
                    let token = match field(&["access_token", "accessToken", "token"])? {
                        Some(token) => token,
                        None => resolve(
                            vars,
                            &format!("{{{{process.{}_access_token}}}}", config.variable_prefix),
                            "oauth2 access token",
                            block,
                            auth.auth_type.as_ref().map(|t| t.range.clone()),
                            &mut secrets,
                        )?,
                    };
                    if config.add_to_query {
                        Auth::ApiKey {
                            name: "access_token".into(),
                            value: token,
                            in_query: true,
                        }
                    } else if config.header_prefix == "Bearer" {
                        Auth::Bearer(token)
                    } else {
                        spec.secrets.push(token.clone());
                        spec.headers.push((
                            "Authorization".into(),
                            format!("{} {token}", config.header_prefix),
                        ));
                        Auth::None
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
            resolved
                .apply(&mut spec)
                .map_err(|e| invalid(e, block, None))?;
        }

        if let Some((block, options)) = section.options(doc) {
            for row in options.rows.iter().filter(|r| !r.row.disabled) {
                let Some(key) = &row.key else { continue };
                let raw = row
                    .value
                    .as_ref()
                    .map(|v| v.value.clone())
                    .unwrap_or_default();
                let value = resolve(
                    vars,
                    &raw,
                    format!("option `{}`", key.value),
                    block,
                    Some(row.row.range.clone()),
                    &mut secrets,
                )?;
                match spec.options.apply(key.value.trim(), &value) {
                    Ok(OptionEffect::Stored) => {}
                    Ok(OptionEffect::Subprotocols(list)) => spec.subprotocols = list,
                    Ok(OptionEffect::Origin(origin)) => spec.origin = Some(origin),
                    Err(e) => return Err(invalid(e, block, Some(row.row.range.clone()))),
                }
            }
        }

        for (block, message) in section.messages(doc) {
            let b = &doc.blocks[block];
            let uid = b
                .uid
                .as_ref()
                .map(|u| u.value.to_string())
                .unwrap_or_default();
            let name = message.name.as_ref().map(|n| n.value.trim().to_string());
            let label = name.clone().unwrap_or_else(|| uid.clone());
            let format = match &message.format {
                None => Default::default(),
                Some(f) => message.format_value().ok_or_else(|| {
                    invalid(
                        format!("ws-message \"{label}\": unknown format `{}`", f.value),
                        block,
                        Some(f.range.clone()),
                    )
                })?,
            };
            let encoding = match &message.encoding {
                None => Default::default(),
                Some(e) => message.encoding_value().ok_or_else(|| {
                    invalid(
                        format!("ws-message \"{label}\": unknown encoding `{}`", e.value),
                        block,
                        Some(e.range.clone()),
                    )
                })?,
            };
            let send = match &message.send {
                None => SendMode::Manual,
                Some(s) => SendMode::parse(&s.value).map_err(|e| {
                    invalid(
                        format!("ws-message \"{label}\": {e}"),
                        block,
                        Some(s.range.clone()),
                    )
                })?,
            };
            let delay = match &message.delay {
                None => None,
                Some(d) => Some(void_syntax::vocab::parse_duration(&d.value).map_err(|e| {
                    invalid(
                        format!("ws-message \"{label}\": delay: {e}"),
                        block,
                        Some(d.range.clone()),
                    )
                })?),
            };
            let raw = message
                .body
                .as_ref()
                .map(|b| b.value.to_string())
                .unwrap_or_default();
            let body = resolve(
                vars,
                &raw,
                format!("ws-message \"{label}\""),
                block,
                message.body.as_ref().map(|b| b.range.clone()),
                &mut secrets,
            )?;
            spec.messages.push(MessageSpec {
                uid,
                name,
                format,
                encoding,
                send,
                delay,
                body,
            });
        }

        if let Some((block, _)) = section.assertions(doc) {
            for row in assertion_rows(doc, section) {
                let cell = |c: &Option<void_syntax::model::Spanned<void_syntax::CompactString>>| {
                    c.as_ref().map(|s| s.value.to_string()).unwrap_or_default()
                };
                let (description, field, operator) = (
                    cell(&row.description),
                    cell(&row.field),
                    cell(&row.operator),
                );
                let expected = resolve(
                    vars,
                    &cell(&row.expected),
                    format!("assertion \"{description}\""),
                    block,
                    Some(row.row.range.clone()),
                    &mut secrets,
                )?;
                let parsed = AssertionSpec::parse(&description, &field, &operator, &expected)
                    .map_err(|e| {
                        invalid(
                            format!("assertion \"{}\": {e}", description.trim()),
                            block,
                            Some(row.row.range.clone()),
                        )
                    })?;
                spec.assertions.push(parsed);
            }
        }

        for s in secrets {
            if !spec.secrets.contains(&s) {
                spec.secrets.push(s);
            }
        }
        Ok(spec)
    }
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
