//! TLS client configuration for `wss://`: platform roots (webpki roots when none load) plus an
//! optional `caFile`, optional client certificate for mutual TLS, and the `insecure` opt-in;
//! and TLS failures told in words ([`describe_handshake_error`]).
//!
//! Certificate and key files are read through [`crate::project_files`] (regular files inside
//! the project, at most 1 MiB). [`client_config`] is synchronous and reads files; the connector
//! runs it on tokio's blocking pool inside the connect timeout, so a slow or hostile file never
//! stalls the runtime and a close cancels the wait.
//!
//! Configs are built with an explicit ring provider, so nothing global is installed and the
//! first `wss://` connection can never panic for lack of a provider. No network here.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, OtherError,
    RootCertStore, SignatureScheme,
};

use crate::project_files::{Limit, Project};

/// What to trust and present. Paths are already resolved against the `.void` file's directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    pub insecure: bool,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Where those files may be read from.
    pub project: Project,
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(ring::default_provider()))
        .clone()
}

/// The platform's trusted roots, loaded once per process (loading them takes a while).
fn platform_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut store = RootCertStore::empty();
        let loaded = rustls_native_certs::load_native_certs();
        for cert in loaded.certs {
            let _ = store.add(cert);
        }
        if store.is_empty() {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        store
    })
}

/// Reads a PEM file named by option `key` (caFile, clientCert, clientKey).
fn read_pem(key: &str, path: &std::path::Path, project: &Project) -> Result<Vec<u8>, String> {
    project
        .read(path, Limit::Certificate)
        .map_err(|e| format!("{key} {e}"))
}

fn read_certs(
    key: &str,
    path: &std::path::Path,
    project: &Project,
) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let text = read_pem(key, path, project)?;
    let certs = CertificateDer::pem_slice_iter(&text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{key} {}: not a PEM certificate file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{key} {}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(certs)
}

fn read_key(path: &std::path::Path, project: &Project) -> Result<PrivateKeyDer<'static>, String> {
    use rustls::pki_types::pem::PemObject;
    let text = read_pem("clientKey", path, project)?;
    PrivateKeyDer::from_pem_slice(&text).map_err(|e| {
        format!(
            "clientKey {}: holds no usable PEM private key: {e}",
            path.display()
        )
    })
}

/// Builds the client config. Errors name the file or setting at fault.
pub fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>, String> {
    let project = &opts.project;
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let builder = if opts.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider())))
    } else {
        let mut roots = platform_roots().clone();
        if let Some(ca) = &opts.ca_file {
            for cert in read_certs("caFile", ca, project)? {
                roots.add(cert).map_err(|e| {
                    format!("caFile {}: not a usable CA certificate: {e}", ca.display())
                })?;
            }
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| format!("TLS setup failed: {e}"))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ExplainingVerifier { inner }))
    };
    let mut config = match (&opts.client_cert, &opts.client_key) {
        (Some(cert), Some(key)) => builder
            .with_client_auth_cert(
                read_certs("clientCert", cert, project)?,
                read_key(key, project)?,
            )
            .map_err(|e| format!("clientCert/clientKey cannot be used together: {e}"))?,
        (Some(_), None) => return Err("clientCert is set but clientKey is not".into()),
        (None, Some(_)) => return Err("clientKey is set but clientCert is not".into()),
        (None, None) => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The certificate was issued by itself (its issuer is its subject) and nothing vouches for it.
/// `ca`: it is a CA certificate served as the server's own, which no `caFile` can make valid.
#[derive(Debug)]
struct SelfSigned {
    ca: bool,
}

impl std::fmt::Display for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the certificate is self-signed")
    }
}

impl std::error::Error for SelfSigned {}

/// The normal verifier, with one more fact on its errors: whether the rejected certificate is
/// self-signed (webpki reports that as an unknown issuer, or as a CA used as an end entity).
#[derive(Debug)]
struct ExplainingVerifier {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ExplainingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|error| {
                // A self-issued certificate fails path building, however webpki words it
                // (unknown issuer, a CA used as an end entity, or a bad signature when a
                // trusted root happens to share its name); the name and validity errors are
                // more specific and kept.
                let untrusted = matches!(
                    &error,
                    rustls::Error::InvalidCertificate(problem) if !matches!(
                        problem,
                        CertificateError::Expired
                            | CertificateError::ExpiredContext { .. }
                            | CertificateError::NotValidYet
                            | CertificateError::NotValidYetContext { .. }
                            | CertificateError::NotValidForName
                            | CertificateError::NotValidForNameContext { .. }
                            | CertificateError::Revoked
                            | CertificateError::InvalidPurpose
                            | CertificateError::InvalidPurposeContext { .. }
                    )
                );
                match der::inspect(end_entity) {
                    Some(facts) if untrusted && intermediates.is_empty() && facts.self_issued => {
                        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(
                            Arc::new(SelfSigned { ca: facts.ca }),
                        )))
                    }
                    _ => error,
                }
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Just enough DER to compare a certificate's issuer with its subject.
mod der {
    /// One tag-length-value: `(tag, content, rest)`.
    fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let len = rest[..count]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, &rest[count..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }

