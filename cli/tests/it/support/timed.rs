//! The `timed` binary for tests that start real daemons from `timectl`'s tests:
//! built on demand (a no-op when `cargo test --workspace` built it already), found
//! in the same target directory as `timectl`.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;

use testkit::timed::TimedSpec;

/// Path of an up-to-date `timed` binary.
///
/// # Panics
/// The build fails.
pub(crate) fn binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", "timed", "--bin", "timed"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build -p timed");
    assert!(status.success(), "cargo build -p timed failed");
    let timectl = PathBuf::from(env!("CARGO_BIN_EXE_timectl"));
    let path = timectl.with_file_name("timed");
    assert!(path.is_file(), "no timed at {}", path.display());
    path
}

/// A masternode on `ip` that needs one peer to produce blocks every 500 ms: a
/// pair of them logs handshakes and blocks within a second.
pub(crate) fn spec(ip: Ipv4Addr) -> TimedSpec {
    TimedSpec::new(binary(), ip).args(["--min-masternodes", "2", "--block-interval", "500ms"])
}
