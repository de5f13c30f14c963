//! `runtime-variables` rows: values taken from a response (`{{$res...}}`) or from the request
//! as sent (`{{$req...}}`) into variables that later sections use as `{{process.NAME}}`, as
//! the app's runner does.
//!
//! `$res` reads `status`, `statusText`, `body` (parsed when it is JSON; a path into it:
//! `body.data.items[0].id`), `headers` (by name, any case; `headers.set-cookie.<name>`),
//! `time` and `size`; `$req` reads `url`, `method`, `headers` and `body`. A value that is one
//! reference alone keeps the value's type (an object is stored as JSON, and its members are
//! reachable as `{{process.NAME.member}}`); references inside text are replaced by their text.
//! A reference that reads nothing captures nothing, and says so.
//!
//! No I/O; the engine hands the exchange in.

use serde_json::Value;
use void_syntax::http::{CaptureSource, capture_refs};
use void_syntax::variables::is_secret_name;

use super::checks::{at_path, js_string, set_cookies};
use super::client::{ResponseHead, SentRequest};
use super::spec::CaptureSpec;

/// What a capture reads.
#[derive(Debug, Clone, Copy)]
pub struct Exchanged<'a> {
    pub request: &'a SentRequest,
    pub head: &'a ResponseHead,
    /// The response body (parsed when it is JSON).
    pub body: &'a Value,
    pub time_ms: u64,
    pub size: u64,
}

/// One captured value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The variable, used as `{{process.<name>}}`.
    pub name: String,
    /// Its text (`None`: the expression read nothing, and the variable was not set).
    pub value: Option<String>,
    /// The expression as written (`{{$res.body.token}}`).
    pub expression: String,
    /// Whether the value is a secret (by its name, as for environment variables).
    pub secret: bool,
    /// For an object or array: its members, as `(path, text)` pairs (`user.id`), so
    /// `{{process.user.id}}` resolves.
    pub members: Vec<(String, String)>,
}

/// Adds captured values to `vars` as `{{process.<name>}}` (and `{{process.<name>.<member>}}`
/// for an object), later captures winning, secrets staying secret: how the sections after a
/// capture see it, in the runner and in the editor alike.
pub fn add_to_variables(vars: &mut void_syntax::variables::Variables, captured: &[Captured]) {
    use void_syntax::variables::Source;
    for c in captured {
        let Some(value) = &c.value else { continue };
        let name = format!("process.{}", c.name);
        for (path, text) in &c.members {
            vars.insert(format!("{name}.{path}"), text, Source::Override, c.secret);
        }
        vars.insert(name, value, Source::Override, c.secret);
    }
}

/// Members of a captured object kept at most (an enormous body captured whole stays usable).
const MAX_MEMBERS: usize = 1000;

/// Evaluates every row, in order.
pub fn capture(rows: &[CaptureSpec], exchanged: &Exchanged<'_>) -> Vec<Captured> {
    rows.iter()
        .map(|row| {
            let expression = row.expression.trim();
            let refs = capture_refs(expression);
            let single = refs.len() == 1 && refs[0].range == (0..expression.len());
            let (value, members) = if single {
                match evaluate(refs[0].source, &refs[0].path, exchanged) {
                    None | Some(Value::Null) => (None, Vec::new()),
                    Some(v @ (Value::Object(_) | Value::Array(_))) => {
                        let mut members = Vec::new();
                        flatten(&v, String::new(), &mut members);
                        (Some(v.to_string()), members)
                    }
                    Some(v) => (Some(js_string(&v)), Vec::new()),
                }
            } else {
                let mut text = String::with_capacity(expression.len());
                let mut at = 0;
                for r in &refs {
                    text.push_str(&expression[at..r.range.start]);
                    if let Some(v) = evaluate(r.source, &r.path, exchanged).filter(|v| !v.is_null())
                    {
                        text.push_str(&js_string(&v));
                    }
                    at = r.range.end;
                }
                text.push_str(&expression[at..]);
                (Some(text), Vec::new())
            };
            Captured {
                name: row.name.trim().to_string(),
                secret: is_secret_name(&row.name),
                value,
                expression: row.expression.clone(),
                members,
            }
        })
        .collect()
}

fn flatten(value: &Value, prefix: String, out: &mut Vec<(String, String)>) {
    if out.len() >= MAX_MEMBERS {
        return;
    }
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (key, child) in children {
        let path = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        let text = match child {
            Value::Object(_) | Value::Array(_) => child.to_string(),
            other => js_string(other),
        };
        out.push((path.clone(), text));
        flatten(child, path, out);
        if out.len() >= MAX_MEMBERS {
            return;
        }
    }
}

