//! How one node treats blocks from peers: a valid block is appended and relayed
//! once; a bad block (wrong leader, a key outside the network definition, broken
//! signature, unknown parent, a time far ahead) is refused and never relayed; a
//! node far behind syncs in batches up to the announced tip (final only where a
//! quorum's certificate comes with a block), a batch with a certificate that
//! does not hold is refused, and a peer that announces a height it never
//! delivers is abandoned for one that does and never holds production.
//!
//! The peers are keys this test holds, driven by hand through a recording stand-in
//! for the P2P layer, so every message the node sends can be inspected.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use ed25519_dalek::SigningKey;
use serde_json::json;
use timecoin_consensus::{
    CommitCertificate, DefinitionHash, Height, Round, ValidatorId, ValidatorSet, ValueId, Vote,
    VoteKind,
};
use timecoin_shared::wire::NodeId;
use timed::testing::chain::{
    Block, Certified, Certifier, Chain, ChainConfig, Gossip, Hash32, RoundOutcome, Schedule, Store,
};
use timed::testing::chain::{SYNC_BATCH_BLOCKS, Tx};
use timed::testing::wire::Message;

/// Genesis of the test network: in the past, so every test block's time is too.
const GENESIS: u64 = 1_700_000_000_000;
/// The test network's block interval.
const INTERVAL_MS: u64 = 1_000;
/// The test network definition's hash, inside every precommit.
const DEFINITION: DefinitionHash = DefinitionHash([9; 32]);

#[derive(Default)]
struct Recorder {
    active: Vec<NodeId>,
    sent: Mutex<Vec<(Option<NodeId>, Message)>>,
}

impl Gossip for Recorder {
    fn broadcast(&self, msg: Message) {
        self.sent.lock().expect("sent").push((None, msg));
    }
    fn relay(&self, msg: Message, _except: &NodeId) {
        self.broadcast(msg);
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

    fn schedule(&self) -> Schedule {
        Schedule::new(
            self.ids.clone(),
            std::time::Duration::from_millis(INTERVAL_MS),
            GENESIS,
        )
    }

    /// The block the scheduled leader of round 0 would make on top of `parent`,
    /// 10 ms into its slot.
    fn next(&self, parent: Option<&Block>) -> Block {
        let height = parent.map_or(1, |p| p.height + 1);
        let leader = self.schedule().leader(height, 0).expect("leader");
        let parent_hash = parent.map_or(Hash32::ZERO, Block::hash);
        let base = parent.map_or(GENESIS, |p| p.timestamp_ms);
        Block::sign(
            self.key_of(leader),
            height,
            parent_hash,
            base + INTERVAL_MS + 10,
            0,
            vec![Tx::from_value(&json!({"h": height})).expect("a transaction")],
        )
    }

    fn certifier(&self) -> Certifier {
        let ids = self.ids.iter().map(|id| ValidatorId(id.0));
        Certifier {
            validators: ValidatorSet::new(ids).expect("validators"),
            definition: DEFINITION,
        }
    }

    /// The certificate of `block` signed by the first `signers` keys.
    fn certify(&self, block: &Block, signers: usize) -> CommitCertificate {
        let value = ValueId(block.hash().0);
        let precommits = self.keys[..signers]
            .iter()
            .map(|key| {
                let vote = Vote {
                    kind: VoteKind::Precommit,
                    height: Height(block.height),
                    round: Round(0),
                    value: Some(value),
                    validator: ValidatorId(key.verifying_key().to_bytes()),
                };
                vote.sign(key, &DEFINITION)
            })
            .collect();
        CommitCertificate {
            height: Height(block.height),
            round: Round(0),
            value,
            precommits,
        }
    }

    /// `blocks` as a sync answer, each with its certificate by every key.
    fn certified(&self, blocks: &[Block]) -> Vec<Certified> {
        blocks
            .iter()
            .map(|block| Certified {
                block: block.clone(),
                certificate: Some(self.certify(block, self.keys.len())),
            })
            .collect()
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
            schedule: self.schedule(),
            certifier: Some(self.certifier()),
        };
        let store = Store::in_memory("devnet").expect("store");
        let chain =
            Chain::new(self.keys[0].clone(), config, store, recorder.clone()).expect("chain");
        (chain, recorder)
    }
}

