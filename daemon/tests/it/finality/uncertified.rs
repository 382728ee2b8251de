//! One masternode's key is enough to sign a long branch of blocks that pass
//! every block check: its holder picks, at each height, a round it leads. Pushed
//! to a node with an empty data dir, that branch rewrote its history for good
//! while "final" meant "six blocks deep". Final now needs a quorum's
//! certificate, which one key cannot make, and a node holds final blocks
//! only: it takes none of the branch, and restarted with the masternodes as
//! its peers, it syncs the certified chain they all hold.

use std::time::Duration;

use serde_json::json;
use testkit::wait::within;
use timed::Identity;
use timed::testing::Definition;
use timed::testing::chain::{Block, Certified, Hash32, Schedule, Tx, unix_millis};
use timed::testing::wire::Message;

use crate::adversary::liar::Linked;
use crate::adversary::target;
use crate::support::{NetworkDef, Node, NodeSpec, network_specs};
use nix::sys::signal::Signal;

/// Bound for a node to start and take a batch, or a fleet to finalize a few
/// blocks, on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// Blocks in the private branch (as in the attack that was tried).
const BRANCH: u64 = 15;

/// `BRANCH` blocks from genesis, each in a round `key`'s holder leads.
fn private_branch(def: &Definition, key: &Identity) -> Vec<Block> {
    let schedule = Schedule::new(def.masternodes.clone(), def.genesis_ms);
    let interval = u64::try_from(def.block_interval.as_millis()).expect("an interval");
    let mut branch: Vec<Block> = Vec::new();
    for height in 1..=BRANCH {
        let round = (0..)
            .find(|r| schedule.proposer(height, *r) == Some(key.node_id()))
            .expect("a masternode leads some round");
        let parent = branch.last();
        let base = parent.map_or(def.genesis_ms, |p| p.timestamp_ms);
        let stamp = base + (u64::from(round) + 1) * interval + 1;
        branch.push(Block::sign(
            key.signing_key(),
            height,
            parent.map_or(Hash32::ZERO, Block::hash),
            stamp,
            round,
            // Its own transactions: the honest chain never holds these blocks.
            vec![Tx::from_value(&json!({"forged": height})).expect("a transaction")],
        ));
    }
    branch
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uncertified_branch_signed_by_one_masternode_is_never_final() {
    let def = NetworkDef {
        min_masternodes: 3,
        block_interval: "100ms",
    };
    let specs = network_specs(4, def);
    let attacker = Identity::load_or_create(&specs[0].data_dir()).expect("masternode key");
    let joining = NodeSpec::joining(&specs[0]);
    let addrs: Vec<_> = specs.iter().map(|s| s.p2p).collect();
    // The masternodes (the attacker's among them, run honestly) make a chain
    // final past the branch's length.
    let fleet: Vec<Node> = specs.into_iter().map(Node::start).collect();
    let finalized = || async { fleet[1].final_height().await.filter(|f| *f > BRANCH) };
    let fleet_final = within(WITHIN, finalized)
        .await
        .expect("the fleet finalizes");
    // A node on an empty data dir, linked to nobody but the attacker.
    let mut fresh = Node::start(joining);
    let definition = Definition::load(&fresh.spec.network_file).expect("network file");
    let branch = private_branch(&definition, &attacker);
    let last_stamp = branch.last().map_or(0, |b| b.timestamp_ms);
    // No block may be stamped ahead of the node's clock.
    assert!(
        within(WITHIN, || async { unix_millis() > last_stamp })
            .await
            .is_some()
    );
    let mut linked = Linked::connect(&target(&fresh), attacker.signing_key()).await;
    linked.say(Message::Blocks {
        blocks: branch.iter().cloned().map(Certified::from).collect(),
    });
    // Messages from one link are handled in order: the answer to this comes
    // after the branch was looked at.
    linked.say(Message::GetBlocks { from: 1, limit: 64 });
    let deadline = tokio::time::Instant::now() + WITHIN;
    let answer = loop {
        assert!(tokio::time::Instant::now() < deadline, "no answer");
        if let Some(Message::Blocks { blocks }) = linked.hear(Duration::from_secs(1)).await {
            break blocks;
        }
    };
    assert!(
        answer.is_empty(),
        "the node took blocks without a certificate:\n{}",
        fresh.log()
    );
    assert_eq!(
        fresh.consensus().await.map(|c| c.block_height),
        Some(0),
        "the node holds blocks without a certificate"
    );
    assert_eq!(
        fresh.final_height().await,
        Some(0),
        "blocks signed by one masternode became final:\n{}",
        fresh.log()
    );
    assert_eq!(
        fresh.consensus().await.map(|c| c.finalized_transactions),
        Some(0)
    );
    drop(linked);

    // Restarted with the masternodes as peers, it takes their certified chain.
    fresh.stop(Signal::SIGTERM);
    fresh.spec.peers = addrs;
    fresh.restart();
    let past_branch = || async {
        fresh
            .final_height()
            .await
            .filter(|f| *f >= fleet_final)
            .is_some()
    };
    assert!(
        within(WITHIN, past_branch).await.is_some(),
        "the node did not finalize the masternodes' chain:\n{}",
        fresh.log()
    );
    let first: Option<serde_json::Value> = fresh.get("/blocks/1").await;
    assert_eq!(first, fleet[1].get("/blocks/1").await);
    assert_ne!(
        first,
        serde_json::to_value(&branch[0]).ok(),
        "the forged block stayed"
    );
}