/// The value one reference reads.
pub fn evaluate(source: CaptureSource, path: &str, x: &Exchanged<'_>) -> Option<Value> {
    let (root, rest) = split_root(path);
    let headers = |list: &[(String, String)], rest: &str| -> Option<Value> {
        let (name, inner) = rest.split_once('.').unwrap_or((rest, ""));
        if name.is_empty() {
            return Some(Value::Object(
                list.iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            ));
        }
        if name.eq_ignore_ascii_case("set-cookie") {
            let cookies = set_cookies(list);
            return if inner.is_empty() {
                Some(cookies)
            } else {
                at_path(&cookies, inner)
            };
        }
        let value = list
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| Value::String(v.clone()))?;
        if inner.is_empty() {
            Some(value)
        } else {
            at_path(&value, inner)
        }
    };
    let from = |value: Value, rest: &str| {
        if rest.is_empty() {
            Some(value)
        } else {
            at_path(&parse_if_json(value), rest)
        }
    };
    match source {
        CaptureSource::Response => match root {
            "status" => from(Value::from(x.head.status), rest),
            "statusText" => from(Value::String(x.head.reason.clone()), rest),
            "body" => from(x.body.clone(), rest),
            "headers" => headers(&x.head.headers, rest),
            "time" => from(Value::from(x.time_ms), rest),
            "size" => from(Value::from(x.size), rest),
            _ => None,
        },
        CaptureSource::Request => match root {
            "url" => from(Value::String(x.request.url.clone()), rest),
            "method" => from(Value::String(x.request.method.clone()), rest),
            "headers" => headers(&x.request.headers, rest),
            "body" => from(super::checks::body_value(x.request.body.as_bytes()), rest),
            _ => None,
        },
    }
}

/// `body.a[0]` → (`body`, `a[0]`); `body[0]` → (`body`, `[0]`).
fn split_root(path: &str) -> (&str, &str) {
    let path = path.trim();
    let end = path.find(['.', '[']).unwrap_or(path.len());
    let rest = &path[end..];
    (&path[..end], rest.strip_prefix('.').unwrap_or(rest))
}

/// A string holding JSON becomes that JSON (the app reads into a JSON string the same way).
fn parse_if_json(value: Value) -> Value {
    match &value {
        Value::String(s) => serde_json::from_str(s).unwrap_or(value),
        _ => value,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn captures_keep_types_and_interpolate_text() {
        let head = ResponseHead {
            version: "HTTP/1.1".into(),
            status: 200,
            reason: "OK".into(),
            headers: vec![
                ("X-Request-Id".into(), "r-1".into()),
                ("Set-Cookie".into(), "sid=s3; Path=/".into()),
            ],
        };
        let body =
            serde_json::json!({"access_token": "tok-123", "user": {"id": 7, "roles": ["a"]}});
        let request = SentRequest {
            method: "POST".into(),
            url: "http://h/login".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: r#"{"user":"ada"}"#.into(),
            body_size: 14,
        };
        let x = Exchanged {
            request: &request,
            head: &head,
            body: &body,
            time_ms: 5,
            size: 60,
        };
        let rows = [
            ("token", "{{$res.body.access_token}}"),
            ("user", "{{$res.body.user}}"),
            ("rid", "{{$res.headers.x-request-id}}"),
            ("sid", "{{$res.headers.set-cookie.sid.value}}"),
            ("auth", "Bearer {{$res.body.access_token}} at {{$req.url}}"),
            ("who", "{{$req.body.user}}"),
            ("missing", "{{$res.body.nope}}"),
            ("status", "{{ $res.status }}"),
        ]
        .map(|(n, e)| CaptureSpec {
            name: n.into(),
            expression: e.into(),
        });
        let got = capture(&rows, &x);
        let value = |i: usize| got[i].value.clone();
        assert_eq!(value(0).as_deref(), Some("tok-123"));
        assert!(got[0].secret, "a token is a secret by its name");
        assert_eq!(value(1).as_deref(), Some(r#"{"id":7,"roles":["a"]}"#));
        assert!(got[1].members.contains(&("roles.0".into(), "a".into())));
        assert!(got[1].members.contains(&("id".into(), "7".into())));
        assert_eq!(value(2).as_deref(), Some("r-1"));
        assert_eq!(value(3).as_deref(), Some("s3"));
        assert_eq!(
            value(4).as_deref(),
            Some("Bearer tok-123 at http://h/login")
        );
        assert_eq!(value(5).as_deref(), Some("ada"));
        assert_eq!(value(6), None);
        assert_eq!(value(7).as_deref(), Some("200"));
    }
}