    /// What the error words need to know about a certificate.
    pub struct Facts {
        /// Its issuer name equals its subject name.
        pub self_issued: bool,
        /// Its basic constraints say it is a CA.
        pub ca: bool,
    }

    /// The `basicConstraints` extension's object identifier (2.5.29.19), content bytes.
    const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];

    /// Reads [`Facts`] from a DER certificate; `None` when it does not parse.
    pub fn inspect(cert: &[u8]) -> Option<Facts> {
        let (_, certificate, _) = tlv(cert)?;
        let (_, tbs, _) = tlv(certificate)?;
        let mut rest = tbs;
        // [0] version, when present.
        if rest.first() == Some(&0xa0) {
            rest = tlv(rest)?.2;
        }
        let rest = tlv(rest)?.2; // serialNumber
        let rest = tlv(rest)?.2; // signature algorithm
        let (_, issuer, rest) = tlv(rest)?;
        let rest = tlv(rest)?.2; // validity
        let (_, subject, rest) = tlv(rest)?;
        let mut rest = tlv(rest)?.2; // subjectPublicKeyInfo
        let mut ca = false;
        while let Some((tag, content, next)) = tlv(rest) {
            if tag == 0xa3 {
                ca = is_ca(content).unwrap_or(false);
            }
            rest = next;
        }
        Some(Facts {
            self_issued: issuer == subject,
            ca,
        })
    }

    /// Whether the extensions (`[3]` content) hold basic constraints with `cA` true.
    fn is_ca(explicit: &[u8]) -> Option<bool> {
        let (_, mut extensions, _) = tlv(explicit)?;
        while let Some((_, extension, next)) = tlv(extensions) {
            let (_, oid, mut fields) = tlv(extension)?;
            if oid == BASIC_CONSTRAINTS {
                // An optional `critical` BOOLEAN, then the OCTET STRING holding the value.
                if fields.first() == Some(&0x01) {
                    fields = tlv(fields)?.2;
                }
                let (_, value, _) = tlv(fields)?;
                let (_, constraints, _) = tlv(value)?;
                return Some(matches!(tlv(constraints), Some((0x01, [flag], _)) if *flag != 0));
            }
            extensions = next;
        }
        Some(false)
    }
}

/// A failed TLS handshake with `host`, in words: what is wrong and what to do.
pub fn describe_handshake_error(error: &std::io::Error, host: &str) -> String {
    let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return match error.kind() {
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => {
                "the server closed the connection during the TLS handshake (is it a TLS server?)"
                    .into()
            }
            _ => format!("the connection failed during the TLS handshake: {error}"),
        };
    };
    describe_tls_error(tls, host)
}

fn date(time: UnixTime) -> String {
    chrono::DateTime::from_timestamp(time.as_secs() as i64, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| format!("{} s after 1970", time.as_secs()))
}

