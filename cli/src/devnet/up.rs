//! Starting a devnet as a library call: the options `devnet up` and the demo
//! both fill in, and the engine that picks addresses, makes each node's key,
//! writes the network file, starts every daemon detached, waits until each
//! answers and writes the fleet file. It prints nothing; the caller renders
//! the [`Up`] it returns.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::error::DevnetError;
use super::process;
use super::state::{DevnetNode, DevnetState};
use super::{fleet_file, network_file, start};
use crate::constants::DEVNET_MAX_NODES;

/// What devnet to start, and where.
#[derive(Clone, Debug)]
pub struct UpOptions {
    /// Directory for `devnet.json`, `fleet.toml`, `network.toml` and each
    /// node's data and log; made when missing.
    pub dir: PathBuf,
    /// How many daemons.
    pub nodes: usize,
    /// Time between block rounds, as `humantime` reads it (`2s`).
    pub block_interval: String,
    /// Active masternodes needed to produce blocks; `None` is 3, or `nodes`
    /// when fewer.
    pub min_masternodes: Option<usize>,
    /// Network name the daemons use.
    pub network: String,
    /// The `timed` executable; `None` looks beside `timectl`, then on PATH.
    pub timed: Option<PathBuf>,
    /// The `timectl` the fleet file's restart command calls.
    pub timectl: PathBuf,
}

/// A devnet that came up: every daemon answers its health check.
#[derive(Clone, Debug)]
pub struct Up {
    /// The devnet's directory, absolute.
    pub dir: PathBuf,
    pub nodes: usize,
    pub network: String,
    pub min_masternodes: usize,
    pub fleet_file: PathBuf,
    pub network_file: PathBuf,
}

/// Starts the devnet `options` describe; the daemons outlive this process.
///
/// # Errors
/// Bad options or a devnet already running in `dir` (bad input); `timed` not
/// found, a key not made, a daemon that did not start or answer, or a file not
/// written. Daemons started before a failure are stopped again.
pub async fn up(options: &UpOptions) -> Result<Up, DevnetError> {
    if options.nodes == 0 || options.nodes > DEVNET_MAX_NODES {
        return Err(DevnetError::NodeCount {
            max: DEVNET_MAX_NODES,
        });
    }
    humantime::parse_duration(&options.block_interval).map_err(|e| DevnetError::BlockInterval {
        given: options.block_interval.clone(),
        reason: e.to_string(),
    })?;
    let timed = process::find_timed(options.timed.as_deref())?;
    let dir = absolute(&options.dir)?;
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|source| DevnetError::io(format!("creating {}", dir.display()), source))?;
    if let Ok(old) = DevnetState::load(&dir).await
        && old.nodes.iter().any(|n| process::is_running(n.process()))
    {
        return Err(DevnetError::Running { dir });
    }
    let min_masternodes = options.min_masternodes.unwrap_or(3.min(options.nodes));
    if min_masternodes == 0 || min_masternodes > options.nodes {
        return Err(DevnetError::MinMasternodes { max: options.nodes });
    }
    let network_path = dir.join(network_file::NETWORK_FILE);
    let mut state = DevnetState {
        network: options.network.clone(),
        timed: timed.clone(),
        nodes: plan_nodes(&dir, &network_path, options.nodes).await?,
    };
    let mut ids = Vec::with_capacity(state.nodes.len());
    for node in &state.nodes {
        ids.push(network_file::keygen(&timed, &node.data_dir).await?);
    }
    name_expected_peers(&mut state.nodes, &ids);
    let text = network_file::render(
        &options.network,
        &ids,
        min_masternodes,
        &options.block_interval,
        SystemTime::now(),
    );
    tokio::fs::write(&network_path, text)
        .await
        .map_err(|source| DevnetError::io(format!("writing {}", network_path.display()), source))?;
    start_all(&mut state, &dir).await?;
    let repo = git_toplevel().await;
    let fleet_path = dir.join("fleet.toml");
    let text = fleet_file::render(
        &state,
        &dir,
        &options.timectl,
        repo.as_deref(),
        min_masternodes,
    );
    tokio::fs::write(&fleet_path, text)
        .await
        .map_err(|source| DevnetError::io(format!("writing {}", fleet_path.display()), source))?;
    Ok(Up {
        dir,
        nodes: state.nodes.len(),
        network: state.network,
        min_masternodes,
        fleet_file: fleet_path,
        network_file: network_path,
    })
}

/// Each node's name, addresses, directories and flags, its data dir made.
async fn plan_nodes(
    dir: &Path,
    network_path: &Path,
    count: usize,
) -> Result<Vec<DevnetNode>, DevnetError> {
    let addresses = start::pick_addresses(count)?;
    let mut nodes = Vec::with_capacity(count);
    for (i, (p2p, rpc)) in addresses.iter().enumerate() {
        let name = format!("node{}", i + 1);
        let node_dir = dir.join(&name);
        let data_dir = node_dir.join("data");
        tokio::fs::create_dir_all(&data_dir)
            .await
            .map_err(|source| {
                DevnetError::io(format!("creating {}", data_dir.display()), source)
            })?;
        let flags = vec![
            "--network-file".to_string(),
            network_path.display().to_string(),
            "--listen".into(),
            p2p.to_string(),
            "--rpc-bind".into(),
            rpc.to_string(),
            "--data-dir".into(),
            data_dir.display().to_string(),
            "--masternode".into(),
        ];
        nodes.push(DevnetNode {
            name,
            pid: 0,
            start_time: 0,
            p2p: *p2p,
            rpc: *rpc,
            data_dir,
            log: node_dir.join("timed.log"),
            args: flags,
        });
    }
    Ok(nodes)
}

/// Makes each node dial every other as `--peer ID@ADDR`, naming the id it
/// expects there, so a devnet never links to whatever else answers at a
/// peer's address.
fn name_expected_peers(nodes: &mut [DevnetNode], ids: &[String]) {
    let peers: Vec<String> = nodes
        .iter()
        .zip(ids)
        .map(|(node, id)| format!("{id}@{}", node.p2p))
        .collect();
    for (i, node) in nodes.iter_mut().enumerate() {
        for (_, peer) in peers.iter().enumerate().filter(|(j, _)| *j != i) {
            node.args.push("--peer".into());
            node.args.push(peer.clone());
        }
    }
}

/// Starts every daemon, recording each as it starts so `down` can stop a
/// partial devnet, then waits until each answers; on any failure stops the
/// ones started.
async fn start_all(state: &mut DevnetState, dir: &Path) -> Result<(), DevnetError> {
    for i in 0..state.nodes.len() {
        let node = &state.nodes[i];
        match process::spawn_detached(&state.timed, &node.args, &node.log) {
            Ok(pid) => {
                let node = &mut state.nodes[i];
                node.pid = pid.pid;
                node.start_time = pid.start_time;
                state
                    .save(dir)
                    .await
                    .map_err(|source| DevnetError::io("recording the devnet", source))?;
            }
            Err(source) => {
                state.stop_all().await;
                return Err(DevnetError::io(
                    format!("starting {}", state.nodes[i].name),
                    source,
                ));
            }
        }
    }
    for node in &state.nodes {
        if let Err(e) = start::wait_healthy(node).await {
            state.stop_all().await;
            return Err(e);
        }
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf, DevnetError> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        let here = std::env::current_dir()
            .map_err(|source| DevnetError::io("finding the current directory", source))?;
        Ok(here.join(path))
    }
}

/// The git checkout we are run from, so `status` can compare commits with HEAD.
async fn git_toplevel() -> Option<PathBuf> {
    let out = tokio::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}
