//! Hiding secrets: every place that shows text to a person or writes it to disk (log, status,
//! transcript, websocat command) passes it through a [`Masker`] first. The masker itself is
//! `void_syntax::secrets` (one implementation for the CLI, the server and the engine): it masks
//! every form a secret travels in, raw, percent-encoded, JSON-escaped and base64.
//!
//! The process's own diagnostic log (the language server's stderr, at any level, `trace`
//! included, where libraries print whole handshakes) is masked too: every session registers
//! its secrets in [`log_secrets`] for as long as it exists, and the log writer passes each line
//! through [`LogSecrets::mask`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

pub use void_syntax::secrets::{MASK, MIN_SECRET_LEN, Masker};

use crate::sync::Unpoisoned as _;

/// The secrets the process's own log must never print: the union of every registration.
#[derive(Debug, Default)]
pub struct LogSecrets {
    sets: Mutex<HashMap<u64, Vec<String>>>,
    masker: RwLock<Arc<Masker>>,
    next: AtomicU64,
}

/// The process-wide [`LogSecrets`].
pub fn log_secrets() -> &'static LogSecrets {
    static SECRETS: OnceLock<LogSecrets> = OnceLock::new();
    SECRETS.get_or_init(LogSecrets::default)
}

/// Keeps secrets registered in [`log_secrets`] until dropped.
#[derive(Debug)]
pub struct LogSecretsRegistration {
    id: u64,
}

impl Drop for LogSecretsRegistration {
    fn drop(&mut self) {
        let secrets = log_secrets();
        let mut sets = secrets.sets.lock().unpoisoned();
        if sets.remove(&self.id).is_some() {
            secrets.rebuild(&sets);
        }
    }
}

impl LogSecrets {
    /// Adds secrets for as long as the returned registration lives.
    pub fn register<I, S>(&'static self, secrets: I) -> LogSecretsRegistration
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let values: Vec<String> = secrets
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .collect();
        if !values.is_empty() {
            let mut sets = self.sets.lock().unpoisoned();
            sets.insert(id, values);
            self.rebuild(&sets);
        }
        LogSecretsRegistration { id }
    }

    fn rebuild(&self, sets: &HashMap<u64, Vec<String>>) {
        let masker = Masker::new(sets.values().flatten());
        *self.masker.write().unpoisoned() = Arc::new(masker);
    }

    /// `text` with every registered secret masked, in every form.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let masker = self.masker.read().unpoisoned().clone();
        match masker.mask(text) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(masked) => Cow::Owned(masked),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_masked_until_the_registration_is_dropped() {
        let secrets = log_secrets();
        let registration = secrets.register(["log-secret value"]);
        assert_eq!(
            secrets.mask("GET /?t=log-secret%20value HTTP/1.1"),
            format!("GET /?t={MASK} HTTP/1.1")
        );
        drop(registration);
        assert_eq!(
            secrets.mask("GET /?t=log-secret%20value"),
            "GET /?t=log-secret%20value"
        );
    }
}
