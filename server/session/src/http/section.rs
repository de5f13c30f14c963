//! From an HTTP or GraphQL section of a parsed document to the [`SessionSpec`] and
//! [`HttpRequestSpec`] that run it: the `request` block's method and URL (or the `gqlquery`
//! endpoint), path and query parameters, headers, cookies and auth through the same builders
//! as a WebSocket handshake ([`crate::section`]), the app's `options-table`, the body blocks,
//! the `assertions-table` rows and the `runtime-variables` rows.
//!
//! Like [`crate::section`], it does no I/O: files a body names are read when the request is
//! sent. `{{$res...}}` and `{{$req...}}` in `runtime-variables` are kept as written (they are
//! read from the response).

use std::path::Path;

use void_syntax::CompactString;
use void_syntax::http::{
    body_content_type, graphql_operation, split_assertion_field, strip_json_comments,
};
use void_syntax::model::{BodyKind, Document, RequestKind, Section, Spanned};
use void_syntax::variables::Variables;
use void_syntax::vocab::{self, WsOption};

use super::client::parse_http_url;
use super::spec::{
    CaptureSpec, FormPart, GraphqlOperation, HttpCheck, HttpOptions, HttpRequestSpec, RequestBody,
};
use crate::section::{
    At, Resolver, SpecError, add_auth, add_cookies, add_headers, block_url, rows,
};
use crate::spec::{OptionEffect, SessionSpec};

/// Builds what section `section_index` of `doc` sends, with `vars` resolved and relative
/// paths taken from `file_dir`. A section whose request is not HTTP (or a GraphQL query or
/// mutation) is refused in words.
pub fn from_http_section(
    doc: &Document,
    section_index: usize,
    vars: &Variables,
    file_dir: Option<&Path>,
) -> Result<(SessionSpec, HttpRequestSpec), SpecError> {
    let section = doc
        .sections
        .get(section_index)
        .ok_or(SpecError::NoSection(section_index))?;
    let mut resolver = Resolver::new(vars);
    let (url, mut http) = request_line(doc, section, &mut resolver)?;
    let mut spec = SessionSpec::new(url);
    spec.file_dir = file_dir.map(Path::to_path_buf);
    add_headers(doc, section, &mut resolver, &mut spec)?;
    add_cookies(doc, section, &mut resolver, &mut spec)?;
    add_auth(doc, section, &mut resolver, &mut spec)?;
    add_http_options(doc, section, &mut resolver, &mut spec, &mut http.options)?;
    if http.graphql.is_none() {
        http.body = request_body(doc, section, &mut resolver)?;
    }
    http.checks = checks(doc, section, &mut resolver)?;
    http.captures = rows(section.runtime_variables(doc))
        .filter(|row| !row.key.trim().is_empty())
        .map(|row| CaptureSpec {
            name: row.key.trim().to_string(),
            expression: row.value.trim().to_string(),
        })
        .collect();
    for (_, script) in section.scripts(doc) {
        let language = script
            .language
            .as_ref()
            .map_or("a", |l| l.value.trim())
            .to_string();
        http.notes.push(format!(
            "the section has a {language} script; void-ls never runs scripts"
        ));
    }
    for secret in resolver.secrets {
        if !spec.secrets.contains(&secret) {
            spec.secrets.push(secret);
        }
    }
    Ok((spec, http))
}

/// The method and URL: the `request` block's, or the `gqlquery` endpoint (a POST of the
/// operation as JSON).
fn request_line(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
) -> Result<(String, HttpRequestSpec), SpecError> {
    let not_http = || SpecError::Invalid {
        message: "this section has no HTTP request (a `request` block or a GraphQL `gqlquery`)"
            .into(),
        block: section.blocks.first().copied().unwrap_or(0),
        range: None,
    };
    let (block, kind) = section.request_kind(doc).ok_or_else(not_http)?;
    match kind {
        RequestKind::Http => {
            let request = section
                .blocks
                .iter()
                .find_map(|&i| match &doc.blocks[i].kind {
                    void_syntax::model::BlockKind::HttpRequest(r) if i == block => Some(r),
                    _ => None,
                })
                .ok_or_else(not_http)?;
            let method = request
                .method
                .as_ref()
                .map(|m| m.value.trim().to_ascii_uppercase())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "GET".into());
            let (url, _) = http_url(doc, section, resolver, block, request.url.as_ref())?;
            Ok((url, HttpRequestSpec::new(method)))
        }
        RequestKind::GraphQl => graphql_request(doc, section, resolver),
        RequestKind::WebSocket | RequestKind::Grpc => Err(not_http()),
    }
}

