//! A devnet started by a `timectl` binary the caller names (tests find it with
//! `env!`, benchmarks beside themselves), stopped however the caller ends.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `timectl devnet up --nodes N --dir DIR --timed TIMED EXTRA…` and returns
/// a guard that runs `devnet down` on drop.
///
/// # Panics
/// `devnet up` cannot run or fails (its stderr in the message).
pub fn up(timectl: &Path, dir: &Path, nodes: usize, timed: &Path, extra: &[&str]) -> Down {
    let down = Down {
        timectl: timectl.to_owned(),
        dir: dir.to_owned(),
    };
    let out = Command::new(timectl)
        .args(["devnet", "up", "--nodes", &nodes.to_string(), "--dir"])
        .arg(dir)
        .arg("--timed")
        .arg(timed)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("run timectl devnet up");
    assert!(
        out.status.success(),
        "devnet up: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    down
}

/// Stops the devnet in `dir` when dropped.
#[derive(Debug)]
pub struct Down {
    timectl: PathBuf,
    dir: PathBuf,
}

impl Drop for Down {
    fn drop(&mut self) {
        let _ = Command::new(&self.timectl)
            .args(["devnet", "down", "--dir"])
            .arg(&self.dir)
            .output();
    }
}
