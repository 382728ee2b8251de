//! Production follows the consensus rounds, on real `timed` processes on
//! loopback: each final block is made by the proposer of the round named in
//! it, one block interval after its parent was decided; with one masternode of
//! four down, blocks keep coming (its turns pass to the next proposer); with
//! fewer than a quorum up, nothing becomes final and the contract line names
//! the quorum even where `min_masternodes` asks for less. And the in-process
//! bits of a node's bookkeeping: the skip line's wording and bad transactions.

use std::time::Duration;

use ed25519_dalek::SigningKey;
use nix::sys::signal::Signal;
use serde_json::{Value, json};
use testkit::wait::within;
use timecoin_shared::wire::NodeId;
use timed::testing::chain::{Chain, ChainConfig, Gossip, Schedule, Store, skip_message};
use timed::testing::wire::Message;

use crate::support::{NetworkDef, Node, network_specs, wait_for_mesh};

/// Generous bound for anything that takes a few block intervals on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// A stand-in for the P2P layer that sends nothing anywhere.
struct Silent;

impl Gossip for Silent {
    fn broadcast(&self, _msg: Message) {}
    fn relay(&self, _msg: Message, _except: &NodeId) {}
    fn send_to(&self, _peer: &NodeId, _msg: Message) -> bool {
        false
    }
    fn active_masternodes(&self) -> Vec<NodeId> {
        Vec::new()
    }
    fn set_best_height(&self, _height: u64) {}
}

#[test]
fn the_skip_line_is_the_contract_phrase() {
    assert_eq!(
        skip_message(2, 3),
        "Skipping block production: only 2 masternodes active (minimum 3 required)"
    );
}

#[test]
fn bad_transactions_are_refused_with_a_reason() {
    let key = SigningKey::from_bytes(&[42; 32]);
    let me = NodeId(key.verifying_key().to_bytes());
    let config = ChainConfig {
        min_masternodes: 1,
        schedule: Schedule::new(vec![me], 0),
        certifier: None,
    };
    let store = Store::in_memory("devnet").expect("store");
    let chain = Chain::new(key, config, store, std::sync::Arc::new(Silent)).expect("chain");
    let err = chain
        .submit_tx(json!([1, 2, 3]))
        .expect_err("array refused");
    assert!(err.to_string().contains("JSON object"), "{err}");
    let err = chain
        .submit_tx(json!({"pad": "x".repeat(70_000)}))
        .expect_err("oversize refused");
    assert!(err.to_string().contains("limit"), "{err}");
}

fn fleet(n: usize, min_masternodes: usize, interval: &'static str) -> Vec<Node> {
    network_specs(
        n,
        NetworkDef {
            min_masternodes,
            block_interval: interval,
        },
    )
    .into_iter()
    .map(Node::start)
    .collect()
}

/// Final heights of `nodes` (`None` for one that does not answer).
async fn final_heights(nodes: &[&Node]) -> Vec<Option<u64>> {
    let mut out = Vec::new();
    for node in nodes {
        out.push(node.final_height().await);
    }
    out
}

/// Whether every node of `nodes` is final at `min` or above.
async fn all_final_at(nodes: &[&Node], min: u64) -> bool {
    final_heights(nodes)
        .await
        .iter()
        .all(|h| h.is_some_and(|h| h >= min))
}

/// The configured masternodes, sorted: the proposer of `(height, round)` is
/// the one at `(height + round) mod n`.
fn sorted_ids(nodes: &[Node]) -> Vec<String> {
    let mut ids: Vec<String> = nodes.iter().map(|n| n.spec.node_id.to_string()).collect();
    ids.sort();
    ids
}

