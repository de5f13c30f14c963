//! Hiding secrets in every form they travel in. A secret value (FORMAT 5: values from
//! `env-private.yaml`, variables named like `TOKEN`, `SECRET`, `PASSWORD`, `KEY`, auth fields)
//! rarely stays raw on its way out: it is percent-encoded in a URL (`a b` -> `a%20b` or
//! `a+b`), escaped in JSON (`a"b` -> `a\"b`, `é` -> `\u00e9`), base64-encoded in a header. A
//! [`Masker`] knows every such form ([`forms`]) and replaces each with [`MASK`].
//!
//! Every place that shows text to a person or writes it to disk (hovers, the live log, status,
//! transcripts, reports, the server's own log, the websocat command) passes it through a
//! masker. It must stay cheap when there are no secrets (the common case on the hot path) and
//! must never reveal part of a secret. Plain functions, no I/O.

use std::borrow::Cow;

use base64::Engine as _;

/// The text shown in place of a secret.
pub const MASK: &str = "••••";

/// Secrets shorter than this are not masked: masking a one- or two-letter value would garble
/// every message while hiding nothing.
pub const MIN_SECRET_LEN: usize = 3;

/// The forms a secret value may take in text that leaves the tool: raw; percent-encoded as a
/// URL query or path component (upper- and lowercase hex, space as `%20` or `+`, and the
/// lighter encodings URL libraries apply to query strings, paths and user info); escaped in a
/// JSON string (as `serde_json` writes it, with `\/`, and with every non-ASCII character as
/// `\uXXXX`); and base64 (standard and URL-safe). Distinct forms only, the raw value first.
pub fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    let mut add = |form: String| {
        if !out.contains(&form) {
            out.push(form);
        }
    };
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    add(percent_encode(secret, |b| !unreserved(b), false, false));
    add(percent_encode(secret, |b| !unreserved(b), true, false));
    add(percent_encode(secret, |b| !unreserved(b), false, true));
    // application/x-www-form-urlencoded: `*-._` stay, space is `+`.
    add(percent_encode(
        secret,
        |b| !(b.is_ascii_alphanumeric() || b"*-._".contains(&b)),
        false,
        true,
    ));
    // What URL parsers leave of a value written raw into a query, a path, or user info.
    let controls = |b: u8| b < 0x20 || b == 0x7f || b >= 0x80 || b == b' ';
    add(percent_encode(
        secret,
        |b| controls(b) || b"\"#<>'".contains(&b),
        false,
        false,
    ));
    add(percent_encode(
        secret,
        |b| controls(b) || b"\"#<>?`{}".contains(&b),
        false,
        false,
    ));
    add(percent_encode(
        secret,
        |b| controls(b) || b"\"#<>?`{}/:;=@[\\]^|".contains(&b),
        false,
        false,
    ));
    let json = json_escape(secret, false);
    add(json.replace('/', "\\/"));
    add(json);
    add(json_escape(secret, true));
    add(base64::engine::general_purpose::STANDARD.encode(secret));
    add(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret));
    out
}

/// `text` with the bytes `encode` selects written as `%XX`.
fn percent_encode(
    text: &str,
    encode: impl Fn(u8) -> bool,
    lowercase: bool,
    space_as_plus: bool,
) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if space_as_plus && b == b' ' {
            out.push('+');
        } else if encode(b) {
            if lowercase {
                out.push_str(&format!("%{b:02x}"));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(b as char);
        }
    }
    out
}

/// The inside of a JSON string holding `text`; with `ascii`, every non-ASCII character as
/// `\uXXXX` (surrogate pairs beyond the BMP), as some JSON writers do.
fn json_escape(text: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Replaces every form of every known secret with [`MASK`].
#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Every form of every secret, longest first, so a form that contains another is masked
    /// whole.
    patterns: Vec<String>,
}

impl Masker {
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut patterns: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.as_ref().len() >= MIN_SECRET_LEN)
            .flat_map(|s| forms(s.as_ref()))
            .filter(|form| form.len() >= MIN_SECRET_LEN)
            .collect();
        patterns.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        patterns.dedup();
        Masker { patterns }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The text with every form of every secret replaced.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.patterns.is_empty() || !self.patterns.iter().any(|s| text.contains(s.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_string();
        for pattern in &self.patterns {
            if out.contains(pattern.as_str()) {
                out = out.replace(pattern.as_str(), MASK);
            }
        }
        Cow::Owned(out)
    }

    /// A header value for display: secrets masked, and the credentials of `Authorization`,
    /// `Proxy-Authorization` and `Cookie` hidden even when they are not known secrets.
    pub fn header_value<'a>(&self, name: &str, value: &'a str) -> Cow<'a, str> {
        let lower = name.to_ascii_lowercase();
        if lower == "authorization" || lower == "proxy-authorization" {
            return match value.split_once(' ') {
                Some((scheme, _)) => Cow::Owned(format!("{scheme} {MASK}")),
                None => Cow::Borrowed(MASK),
            };
        }
        if lower == "cookie" {
            let masked: Vec<String> = value
                .split(';')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) => format!("{}={MASK}", k.trim()),
                    None => pair.trim().to_string(),
                })
                .collect();
            return Cow::Owned(masked.join("; "));
        }
        self.mask(value)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first() {
        let m = Masker::new(["abc", "abcdef", "x"]);
        assert_eq!(m.mask("token=abcdef&k=abc&y=x"), "token=••••&k=••••&y=x");
        assert!(matches!(m.mask("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn credentials_headers_are_hidden() {
        let m = Masker::default();
        assert_eq!(m.header_value("Authorization", "Bearer xyz"), "Bearer ••••");
        assert_eq!(m.header_value("Cookie", "a=1; b=2"), "a=••••; b=••••");
        assert_eq!(m.header_value("X-Other", "plain"), "plain");
    }

    #[test]
    fn every_form_a_secret_travels_in_is_masked() {
        let secret = "p@ss w&rd=100%+é\"/✓";
        let m = Masker::new([secret]);
        let travelled = [
            secret.to_string(),
            // A query built by a URL library, by hand, or by a form encoder.
            "p%40ss%20w%26rd%3D100%25%2B%C3%A9%22%2F%E2%9C%93".to_string(),
            "p%40ss%20w%26rd%3d100%25%2b%c3%a9%22%2f%e2%9c%93".to_string(),
            "p%40ss+w%26rd%3D100%25%2B%C3%A9%22%2F%E2%9C%93".to_string(),
            "p@ss%20w&rd=100%+%C3%A9%22/%E2%9C%93".to_string(),
            // JSON, as serde writes it, and ASCII-only.
            serde_json::to_string(secret)
                .unwrap()
                .trim_matches('"')
                .to_string(),
            "p@ss w&rd=100%+\\u00e9\\\"/\\u2713".to_string(),
            // Base64.
            base64::engine::general_purpose::STANDARD.encode(secret),
        ];
        for form in &travelled {
            let text = format!("before {form} after");
            assert_eq!(m.mask(&text), format!("before {MASK} after"), "form {form}");
        }
    }

    #[test]
    fn plain_secrets_have_few_forms() {
        // An alphanumeric token travels only raw and in base64.
        assert_eq!(
            forms("tok123"),
            vec!["tok123".to_string(), "dG9rMTIz".to_string()]
        );
    }
}
