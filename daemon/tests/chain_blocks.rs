//! How one node treats blocks from peers: a valid block is appended and relayed
//! once; a bad block (wrong leader, broken signature, unknown parent) is refused
//! and never relayed; a node far behind syncs in batches up to the announced tip.
//!
//! The peers are keys this test holds, driven by hand through a recording stand-in
//! for the P2P layer, so every message the node sends can be inspected.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use ed25519_dalek::SigningKey;
use serde_json::json;
use timecoin_shared::wire::{Message, NodeId};
use timed::chain::limits::{FINALITY_DEPTH, SYNC_BATCH_BLOCKS};
use timed::chain::{Block, Chain, ChainConfig, Gossip, Hash32, Store, schedule};

#[derive(Default)]
struct Recorder {
    active: Vec<NodeId>,
    sent: Mutex<Vec<(Option<NodeId>, Message)>>,
}

impl Gossip for Recorder {
    fn broadcast(&self, msg: Message) {
        self.sent.lock().expect("sent").push((None, msg));
    }
    fn send_to(&self, peer: &NodeId, msg: Message) -> bool {
        self.sent.lock().expect("sent").push((Some(*peer), msg));
        true
    }
    fn active_masternodes(&self) -> Vec<NodeId> {
        self.active.clone()
    }
    fn set_best_height(&self, _height: u64) {}
}

impl Recorder {
    fn take(&self) -> Vec<(Option<NodeId>, Message)> {
        std::mem::take(&mut *self.sent.lock().expect("sent"))
    }
}

struct Fleet {
    keys: Vec<SigningKey>,
    ids: Vec<NodeId>,
}

impl Fleet {
    fn new() -> Fleet {
        let mut keys: Vec<SigningKey> = (1..=3u8)
            .map(|b| SigningKey::from_bytes(&[b; 32]))
            .collect();
        keys.sort_by_key(|k| k.verifying_key().to_bytes());
        let ids = keys
            .iter()
            .map(|k| NodeId(k.verifying_key().to_bytes()))
            .collect();
        Fleet { keys, ids }
    }

    fn key_of(&self, id: NodeId) -> &SigningKey {
        &self.keys[self.ids.iter().position(|i| *i == id).expect("member")]
    }

    /// The block the scheduled leader of round 0 would make on top of `parent`.
    fn next(&self, parent: Option<&Block>) -> Block {
        let height = parent.map_or(1, |p| p.height + 1);
        let leader = schedule::leader(height, 0, &self.ids).expect("leader");
        let parent_hash = parent.map_or(Hash32::ZERO, Block::hash);
        Block::sign(
            self.key_of(leader),
            height,
            parent_hash,
            height * 1_000,
            0,
            self.ids.clone(),
            vec![json!({"h": height})],
        )
    }

    fn chain(&self, len: usize) -> Vec<Block> {
        let mut blocks: Vec<Block> = Vec::with_capacity(len);
        for _ in 0..len {
            let next = self.next(blocks.last());
            blocks.push(next);
        }
        blocks
    }

    /// A node of this fleet that holds the first key (and so leads some rounds).
    fn node(&self) -> (Chain, Arc<Recorder>) {
        let recorder = Arc::new(Recorder {
            active: self.ids.clone(),
            ..Recorder::default()
        });
        let config = ChainConfig {
            min_masternodes: 3,
            masternode: true,
        };
        let store = Store::in_memory("devnet").expect("store");
        let chain =
            Chain::new(self.keys[0].clone(), config, store, recorder.clone()).expect("chain");
        (chain, recorder)
    }
}

fn block_msg(b: &Block) -> Message {
    Message::Block {
        block: b.to_value(),
    }
}

#[test]
fn a_valid_block_is_appended_and_relayed_once() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let b1 = fleet.next(None);
    chain.on_message(b1.producer, block_msg(&b1));
    assert_eq!(chain.info().height, 1);
    assert_eq!(
        net.take(),
        vec![(None, block_msg(&b1))],
        "relayed to the others"
    );
    chain.on_message(fleet.ids[2], block_msg(&b1));
    assert!(net.take().is_empty(), "a known block is not relayed again");
    assert_eq!(chain.counters().blocks_accepted.load(Ordering::Relaxed), 1);
}

#[test]
fn bad_blocks_are_refused_and_not_relayed() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let good = fleet.next(None);

    let usurper_id = *fleet
        .ids
        .iter()
        .find(|id| **id != good.producer)
        .expect("non-leader");
    let usurper = Block::sign(
        fleet.key_of(usurper_id),
        1,
        Hash32::ZERO,
        1_000,
        0,
        fleet.ids.clone(),
        vec![],
    );
    let mut tampered = good.clone();
    tampered.transactions.push(json!({"mint": 1_000_000}));
    let mut garbage = good.to_value();
    garbage["height"] = json!("one");

    chain.on_message(usurper_id, block_msg(&usurper));
    chain.on_message(good.producer, block_msg(&tampered));
    chain.on_message(good.producer, Message::Block { block: garbage });
    assert_eq!(chain.info().height, 0);
    assert_eq!(chain.counters().blocks_rejected.load(Ordering::Relaxed), 3);
    assert!(
        net.take().iter().all(|(_, m)| m.kind() != "block"),
        "a bad block must not be propagated"
    );
}

#[test]
fn a_block_beyond_the_tip_asks_its_sender_for_the_gap() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let blocks = fleet.chain(3);
    chain.on_message(fleet.ids[1], block_msg(&blocks[2]));
    assert_eq!(chain.info().height, 0);
    assert_eq!(
        net.take(),
        vec![(
            Some(fleet.ids[1]),
            Message::GetBlocks {
                from: 1,
                limit: SYNC_BATCH_BLOCKS
            }
        )]
    );
}

#[test]
fn a_node_far_behind_syncs_in_batches_to_the_tip() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let server = fleet.ids[1];
    let blocks = fleet.chain(1_200);
    chain.on_message(server, Message::Status { best_height: 1_200 });
    let mut batches = 0;
    loop {
        let sent = net.take();
        let Some(from) = sent.iter().find_map(|(to, m)| match m {
            Message::GetBlocks { from, limit } if *to == Some(server) => Some((*from, *limit)),
            _ => None,
        }) else {
            break;
        };
        batches += 1;
        assert!(batches < 10, "sync does not converge");
        let (start, limit) = from;
        let answer: Vec<_> = blocks
            .iter()
            .skip(start as usize - 1)
            .take(limit as usize)
            .map(Block::to_value)
            .collect();
        chain.on_message(server, Message::Blocks { blocks: answer });
    }
    let info = chain.info();
    assert_eq!(info.height, 1_200);
    assert_eq!(info.tip_hash, blocks[1_199].hash());
    assert_eq!(batches, 3, "1200 blocks in batches of {SYNC_BATCH_BLOCKS}");
    assert_eq!(info.finalized_transactions, 1_200 - FINALITY_DEPTH);
}

#[test]
fn it_serves_blocks_it_holds() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let blocks = fleet.chain(5);
    chain.on_message(
        fleet.ids[1],
        Message::Blocks {
            blocks: blocks.iter().map(Block::to_value).collect(),
        },
    );
    net.take();
    chain.on_message(fleet.ids[2], Message::GetBlocks { from: 4, limit: 10 });
    assert_eq!(
        net.take(),
        vec![(
            Some(fleet.ids[2]),
            Message::Blocks {
                blocks: vec![blocks[3].to_value(), blocks[4].to_value()]
            }
        )]
    );
}
