//! What build is running: package version and git commit, for `timed --version`,
//! the RPC (`/consensus_info`, `/health`) and the `software` field of handshakes.

/// The package version.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit this binary was built from (see `build.rs`): a short hash,
/// `-dirty` when built from a modified tree, or `unknown`.
pub(crate) const COMMIT: &str = env!("TIMED_GIT_COMMIT");

/// What `timed --version` prints after the binary name.
pub(crate) const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("TIMED_GIT_COMMIT"),
    ")"
);

/// The `software` string announced in handshakes: `timed/VERSION (COMMIT)`.
pub(crate) fn software() -> String {
    format!("timed/{VERSION} ({COMMIT})")
}