fn block_msg(b: &Block) -> Message {
    Message::Block { block: b.clone() }
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
        good.timestamp_ms,
        0,
        vec![],
    );
    let mut tampered = good.clone();
    let mint = Tx::from_value(&json!({"mint": 1_000_000})).expect("a transaction");
    tampered.transactions = good
        .transactions
        .iter()
        .map(|tx| tx.to_owned())
        .chain([mint])
        .collect();
    // A block that is not one (a height in words) no longer reaches the chain:
    // it fails to decode, and the link that sent it ends (`wire.rs`).
    let mut garbage = serde_json::to_value(block_msg(&good)).expect("a message");
    garbage["block"]["height"] = json!("one");
    assert!(Message::decode(garbage.to_string().as_bytes()).is_err());

    chain.on_message(usurper_id, block_msg(&usurper));
    chain.on_message(good.producer, block_msg(&tampered));
    assert_eq!(chain.info().height, 0);
    assert_eq!(chain.counters().blocks_rejected.load(Ordering::Relaxed), 2);
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
        let end = (start as usize - 1 + limit as usize).min(blocks.len());
        let answer = fleet.certified(&blocks[start as usize - 1..end]);
        chain.on_message(server, Message::Blocks { blocks: answer });
    }
    let info = chain.info();
    assert_eq!(info.height, 1_200);
    assert_eq!(info.tip_hash, blocks[1_199].hash());
    assert_eq!(batches, 3, "1200 blocks in batches of {SYNC_BATCH_BLOCKS}");
    assert_eq!(
        info.final_height, 1_200,
        "every block came with its certificate"
    );
    assert_eq!(info.finalized_transactions, 1_200);
}

#[test]
fn uncertified_blocks_are_held_but_never_final() {
    let fleet = Fleet::new();
    let (chain, _net) = fleet.node();
    let blocks = fleet.chain(30);
    chain.on_message(
        fleet.ids[1],
        Message::Blocks {
            blocks: blocks.iter().cloned().map(Certified::from).collect(),
        },
    );
    let info = chain.info();
    assert_eq!(info.height, 30);
    assert_eq!((info.final_height, info.finalized_transactions), (0, 0));
    // The same blocks sent again with their certificates become final.
    chain.on_message(
        fleet.ids[1],
        Message::Blocks {
            blocks: fleet.certified(&blocks[..10]),
        },
    );
    assert_eq!(chain.info().final_height, 10);
    assert_eq!(chain.info().height, 30);
}

#[test]
fn a_certificate_that_does_not_hold_refuses_the_batch() {
    let fleet = Fleet::new();
    let (chain, _net) = fleet.node();
    let blocks = fleet.chain(3);
    let with = |cert: CommitCertificate| Certified {
        block: blocks[0].clone(),
        certificate: Some(cert),
    };
    let short = fleet.certify(&blocks[0], 2);
    let mut other_block = fleet.certify(&blocks[1], 3);
    other_block.height = Height(1);
    let mut forged = fleet.certify(&blocks[0], 3);
    forged.precommits[2].signature = forged.precommits[1].signature;
    for bad in [short, other_block, forged] {
        chain.on_message(
            fleet.ids[1],
            Message::Blocks {
                blocks: vec![with(bad)],
            },
        );
        let info = chain.info();
        assert_eq!((info.height, info.final_height), (0, 0), "refused whole");
    }
    assert_eq!(chain.counters().blocks_rejected.load(Ordering::Relaxed), 3);
    // The real certificate is taken.
    chain.on_message(
        fleet.ids[1],
        Message::Blocks {
            blocks: fleet.certified(&blocks[..1]),
        },
    );
    assert_eq!(chain.info().final_height, 1);
}

