//! Hiding secrets: every place that shows text to a person or writes it to disk (log, status,
//! transcript, websocat command) passes it through a [`Masker`] first.
//!
//! It must stay cheap when there are no secrets (the common case on the hot path) and must
//! never reveal part of a secret.

use std::borrow::Cow;

/// The text shown in place of a secret.
pub const MASK: &str = "••••";

/// Secrets shorter than this are not masked: masking a one- or two-letter value would garble
/// every message while hiding nothing.
pub const MIN_SECRET_LEN: usize = 3;

/// Replaces every occurrence of known secret values with [`MASK`].
#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<String>,
}

impl Masker {
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Masker { secrets }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The text with every secret replaced.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.secrets.is_empty() || !self.secrets.iter().any(|s| text.contains(s.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
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
}
