//! Restarting one daemon of a devnet as a library call: stopped, started again
//! with the flags it was first started with, recorded, and waited for until it
//! answers. Several nodes may restart at once (a deploy's batch).

use std::path::Path;

use super::error::DevnetError;
use super::state::{DevnetNode, DevnetState};
use super::{process, start};

/// Beside the state file: held while a restart records its new process.
const LOCK_FILE: &str = "devnet.lock";

/// A daemon that restarted and answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restarted {
    pub node: String,
    /// Its new process id.
    pub pid: u32,
}

/// Restarts `node` of the devnet in `dir`.
///
/// # Errors
/// No devnet in `dir` or no such node (bad input); the old daemon would not
/// stop, or the new one did not start or answer.
pub async fn restart(dir: &Path, node: &str) -> Result<Restarted, DevnetError> {
    let state = DevnetState::load(dir).await?;
    let known: Vec<String> = state.nodes.iter().map(|n| n.name.clone()).collect();
    let mut recorded = state
        .nodes
        .iter()
        .find(|n| n.name == node)
        .cloned()
        .ok_or_else(|| DevnetError::NoNode {
            node: node.to_owned(),
            known,
        })?;
    process::stop(&[recorded.process()])
        .await
        .map_err(|pids| DevnetError::NodeNotStopped {
            node: recorded.name.clone(),
            pids,
        })?;
    let started = process::spawn_detached(&state.timed, &recorded.args, &recorded.log)
        .map_err(|source| DevnetError::io(format!("starting {}", recorded.name), source))?;
    recorded.pid = started.pid;
    recorded.start_time = started.start_time;
    record(dir, &recorded)
        .await
        .map_err(|source| DevnetError::io("recording the devnet", source))?;
    start::wait_healthy(&recorded).await?;
    Ok(Restarted {
        node: recorded.name,
        pid: recorded.pid,
    })
}

/// Writes `node`'s new process into the state file, holding an exclusive lock
/// on [`LOCK_FILE`] from loading the file to saving it: restarts of several
/// nodes at once each change the file in turn, none losing another's record,
/// and no restart waits on another's daemon starting or answering.
async fn record(dir: &Path, node: &DevnetNode) -> std::io::Result<()> {
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))?;
    // Off the runtime's threads: the holder awaits on them until it saves.
    let locked = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(std::io::Error::other)??;
    let mut state = DevnetState::load(dir)
        .await
        .map_err(std::io::Error::other)?;
    if let Some(recorded) = state.node_mut(&node.name) {
        recorded.pid = node.pid;
        recorded.start_time = node.start_time;
    }
    let saved = state.save(dir).await;
    drop(locked);
    saved
}
