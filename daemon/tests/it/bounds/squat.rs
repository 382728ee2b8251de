//! A restarted masternode relinks while strangers hold every handshake slot they
//! can: silent sockets from eleven addresses, reopened as the node closes them,
//! and a connect flood from ten more (issue 22 saw two addresses keep a
//! restarted masternode at one of its three peers for 45 s).

use std::net::SocketAddr;
use std::time::Duration;

use nix::sys::signal::Signal;
use testkit::wait::within;

use super::{WITHIN, stranger};
use crate::adversary::squat::Squat;
use crate::support::{NetworkDef, Node, network_specs, wait_for_mesh};

/// Silent sockets each squatting address keeps open to each node: more than
/// any one address may hold, so the excess keeps knocking.
const PER_ADDR: usize = 12;

/// Fresh connects a second on top of the squat.
const FLOOD_PER_SEC: u32 = 100;

/// Whether `node` is linked to all `n - 1` others and counts `n` masternodes.
async fn relinked(node: &Node, n: usize) -> bool {
    node.consensus()
        .await
        .is_some_and(|c| c.connected_peers == n - 1 && c.active_masternodes == n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_masternode_relinks_while_strangers_squat_every_handshake_slot() {
    let def = NetworkDef {
        min_masternodes: 3,
        block_interval: "1s",
    };
    let mut nodes: Vec<Node> = network_specs(4, def).into_iter().map(Node::start).collect();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");

    let targets: Vec<SocketAddr> = nodes.iter().map(|n| n.spec.p2p).collect();
    let squatters: Vec<_> = (50..=60).map(stranger).collect();
    let flooders: Vec<_> = (61..=70).map(stranger).collect();
    let squat = Squat::start(&targets, &squatters, PER_ADDR, &flooders, FLOOD_PER_SEC);
    let saturated = within(WITHIN, || async { squat.refused() >= 100 })
        .await
        .is_some();
    assert!(
        saturated,
        "the strangers hold all they may and knock for more"
    );

    nodes[3].stop(Signal::SIGKILL);
    let restarted = tokio::time::Instant::now();
    nodes[3].restart();
    let back = within(Duration::from_secs(20), || relinked(&nodes[3], 4))
        .await
        .is_some();
    let took = restarted.elapsed();
    assert!(
        back,
        "the restarted masternode did not relink to all its peers under the squat; its log:\n{}",
        nodes[3].log()
    );
    eprintln!(
        "relinked to all 3 peers {took:?} after the restart, under the squat ({} refusals)",
        squat.refused()
    );
    for node in &nodes[..3] {
        assert!(node.logs_within("Refusing inbound from", WITHIN).await);
    }
    drop(squat);
}
