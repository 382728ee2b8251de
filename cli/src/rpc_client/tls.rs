//! Trusting a node's self-signed RPC certificate without trusting everything:
//! the certificate must be exactly the one pinned by its SHA-256 in the fleet
//! file, or the one recorded in a local trust file on first use. The handshake
//! signature is still checked against that certificate's key, so a pinned
//! certificate proves the peer holds its private key; only the chain to a root
//! and the host name are replaced by the pin. A certificate trusted on first
//! use is a [`Notice`]: the verifier runs under whatever owns the screen (the
//! dashboard included), so it never prints.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest as _, Sha256};
use timecoin_shared::fleet::{TlsTrust, parse_fingerprint};

use super::settings::SettingsError;
use crate::emit::Emit;
use crate::notice::{Notice, Notices};

/// A TLS client configuration for `trust`; `Ok(None)` for the system's roots,
/// which reqwest sets up itself. A first use of `node`'s certificate is told
/// to `notices`.
///
/// # Errors
/// The trust file exists but holds no fingerprint, or cannot be read.
pub(super) async fn client_config(
    trust: &TlsTrust,
    node: &str,
    notices: &Notices,
) -> Result<Option<rustls::ClientConfig>, SettingsError> {
    let pin = match trust {
        TlsTrust::System => return Ok(None),
        TlsTrust::Pinned(fingerprint) => Pin::Fixed(*fingerprint),
        TlsTrust::FirstUse { file } => {
            let path = PathBuf::from(file);
            match tokio::fs::read_to_string(&path).await {
                Ok(text) => Pin::Fixed(
                    parse_fingerprint(&text)
                        .ok_or_else(|| SettingsError::TrustFileEmpty { file: file.clone() })?,
                ),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Pin::FirstUse {
                    path,
                    seen: Mutex::new(None),
                    node: node.to_owned(),
                    notices: notices.clone(),
                },
                Err(source) => {
                    return Err(SettingsError::TrustFileUnreadable {
                        file: file.clone(),
                        source,
                    });
                }
            }
        }
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(SettingsError::Tls)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedVerifier { pin, provider }))
        .with_no_client_auth();
    Ok(Some(config))
}

/// Lower-case hex with colons, as `openssl x509 -fingerprint -sha256` shows it.
fn show_fingerprint(fingerprint: &[u8; 32]) -> String {
    let mut text = String::with_capacity(95);
    for (i, byte) in fingerprint.iter().enumerate() {
        if i > 0 {
            text.push(':');
        }
        // Writing to a String cannot fail.
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[derive(Debug)]
enum Pin {
    Fixed([u8; 32]),
    /// No trust file yet: the first certificate seen is written to `path`,
    /// pinned from then on, and told to `notices`.
    FirstUse {
        path: PathBuf,
        seen: Mutex<Option<[u8; 32]>>,
        node: String,
        notices: Notices,
    },
}

#[derive(Debug)]
struct PinnedVerifier {
    pin: Pin,
    provider: Arc<CryptoProvider>,
}

impl PinnedVerifier {
    fn check(&self, fingerprint: [u8; 32]) -> Result<(), SettingsError> {
        let expected = match &self.pin {
            Pin::Fixed(expected) => *expected,
            Pin::FirstUse {
                path,
                seen,
                node,
                notices,
            } => {
                let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                match *seen {
                    Some(expected) => expected,
                    None => {
                        record(path, &fingerprint)?;
                        *seen = Some(fingerprint);
                        notices.emit(Notice::TrustedOnFirstUse {
                            node: node.clone(),
                            fingerprint: show_fingerprint(&fingerprint),
                            file: path.clone(),
                        });
                        fingerprint
                    }
                }
            }
        };
        if expected == fingerprint {
            Ok(())
        } else {
            Err(SettingsError::Untrusted {
                seen: show_fingerprint(&fingerprint),
                trusted: show_fingerprint(&expected),
            })
        }
    }
}

/// Writes a first-seen fingerprint to a new trust file.
fn record(path: &Path, fingerprint: &[u8; 32]) -> Result<(), SettingsError> {
    let shown = show_fingerprint(fingerprint);
    let not_recorded = |source| SettingsError::TrustNotRecorded {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(not_recorded)?;
    writeln!(file, "{shown}").map_err(not_recorded)
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fingerprint: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        self.check(fingerprint)
            .map(|()| ServerCertVerified::assertion())
            .map_err(|e| rustls::Error::Other(rustls::OtherError(Arc::new(e))))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_show_as_openssl_prints_them_and_parse_back() {
        let fingerprint = [0xab; 32];
        let shown = show_fingerprint(&fingerprint);
        assert!(shown.starts_with("ab:ab:"));
        assert_eq!(shown.len(), 95);
        assert_eq!(parse_fingerprint(&shown), Some(fingerprint));
    }

    #[test]
    fn first_use_records_the_first_certificate_and_refuses_another() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pin");
        let (tx, mut told) = tokio::sync::mpsc::unbounded_channel();
        let notices = Notices::new(Arc::new(tx));
        let verifier = PinnedVerifier {
            pin: Pin::FirstUse {
                path: path.clone(),
                seen: Mutex::new(None),
                node: "n1".into(),
                notices,
            },
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        };
        verifier
            .check([1; 32])
            .expect("the first certificate is trusted");
        verifier.check([1; 32]).expect("and again");
        let refused = verifier.check([2; 32]).expect_err("another certificate");
        assert!(
            refused.to_string().contains(&show_fingerprint(&[2; 32])),
            "{refused}"
        );
        let recorded = std::fs::read_to_string(&path).expect("trust file");
        assert_eq!(parse_fingerprint(&recorded), Some([1; 32]));
        assert_eq!(
            told.try_recv().ok(),
            Some(Notice::TrustedOnFirstUse {
                node: "n1".into(),
                fingerprint: show_fingerprint(&[1; 32]),
                file: path,
            }),
            "the first use is told, as a notice"
        );
        assert!(told.try_recv().is_err(), "and only once");
    }
}