fn server_name_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(dns) => dns.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// A rustls error in words.
pub fn describe_tls_error(error: &rustls::Error, host: &str) -> String {
    use CertificateError as C;
    const UNTRUSTED: &str = "the server's certificate is not trusted";
    match error {
        rustls::Error::InvalidCertificate(problem) => match problem {
            C::Other(other) if other.0.downcast_ref::<SelfSigned>().is_some_and(|s| s.ca) => format!(
                "{UNTRUSTED}: it is self-signed, and it is a CA certificate served as the server's own, which no `caFile` can make valid. The server needs a certificate issued by a CA (or set `insecure: true` to skip certificate checks)"
            ),
            C::Other(other) if other.0.downcast_ref::<SelfSigned>().is_some() => format!(
                "{UNTRUSTED}: it is self-signed. If you trust this server, give its certificate with the `caFile` option (or set `insecure: true` to skip certificate checks)"
            ),
            C::UnknownIssuer => format!(
                "{UNTRUSTED}: it was issued by an unknown authority (not one this machine trusts). If the server uses a private CA, give that CA's certificate with the `caFile` option"
            ),
            C::NotValidForNameContext { expected, presented } => {
                let presented: Vec<String> =
                    presented.iter().filter_map(|n| presented_name(n)).collect();
                let names = if presented.is_empty() {
                    "no host name at all".to_string()
                } else {
                    presented.join(", ")
                };
                format!(
                    "the certificate is for {names}, not {}: connect with a name the certificate holds, or give the server a certificate for {}",
                    server_name_text(expected),
                    server_name_text(expected)
                )
            }
            C::NotValidForName => format!(
                "the certificate is not for {host}: connect with a name the certificate holds, or give the server a certificate for {host}"
            ),
            C::ExpiredContext { time, not_after } => {
                let days = time.as_secs().saturating_sub(not_after.as_secs()) / 86_400;
                format!(
                    "the server's certificate expired on {} ({days} day{} ago): the server must renew it",
                    date(*not_after),
                    if days == 1 { "" } else { "s" }
                )
            }
            C::Expired => "the server's certificate has expired: the server must renew it".into(),
            C::NotValidYetContext { not_before, .. } => format!(
                "the server's certificate is not valid before {}: check this machine's clock",
                date(*not_before)
            ),
            C::NotValidYet => {
                "the server's certificate is not valid yet: check this machine's clock".into()
            }
            C::Revoked => "the server's certificate has been revoked".into(),
            C::BadSignature => {
                "the server's certificate has an invalid signature (it was not signed by the authority it names)".into()
            }
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                "the server's certificate is not meant for TLS servers".into()
            }
            C::BadEncoding => "the server's certificate is malformed".into(),
            C::Other(other) => format!("the server's certificate was rejected: {}", other.0),
            _ => format!("the server's certificate was rejected: {error}"),
        },
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired => {
                "the server requires a client certificate: set the `clientCert` and `clientKey` options".into()
            }
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::AccessDenied => format!(
                "the server refused the client certificate (TLS alert: {})",
                alert_words(*alert)
            ),
            AlertDescription::ProtocolVersion | AlertDescription::HandshakeFailure => format!(
                "the server and this client have no TLS version or cipher in common (TLS alert: {}); TLS 1.2 or 1.3 is required",
                alert_words(*alert)
            ),
            AlertDescription::UnrecognisedName => {
                format!("the server does not serve the host name {host} (TLS alert: unrecognised name)")
            }
            other => format!("the server ended the TLS handshake (TLS alert: {})", alert_words(*other)),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server did not answer in TLS: is it a plain ws:// server? (use ws:// for unencrypted servers)".into()
        }
        rustls::Error::NoCertificatesPresented => "the server presented no certificate".into(),
        rustls::Error::PeerIncompatible(_) | rustls::Error::PeerMisbehaved(_) => format!(
            "the server's TLS is incompatible with this client: {error}"
        ),
        other => format!("TLS failed: {other}"),
    }
}

/// A name of the certificate as webpki reports it (`DnsName("a.example")`,
/// `IpAddress(127.0.0.1)`), as a person writes it (`a.example`, `127.0.0.1`).
fn presented_name(reported: &str) -> Option<String> {
    let (kind, rest) = reported.split_once('(')?;
    let inner = rest.strip_suffix(')')?;
    match kind {
        "DnsName" | "UniformResourceIdentifier" => Some(inner.trim_matches('"').to_string()),
        "IpAddress" => Some(inner.to_string()),
        _ => None,
    }
}

fn alert_words(alert: AlertDescription) -> String {
    // `UnknownCA` -> `unknown CA`, `CertificateRequired` -> `certificate required`.
    let name = format!("{alert:?}");
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_lower = i > 0 && chars[i - 1].is_lowercase();
        if i > 0 && c.is_uppercase() && (prev_lower || next_lower) {
            out.push(' ');
        }
        if c.is_uppercase() && next_lower {
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

/// The `insecure: true` verifier: accepts any certificate, still checks handshake signatures
/// so the connection is at least consistent.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_webpki_reports_are_written_as_people_write_them() {
        assert_eq!(
            presented_name("DnsName(\"a.example\")").as_deref(),
            Some("a.example")
        );
        assert_eq!(
            presented_name("IpAddress(127.0.0.1)").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(presented_name("DirectoryName"), None);
    }

    #[test]
    fn alerts_are_words() {
        assert_eq!(alert_words(AlertDescription::UnknownCA), "unknown CA");
        assert_eq!(
            alert_words(AlertDescription::CertificateRequired),
            "certificate required"
        );
    }
}
