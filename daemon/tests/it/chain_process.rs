//! The chain on real `timed` processes on loopback: production at one block per
//! interval and agreement in a four-node fleet, transactions finalized everywhere, a fresh node syncing the
//! whole chain, the quorum gate with nodes stopped and back, and SIGKILL in a loop
//! during production never lowering the height or corrupting the store.

use std::time::Duration;

use nix::sys::signal::Signal;
use serde_json::{Value, json};
use testkit::wait::within;

use crate::support::{
    NetworkDef, Node, NodeSpec, common_final_height, network_specs, wait_for_mesh,
};

/// Block interval of the fleets here: short, so a test sees many blocks quickly.
const INTERVAL: &str = "1s";
/// Generous bound for anything that takes a few block intervals, on a busy CI box.
const WITHIN: Duration = Duration::from_secs(60);

fn chain_specs(n: usize) -> Vec<NodeSpec> {
    network_specs(
        n,
        NetworkDef {
            min_masternodes: 3,
            block_interval: INTERVAL,
        },
    )
}

async fn height(node: &Node) -> Option<u64> {
    node.consensus().await.map(|c| c.block_height)
}

async fn heights(nodes: &[&Node]) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    for node in nodes {
        out.push(height(node).await?);
    }
    Some(out)
}

/// Heights all at least `min` and within one block of each other.
async fn agree_at_least(nodes: &[&Node], min: u64) -> bool {
    match heights(nodes).await {
        Some(h) => {
            let (lo, hi) = (
                h.iter().min().copied().unwrap_or(0),
                h.iter().max().copied().unwrap_or(0),
            );
            lo >= min && hi - lo <= 1
        }
        None => false,
    }
}

/// Every node holds the very same block at every height final on all of them.
async fn same_final_blocks(nodes: &[&Node]) -> Result<u64, String> {
    let final_height = common_final_height(nodes)
        .await
        .ok_or("a node does not answer")?;
    for height in 1..=final_height {
        let mut first: Option<Value> = None;
        for (i, node) in nodes.iter().enumerate() {
            let block: Value = node
                .get(&format!("/blocks/{height}"))
                .await
                .ok_or(format!("node {i} has no block {height}"))?;
            match &first {
                None => first = Some(block),
                Some(b) if *b == block => {}
                Some(_) => {
                    return Err(format!(
                        "node {i} holds another block at final height {height}"
                    ));
                }
            }
        }
    }
    Ok(final_height)
}

