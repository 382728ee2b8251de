//! A stranger linked to every node announces a height of 2^64-1, answers each
//! request for blocks with an empty batch and announces the height again on
//! every status it hears. Production must go on at the block interval.

use std::time::Duration;

use testkit::wait::within;
use timed::testing::wire::Message;
use tokio::task::JoinHandle;

use crate::adversary::liar::{Linked, outsider};
use crate::adversary::{fleet, heights, target};
use crate::support::{Node, wait_for_mesh};

/// Generous bound for the fleet to mesh and produce on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// How long production is watched with the liars linked.
const WATCH: Duration = Duration::from_secs(12);

/// Blocks every node must gain while watched: a third of the intervals (1 s).
const MIN_GROWTH: u64 = 4;

/// Links a liar to `node` that claims the highest height there is and never
/// delivers a block, however it is asked.
async fn liar(node: &Node) -> JoinHandle<()> {
    let mut linked = Linked::connect(&target(node), &outsider()).await;
    let claim = Message::Status {
        best_height: u64::MAX,
    };
    linked.say(claim.clone());
    tokio::spawn(async move {
        while !linked.is_closed() {
            match linked.hear(Duration::from_millis(200)).await {
                Some(Message::GetBlocks { .. }) => {
                    linked.say(Message::Blocks { blocks: vec![] });
                    linked.say(claim.clone());
                }
                Some(Message::Status { .. }) => linked.say(claim.clone()),
                _ => {}
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_never_stops_under_false_announced_heights() {
    let nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    let producing = || async {
        heights(&nodes)
            .await
            .into_iter()
            .all(|h| h.is_some_and(|h| h >= 2))
    };
    assert!(within(WITHIN, producing).await.is_some(), "no production");
    let mut liars = Vec::new();
    for node in &nodes {
        liars.push(liar(node).await);
    }
    let before = heights(&nodes).await;
    let grown = || async {
        let now = heights(&nodes).await;
        let all = before
            .iter()
            .zip(&now)
            .all(|(b, n)| n.unwrap_or(0).saturating_sub(b.unwrap_or(0)) >= MIN_GROWTH);
        all.then_some(now)
    };
    let outcome = within(WATCH, grown).await;
    for liar in &liars {
        liar.abort();
    }
    let after = heights(&nodes).await;
    assert!(
        outcome.is_some(),
        "not every node grew {MIN_GROWTH} blocks in {WATCH:?} under false heights \
         ({before:?} -> {after:?}):\n{}",
        nodes[0].log()
    );
}

/// Longest a restarted node may take to catch up with the fleet's final
/// height, liars linked or not: a few block intervals of 1 s.
const CATCH_UP: Duration = Duration::from_secs(15);

/// Final blocks the fleet makes while one node is down.
const MISSED: u64 = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_behind_catches_up_while_liars_claim_the_highest_height() {
    let mut nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    let finalizing = || async { nodes[0].final_height().await.filter(|f| *f >= 2) };
    let stopped_at = within(WITHIN, finalizing).await.expect("finality");
    nodes[3].stop(nix::sys::signal::Signal::SIGTERM);
    let ahead = || async {
        nodes[0]
            .final_height()
            .await
            .filter(|f| *f >= stopped_at + MISSED)
    };
    let target = within(WITHIN, ahead).await.expect("the others finalize");
    nodes[3].restart();
    let answering = || async { nodes[3].final_height().await };
    within(WITHIN, answering)
        .await
        .expect("the restarted node answers");
    // Liars first: they are linked before the masternodes' links are back.
    let mut liars = Vec::new();
    for _ in 0..3 {
        liars.push(liar(&nodes[3]).await);
    }
    let caught_up = || async { nodes[3].final_height().await.filter(|f| *f >= target) };
    let outcome = within(CATCH_UP, caught_up).await;
    for liar in &liars {
        liar.abort();
    }
    assert!(
        outcome.is_some(),
        "the restarted node stayed at final height {:?} (the fleet's was {target} when it \
         restarted) with liars linked:\n{}",
        nodes[3].final_height().await,
        nodes[3].log()
    );
}
