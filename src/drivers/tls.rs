//! How certificates are trusted: the operating system's store (found as OpenSSL finds it,
//! so `SSL_CERT_FILE` and `SSL_CERT_DIR` apply) plus the target's `ca_cert`, or nothing
//! at all with `verify_tls = false`. The rustls configuration is built here, not by
//! reqwest, so exactly those roots are trusted and an untrusted certificate can be
//! described (issuer, SHA-256) in the error.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::VendorError;
use super::http::TlsPolicy;

/// ring's provider with AES-128-GCM/SHA-256 preferred: the handshake's key schedule then
/// runs on SHA-256 (hardware-assisted on current CPUs) rather than SHA-384, a few per cent
/// of a fan-out's client CPU; every suite stays offered, so nothing is refused.
fn provider() -> Arc<CryptoProvider> {
    let mut p = rustls::crypto::ring::default_provider();
    p.cipher_suites.sort_by_key(|s| {
        !matches!(
            s.suite(),
            rustls::CipherSuite::TLS13_AES_128_GCM_SHA256
                | rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                | rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        )
    });
    Arc::new(p)
}

/// The operating system's trust store, read once per process: it can be hundreds of
/// certificates, and every client would otherwise parse them again.
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "system trust store: some certificates could not be read");
        }
        let mut roots = RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(found.certs);
        tracing::info!(added, ignored, "system trust store loaded");
        roots
    })
}

