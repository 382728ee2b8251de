//! The `timed` binary for tests that start real daemons from `timectl`'s tests:
//! built on demand (a no-op when `cargo test --workspace` built it already), found
//! in the same target directory as `timectl`.

use std::path::PathBuf;
use std::process::Command;

/// Path of an up-to-date `timed` binary.
///
/// # Panics
/// The build fails.
pub fn binary() -> PathBuf {
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
