//! Helpers shared by the integration tests: a test CA made at run time (never committed),
//! finding the Python/Node peers, starting peer scripts as child processes, and spec builders.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use void_session::{Session, SessionSettings, SessionSpec, Status};

/// A CA and a `localhost`/`127.0.0.1` leaf signed by it, written as PEM files in a temp dir.
pub struct TestPki {
    pub dir: tempfile::TempDir,
    pub ca_pem: PathBuf,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

impl TestPki {
    pub fn generate() -> TestPki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "void-session test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let mut leaf_params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_pem = dir.path().join("ca.pem");
        let cert_pem = dir.path().join("cert.pem");
        let key_pem = dir.path().join("key.pem");
        std::fs::write(&ca_pem, ca.pem()).unwrap();
        std::fs::write(&cert_pem, leaf.pem()).unwrap();
        std::fs::write(&key_pem, leaf_key.serialize_pem()).unwrap();
        TestPki {
            dir,
            ca_pem,
            cert_pem,
            key_pem,
        }
    }

    pub fn cert_and_key(&self) -> (Vec<u8>, Vec<u8>) {
        (
            std::fs::read(&self.cert_pem).unwrap(),
            std::fs::read(&self.key_pem).unwrap(),
        )
    }
}

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs one installer of tests/lib/tools.sh and returns the variable it exports.
fn install_with_tools(function: &str, variable: &str) -> Option<String> {
    let script = format!(
        "source tests/lib/tools.sh >/dev/null 2>&1 && {function} >&2 && printf %s \"${variable}\""
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(repo_root())
        .env("ROOT", repo_root())
        .output()
        .ok()?;
    let value = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !value.is_empty()).then_some(value)
}

/// A test cannot find a tool it needs: under `CI=true` (where tests/lib/tools.sh installs
/// everything) it fails; elsewhere it says so loudly and the caller skips.
pub fn missing(what: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what}: needed under CI=true"
    );
    eprintln!("SKIPPED: {what}");
}

/// The Python with `websockets`: `$VOID_TEST_PYTHON`, else installed through tests/lib/tools.sh.
pub fn python() -> Option<String> {
    static PYTHON: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            std::env::var("VOID_TEST_PYTHON")
                .ok()
                .filter(|p| !p.is_empty())
                .or_else(|| {
                    eprintln!(
                        "VOID_TEST_PYTHON is not set; trying tests/lib/tools.sh ensure_python"
                    );
                    install_with_tools("ensure_python", "VOID_TEST_PYTHON")
                })
        })
        .clone()
}

/// The node_modules holding `ws`: `$VOID_TEST_NODE_MODULES`, else installed through tools.sh.
pub fn node_modules() -> Option<String> {
    static MODULES: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    MODULES
        .get_or_init(|| {
            std::env::var("VOID_TEST_NODE_MODULES").ok().filter(|p| !p.is_empty()).or_else(|| {
                eprintln!("VOID_TEST_NODE_MODULES is not set; trying tests/lib/tools.sh ensure_node_peers");
                install_with_tools("ensure_node_peers", "VOID_TEST_NODE_MODULES")
            })
        })
        .clone()
}

/// A peer server running as a child process; killed when dropped.
pub struct Peer {
    pub child: Child,
    pub port: u16,
}

impl Peer {
    /// Starts `command`, which must print `PORT <n>` on its first stdout line.
    pub async fn start(mut command: Command) -> Peer {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("peer starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("peer prints its port within 30 s")
            .unwrap()
            .expect("peer printed a line");
        let port = line
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("bad peer line {line:?}"));
        Peer { child, port }
    }
}

pub fn peer_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers")
        .join(name)
}

/// Settings with transcripts under `dir`.
pub fn settings_in(dir: &Path) -> SessionSettings {
    SessionSettings {
        transcript_dir: Some(dir.to_path_buf()),
        ..SessionSettings::default()
    }
}

/// Waits until `pred` holds for the status (10 s at most), panicking with the log otherwise.
pub async fn wait(session: &Session, what: &str, pred: impl FnMut(&Status) -> bool) -> Status {
    match session.wait_for(Duration::from_secs(10), pred).await {
        Ok(status) => status,
        Err(status) => panic!(
            "timed out waiting for {what}; status {status:#?}\nlog:\n{}",
            session.log_text()
        ),
    }
}

/// Waits until the session task has ended (no leaked task), 10 s at most.
pub async fn wait_finished(session: &Session) -> Status {
    tokio::time::timeout(Duration::from_secs(10), session.finished())
        .await
        .unwrap_or_else(|_| panic!("session did not finish; log:\n{}", session.log_text()));
    session.status()
}

pub fn spec(url: &str) -> SessionSpec {
    let mut spec = SessionSpec::new(url);
    spec.options.transcript = void_session::TranscriptTarget::Off;
    spec
}
