//! One masternode's key holder signs two different prevotes for one height and
//! round and sends both to a node, over a stranger's link (a vote counts by its
//! signature, whoever relays it): the node keeps that as evidence, logs the
//! contract line naming the masternode and counts it in `/metrics`, and the
//! chain goes on being finalized (`/consensus_info` says how far, and the
//! round).

use std::time::Duration;

use testkit::wait::within;
use timecoin_consensus::ValidatorId;
use timed::Identity;
use timed::testing::Definition;
use timed::testing::wire::conflicting_prevotes;

use crate::adversary::liar::{Linked, outsider};
use crate::adversary::{fleet, target};
use crate::support::wait_for_mesh;

/// Generous bound for anything that takes a few block intervals on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_votes_from_one_masternode_are_kept_logged_and_counted() {
    let nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    let finalizing = || async { nodes[0].final_height().await.filter(|f| *f >= 2) };
    let start = within(WITHIN, finalizing).await.expect("finality");
    let definition = Definition::load(&nodes[0].spec.network_file).expect("network file");
    let key = Identity::load_or_create(&nodes[1].data_dir()).expect("masternode key");
    let offender = ValidatorId(key.node_id().0);
    let linked = Linked::connect(&target(&nodes[0]), &outsider()).await;
    // The height being decided and the next (kept until the node gets there),
    // so the lie lands whichever the node is on when it arrives.
    for height in start + 1..=start + 2 {
        for vote in conflicting_prevotes(&key, &definition, height).expect("masternodes") {
            linked.say(vote);
        }
    }
    let counted = || async {
        nodes[0]
            .metric("timed_equivocations_total")
            .await
            .is_some_and(|n| n >= 1.0)
    };
    assert!(
        within(WITHIN, counted).await.is_some(),
        "no equivocation counted:\n{}",
        nodes[0].log()
    );
    let line = format!("Masternode {offender} equivocated at height");
    assert!(nodes[0].log().contains(&line), "no line {line:?}");
    let going_on = || async { nodes[0].final_height().await.filter(|f| *f >= start + 4) };
    assert!(
        within(WITHIN, going_on).await.is_some(),
        "finality stopped:\n{}",
        nodes[0].log()
    );
    // Operators read the same from /consensus_info.
    let info = nodes[0].consensus().await.expect("consensus_info");
    assert!(info.final_height >= Some(start + 4), "{info:?}");
    assert!(info.consensus_round.is_some(), "{info:?}");
}