/// The URL `url` of block `block` (a `request` block's or a `gqlquery` endpoint), an HTTP one:
/// [`block_url`] with `http`/`https` schemes.
fn http_url(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    block: usize,
    url: Option<&Spanned<CompactString>>,
) -> Result<(String, At), SpecError> {
    block_url(doc, section, resolver, block, url, parse_http_url)
}

/// A `gqlquery` section: the operation posted as JSON to its endpoint.
fn graphql_request(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
) -> Result<(String, HttpRequestSpec), SpecError> {
    let Some((block, query)) = section.graphql(doc) else {
        return Err(SpecError::MissingUrl { block: 0 });
    };
    let (url, at) = http_url(doc, section, resolver, block, query.url.as_ref())?;
    let text = query
        .query
        .as_ref()
        .map(|q| q.value.to_string())
        .unwrap_or_default();
    let text = resolver.text(&text, "the GraphQL query", &at)?;
    let (kind, name) = graphql_operation(
        &text,
        query.operation_type.as_ref().map(|t| t.value.as_str()),
    );
    let variables = match section.graphql_variables(doc) {
        Some((vblock, v)) => {
            let raw = v.body.as_ref().map(|b| b.value.as_str()).unwrap_or("");
            let vat = At {
                block: vblock,
                range: v.body.as_ref().map(|b| b.range.clone()),
            };
            let resolved = resolver.text(raw, "the GraphQL variables", &vat)?;
            let stripped = strip_json_comments(&resolved);
            if stripped.trim().is_empty() {
                serde_json::Value::Object(Default::default())
            } else {
                serde_json::from_str(&stripped).map_err(|e| {
                    vat.invalid(format!("the GraphQL variables are not valid JSON: {e}"))
                })?
            }
        }
        None => serde_json::Value::Object(Default::default()),
    };
    let payload = super::graphql::http_payload(&text, &variables, name.as_deref());
    let mut http = HttpRequestSpec::new("POST");
    http.body = RequestBody::Text {
        text: payload.to_string(),
        content_type: "application/json".into(),
    };
    http.graphql = Some(GraphqlOperation {
        kind,
        name,
        payload,
    });
    Ok((url, http))
}

/// The app's `options-table`: HTTP's own keys into `options`, the shared ones (TLS, proxy,
/// `connectTimeout`) into the session options.
fn add_http_options(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
    spec: &mut SessionSpec,
    options: &mut HttpOptions,
) -> Result<(), SpecError> {
    for row in rows(section.http_options(doc)) {
        let name = row.key.trim();
        let value = resolver.text(&row.value, format!("option `{name}`"), &row.at)?;
        let Some(key) = vocab::http_option_key(name) else {
            return Err(row
                .at
                .invalid(format!("unknown options-table key `{name}`")));
        };
        vocab::check_option_value(key, &value)
            .map_err(|e| row.at.invalid(format!("`{name}`: {e}")))?;
        let value = value.trim();
        let wrong = |e: String| row.at.invalid(format!("`{name}`: {e}"));
        let duration = || vocab::parse_duration(value).map_err(wrong);
        match key.option {
            WsOption::Timeout => options.timeout = duration()?,
            WsOption::FollowRedirects => {
                options.follow_redirects = vocab::parse_bool(value).map_err(wrong)?;
            }
            WsOption::MaxRedirects => {
                options.max_redirects = value.parse().map_err(|_| {
                    row.at
                        .invalid(format!("`{name}`: `{value}` is not a whole number"))
                })?;
            }
            WsOption::MaxResponseSize => {
                options.max_response_size = vocab::parse_size(value).map_err(wrong)?;
            }
            _ => match spec.options.apply(key.name, value) {
                Ok(OptionEffect::Stored) => {}
                Ok(_) => {
                    return Err(row.at.invalid(format!(
                        "`{name}` applies to WebSocket sections (ws-options), not to HTTP"
                    )));
                }
                Err(e) => return Err(row.at.invalid(e)),
            },
        }
    }
    Ok(())
}

