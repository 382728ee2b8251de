//! Real `timed` processes racing to mesh: four nodes started together, each dialing
//! the three others, must converge to exactly one agreed link per pair, with no
//! reset and no ACK failure, round after round with random start order and delays.
//! The surviving link of every pair must be the one the higher node id dialed: a
//! rule that merely converges (say, "last registered wins") leaves either.

use std::time::Duration;

use crate::support::{Node, Rule, forbidden_lines, full_mesh_specs, wait_for_mesh_with};

const ROUNDS: usize = 50;
const CONVERGE_WITHIN: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_nodes_racing_always_converge_to_one_link_per_pair() {
    for round in 0..ROUNDS {
        let mut specs = full_mesh_specs(4);
        fastrand::shuffle(&mut specs);
        let mut nodes = Vec::new();
        for spec in specs {
            nodes.push(Node::start(spec));
            // Part of the scenario, not synchronisation: staggered starts race
            // differently from simultaneous ones.
            let jitter = fastrand::u64(0..30);
            if jitter > 15 {
                tokio::time::sleep(Duration::from_millis(jitter)).await;
            }
        }
        if let Err(problem) = wait_for_mesh_with(&nodes, CONVERGE_WITHIN, Rule::HigherDials).await {
            panic!("round {round}: no full mesh within {CONVERGE_WITHIN:?}: {problem}");
        }
        for (i, node) in nodes.iter().enumerate() {
            let log = node.log();
            let bad = forbidden_lines(&log);
            assert!(bad.is_empty(), "round {round} node {i}: {bad:#?}");
            assert!(
                log.contains("Handshake completed with") || log.contains("Handshake accepted from")
            );
        }
    }
}
