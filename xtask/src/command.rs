//! Running commands from a task: one place for "its stdout, or why it failed",
//! and for asking cargo where it builds this workspace.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs a command here; its stdout, or why it failed.
pub(crate) fn output(mut cmd: Command, what: &str) -> Result<String, String> {
    let out: Output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{what}: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `cargo`, as the running cargo names itself (`cargo xtask` sets `CARGO`).
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Where cargo builds this workspace: `CARGO_TARGET_DIR`, a config file's
/// `build.target-dir`, or `target/` at the root, as cargo itself resolves it.
pub(crate) fn target_dir(workspace: &Path) -> Result<PathBuf, String> {
    let mut cmd = cargo();
    cmd.current_dir(workspace)
        .args(["metadata", "--format-version", "1", "--no-deps"]);
    let metadata = output(cmd, "cargo metadata")?;
    serde_json::from_str::<serde_json::Value>(&metadata)
        .ok()
        .and_then(|m| m["target_directory"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo metadata: no target_directory in its answer".to_owned())
}
