//! Hiding secrets: every place that shows text to a person or writes it to disk (log, status,
//! transcript, websocat command) passes it through a [`Masker`] first. The masker itself is
//! `void_syntax::secrets` (one implementation for the CLI, the server and the engine): it masks
//! every form a secret travels in, raw, percent-encoded, JSON-escaped and base64.
//!
//! The process's own diagnostic log (the language server's stderr, at any level, `trace`
//! included, where libraries print whole handshakes) is masked too: every session registers
//! its secrets in [`log_secrets`] for as long as it exists, and the log writer passes each line
//! through [`LogSecrets::mask`].
//!
//! A session's own masker is a [`SessionMasker`]: its secrets are known when it starts, and a
//! reply may capture more while it runs (a `capture: SESSION_TOKEN = json.token`), from which
//! moment every view of the session (log, status, transcript, the process's log) masks them too.

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

/// The masker of one session, shared by its views (status, live log, transcript): it starts with
/// the secrets of the spec and grows when a captured value is a secret
/// ([`SessionMasker::add`]). Every secret it holds is also kept out of the process's own log
/// for as long as the session exists.
#[derive(Debug, Clone)]
pub struct SessionMasker {
    inner: Arc<SessionSecrets>,
}

#[derive(Debug)]
struct SessionSecrets {
    current: RwLock<Arc<Masker>>,
    secrets: Mutex<Vec<String>>,
    registrations: Mutex<Vec<LogSecretsRegistration>>,
}

impl SessionMasker {
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let secrets: Vec<String> = secrets
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .collect();
        let registration = log_secrets().register(&secrets);
        SessionMasker {
            inner: Arc::new(SessionSecrets {
                current: RwLock::new(Arc::new(Masker::new(&secrets))),
                secrets: Mutex::new(secrets),
                registrations: Mutex::new(vec![registration]),
            }),
        }
    }

    /// The masker as it is now (cheap: a shared reference).
    pub fn current(&self) -> Arc<Masker> {
        self.inner.current.read().unpoisoned().clone()
    }

    /// Masks `text` with the secrets known now.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.current().mask(text) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(masked) => Cow::Owned(masked),
        }
    }

    /// A new secret (a captured value whose name says it is one): masked everywhere from now on.
    pub fn add(&self, secret: &str) {
        let mut secrets = self.inner.secrets.lock().unpoisoned();
        if secret.len() < MIN_SECRET_LEN || secrets.iter().any(|s| s == secret) {
            return;
        }
        secrets.push(secret.to_string());
        *self.inner.current.write().unpoisoned() = Arc::new(Masker::new(secrets.iter()));
        self.inner
            .registrations
            .lock()
            .unpoisoned()
            .push(log_secrets().register([secret]));
    }
}

impl Default for SessionMasker {
    fn default() -> Self {
        SessionMasker::new(std::iter::empty::<&str>())
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

    #[test]
    fn a_session_masker_grows_with_captured_secrets() {
        let masker = SessionMasker::new(["known-secret"]);
        let view = masker.clone();
        assert_eq!(
            view.mask("known-secret captured-secret"),
            format!("{MASK} captured-secret")
        );
        masker.add("captured-secret");
        assert_eq!(
            view.mask("known-secret captured-secret"),
            format!("{MASK} {MASK}")
        );
        assert_eq!(log_secrets().mask("captured-secret"), MASK);
        drop((masker, view));
        assert_eq!(log_secrets().mask("captured-secret"), "captured-secret");
    }
}
