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
