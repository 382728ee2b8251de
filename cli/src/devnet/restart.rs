//! Restarting one daemon of a devnet as a library call: stopped, started again
//! with the flags it was first started with, recorded, and waited for until it
//! answers.

use std::path::Path;

use super::error::DevnetError;
use super::state::DevnetState;
use super::{process, start};

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
    let mut state = DevnetState::load(dir).await?;
    let timed = state.timed.clone();
    let known: Vec<String> = state.nodes.iter().map(|n| n.name.clone()).collect();
    let recorded = state.node_mut(node).ok_or_else(|| DevnetError::NoNode {
        node: node.to_owned(),
        known,
    })?;
    process::stop(&[recorded.process()])
        .await
        .map_err(|pids| DevnetError::NodeNotStopped {
            node: recorded.name.clone(),
            pids,
        })?;
    let started = process::spawn_detached(&timed, &recorded.args, &recorded.log)
        .map_err(|source| DevnetError::io(format!("starting {}", recorded.name), source))?;
    recorded.pid = started.pid;
    recorded.start_time = started.start_time;
    let recorded = recorded.clone();
    state
        .save(dir)
        .await
        .map_err(|source| DevnetError::io("recording the devnet", source))?;
    start::wait_healthy(&recorded).await?;
    Ok(Restarted {
        node: recorded.name,
        pid: recorded.pid,
    })
}
