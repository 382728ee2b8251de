//! Running the `timectl` binary from tests, and a guard that stops a devnet
//! however the test ends.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

/// Bound on four daemons meshing (or re-meshing after a restart). They take well
/// under a second here; the margin is for a loaded CI machine.
pub const MESH_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `timectl ARGS` to completion, colour off so output can be matched.
pub fn timectl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run timectl")
}

/// Parses a run's stdout as JSON, showing both streams when it is not.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Runs `devnet down` on drop, so a failing test leaves no daemons behind.
pub struct Down(pub PathBuf);

impl Drop for Down {
    fn drop(&mut self) {
        let dir = self.0.to_string_lossy().into_owned();
        let _ = timectl(&["devnet", "down", "--dir", &dir]);
    }
}

/// A 4-node devnet of the workspace's own `timed`, in a temporary directory,
/// stopped on drop (before the directory goes).
pub struct Devnet {
    /// The devnet's directory (`fleet.toml`, `devnet.json`, one folder per node).
    pub dir: PathBuf,
    _down: Down,
    _tmp: tempfile::TempDir,
}

impl Devnet {
    /// Runs `timectl devnet up --nodes 4` plus `extra` arguments, and fails the test
    /// with timectl's stderr if it does not succeed.
    pub fn up(extra: &[&str]) -> Devnet {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("devnet");
        let down = Down(dir.clone());
        let dir_s = dir.display().to_string();
        let timed = super::timed::binary().display().to_string();
        let mut args = vec![
            "devnet", "up", "--nodes", "4", "--dir", &dir_s, "--timed", &timed,
        ];
        args.extend_from_slice(extra);
        let up = timectl(&args);
        assert!(
            up.status.success(),
            "devnet up: {}",
            String::from_utf8_lossy(&up.stderr)
        );
        Devnet {
            dir,
            _down: down,
            _tmp: tmp,
        }
    }

    /// The directory as a command-line argument.
    pub fn dir_arg(&self) -> String {
        self.dir.display().to_string()
    }

    /// The devnet's fleet file as a command-line argument.
    pub fn fleet_arg(&self) -> String {
        self.dir.join("fleet.toml").display().to_string()
    }
}