#[test]
fn it_serves_blocks_it_holds_with_the_certificates_of_final_ones() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let blocks = fleet.chain(5);
    let mut batch = fleet.certified(&blocks[..4]);
    batch.push(blocks[4].clone().into());
    chain.on_message(fleet.ids[1], Message::Blocks { blocks: batch });
    assert_eq!(chain.info().final_height, 4);
    net.take();
    chain.on_message(fleet.ids[2], Message::GetBlocks { from: 4, limit: 10 });
    let uncertified = Certified::from(blocks[4].clone());
    assert_eq!(
        net.take(),
        vec![(
            Some(fleet.ids[2]),
            Message::Blocks {
                blocks: vec![fleet.certified(&blocks[3..4])[0].clone(), uncertified]
            }
        )]
    );
}

#[test]
fn blocks_signed_outside_the_network_definition_never_revert_a_height() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let blocks = fleet.chain(6);
    chain.on_message(
        fleet.ids[1],
        Message::Blocks {
            blocks: blocks.iter().cloned().map(Certified::from).collect(),
        },
    );
    assert_eq!(chain.info().height, 6);
    net.take();

    // A stranger's key, with a made-up masternode set of its own (the attack that
    // used to rewrite final blocks): a longer branch forking above genesis.
    let outsider = SigningKey::from_bytes(&[99; 32]);
    let mut forged: Vec<Block> = Vec::new();
    for height in 1..=9u64 {
        let parent = forged.last();
        let base = parent.map_or(GENESIS, |p| p.timestamp_ms);
        forged.push(Block::sign(
            &outsider,
            height,
            parent.map_or(Hash32::ZERO, Block::hash),
            base + INTERVAL_MS + 10,
            0,
            vec![],
        ));
    }
    // A block carrying a set of its own does not even decode.
    let mut with_set = serde_json::to_value(Message::Block {
        block: forged[0].clone(),
    })
    .expect("a message");
    with_set["block"]["masternodes"] = json!([NodeId(outsider.verifying_key().to_bytes())]);
    let refused = Message::decode(with_set.to_string().as_bytes()).expect_err("unknown field");
    assert!(refused.to_string().contains("unknown field"), "{refused}");
    chain.on_message(
        fleet.ids[2],
        Message::Blocks {
            blocks: forged.into_iter().map(Certified::from).collect(),
        },
    );
    // The same forged branch, from height 4, signed by configured keys out of turn.
    let mut out_of_turn: Vec<Block> = blocks[..3].to_vec();
    for height in 4..=9u64 {
        let parent = out_of_turn.last().expect("parent");
        let leader = fleet.schedule().leader(height, 0).expect("leader");
        let usurper = *fleet.ids.iter().find(|id| **id != leader).expect("other");
        out_of_turn.push(Block::sign(
            fleet.key_of(usurper),
            height,
            parent.hash(),
            parent.timestamp_ms + INTERVAL_MS + 10,
            0,
            vec![],
        ));
    }
    chain.on_message(
        fleet.ids[2],
        Message::Blocks {
            blocks: out_of_turn[3..]
                .iter()
                .cloned()
                .map(Certified::from)
                .collect(),
        },
    );
    let info = chain.info();
    assert_eq!(info.height, 6, "no forged block was adopted");
    assert_eq!(info.tip_hash, blocks[5].hash(), "no height was reverted");
    assert_eq!(chain.counters().reorgs.load(Ordering::Relaxed), 0);
    assert!(
        net.take().iter().all(|(_, m)| m.kind() != "block"),
        "nothing forged was relayed"
    );
}

