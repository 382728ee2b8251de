//! Why a node's RPC settings from the fleet file (its credentials, its
//! certificate trust) cannot be used: each case names the file at fault.

use std::io;
use std::path::PathBuf;

use crate::remote::RemoteError;
use crate::remote::command::CommandError;

/// A credential or trust setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("reading rpc_cookie needs a connection to the node")]
    CookieNeedsRemote,
    #[error("cannot read the cookie file {path}: {source}")]
    CookiePath {
        path: String,
        #[source]
        source: CommandError,
    },
    #[error("cannot read the cookie file {path}: {source}")]
    CookieRemote {
        path: String,
        #[source]
        source: RemoteError,
    },
    #[error("cannot read the cookie file {path}: {stderr}")]
    CookieUnreadable { path: String, stderr: String },
    #[error("the cookie file {path} does not hold user:password")]
    CookieShape { path: String },
    #[error("{file}: no SHA-256 fingerprint in this trust file")]
    TrustFileEmpty { file: String },
    #[error("{file}: cannot read the trust file: {source}")]
    TrustFileUnreadable {
        file: String,
        #[source]
        source: io::Error,
    },
    #[error("{}: cannot record the certificate: {source}", path.display())]
    TrustNotRecorded {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The certificate is not the trusted one.
    #[error(
        "the RPC's certificate has SHA-256 {seen}, but {trusted} is trusted: if the node's \
         certificate was renewed on purpose, pin the new fingerprint"
    )]
    Untrusted { seen: String, trusted: String },
    #[error("setting up TLS: {0}")]
    Tls(#[source] rustls::Error),
    #[error("setting up the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}
