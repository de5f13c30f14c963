//! Turning one planned WebSocket section into the session engine's resolved [`SessionSpec`]:
//! variables substituted, tables (query, path, headers, cookies, auth) applied, `ws-options`,
//! `ws-message` and `ws-assertions` typed.
//!
//! Every problem that belongs to the section (an unresolved `{{NAME}}`, a bad option value, an
//! unparsable assertion row) is returned as an error naming it, so that section fails and the
//! others still run. This module reads no files and opens no connections.

use std::path::Path;

use void_session::spec::OptionEffect;
use void_session::{AssertionSpec, Auth, MessageSpec, SessionSpec};
use void_syntax::model::{BlockKind, Document, Table};
use void_syntax::variables::Variables;

/// Builds the spec of the section `section_index` whose request is block `request_block`.
pub fn build(
    doc: &Document,
    section_index: usize,
    request_block: usize,
    vars: &Variables,
    file: &Path,
) -> Result<SessionSpec, String> {
    let sub = |what: &str, text: &str| -> Result<String, String> {
        vars.substitute(text).map_err(|missing| {
            let names: Vec<String> = missing.iter().map(|m| format!("{{{{{m}}}}}")).collect();
            format!(
                "unresolved variable{} {} in {what}: define {} in .env, pass --env FILE or --env-var NAME=VALUE",
                if names.len() > 1 { "s" } else { "" },
                names.join(", "),
                if names.len() > 1 { "them" } else { "it" }
            )
        })
    };

    let BlockKind::SocketRequest(request) = &doc.blocks[request_block].kind else {
        return Err("the section has no socket-request block".into());
    };
    let raw_url = request
        .url
        .as_ref()
        .map(|u| u.value.trim().to_string())
        .unwrap_or_default();
    if raw_url.is_empty() {
        return Err("the socket-request has no URL".into());
    }
    let mut url = sub("the URL", &raw_url)?;

    let mut spec = SessionSpec::new(String::new());
    spec.file_dir = file.parent().map(|d| {
        if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        }
        .to_path_buf()
    });
    spec.secrets = vars
        .iter()
        .into_iter()
        .filter(|(_, r)| r.secret && !r.value.is_empty())
        .map(|(_, r)| r.value.clone())
        .collect();

    let section = &doc.sections[section_index];
    let mut query: Vec<(String, String)> = Vec::new();
    let mut cookies: Vec<String> = Vec::new();
    let mut auth = None;
    let enabled_pairs = |table: &Table, what: &str| -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        for row in table.enabled() {
            let Some(key) = row.key() else { continue };
            let key = sub(what, key.value.trim())?;
            if key.is_empty() {
                continue;
            }
            let value = row.value().map(|v| v.value).unwrap_or_default();
            out.push((key, sub(what, &value)?));
        }
        Ok(out)
    };
    for &b in &section.blocks {
        match &doc.blocks[b].kind {
            BlockKind::HeadersTable(t) => spec.headers.extend(enabled_pairs(t, "the headers")?),
            BlockKind::QueryTable(t) => query.extend(enabled_pairs(t, "the query table")?),
            BlockKind::CookiesTable(t) => cookies.extend(
                enabled_pairs(t, "the cookies")?
                    .into_iter()
                    .map(|(k, v)| format!("{k}={v}")),
            ),
            BlockKind::PathTable(t) => {
                for (name, value) in enabled_pairs(t, "the path parameters")? {
                    url = url.replace(&format!("{{{name}}}"), &value);
                }
            }
            BlockKind::Auth(a) => auth = Some(auth_from(a, &sub)?),
            BlockKind::WsOptions(options) => {
                for row in options.rows.iter().filter(|r| !r.row.disabled) {
                    let Some(key) = &row.key else { continue };
                    let value = row
                        .value
                        .as_ref()
                        .map(|v| v.value.clone())
                        .unwrap_or_default();
                    let value = sub(&format!("ws-options `{}`", key.value), &value)?;
                    match spec.options.apply(key.value.trim(), &value)? {
                        OptionEffect::Stored => {}
                        OptionEffect::Subprotocols(list) => spec.subprotocols = list,
                        OptionEffect::Origin(origin) => spec.origin = Some(origin),
                    }
                }
            }
            BlockKind::WsMessage(m) => {
                let label = m
                    .name
                    .as_ref()
                    .map(|n| format!("ws-message `{}`", n.value))
                    .unwrap_or_else(|| "a ws-message".into());
                let format = m
                    .format_value()
                    .ok_or_else(|| format!("{label}: unknown format"))?;
                let encoding = m
                    .encoding_value()
                    .ok_or_else(|| format!("{label}: unknown encoding"))?;
                let send = m
                    .send_value()
                    .ok_or_else(|| format!("{label}: unknown send mode"))?;
                let body = m.body.as_ref().map(|b| b.value.clone()).unwrap_or_default();
                spec.messages.push(MessageSpec {
                    uid: doc.blocks[b]
                        .uid
                        .as_ref()
                        .map(|u| u.value.clone())
                        .unwrap_or_default(),
                    name: m.name.as_ref().map(|n| n.value.clone()),
                    format,
                    encoding,
                    send,
                    delay: m.delay_value(),
                    body: sub(&label, &body)?,
                });
            }
            BlockKind::WsAssertions(rows) => {
                for row in rows.rows.iter().filter(|r| !r.row.disabled) {
                    let cell = |c: &Option<void_syntax::model::Spanned<String>>| {
                        c.as_ref().map(|s| s.value.clone()).unwrap_or_default()
                    };
                    let description = cell(&row.description);
                    let what = if description.is_empty() {
                        "an assertion row".to_string()
                    } else {
                        format!("assertion `{description}`")
                    };
                    let expected = sub(&what, &cell(&row.expected))?;
                    let parsed = AssertionSpec::parse(
                        &description,
                        &cell(&row.field),
                        &cell(&row.operator),
                        &expected,
                    )
                    .map_err(|e| format!("{what}: {e}"))?;
                    spec.assertions.push(parsed);
                }
            }
            _ => {}
        }
    }

    if !query.is_empty() {
        let mut parsed =
            url::Url::parse(&url).map_err(|e| format!("`{url}` is not a valid URL: {e}"))?;
        {
            let mut pairs = parsed.query_pairs_mut();
            for (k, v) in &query {
                pairs.append_pair(k, v);
            }
        }
        url = parsed.to_string();
    }
    if !cookies.is_empty() {
        spec.headers.push(("Cookie".into(), cookies.join("; ")));
    }
    spec.url = url;
    if let Some(auth) = auth {
        auth.apply(&mut spec)?;
    }
    Ok(spec)
}