/// The first height a (re)started node reports, once its RPC answers.
async fn first_height(node: &Node) -> Option<u64> {
    let deadline = tokio::time::Instant::now() + WITHIN;
    while tokio::time::Instant::now() < deadline {
        if let Some(h) = height(node).await {
            return Some(h);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

async fn post_tx(node: &Node, body: String) -> (u16, Value) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let resp = client
        .post(format!("http://{}/tx", node.spec.rpc))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("POST /tx");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON answer"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_produces_agrees_finalizes_transactions_and_a_fresh_node_syncs() {
    let nodes: Vec<Node> = chain_specs(4).into_iter().map(Node::start).collect();
    let all: Vec<&Node> = nodes.iter().collect();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");

    // (1) Heights rise on every node and agree within one block.
    assert!(
        within(WITHIN, || agree_at_least(&all, 9)).await.is_some(),
        "heights {:?}",
        heights(&all).await
    );
    let final_height = same_final_blocks(&all).await.expect("same final blocks");
    assert!(final_height >= 2, "final height {final_height}");

    // Rounds honour the interval: eight more blocks take about eight intervals,
    // never about four (each node's own timer used to start a round as soon as a
    // block arrived, so a fleet made two blocks per interval). A slow machine only
    // makes this longer.
    let from = height(&nodes[0]).await.expect("height");
    let started = tokio::time::Instant::now();
    assert!(
        within(WITHIN, || agree_at_least(&all, from + 8))
            .await
            .is_some()
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(6_500),
        "8 blocks at a 1 s interval in {took:?}"
    );
    for node in &nodes {
        let log = node.log();
        assert!(log.contains("Starting new block round"), "no round logged");
        assert!(
            log.contains("Produced block at height") || log.contains("Accepted block at height")
        );
        assert!(
            !log.contains("Rejected block"),
            "a good fleet rejected a block:\n{log}"
        );
    }

    // (4) A transaction posted to one node is finalized on all four; posting it
    // again changes nothing.
    let tx =
        json!({"from": "alice", "to": "bob", "amount": 7, "nonce": fastrand::u64(..)}).to_string();
    let (status, receipt) = post_tx(&nodes[0], tx.clone()).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["status"], "pending");
    let finalized_everywhere = || async {
        for node in &nodes {
            match node.consensus().await {
                Some(c) if c.finalized_transactions == 1 && c.pending_transactions == 0 => {}
                _ => return false,
            }
        }
        true
    };
    assert!(
        within(WITHIN, finalized_everywhere).await.is_some(),
        "tx not finalized everywhere"
    );
    let (status, again) = post_tx(&nodes[2], tx).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["id"].clone(), again["status"].clone()),
        (receipt["id"].clone(), json!("final"))
    );
    let h = height(&nodes[0]).await.expect("height");
    assert!(
        within(WITHIN, || agree_at_least(&all, h + 2))
            .await
            .is_some()
    );
    assert!(
        finalized_everywhere().await,
        "resubmitting changed the counts"
    );

    // Bad bodies get a JSON 4xx.
    let (status, err) = post_tx(&nodes[1], "[1,2,3]".into()).await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["error"].as_str().is_some_and(|e| e.contains("object")),
        "{err}"
    );
    let (status, err) = post_tx(&nodes[1], json!({"pad": "x".repeat(100_000)}).to_string()).await;
    assert_eq!(status, 413, "{err}");
    let (status, err) = post_tx(&nodes[1], "{not json".into()).await;
    assert_eq!(status, 400, "{err}");
    let (status, body) = nodes[1].get_raw("/blocks/abc").await.expect("answer");
    assert_eq!(status, 400, "{body}");
    let (status, metrics) = nodes[1].get_raw("/metrics").await.expect("metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("timed_block_height ")
            && metrics.contains("timed_duplicates_rejected_total "),
        "{metrics}"
    );

    // (5) A fresh node with an empty data dir, not one of the network's
    // masternodes, syncs the whole chain.
    let mut spec = NodeSpec::joining(&nodes[0].spec);
    spec.peers = nodes.iter().map(|n| n.spec.p2p).collect();
    let fresh = Node::start(spec);
    let target = height(&nodes[0]).await.expect("height");
    let mut with_fresh = all.clone();
    with_fresh.push(&fresh);
    assert!(
        within(WITHIN, || agree_at_least(&with_fresh, target))
            .await
            .is_some(),
        "fresh node did not catch up: {:?}",
        heights(&with_fresh).await
    );
    same_final_blocks(&with_fresh)
        .await
        .expect("fresh node holds the same chain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quorum_gate_and_sigkill_never_lower_the_height() {
    let mut nodes: Vec<Node> = chain_specs(4).into_iter().map(Node::start).collect();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    {
        let all: Vec<&Node> = nodes.iter().collect();
        assert!(within(WITHIN, || agree_at_least(&all, 3)).await.is_some());
    }

    // (2) Two of four stopped: the others skip with the contract line and stop producing.
    nodes[2].stop(Signal::SIGTERM);
    nodes[3].stop(Signal::SIGTERM);
    let skip_line = "Skipping block production: only 2 masternodes active (minimum 3 required)";
    let skips = |n: &Node| n.log().matches(skip_line).count();
    assert!(
        within(WITHIN, || async {
            skips(&nodes[0]) >= 1 && skips(&nodes[1]) >= 1
        })
        .await
        .is_some()
    );
    let stalled = heights(&[&nodes[0], &nodes[1]]).await.expect("heights");
    let seen = skips(&nodes[0]);
    assert!(
        within(WITHIN, || async { skips(&nodes[0]) >= seen + 3 })
            .await
            .is_some()
    );
    assert_eq!(
        heights(&[&nodes[0], &nodes[1]]).await.expect("heights"),
        stalled,
        "produced without quorum"
    );

    // Back: production resumes and the returning nodes catch up.
    nodes[2].restart();
    nodes[3].restart();
    let top = stalled.iter().max().copied().unwrap_or(0);
    {
        let all: Vec<&Node> = nodes.iter().collect();
        assert!(
            within(WITHIN, || agree_at_least(&all, top + 2))
                .await
                .is_some(),
            "{:?}",
            heights(&all).await
        );
    }

    // (3) SIGKILL in a loop during production: never a lower height after restart,
    // the store always opens, and the node is back in sync at the end.
    for round in 0..20 {
        let before = height(&nodes[3]).await.unwrap_or(0);
        nodes[3].stop(Signal::SIGKILL);
        nodes[3].restart();
        let after = first_height(&nodes[3]).await.unwrap_or_else(|| {
            panic!("round {round}: node did not come back:\n{}", nodes[3].log())
        });
        assert!(
            after >= before,
            "round {round}: height {after} after restart, {before} before the kill"
        );
        // Part of the scenario, not synchronisation: kills land at varied points
        // of a round (mid-sync, mid-commit, idle).
        tokio::time::sleep(Duration::from_millis(fastrand::u64(0..800))).await;
    }
    let all: Vec<&Node> = nodes.iter().collect();
    let top = heights(&all[..3])
        .await
        .expect("heights")
        .into_iter()
        .max()
        .unwrap_or(0);
    assert!(
        within(WITHIN, || agree_at_least(&all, top + 1))
            .await
            .is_some(),
        "{:?}",
        heights(&all).await
    );
    same_final_blocks(&all)
        .await
        .expect("same final blocks after the kills");
    assert!(
        !nodes[3].log().contains("chain store"),
        "store error:\n{}",
        nodes[3].log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_chain_store_is_refused_by_name() {
    let mut node = Node::start(NodeSpec::new());
    assert!(
        first_height(&node).await.is_some(),
        "node did not start:\n{}",
        node.log()
    );
    node.stop(Signal::SIGTERM);
    let store = node.data_dir().join("chain.redb");
    assert!(store.exists(), "the chain store lives in the data dir");
    std::fs::write(&store, b"not a chain store\n".repeat(512)).expect("overwrite store");
    node.restart();
    let named = || async {
        node.log()
            .contains(&format!("chain store {}", store.display()))
    };
    assert!(
        within(WITHIN, named).await.is_some(),
        "no error naming the store:\n{}",
        node.log()
    );
    assert!(
        height(&node).await.is_none(),
        "the node must not serve on a corrupt store"
    );
}