fn proposer(ids: &[String], height: u64, round: u64) -> &str {
    &ids[((height + round) % ids.len() as u64) as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_final_block_is_its_rounds_proposal_one_interval_after_its_parent() {
    let nodes = fleet(4, 3, "200ms");
    let all: Vec<&Node> = nodes.iter().collect();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    assert!(
        within(WITHIN, || all_final_at(&all, 12)).await.is_some(),
        "final heights {:?}",
        final_heights(&all).await
    );
    let ids = sorted_ids(&nodes);
    let mut previous: Option<Value> = None;
    for height in 1..=12u64 {
        let block: Value = nodes[0]
            .get(&format!("/blocks/{height}"))
            .await
            .expect("a final block");
        let round = block["round"].as_u64().expect("round");
        assert_eq!(
            block["producer"].as_str(),
            Some(proposer(&ids, height, round)),
            "block {height} is not its round's proposal: {block}"
        );
        if let Some(parent) = &previous {
            let gap = block["timestamp_ms"].as_u64().expect("time")
                - parent["timestamp_ms"].as_u64().expect("time");
            assert!(
                gap >= 200,
                "block {height} made {gap} ms after its parent, within the 200 ms interval"
            );
        }
        // The chain holds final blocks only: every node serves the same one.
        for node in &nodes[1..] {
            let theirs: Value = node
                .get(&format!("/blocks/{height}"))
                .await
                .expect("a final block");
            assert_eq!(theirs, block, "nodes differ at final height {height}");
        }
        previous = Some(block);
    }
    for node in &nodes {
        let info = node.consensus().await.expect("consensus_info");
        assert!(
            info.final_height.is_some_and(|f| f >= info.block_height),
            "a tip above the final height: {info:?}"
        );
        let log = node.log();
        assert!(log.contains("Starting new block round"), "no round line");
        assert!(log.contains("Produced block at height"), "never proposed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_masternode_of_four_down_blocks_keep_coming() {
    let mut nodes = fleet(4, 3, "300ms");
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    {
        let all: Vec<&Node> = nodes.iter().collect();
        assert!(within(WITHIN, || all_final_at(&all, 3)).await.is_some());
    }
    nodes[3].stop(Signal::SIGKILL);
    let down = nodes[3].spec.node_id.to_string();
    let ids = sorted_ids(&nodes);
    let live: Vec<&Node> = nodes[..3].iter().collect();
    let from = nodes[0].final_height().await.expect("final height");
    let started = tokio::time::Instant::now();
    assert!(
        within(WITHIN, || all_final_at(&live, from + 12))
            .await
            .is_some(),
        "stalled with one of four down: {:?}",
        final_heights(&live).await
    );
    // A figure, not a bound: a loaded box makes it longer.
    println!(
        "12 blocks at a 300 ms interval with one of four down took {:?}",
        started.elapsed()
    );
    let mut taken_over = 0;
    for height in from + 2..=from + 12 {
        let block: Value = nodes[0]
            .get(&format!("/blocks/{height}"))
            .await
            .expect("a final block");
        assert_ne!(block["producer"].as_str(), Some(down.as_str()));
        if proposer(&ids, height, 0) == down {
            taken_over += 1;
            assert!(
                block["round"].as_u64() > Some(0),
                "the dead node's turn at {height} was not passed on: {block}"
            );
        }
    }
    assert!(
        taken_over >= 2,
        "the dead node's turn came {taken_over} times"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn below_a_quorum_nothing_is_final_and_the_line_names_the_quorum() {
    // `min_masternodes` asks for 2, but 3 of 4 sign a certificate.
    let mut nodes = fleet(4, 2, "200ms");
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    {
        let all: Vec<&Node> = nodes.iter().collect();
        assert!(within(WITHIN, || all_final_at(&all, 3)).await.is_some());
    }
    nodes[2].stop(Signal::SIGTERM);
    nodes[3].stop(Signal::SIGTERM);
    let line = "Skipping block production: only 2 masternodes active (minimum 3 required)";
    let skips = |n: &Node| n.log().matches(line).count();
    assert!(
        within(WITHIN, || async {
            skips(&nodes[0]) >= 1 && skips(&nodes[1]) >= 1
        })
        .await
        .is_some(),
        "no skip line naming the quorum:\n{}",
        nodes[0].log()
    );
    let stalled = final_heights(&[&nodes[0], &nodes[1]]).await;
    let seen = skips(&nodes[0]);
    assert!(
        within(WITHIN, || async { skips(&nodes[0]) >= seen + 3 })
            .await
            .is_some(),
        "rounds stopped being tried"
    );
    assert_eq!(
        final_heights(&[&nodes[0], &nodes[1]]).await,
        stalled,
        "a block became final without a quorum"
    );
    // One back makes a quorum again.
    nodes[2].restart();
    let top = stalled.iter().flatten().max().copied().unwrap_or(0);
    let three: Vec<&Node> = nodes[..3].iter().collect();
    assert!(
        within(WITHIN, || all_final_at(&three, top + 2))
            .await
            .is_some(),
        "{:?}",
        final_heights(&three).await
    );
}