/// The `auth` block: `authType` plus a `[key, value]` table.
fn auth_from(
    auth: &void_syntax::model::Auth,
    sub: &dyn Fn(&str, &str) -> Result<String, String>,
) -> Result<Auth, String> {
    let kind = auth
        .auth_type
        .as_ref()
        .map(|t| t.value.trim().to_string())
        .unwrap_or_default();
    let mut values = std::collections::HashMap::new();
    for row in auth.table.enabled() {
        if let (Some(k), Some(v)) = (row.key(), row.value()) {
            values.insert(
                k.value.trim().to_ascii_lowercase(),
                sub("the auth block", &v.value)?,
            );
        }
    }
    let get = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| values.get(*n).cloned())
            .unwrap_or_default()
    };
    Ok(match kind.as_str() {
        "" | "none" | "inherit" => Auth::None,
        "bearer" => Auth::Bearer(get(&["token", "bearer", "value"])),
        "basic" => Auth::Basic {
            user: get(&["username", "user"]),
            password: get(&["password"]),
        },
        "apiKey" | "apikey" => Auth::ApiKey {
            name: get(&["key", "name"]),
            value: get(&["value", "apikey"]),
            in_query: matches!(
                get(&["in", "add to", "addto"])
                    .to_ascii_lowercase()
                    .as_str(),
                "query" | "query params"
            ),
        },
        other => {
            return Err(format!(
                "auth type `{other}` is not supported for WebSocket handshakes"
            ));
        }
    })
}
