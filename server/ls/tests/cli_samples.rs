//! The Voiden app's sample project (`../shared/voiden-samples`, read where it is, never copied
//! into the repository) run by the real `void-ls run` against a stand-in on loopback: the
//! samples call public HTTPS echo services by name, so the run goes through `--proxy` to a
//! CONNECT proxy the test holds, which hands the named hosts to the embedded server serving
//! HTTPS with a certificate for them from a CA made here (trusted through `SSL_CERT_FILE`,
//! which the platform roots honour). No other host is let through.
//!
//! The HTTP samples must pass (their requests reach the stand-in, which answers 200); what the
//! samples hold that cannot run here (gRPC, a WebSocket host left to an environment variable,
//! a file body whose file the samples do not include) must fail in words, never panic.
#![allow(clippy::unwrap_used)]

#[path = "../../session/tests/common/mod.rs"]
mod peers;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The hosts the samples call, the only ones the proxy lets through.
const SAMPLE_HOSTS: &[&str] = &["echo.apyhub.com", "httpbin.org"];

fn samples_dir() -> Option<PathBuf> {
    let dir = peers::repo_root().join("../shared/voiden-samples");
    let has_samples = std::fs::read_dir(&dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "void"))
    });
    if has_samples {
        Some(dir)
    } else {
        peers::missing(&format!("the Voiden sample files ({})", dir.display()));
        None
    }
}

/// A CA and a leaf for [`SAMPLE_HOSTS`], as PEM: (CA, leaf chain, leaf key).
fn sample_pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "void-ls samples test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let names: Vec<String> = SAMPLE_HOSTS.iter().map(|h| (*h).to_string()).collect();
    let leaf_params = CertificateParams::new(names).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    (ca.pem(), leaf.pem(), leaf_key.serialize_pem())
}

/// A CONNECT proxy on loopback that sends [`SAMPLE_HOSTS`] on port 443 to `target` and refuses
/// everything else with 403; the hosts asked for are kept in `asked`.
async fn stand_in_proxy(target: std::net::SocketAddr, asked: Arc<Mutex<Vec<String>>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let asked = asked.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let authority = head
                    .strip_prefix("CONNECT ")
                    .and_then(|rest| rest.split(' ').next())
                    .unwrap_or_default()
                    .to_string();
                asked.lock().unwrap().push(authority.clone());
                let allowed = authority
                    .strip_suffix(":443")
                    .is_some_and(|host| SAMPLE_HOSTS.contains(&host));
                if !allowed {
                    let _ = client
                        .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                        .await;
                    return;
                }
                let Ok(mut server) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    port
}

/// `void-ls run` on `files` through the stand-in; (exit code, JSON report, stderr).
async fn run_samples(
    dir: &Path,
    files: &[PathBuf],
    extra: &[&str],
) -> (i32, serde_json::Value, String, Vec<String>) {
    let (ca, chain, key) = sample_pki();
    let scratch = tempfile::tempdir().unwrap();
    let ca_file = scratch.path().join("ca.pem");
    std::fs::write(&ca_file, &ca).unwrap();
    let server = void_echo::EchoServer::start(void_echo::EchoServerConfig {
        tls: Some((chain.into_bytes(), key.into_bytes())),
        ..Default::default()
    })
    .await
    .unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let proxy = stand_in_proxy(server.local_addr(), asked.clone()).await;
    let report = scratch.path().join("report.json");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_void-ls"))
        .current_dir(dir)
        .arg("run")
        .args(files)
        .args(["--reporter", "json", "--color", "never", "-o"])
        .arg(&report)
        .args(["--proxy", &format!("http://127.0.0.1:{proxy}")])
        .args(extra)
        .env("SSL_CERT_FILE", &ca_file)
        .env_remove("SSL_CERT_DIR")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let value = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    let asked = asked.lock().unwrap().clone();
    (output.status.code().unwrap_or(-1), value, stderr, asked)
}

/// Every section of the report, with its file's name.
fn sections(report: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    report["files"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| {
            let path = f["path"].as_str().unwrap_or_default().to_string();
            f["sections"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |s| (path.clone(), s))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sample_http_requests_pass_against_the_stand_in() {
    let Some(dir) = samples_dir() else { return };
    let files: Vec<PathBuf> = [
        "voiden-sample-project__blocks_headers.void",
        "voiden-sample-project__blocks_json.void",
        "voiden-sample-project__blocks_query.void",
        "voiden-sample-project__blocks_environments.void",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    let env = dir.join("env/voiden-sample-project__.env.local");
    let (code, report, stderr, asked) =
        run_samples(&dir, &files, &["--env", env.to_str().unwrap()]).await;
    assert!(!stderr.contains("panicked"), "{stderr}");
    let all = sections(&report);
    assert_eq!(all.len(), 4, "{report:#}\n{stderr}");
    for (path, section) in &all {
        assert_eq!(section["status"], "passed", "{path}: {section:#}\n{stderr}");
        assert_eq!(
            section["connection"]["httpStatus"], 200,
            "{path}: {section:#}"
        );
    }
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    assert!(
        asked.iter().all(|a| a == "echo.apyhub.com:443"),
        "{asked:?}"
    );
    assert_eq!(asked.len(), 1, "one connection reused: {asked:?}");
}

/// The sample files, but for the two whose links name files the samples do not include.
fn runnable_samples(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| PathBuf::from(e.file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "void"))
        .collect();
    all.sort();
    all.into_iter()
        .partition(|p| !p.to_string_lossy().contains("__imports_"))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_sample_runs_or_fails_in_words() {
    let Some(dir) = samples_dir() else { return };
    let env = dir.join("env/voiden-sample-project__.env.local");
    let env = ["--env", env.to_str().unwrap()];
    let (runnable, linking) = runnable_samples(&dir);
    assert!(
        runnable.len() >= 7 && !linking.is_empty(),
        "{runnable:?} {linking:?}"
    );

    let (code, report, stderr, _) = run_samples(&dir, &runnable, &env).await;
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let all = sections(&report);
    assert!(all.len() >= 6, "{report:#}\n{stderr}");
    for (path, section) in &all {
        if section["status"] == "passed" {
            continue;
        }
        let error = section["connection"]["error"].as_str().unwrap_or_default();
        assert!(
            error.split_whitespace().count() >= 3,
            "{path}: a section that did not pass says why in words: {section:#}"
        );
    }
    let passed = all.iter().filter(|(_, s)| s["status"] == "passed").count();
    assert!(passed >= 4, "the HTTP samples pass: {report:#}");

    // Links to files the samples do not include: nothing runs, and each missing file is named.
    let (code, _, stderr, asked) = run_samples(&dir, &linking, &env).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(stderr.contains("not running"), "{stderr}");
    assert!(asked.is_empty(), "{asked:?}");
}
