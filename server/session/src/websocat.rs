//! The `websocat` command line equivalent to a session spec (the `void.copyAsWebsocat`
//! command, docs/lsp-extensions.md): headers as `-H`, subprotocols as `--protocol`,
//! `--origin`, `-k` for `insecure`, ping settings, and the maximum message size; every argument
//! shell-quoted and secrets masked unless the caller asks to reveal them.
//!
//! Pure string building: it never runs websocat. Options websocat cannot express (an HTTP
//! proxy, PEM client certificates) are listed in a trailing shell comment instead of dropped
//! silently.

use crate::mask::Masker;
use crate::spec::SessionSpec;

/// Quotes one word for a POSIX shell (single quotes; bare when only safe characters).
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn seconds(d: std::time::Duration) -> String {
    let s = d.as_secs_f64().max(1.0);
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s}")
    }
}

/// Builds the command line. With `reveal_secrets` false, secret values show as `••••`.
pub fn websocat_command(spec: &SessionSpec, reveal_secrets: bool) -> String {
    let masker = if reveal_secrets {
        Masker::default()
    } else {
        Masker::new(&spec.secrets)
    };
    let mut words: Vec<String> = Vec::new();
    let mut env: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let o = &spec.options;
    if let Some(ca) = &o.ca_file {
        env.push(format!(
            "SSL_CERT_FILE={}",
            shell_quote(&spec.relative_to_file(ca).to_string_lossy())
        ));
    }
    words.push("websocat".into());
    for (name, value) in &spec.headers {
        words.push("-H".into());
        words.push(shell_quote(&format!("{name}: {}", masker.mask(value))));
    }
    if let Some(origin) = &spec.origin {
        words.push("--origin".into());
        words.push(shell_quote(&masker.mask(origin)));
    }
    if !spec.subprotocols.is_empty() {
        words.push("--protocol".into());
        words.push(shell_quote(&spec.subprotocols.join(", ")));
    }
    if o.insecure {
        words.push("-k".into());
    }
    if let Some(interval) = o.ping_interval {
        words.push("--ping-interval".into());
        words.push(seconds(interval));
        words.push("--ping-timeout".into());
        words.push(seconds(o.pong_timeout + interval));
    }
    words.push("-B".into());
    words.push(o.max_message_size.min(u64::from(u32::MAX)).to_string());
    words.push(shell_quote(&masker.mask(&spec.url)));
    if let Some(proxy) = &o.proxy {
        notes.push(format!(
            "websocat has no HTTP CONNECT proxy option; the section uses {}",
            masker.mask(proxy)
        ));
    }
    if o.client_cert.is_some() {
        notes.push(
            "websocat takes client certificates as PKCS#12 (--client-pkcs12-der), not PEM".into(),
        );
    }
    let mut line = env;
    line.extend(words);
    let mut out = line.join(" ");
    if !notes.is_empty() {
        out.push_str("  # ");
        out.push_str(&notes.join("; "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("ws://h:1/p"), "ws://h:1/p");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("wss://h/p?x=1&y=2"), "'wss://h/p?x=1&y=2'");
    }

    #[test]
    fn command_line_masks_secrets() {
        let mut spec = SessionSpec::new("wss://h/ws?token=s3cret");
        spec.headers
            .push(("Authorization".into(), "Bearer s3cret".into()));
        spec.subprotocols = vec!["chat".into(), "v2".into()];
        spec.secrets.push("s3cret".into());
        spec.options.insecure = true;
        spec.options.ping_interval = Some(Duration::from_secs(5));
        let masked = websocat_command(&spec, false);
        assert_eq!(
            masked,
            "websocat -H 'Authorization: Bearer ••••' --protocol 'chat, v2' -k --ping-interval 5 \
             --ping-timeout 15 -B 16777216 'wss://h/ws?token=••••'"
        );
        assert!(websocat_command(&spec, true).contains("Bearer s3cret"));
        spec.options.proxy = Some("http://p:3128".into());
        assert!(websocat_command(&spec, false).contains("# websocat has no HTTP CONNECT proxy"));
    }
}
