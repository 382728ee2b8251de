//! `DIR/devnet.json`: which daemons a devnet started (pid and start time, so a
//! reused pid is never mistaken for ours), their addresses, and the flags to start
//! each again.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use nix::sys::signal::Signal;
use serde::{Deserialize, Serialize};

use super::error::DevnetError;
use super::process::{self, ProcessId};

/// The state file's name inside the devnet directory.
pub(crate) const STATE_FILE: &str = "devnet.json";

/// A devnet as recorded on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DevnetState {
    pub network: String,
    /// The `timed` executable the nodes run.
    pub timed: PathBuf,
    pub nodes: Vec<DevnetNode>,
}

/// One daemon of a devnet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DevnetNode {
    pub name: String,
    pub pid: u32,
    /// Start time of the process in clock ticks since boot (`/proc/PID/stat`
    /// field 22): with the pid, identifies the process across pid reuse.
    pub start_time: u64,
    pub p2p: SocketAddr,
    pub rpc: SocketAddr,
    pub data_dir: PathBuf,
    pub log: PathBuf,
    /// The flags `timed` was started with.
    pub args: Vec<String>,
}

impl DevnetState {
    /// Reads `DIR/devnet.json`.
    ///
    /// # Errors
    /// Missing (no devnet there) or unreadable.
    pub(crate) async fn load(dir: &Path) -> Result<Self, DevnetError> {
        let path = dir.join(STATE_FILE);
        let text = match tokio::fs::read_to_string(&path).await {
            Ok(text) => text,
            Err(source) => {
                return Err(DevnetError::NoState {
                    path,
                    dir: dir.to_path_buf(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|source| DevnetError::BadState { path, source })
    }

    /// Kills every daemon recorded in `dir` at once (SIGKILL), without waiting,
    /// best effort: for a destructor, which can neither await a clean stop nor
    /// report a failure.
    pub(crate) fn kill_recorded(dir: &Path) {
        let Ok(text) = std::fs::read_to_string(dir.join(STATE_FILE)) else {
            return;
        };
        let Ok(state) = serde_json::from_str::<DevnetState>(&text) else {
            return;
        };
        let ids: Vec<ProcessId> = state.nodes.iter().map(DevnetNode::process).collect();
        process::signal_running(&ids, Signal::SIGKILL);
    }

    /// Writes `DIR/devnet.json` atomically (write then rename), so a crash never
    /// leaves a half-written record of running processes.
    ///
    /// # Errors
    /// The directory is not writable.
    pub(crate) async fn save(&self, dir: &Path) -> std::io::Result<()> {
        let tmp = dir.join(format!("{STATE_FILE}.tmp"));
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        tokio::fs::write(&tmp, text).await?;
        tokio::fs::rename(&tmp, dir.join(STATE_FILE)).await
    }

    /// The node called `name`.
    pub(crate) fn node_mut(&mut self, name: &str) -> Option<&mut DevnetNode> {
        self.nodes.iter_mut().find(|n| n.name == name)
    }

    /// Stops every daemon recorded as started, best effort: what is left
    /// running, `devnet down` reports.
    pub(crate) async fn stop_all(&self) {
        let ids: Vec<ProcessId> = self
            .nodes
            .iter()
            .filter(|n| n.pid != 0)
            .map(DevnetNode::process)
            .collect();
        let _ = process::stop(&ids).await;
    }
}

impl DevnetNode {
    /// The daemon as recorded: its pid with its start time, so a reused pid is
    /// never taken for it.
    pub(crate) fn process(&self) -> ProcessId {
        ProcessId {
            pid: self.pid,
            start_time: self.start_time,
        }
    }
}