/// The body: the first body block (a local one before one imported from another file), else
/// a url-encoded table, a multipart table, or a file.
fn request_body(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
) -> Result<RequestBody, SpecError> {
    let bodies = section.bodies(doc);
    if let Some((block, body)) = bodies
        .iter()
        .find(|(_, b)| !b.imported)
        .or_else(|| bodies.first())
    {
        let at = At {
            block: *block,
            range: body.body.as_ref().map(|b| b.range.clone()),
        };
        let raw = body.body.as_ref().map(|b| b.value.as_str()).unwrap_or("");
        let place = format!("the {} block", body.kind.block_type());
        let text = resolver.text(raw, place, &at)?;
        let text = match body.kind {
            BodyKind::Json => strip_json_comments(&text),
            _ => text,
        };
        return Ok(RequestBody::Text {
            text,
            content_type: body_content_type(body).to_string(),
        });
    }
    let form = section.url_encoded(doc);
    if !form.is_empty() {
        let mut fields = Vec::new();
        for row in rows(form) {
            let value = resolver.text(&row.value, format!("form field `{}`", row.key), &row.at)?;
            fields.push((row.key.trim().to_string(), value));
        }
        return Ok(RequestBody::Form(fields));
    }
    let multipart = section.multipart(doc);
    if !multipart.is_empty() {
        return multipart_body(&multipart, resolver);
    }
    if let Some(file) = section
        .rest_files(doc)
        .into_iter()
        .find_map(|(_, f)| f.files.first().cloned())
    {
        return Ok(RequestBody::File {
            path: file.value.trim().to_string(),
        });
    }
    Ok(RequestBody::Empty)
}

fn multipart_body(
    tables: &[(usize, &void_syntax::model::MultipartTable)],
    resolver: &mut Resolver<'_>,
) -> Result<RequestBody, SpecError> {
    let mut parts = Vec::new();
    for (block, table) in tables {
        for row in table.rows.iter().filter(|r| !r.row.disabled) {
            let Some(name) = row.row.key().map(|k| k.value.trim().to_string()) else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            if row.is_file() {
                parts.extend(row.files.iter().map(|f| FormPart::File {
                    name: name.clone(),
                    path: f.value.trim().to_string(),
                }));
                continue;
            }
            let at = At {
                block: *block,
                range: Some(row.row.range.clone()),
            };
            let raw = row
                .row
                .value()
                .map(|v| v.value.to_string())
                .unwrap_or_default();
            let value = resolver.text(&raw, format!("form field `{name}`"), &at)?;
            parts.push(FormPart::Text { name, value });
        }
    }
    Ok(RequestBody::Multipart(parts))
}

/// The enabled `assertions-table` rows with a field, read the app's way (an operator written
/// at the end of the field wins; none is `equals`).
fn checks(
    doc: &Document,
    section: &Section,
    resolver: &mut Resolver<'_>,
) -> Result<Vec<HttpCheck>, SpecError> {
    let cell = |c: &Option<Spanned<CompactString>>| {
        c.as_ref().map(|s| s.value.to_string()).unwrap_or_default()
    };
    let mut out = Vec::new();
    for (block, table) in section.http_assertions(doc) {
        for row in table.rows.iter().filter(|r| !r.row.disabled) {
            let field_text = cell(&row.field);
            if field_text.trim().is_empty() {
                continue;
            }
            let operator_text = cell(&row.operator);
            let at = At {
                block,
                range: Some(row.row.range.clone()),
            };
            let (field, operator) = split_assertion_field(&field_text, &operator_text);
            let operator = operator.ok_or_else(|| {
                at.invalid(format!(
                    "unknown assertion operator `{}`",
                    operator_text.trim()
                ))
            })?;
            let expected =
                resolver.text(&cell(&row.expected), "an assertion's expected value", &at)?;
            out.push(HttpCheck {
                description: cell(&row.description).trim().to_string(),
                field: field.to_string(),
                operator,
                operator_text: if operator_text.trim().is_empty() {
                    operator.as_str().to_string()
                } else {
                    operator_text.trim().to_string()
                },
                expected: expected.trim().to_string(),
            });
        }
    }
    Ok(out)
}
