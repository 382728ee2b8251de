//! Which of a devnet's recorded daemons still run, as a library call.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::DevnetError;
use super::process;
use super::state::DevnetState;

/// One recorded daemon and whether it is still that process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeStatus {
    pub name: String,
    pub pid: u32,
    pub running: bool,
    pub p2p: SocketAddr,
    pub rpc: SocketAddr,
    pub log: PathBuf,
}

/// Every daemon the devnet in `dir` recorded, in its order.
///
/// # Errors
/// No devnet in `dir`, or its record is damaged (bad input).
pub async fn status(dir: &Path) -> Result<Vec<NodeStatus>, DevnetError> {
    let state = DevnetState::load(dir).await?;
    Ok(state
        .nodes
        .iter()
        .map(|n| NodeStatus {
            name: n.name.clone(),
            pid: n.pid,
            running: process::is_running(n.process()),
            p2p: n.p2p,
            rpc: n.rpc,
            log: n.log.clone(),
        })
        .collect())
}