#[test]
fn a_block_from_the_far_future_is_refused() {
    let fleet = Fleet::new();
    let (chain, _net) = fleet.node();
    let b1 = fleet.next(None);
    chain.on_message(b1.producer, block_msg(&b1));
    let century_ms = 100 * 365 * 24 * 3600 * 1000;
    let far = b1.timestamp_ms + century_ms;
    let round = fleet
        .schedule()
        .round_at(b1.timestamp_ms, far)
        .expect("round");
    let leader = fleet.schedule().leader(2, round).expect("leader");
    let future = Block::sign(fleet.key_of(leader), 2, b1.hash(), far, round, vec![]);
    chain.on_message(leader, block_msg(&future));
    assert_eq!(
        chain.info().height,
        1,
        "the block from the future was refused"
    );
    // The next honest block still fits after the real parent.
    let b2 = fleet.next(Some(&b1));
    chain.on_message(b2.producer, block_msg(&b2));
    assert_eq!(chain.info().height, 2);
}

#[test]
fn a_peer_that_announces_and_never_delivers_is_abandoned_and_no_claim_holds_production() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let liar = NodeId(SigningKey::from_bytes(&[77; 32]).verifying_key().to_bytes());
    let honest = fleet.ids[1];
    let blocks = fleet.chain(20);
    let now = blocks[19].timestamp_ms + 10;

    chain.on_message(
        liar,
        Message::Status {
            best_height: 1 << 63,
        },
    );
    chain.on_message(honest, Message::Status { best_height: 20 });
    let asked = |sent: &[(Option<NodeId>, Message)]| {
        sent.iter()
            .filter(|(_, m)| m.kind() == "get_blocks")
            .map(|(to, _)| to.expect("direct"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        asked(&net.take()),
        vec![liar],
        "the highest claim is tried first"
    );
    // A claim proves nothing: the round runs as if nobody were ahead.
    assert!(matches!(
        chain.round(now),
        RoundOutcome::Produced { .. } | RoundOutcome::Waiting { .. }
    ));
    net.take();
    // The liar never answers: after two rounds the request is abandoned, the liar
    // distrusted, and the honest peer asked.
    chain.round(now + INTERVAL_MS);
    let sent = net.take();
    assert_eq!(asked(&sent), vec![honest], "{sent:?}");
    chain.on_message(
        honest,
        Message::Blocks {
            blocks: fleet.certified(&blocks),
        },
    );
    assert_eq!(chain.info().height, 20, "caught up from the honest peer");
    assert_eq!(chain.info().final_height, 20);
}

#[test]
fn a_peer_that_answers_its_claim_with_nothing_gives_the_request_to_another_at_once() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let liar = NodeId(SigningKey::from_bytes(&[78; 32]).verifying_key().to_bytes());
    let honest = fleet.ids[1];
    let blocks = fleet.chain(5);
    let asked = |sent: &[(Option<NodeId>, Message)]| {
        sent.iter()
            .filter(|(_, m)| m.kind() == "get_blocks")
            .map(|(to, _)| to.expect("direct"))
            .collect::<Vec<_>>()
    };
    chain.on_message(
        liar,
        Message::Status {
            best_height: u64::MAX,
        },
    );
    chain.on_message(honest, Message::Status { best_height: 5 });
    let sent = net.take();
    assert_eq!(
        asked(&sent),
        vec![liar],
        "the highest claim is tried: {sent:?}"
    );
    // It answers with nothing, as fast as it likes: the slot goes to the
    // honest peer at once, and the liar's renewed claim does not take it back.
    chain.on_message(liar, Message::Blocks { blocks: vec![] });
    chain.on_message(
        liar,
        Message::Status {
            best_height: u64::MAX,
        },
    );
    let sent = net.take();
    assert_eq!(asked(&sent), vec![honest], "{sent:?}");
    chain.on_message(
        honest,
        Message::Blocks {
            blocks: fleet.certified(&blocks),
        },
    );
    assert_eq!(
        chain.info().final_height,
        5,
        "caught up from the honest peer"
    );
}
