//! TLS failures against real TLS servers on loopback (the embedded echo server with
//! certificates made at run time by a test CA), each told in words a person can act on:
//! self-signed, a CA certificate used as the server's own, unknown issuer, wrong host name,
//! expired, and a plain `ws://` server reached with `wss://`. The words are asserted exactly
//! where they matter, and never a library's debug rendering.
#![allow(clippy::unwrap_used)]

mod common;

use common::{spec, wait_finished};
use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair};
use void_echo::{EchoServer, EchoServerConfig};
use void_session::{EndedBy, Session, SessionSettings, SessionState, test_connection};

/// A certificate and its key, as PEM.
struct Issued {
    cert: Certificate,
    key: KeyPair,
}

impl Issued {
    fn pem(&self) -> (Vec<u8>, Vec<u8>) {
        (
            self.cert.pem().into_bytes(),
            self.key.serialize_pem().into_bytes(),
        )
    }
}

fn ca(name: &str) -> Issued {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Issued { cert, key }
}

fn leaf_params(names: &[&str]) -> CertificateParams {
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    // A name no root of this machine has (a trusted root named `localhost` would change how
    // webpki words the failure).
    params.distinguished_name.push(
        DnType::CommonName,
        format!("void-ls test leaf {}", names.first().copied().unwrap_or("")),
    );
    params
}

fn signed(params: CertificateParams, by: &Issued) -> Issued {
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &by.cert, &by.key).unwrap();
    Issued { cert, key }
}

