//! One masternode's key is enough to sign a long branch of blocks that pass
//! every block check: its holder picks, at each height, a round it leads. Pushed
//! to a node with an empty data dir, that branch rewrote its history for good
//! while "final" meant "six blocks deep". Final now needs a quorum's
//! certificate, which one key cannot make.

use std::time::Duration;

use testkit::wait::within;
use timecoin_shared::wire::Message;
use timed::Identity;
use timed::testing::Definition;
use timed::testing::chain::{Block, Hash32, Schedule, unix_millis};

use crate::adversary::liar::Linked;
use crate::adversary::target;
use crate::support::{NetworkDef, Node, NodeSpec, network_specs};

/// Bound for a lone node to start and take a batch on a busy box.
const WITHIN: Duration = Duration::from_secs(30);

/// Blocks in the private branch (as in the attack that was tried).
const BRANCH: u64 = 15;

/// A gauge from the node's `/metrics`.
async fn gauge(node: &Node, name: &str) -> Option<f64> {
    let (_, text) = node.get_raw("/metrics").await?;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// `BRANCH` blocks from genesis, each in a round `key`'s holder leads.
fn private_branch(def: &Definition, key: &Identity) -> Vec<Block> {
    let schedule = Schedule::new(def.masternodes.clone(), def.block_interval, def.genesis_ms);
    let interval = schedule.interval_ms;
    let mut branch: Vec<Block> = Vec::new();
    for height in 1..=BRANCH {
        let round = (0..)
            .find(|r| schedule.leader(height, *r) == Some(key.node_id()))
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
            vec![],
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
    let fresh = Node::start(NodeSpec::joining(&specs[0]));
    let definition = Definition::load(&fresh.spec.network_file).expect("network file");
    let branch = private_branch(&definition, &attacker);
    let last_stamp = branch.last().map_or(0, |b| b.timestamp_ms);
    // No block may be stamped ahead of the node's clock.
    assert!(
        within(WITHIN, || async { unix_millis() > last_stamp })
            .await
            .is_some()
    );
    let linked = Linked::connect(&target(&fresh), attacker.signing_key()).await;
    linked.say(Message::Blocks {
        blocks: branch.iter().map(Block::to_value).collect(),
    });
    let held = || async {
        fresh
            .consensus()
            .await
            .is_some_and(|c| c.block_height == BRANCH)
    };
    assert!(
        within(WITHIN, held).await.is_some(),
        "the node did not take the branch as blocks:\n{}",
        fresh.log()
    );
    assert_eq!(
        gauge(&fresh, "timed_final_height").await,
        Some(0.0),
        "blocks signed by one masternode became final:\n{}",
        fresh.log()
    );
    assert_eq!(
        fresh.consensus().await.map(|c| c.finalized_transactions),
        Some(0)
    );
}
