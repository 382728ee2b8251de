//! Three stranger links flood one masternode with tiny frames (statuses,
//! pings, and votes signed by no masternode) as fast as it reads them. Tried
//! before, the flood made the masternode drop the honest blocks and votes
//! behind the strangers' messages. Masternode traffic travels in capacity
//! strangers cannot take: while flooded, the masternode's final height keeps
//! pace with the others' and its final blocks are theirs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use testkit::wait::within;
use timecoin_consensus::{DefinitionHash, Height, Round, ValidatorId, ValueId, Vote, VoteKind};
use timecoin_shared::wire::NodeId;
use timed::testing::chain::Block;
use timed::testing::wire::{ConsensusMessage, Message};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::adversary::liar::{Linked, id_of, outsider};
use crate::adversary::{fleet, target};
use crate::support::{Node, wait_for_mesh};

/// Generous bound for anything that takes a few block intervals on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// How long the flood lasts.
const FLOOD: Duration = Duration::from_secs(15);

/// How far (in 1 s blocks) the flooded node's final height may trail the
/// lowest of the others at any sample: one height in flight on each side.
const MAX_TRAIL: u64 = 2;

/// Stranger links flooding.
const FLOODERS: usize = 3;

/// Frames queued at once before waiting for the socket to take them.
const BURST: usize = 256;

/// The tiny frames a flooder repeats: a status, a ping, and two prevotes
/// for a height being decided that its own key signs, one as itself and one
/// claiming to be `masternode` (whose signature then fails).
fn frames(n: u64, height: u64, masternode: NodeId) -> Vec<Message> {
    let key = outsider();
    let vote = |validator| {
        let vote = Vote {
            kind: VoteKind::Prevote,
            height: Height(height),
            round: Round(0),
            value: Some(ValueId([7; 32])),
            validator,
        }
        .sign(&key, &DefinitionHash([0; 32]));
        Message::from(ConsensusMessage::Vote { vote })
    };
    vec![
        Message::Status { best_height: n },
        Message::Ping { nonce: n },
        vote(ValidatorId(id_of(&key).0)),
        vote(ValidatorId(masternode.0)),
    ]
}

/// Links a stranger to `node` that sends tiny frames as fast as the node
/// reads them until `stop`.
async fn flooder(
    node: &Node,
    height: u64,
    masternode: NodeId,
    stop: Arc<AtomicBool>,
) -> JoinHandle<u64> {
    let linked = Linked::connect(&target(node), &outsider()).await;
    tokio::spawn(async move {
        let mut sent = 0u64;
        let frames: Vec<Vec<u8>> = (0..4)
            .flat_map(|h| frames(h, height + h, masternode))
            .map(|m| serde_json::to_vec(&m).expect("a message encodes"))
            .collect();
        while !stop.load(Ordering::Relaxed) {
            for frame in frames.iter().cycle().take(BURST - 1) {
                linked.say_raw(frame.clone());
            }
            if !linked.say_raw_written(frames[0].clone()).await {
                break;
            }
            sent += BURST as u64;
        }
        sent
    })
}

/// The final heights of `nodes`; `None` for one that does not answer.
async fn final_heights(nodes: &[Node]) -> Vec<Option<u64>> {
    let mut out = Vec::new();
    for node in nodes {
        out.push(node.final_height().await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_over_stranger_links_never_makes_a_masternode_miss_honest_blocks() {
    let nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    let finalizing = || async { nodes[0].final_height().await.filter(|f| *f >= 2) };
    let start = within(WITHIN, finalizing).await.expect("finality");
    let stop = Arc::new(AtomicBool::new(false));
    let mut flooders = Vec::new();
    for _ in 0..FLOODERS {
        flooders.push(flooder(&nodes[0], start, nodes[1].spec.node_id, stop.clone()).await);
    }
    let began = Instant::now();
    let mut trail = Vec::new();
    let mut first = None;
    // Samples: a record of the flood, not a wait for anything.
    let mut samples = tokio::time::interval(Duration::from_millis(500));
    while began.elapsed() < FLOOD {
        samples.tick().await;
        let heights = final_heights(&nodes).await;
        let flooded = heights[0].unwrap_or(0);
        let others = heights[1..]
            .iter()
            .map(|h| h.unwrap_or(0))
            .min()
            .unwrap_or(0);
        first.get_or_insert((flooded, others));
        trail.push((began.elapsed().as_millis(), flooded, others));
    }
    stop.store(true, Ordering::Relaxed);
    let mut sent = 0;
    for flooder in flooders {
        sent += flooder.await.unwrap_or(0);
    }
    let last = trail.last().copied().unwrap_or_default();
    eprintln!("{sent} flood frames written; (ms, flooded final, others' lowest final): {trail:?}");
    let dropped = nodes[0]
        .get_raw("/metrics")
        .await
        .map(|(_, t)| t)
        .unwrap_or_default();
    let dropped: Vec<&str> = dropped
        .lines()
        .filter(|l| l.starts_with("timed_dropped_total"))
        .collect();
    eprintln!("{dropped:?}");
    let behind: Vec<_> = trail
        .iter()
        .filter(|(_, flooded, others)| flooded + MAX_TRAIL < *others)
        .collect();
    assert!(
        behind.is_empty(),
        "the flooded masternode trailed by more than {MAX_TRAIL} at {behind:?}:\n{}",
        nodes[0].log()
    );
    let (first_flooded, first_others) = first.unwrap_or_default();
    assert!(
        last.2 > first_others + 5,
        "the fleet did not finalize during the flood: {trail:?}"
    );
    assert!(
        last.1 >= first_flooded + (last.2 - first_others).saturating_sub(MAX_TRAIL),
        "the flooded masternode gained less than the others: {trail:?}"
    );
    // Its final blocks are the others'.
    for height in 1..=last.1.min(last.2) {
        let path = format!("/blocks/{height}");
        let ours: Option<Block> = nodes[0].get(&path).await;
        let theirs: Option<Block> = nodes[1].get(&path).await;
        assert_eq!(
            ours.map(|b| b.hash()),
            theirs.map(|b| b.hash()),
            "final block {height} differs"
        );
    }
}