/// Certificates from a PEM file named by config field `field`.
fn read_certs(path: &Path, field: &str) -> Result<Vec<CertificateDer<'static>>, VendorError> {
    let pem = std::fs::read(path)
        .map_err(|e| VendorError::Config(format!("cannot read {field} {}: {e}", path.display())))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|_| {
            VendorError::Config(format!(
                "{field} {} is not a PEM certificate",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(VendorError::Config(format!(
            "{field} {} holds no certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// The rustls configuration for one policy: roots, verifier, client identity, ALPN.
pub(super) fn tls_config(policy: &TlsPolicy) -> Result<rustls::ClientConfig, VendorError> {
    let provider = provider();
    let verifier: Arc<dyn ServerCertVerifier> = if policy.verify {
        let mut roots = system_roots().clone();
        if let Some(ca) = &policy.ca_cert {
            for c in read_certs(ca, "ca_cert")? {
                roots.add(c).map_err(|e| {
                    VendorError::Config(format!(
                        "ca_cert {} is not a usable CA certificate ({e})",
                        ca.display()
                    ))
                })?;
            }
        }
        if roots.is_empty() {
            return Err(VendorError::Config(
                "no CA to trust: the system trust store is empty or unreadable; set ca_cert = \"/path/to/ca.pem\" for this target (or install CA certificates, or point SSL_CERT_FILE at a bundle)".into(),
            ));
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| VendorError::Config(format!("cannot set up certificate checks: {e}")))?;
        Arc::new(Explained(inner))
    } else {
        Arc::new(Unverified(provider.clone()))
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| VendorError::Config(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut cfg = match &policy.identity {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = read_certs(cert, "client_cert")?;
            let pem = std::fs::read(key).map_err(|e| {
                VendorError::Config(format!("cannot read client_key {}: {e}", key.display()))
            })?;
            let key_der = PrivateKeyDer::from_pem_slice(&pem).map_err(|_| {
                VendorError::Config(format!(
                    "client_key {} is not a PEM private key",
                    key.display()
                ))
            })?;
            builder.with_client_auth_cert(chain, key_der).map_err(|_| {
                VendorError::Config(format!(
                    "client_cert/client_key {} do not form a usable certificate and key",
                    cert.display()
                ))
            })?
        }
    };
    // What reqwest offers when it builds the configuration itself (http2 is enabled).
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

/// An end-entity certificate that chains to no trusted CA: what the user needs to decide
/// whether to trust it (compare with `openssl x509 -fingerprint -sha256`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("certificate signed by an unknown CA (issuer \"{issuer}\", SHA-256 {sha256})")]
pub struct Untrusted {
    /// The issuer's distinguished name, e.g. `CN=netdash lab CA`.
    pub issuer: String,
    /// SHA-256 of the certificate (DER), as `AB:CD:...`.
    pub sha256: String,
}

impl Untrusted {
    fn of(cert: &CertificateDer<'_>) -> Self {
        let issuer = x509_parser::parse_x509_certificate(cert.as_ref())
            .map_or_else(|_| "unreadable".into(), |(_, c)| c.issuer().to_string());
        Untrusted {
            issuer,
            sha256: fingerprint(cert.as_ref()),
        }
    }
}

/// SHA-256 of `der` as colon-separated upper-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = String::with_capacity(95);
    for (i, b) in d.as_ref().iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{b:02X}"));
    }
    out
}

/// The standard WebPKI checks, with an unknown issuer turned into [`Untrusted`] so the
/// error can name the certificate.
#[derive(Debug)]
struct Explained(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for Explained {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|e| match e {
                // BadSignature: a trusted CA of the same name did not sign it (a lab CA
                // made again, a re-keyed company CA): untrusted all the same.
                rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer | CertificateError::BadSignature,
                ) => rustls::Error::InvalidCertificate(CertificateError::Other(
                    rustls::OtherError(Arc::new(Untrusted::of(end_entity))),
                )),
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.0.root_hint_subjects()
    }
}

/// `verify_tls = false`: any certificate is accepted, but the handshake signatures are
/// still checked (they prove the peer holds the key of the certificate it sent).
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
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

/// Log a warning for targets that skip certificate checks (`verify_tls = false`) and
/// return the line `run` and `watch` print once on stderr; None when every target checks.
pub fn warn_unverified(names: &[&str]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    tracing::warn!(targets = %names.join(", "), "verify_tls = false: certificates are not checked");
    Some(format!(
        "netdash: warning: verify_tls = false for {}: their certificates are not checked, so anyone on the path can read the credentials; set ca_cert instead",
        names.join(", ")
    ))
}

/// Why a TLS connection failed, by kind, so the message can say what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsProblem {
    /// Signed by a CA that is neither in the system store nor the target's `ca_cert`.
    UnknownCa(Option<Untrusted>),
    /// The certificate does not list the name or address in `host`.
    NameMismatch,
    /// Expired or not yet valid.
    Expired,
    /// Anything else (alert from the peer, protocol mismatch); a short reason.
    Handshake(String),
}

/// A TLS failure with a peer: one line saying what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFailure {
    pub peer: String,
    pub problem: TlsProblem,
}

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const FIX: &str = "set ca_cert = \"/path/to/ca.pem\" (or add the CA to the system store); verify_tls = false only as a last resort";
        let peer = &self.peer;
        match &self.problem {
            TlsProblem::UnknownCa(Some(u)) => write!(
                f,
                "{peer}: TLS: certificate not trusted (issuer \"{}\", SHA-256 {}): {FIX}",
                u.issuer, u.sha256
            ),
            TlsProblem::UnknownCa(None) => {
                write!(f, "{peer}: TLS: certificate not trusted: {FIX}")
            }
            TlsProblem::NameMismatch => write!(
                f,
                "{peer}: TLS: certificate not valid for that host name; set host to a name or address the certificate lists"
            ),
            TlsProblem::Expired => write!(
                f,
                "{peer}: TLS: certificate expired or not yet valid; renew it on the device, or check this machine's clock"
            ),
            TlsProblem::Handshake(why) => write!(
                f,
                "{peer}: TLS handshake failed ({why}); check the port is the HTTPS API and the device's TLS settings"
            ),
        }
    }
}

/// The rustls error somewhere in the source chain, as a [`TlsProblem`]. tokio-rustls hands
/// it up inside an `io::Error` (itself wrapped in another by the connector), and an
/// `io::Error`'s `source()` skips what it wraps, hence the look inside each one.
pub(super) fn tls_problem(e: &(dyn std::error::Error + 'static)) -> Option<TlsProblem> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        let mut inner: &(dyn std::error::Error + 'static) = err;
        // Unwrap io::Errors; bounded, since each step goes one wrapper deeper.
        for _ in 0..8 {
            if let Some(r) = inner.downcast_ref::<rustls::Error>() {
                return Some(from_rustls(r));
            }
            match inner
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
            {
                Some(next) => inner = next,
                None => break,
            }
        }
        cur = err.source();
    }
    None
}

fn from_rustls(e: &rustls::Error) -> TlsProblem {
    use CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => TlsProblem::UnknownCa(None),
            C::Other(o) => match o.0.downcast_ref::<Untrusted>() {
                Some(u) => TlsProblem::UnknownCa(Some(u.clone())),
                None => TlsProblem::Handshake(format!("invalid certificate: {o}")),
            },
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsProblem::NameMismatch,
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => TlsProblem::Expired,
            other => TlsProblem::Handshake(format!("invalid certificate: {other:?}")),
        },
        other => TlsProblem::Handshake(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn fingerprint_is_colon_hex() {
        // SHA-256 of the empty input.
        assert_eq!(
            fingerprint(b"").replace(':', ""),
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
        );
        assert_eq!(fingerprint(b"x").len(), 32 * 3 - 1);
    }
}
