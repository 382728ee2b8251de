//! How test nodes are specified: addresses, flags, a data dir with the node's key
//! made up front, and the network file the nodes specified together share (their
//! keys as the masternodes, a quorum and interval the test chooses).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use tempfile::TempDir;
use timecoin_shared::wire::NodeId;
use timed::Identity;

use testkit::net::{free_addr, random_ip};
use testkit::timed::NETWORK;

use super::FAST;

/// How to start one node.
#[derive(Clone, Debug)]
pub(crate) struct NodeSpec {
    pub(crate) p2p: SocketAddr,
    pub(crate) rpc: SocketAddr,
    pub(crate) peers: Vec<SocketAddr>,
    pub(crate) args: Vec<String>,
    /// Environment variables set for the process.
    pub(crate) env: Vec<(String, String)>,
    /// The node's id: its key is made in the data dir when the spec is.
    pub(crate) node_id: NodeId,
    /// The network file it is started with.
    pub(crate) network_file: PathBuf,
    pub(super) dir: Arc<TempDir>,
}

/// The parts of a network definition a test chooses.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NetworkDef {
    pub(crate) min_masternodes: usize,
    pub(crate) block_interval: &'static str,
}

impl NetworkDef {
    /// What a mesh test needs: production possible but rare (the daemon's default
    /// interval), the quorum of at most three.
    pub(crate) fn for_mesh(n: usize) -> NetworkDef {
        NetworkDef {
            min_masternodes: n.clamp(1, 3),
            block_interval: "10s",
        }
    }
}

impl NodeSpec {
    /// A masternode on fresh random addresses with the [`FAST`] timings, alone in
    /// its own network (itself the only masternode).
    pub(crate) fn new() -> Self {
        let mut spec = Self::unlisted();
        write_network(std::slice::from_mut(&mut spec), NetworkDef::for_mesh(1));
        spec
    }

    /// A node with a key but no network file yet.
    fn unlisted() -> Self {
        let ip = random_ip();
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let identity = Identity::load_or_create(&dir.path().join("data")).expect("node key");
        NodeSpec {
            p2p: free_addr(ip),
            rpc: free_addr(ip),
            peers: Vec::new(),
            args: FAST.iter().map(|s| (*s).to_owned()).collect(),
            env: Vec::new(),
            node_id: identity.node_id(),
            network_file: dir.path().join("network.toml"),
            dir,
        }
    }

    /// The data dir, which holds the node's key from the start.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A node that joins the network of `member` without being one of its
    /// masternodes (an ordinary node: it syncs, it is never counted).
    pub(crate) fn joining(member: &NodeSpec) -> Self {
        let spec = Self::unlisted();
        std::fs::copy(&member.network_file, &spec.network_file).expect("copy network file");
        spec
    }
}

/// The text of a network file listing `ids` as masternodes; genesis is now.
fn network_toml(name: &str, ids: &[NodeId], def: NetworkDef) -> String {
    let keys: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    let genesis = humantime::format_rfc3339_seconds(SystemTime::now());
    format!(
        "name = \"{name}\"\nmasternodes = [{}]\nmin_masternodes = {}\nblock_interval = \"{}\"\ngenesis = \"{genesis}\"\n",
        keys.join(", "),
        def.min_masternodes,
        def.block_interval
    )
}

/// Writes one network file listing `specs` and gives every spec its own copy.
fn write_network(specs: &mut [NodeSpec], def: NetworkDef) {
    let ids: Vec<NodeId> = specs.iter().map(|s| s.node_id).collect();
    let text = network_toml(NETWORK, &ids, def);
    for spec in specs {
        std::fs::write(&spec.network_file, &text).expect("write network file");
    }
}

/// Specs for `n` masternodes of one network that each list all the others as
/// peers.
pub(crate) fn full_mesh_specs(n: usize) -> Vec<NodeSpec> {
    network_specs(n, NetworkDef::for_mesh(n))
}

/// [`full_mesh_specs`] with a chosen quorum and interval.
pub(crate) fn network_specs(n: usize, def: NetworkDef) -> Vec<NodeSpec> {
    let mut specs: Vec<NodeSpec> = (0..n).map(|_| NodeSpec::unlisted()).collect();
    write_network(&mut specs, def);
    let addrs: Vec<SocketAddr> = specs.iter().map(|s| s.p2p).collect();
    for (i, spec) in specs.iter_mut().enumerate() {
        spec.peers = addrs
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, a)| *a)
            .collect();
    }
    specs
}