/// A TLS echo server presenting `identity`, and a directory holding `ca.pem` for `caFile`.
async fn tls_server(
    identity: &Issued,
    ca_for_client: Option<&Issued>,
) -> (EchoServer, tempfile::TempDir) {
    let server = EchoServer::start(EchoServerConfig {
        tls: Some(identity.pem()),
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    if let Some(ca) = ca_for_client {
        std::fs::write(dir.path().join("ca.pem"), ca.cert.pem()).unwrap();
    }
    (server, dir)
}

/// The error of a session that connects to `url` (with `ca.pem` of `dir` as `caFile` when
/// `with_ca`), after checking that `void.testConnection`'s answer says the same.
async fn connect_error(url: &str, dir: &std::path::Path, with_ca: bool) -> String {
    let mut s = spec(url);
    s.file_dir = Some(dir.to_path_buf());
    if with_ca {
        s.options.ca_file = Some("ca.pem".into());
    }
    let tested = test_connection(&s, None).await;
    assert!(!tested.ok, "{tested:?}");
    let session = Session::spawn(s, SessionSettings::default()).unwrap();
    let status = wait_finished(&session).await;
    assert_eq!(status.state, SessionState::Failed);
    assert_eq!(status.ended_by, Some(EndedBy::Network));
    let error = status.error.unwrap();
    assert_eq!(tested.error.as_deref(), Some(error.as_str()));
    // Never a library's debug rendering.
    for debug in [
        "InvalidCertificate",
        "UnknownIssuer",
        "Other(",
        "DnsName(",
        "CaUsedAsEndEntity",
    ] {
        assert!(!error.contains(debug), "debug text `{debug}` in: {error}");
    }
    assert!(
        session.log_text().contains(&error),
        "the log shows the error: {}",
        session.log_text()
    );
    error
}

#[tokio::test]
async fn a_self_signed_server_certificate_says_self_signed_and_what_to_do() {
    let mut params = leaf_params(&["localhost"]);
    params.is_ca = IsCa::NoCa;
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let identity = Issued { cert, key };
    let (server, dir) = tls_server(&identity, None).await;
    let error = connect_error(&server.url(), dir.path(), false).await;
    let port = server.local_addr().port();
    assert_eq!(
        error,
        format!(
            "TLS handshake with localhost:{port} failed: the server's certificate is not trusted: it is self-signed. If you trust this server, give its certificate with the `caFile` option (or set `insecure: true` to skip certificate checks)"
        )
    );

    // Giving that very certificate as caFile is the fix the words suggest, and it works.
    std::fs::write(dir.path().join("ca.pem"), identity.cert.pem()).unwrap();
    let mut trusted = spec(&server.url());
    trusted.file_dir = Some(dir.path().to_path_buf());
    trusted.options.ca_file = Some("ca.pem".into());
    let result = test_connection(&trusted, None).await;
    assert!(result.ok, "{result:?}");
}

#[tokio::test]
async fn a_ca_certificate_served_as_the_servers_own_is_called_self_signed() {
    // What `openssl req -x509` and a quick rcgen CA make: a self-signed CA used as the leaf.
    let mut params = leaf_params(&["localhost"]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let identity_pem = cert.pem();
    let (server, dir) = tls_server(&Issued { cert, key }, None).await;
    let error = connect_error(&server.url(), dir.path(), false).await;
    assert!(
        error.contains("the server's certificate is not trusted: it is self-signed"),
        "{error}"
    );
    assert!(
        error.ends_with(
            "it is a CA certificate served as the server's own, which no `caFile` can make valid. The server needs a certificate issued by a CA (or set `insecure: true` to skip certificate checks)"
        ),
        "{error}"
    );
    // The words say caFile cannot help, and indeed it does not.
    std::fs::write(dir.path().join("ca.pem"), identity_pem).unwrap();
    let with_ca = connect_error(&server.url(), dir.path(), true).await;
    assert_eq!(with_ca, error);
}

#[tokio::test]
async fn an_unknown_issuer_says_so_and_the_ca_file_fixes_it() {
    let private_ca = ca("private test CA");
    let identity = signed(leaf_params(&["localhost", "127.0.0.1"]), &private_ca);
    let (server, dir) = tls_server(&identity, Some(&private_ca)).await;
    let error = connect_error(&server.url(), dir.path(), false).await;
    assert!(
        error.ends_with(
            "failed: the server's certificate is not trusted: it was issued by an unknown authority (not one this machine trusts). If the server uses a private CA, give that CA's certificate with the `caFile` option"
        ),
        "{error}"
    );

    let mut fixed = spec(&server.url());
    fixed.file_dir = Some(dir.path().to_path_buf());
    fixed.options.ca_file = Some("ca.pem".into());
    let result = test_connection(&fixed, None).await;
    assert!(result.ok, "{result:?}");
}

#[tokio::test]
async fn a_certificate_for_another_host_names_both_hosts() {
    let test_ca = ca("test CA");
    let identity = signed(
        leaf_params(&["other.example", "www.other.example"]),
        &test_ca,
    );
    let (server, dir) = tls_server(&identity, Some(&test_ca)).await;
    let error = connect_error(&server.url(), dir.path(), true).await;
    assert!(
        error.ends_with(
            "failed: the certificate is for other.example, www.other.example, not localhost: connect with a name the certificate holds, or give the server a certificate for localhost"
        ),
        "{error}"
    );
}

#[tokio::test]
async fn an_expired_certificate_says_when_it_expired() {
    let test_ca = ca("test CA");
    let mut params = leaf_params(&["localhost"]);
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 3, 4);
    let identity = signed(params, &test_ca);
    let (server, dir) = tls_server(&identity, Some(&test_ca)).await;
    let error = connect_error(&server.url(), dir.path(), true).await;
    assert!(
        error.contains("failed: the server's certificate expired on 2021-03-04 00:00 UTC ("),
        "{error}"
    );
    assert!(
        error.ends_with("days ago): the server must renew it"),
        "{error}"
    );
}

#[tokio::test]
async fn wss_to_a_plain_server_says_it_did_not_answer_in_tls() {
    let server = EchoServer::start(EchoServerConfig::default())
        .await
        .unwrap();
    let url = server.url().replacen("ws://", "wss://", 1);
    let dir = tempfile::tempdir().unwrap();
    let error = connect_error(&url, dir.path(), false).await;
    assert!(
        error.contains("is it a plain ws:// server?")
            || error.contains("closed the connection during the TLS handshake"),
        "{error}"
    );
}

#[tokio::test]
async fn a_hostile_ca_file_is_refused_in_words_and_never_blocks() {
    let test_ca = ca("test CA");
    let identity = signed(leaf_params(&["localhost"]), &test_ca);
    let (server, dir) = tls_server(&identity, None).await;
    let fifo = dir.path().join("fifo.pem");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::fs::write(dir.path().join("big.pem"), vec![b'A'; 2 * 1024 * 1024]).unwrap();
    std::fs::create_dir(dir.path().join("adir")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.pem")).unwrap();
    let cases = [
        ("fifo.pem", "is a named pipe (FIFO), not a regular file"),
        ("big.pem", "is 2.0 MiB, larger than the 1.0 MiB"),
        ("adir", "is a directory"),
        ("zero.pem", "is a symlink leading out of the project"),
        ("/dev/stdin", "is outside the project"),
        ("/dev/zero", "is outside the project"),
        ("../outside.pem", "is outside the project"),
    ];
    for (ca_file, words) in cases {
        let mut s = spec(&server.url());
        s.file_dir = Some(dir.path().to_path_buf());
        s.options.ca_file = Some(ca_file.into());
        let started = std::time::Instant::now();
        let session = Session::spawn(s, SessionSettings::default()).unwrap();
        let status = wait_finished(&session).await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{ca_file} took {:?}",
            started.elapsed()
        );
        let error = status.error.unwrap();
        assert!(
            error.starts_with("TLS handshake") || error.contains("caFile "),
            "{ca_file}: {error}"
        );
        assert!(error.contains(words), "{ca_file}: {error}");
    }
}
