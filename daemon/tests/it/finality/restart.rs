//! A masternode killed with SIGKILL at any moment of a height and started
//! again resumes from the record it wrote before its last signature: it never
//! signs a second, different proposal or vote (no node catches it
//! equivocating), and the fleet goes on finalizing with it.

use std::time::Duration;

use nix::sys::signal::Signal;
use testkit::wait::within;

use crate::support::{NetworkDef, Node, network_specs, wait_for_mesh};

/// Generous bound for a restart and a few heights on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// Kills in a row.
const KILLS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_masternode_killed_mid_height_resumes_and_never_equivocates() {
    let def = NetworkDef {
        min_masternodes: 3,
        block_interval: "200ms",
    };
    let mut nodes: Vec<Node> = network_specs(4, def).into_iter().map(Node::start).collect();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    for _ in 0..KILLS {
        let reached = || async { nodes[0].final_height().await };
        let before = within(WITHIN, reached).await.expect("final height");
        nodes[1].stop(Signal::SIGKILL);
        nodes[1].restart();
        let caught_up = || async { nodes[1].final_height().await.filter(|f| *f >= before + 2) };
        assert!(
            within(WITHIN, caught_up).await.is_some(),
            "the restarted masternode did not finalize again:\n{}",
            nodes[1].log()
        );
    }
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(
            node.metric("timed_equivocations_total").await,
            Some(0.0),
            "node {i} caught an equivocation:\n{}",
            node.log()
        );
    }
    assert!(
        nodes[1].log().contains("Resuming consensus at height"),
        "no restart resumed from its record:\n{}",
        nodes[1].log()
    );
}
