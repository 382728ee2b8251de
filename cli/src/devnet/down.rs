//! Stopping a devnet as a library call: exactly the daemons its record names,
//! and a check that none of them runs any more.

use std::path::Path;

use super::error::DevnetError;
use super::process::{self, ProcessId};
use super::state::{DevnetNode, DevnetState};

/// A devnet that went down: none of its daemons runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Down {
    /// Daemons that were running and were stopped.
    pub stopped: usize,
    /// Daemons the devnet recorded.
    pub recorded: usize,
}

/// Stops every daemon recorded in `dir` (SIGTERM, then SIGKILL).
///
/// # Errors
/// No devnet in `dir` (bad input), or a daemon still running after SIGKILL.
pub async fn down(dir: &Path) -> Result<Down, DevnetError> {
    let state = DevnetState::load(dir).await?;
    let ids: Vec<ProcessId> = state.nodes.iter().map(DevnetNode::process).collect();
    let stopped = ids.iter().filter(|i| process::is_running(**i)).count();
    process::stop(&ids)
        .await
        .map_err(|pids| DevnetError::NotStopped { pids })?;
    Ok(Down {
        stopped,
        recorded: ids.len(),
    })
}
