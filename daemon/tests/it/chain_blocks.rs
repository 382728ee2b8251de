//! How one node treats blocks from peers: blocks reach it only with a quorum's
//! certificate (in sync answers; there is no gossip of bare blocks any more,
//! proposals travel in consensus messages); a certified block that continues
//! the final tip is appended once; a block without a certificate is never
//! taken; a bad block (wrong proposer, a key outside the network definition,
//! broken signature, unknown parent, a time far ahead) is refused even with a
//! certificate; a node far behind syncs in batches up to the announced tip; a
//! batch with a certificate that does not hold is refused; and a peer that
//! announces a height it never delivers is abandoned for one that does.
//!
//! The peers are keys this test holds, driven by hand through a recording stand-in
//! for the P2P layer, so every message the node sends can be inspected.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use ed25519_dalek::SigningKey;
use serde_json::json;
use timecoin_consensus::{CommitCertificate, DefinitionHash, Height, ValidatorId, ValidatorSet};
use timecoin_shared::wire::NodeId;
use timed::testing::chain::{
    Block, Certified, Certifier, Chain, ChainConfig, Gossip, Hash32, Schedule, Store,
};
use timed::testing::chain::{SYNC_BATCH_BLOCKS, Tx};
use timed::testing::wire::Message;

use crate::support::certify::certificate;

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
        Schedule::new(self.ids.clone(), GENESIS)
    }

    /// The block the proposer of round 0 would make on top of `parent`, one
    /// interval and 10 ms after it.
    fn next(&self, parent: Option<&Block>) -> Block {
        let height = parent.map_or(1, |p| p.height + 1);
        let proposer = self.schedule().proposer(height, 0).expect("proposer");
        let parent_hash = parent.map_or(Hash32::ZERO, Block::hash);
        let base = parent.map_or(GENESIS, |p| p.timestamp_ms);
        Block::sign(
            self.key_of(proposer),
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
        certificate(block, &self.keys[..signers], DEFINITION)
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
            schedule: self.schedule(),
            certifier: Some(self.certifier()),
        };
        let store = Store::in_memory("devnet").expect("store");
        let chain =
            Chain::new(self.keys[0].clone(), config, store, recorder.clone()).expect("chain");
        (chain, recorder)
    }
}

/// `block` alone as a sync answer, with a certificate by every key.
fn certified_msg(fleet: &Fleet, block: &Block) -> Message {
    Message::Blocks {
        blocks: fleet.certified(std::slice::from_ref(block)),
    }
}

#[test]
fn a_certified_block_is_appended_once_and_bare_blocks_do_not_travel() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let b1 = fleet.next(None);
    chain.on_message(fleet.ids[1], certified_msg(&fleet, &b1));
    assert_eq!((chain.info().height, chain.info().final_height), (1, 1));
    chain.on_message(fleet.ids[2], certified_msg(&fleet, &b1));
    assert_eq!(chain.info().height, 1, "a known block changes nothing");
    assert_eq!(chain.counters().blocks_accepted.load(Ordering::Relaxed), 1);
    assert!(
        net.take().iter().all(|(_, m)| m.kind() != "blocks"),
        "a synced block is not pushed on"
    );
    // The old gossip of a non-final block is no message at all now.
    let bare = json!({"type": "block", "block": fleet.next(Some(&b1))});
    let err = Message::decode(bare.to_string().as_bytes()).expect_err("no such message");
    assert!(err.to_string().contains("unknown variant"), "{err}");
}

#[test]
fn bad_blocks_are_refused_even_with_a_certificate() {
    let fleet = Fleet::new();
    let (chain, _net) = fleet.node();
    let good = fleet.next(None);

    let usurper_id = *fleet
        .ids
        .iter()
        .find(|id| **id != good.producer)
        .expect("non-proposer");
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
    // A block that is not one (a height in words) never reaches the chain:
    // it fails to decode, and the link that sent it ends (`wire.rs`).
    let mut garbage = serde_json::to_value(certified_msg(&fleet, &good)).expect("a message");
    garbage["blocks"][0]["block"]["height"] = json!("one");
    assert!(Message::decode(garbage.to_string().as_bytes()).is_err());

    chain.on_message(usurper_id, certified_msg(&fleet, &usurper));
    chain.on_message(good.producer, certified_msg(&fleet, &tampered));
    assert_eq!(chain.info().height, 0);
    assert_eq!(chain.counters().blocks_rejected.load(Ordering::Relaxed), 2);
    chain.on_message(good.producer, certified_msg(&fleet, &good));
    assert_eq!(chain.info().height, 1, "the honest block still fits");
}

#[test]
fn a_block_beyond_the_tip_asks_its_sender_for_the_gap() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let blocks = fleet.chain(3);
    chain.on_message(fleet.ids[1], certified_msg(&fleet, &blocks[2]));
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
fn uncertified_blocks_are_never_taken() {
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
    assert_eq!((info.height, info.final_height), (0, 0));
    // The same blocks sent again with their certificates are taken, up to
    // the first one without.
    let mut batch = fleet.certified(&blocks[..10]);
    batch.push(blocks[10].clone().into());
    chain.on_message(fleet.ids[1], Message::Blocks { blocks: batch });
    let info = chain.info();
    assert_eq!((info.height, info.final_height), (10, 10));
    assert_eq!(info.finalized_transactions, 10);
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
fn it_serves_the_blocks_it_holds_with_their_certificates() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let blocks = fleet.chain(5);
    chain.on_message(
        fleet.ids[1],
        Message::Blocks {
            blocks: fleet.certified(&blocks),
        },
    );
    assert_eq!(chain.info().final_height, 5);
    net.take();
    chain.on_message(fleet.ids[2], Message::GetBlocks { from: 4, limit: 10 });
    assert_eq!(
        net.take(),
        vec![(
            Some(fleet.ids[2]),
            Message::Blocks {
                blocks: fleet.certified(&blocks[3..5])
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
            blocks: fleet.certified(&blocks),
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
    let mut with_set = serde_json::to_value(certified_msg(&fleet, &forged[0])).expect("a message");
    with_set["blocks"][0]["block"]["masternodes"] =
        json!([NodeId(outsider.verifying_key().to_bytes())]);
    let refused = Message::decode(with_set.to_string().as_bytes()).expect_err("unknown field");
    assert!(refused.to_string().contains("unknown field"), "{refused}");
    chain.on_message(
        fleet.ids[2],
        Message::Blocks {
            blocks: forged.iter().cloned().map(Certified::from).collect(),
        },
    );
    // Even certified by the fleet's keys, it conflicts with final blocks.
    chain.on_message(
        fleet.ids[2],
        Message::Blocks {
            blocks: fleet.certified(&forged[..]),
        },
    );
    // Blocks above the tip signed by configured keys out of turn.
    let mut out_of_turn: Vec<Block> = blocks.clone();
    for height in 7..=9u64 {
        let parent = out_of_turn.last().expect("parent");
        let proposer = fleet.schedule().proposer(height, 0).expect("proposer");
        let usurper = *fleet.ids.iter().find(|id| **id != proposer).expect("other");
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
            blocks: out_of_turn[6..]
                .iter()
                .cloned()
                .map(Certified::from)
                .collect(),
        },
    );
    // With certificates, still out of turn.
    chain.on_message(
        fleet.ids[2],
        Message::Blocks {
            blocks: fleet.certified(&out_of_turn[6..]),
        },
    );
    let info = chain.info();
    assert_eq!(info.height, 6, "no forged block was adopted");
    assert_eq!(info.tip_hash, blocks[5].hash(), "no height was reverted");
    assert_eq!(
        chain.counters().blocks_rejected.load(Ordering::Relaxed),
        2,
        "the certified forgeries were refused"
    );
    assert!(
        net.take().iter().all(|(_, m)| m.kind() != "blocks"),
        "nothing forged was passed on"
    );
}

#[test]
fn a_block_from_the_far_future_is_refused() {
    let fleet = Fleet::new();
    let (chain, _net) = fleet.node();
    let b1 = fleet.next(None);
    chain.on_message(b1.producer, certified_msg(&fleet, &b1));
    let century_ms = 100 * 365 * 24 * 3600 * 1000;
    let far = b1.timestamp_ms + century_ms;
    let proposer = fleet.schedule().proposer(2, 0).expect("proposer");
    let future = Block::sign(fleet.key_of(proposer), 2, b1.hash(), far, 0, vec![]);
    chain.on_message(proposer, certified_msg(&fleet, &future));
    assert_eq!(
        chain.info().height,
        1,
        "the block from the future was refused"
    );
    // The next honest block still fits after the real parent.
    let b2 = fleet.next(Some(&b1));
    chain.on_message(b2.producer, certified_msg(&fleet, &b2));
    assert_eq!(chain.info().height, 2);
}

/// The id of a node outside the fleet, made from `seed`.
fn stranger(seed: u8) -> NodeId {
    NodeId(
        SigningKey::from_bytes(&[seed; 32])
            .verifying_key()
            .to_bytes(),
    )
}

/// Whom the node asked for blocks, in the order it asked.
fn asked(sent: &[(Option<NodeId>, Message)]) -> Vec<NodeId> {
    sent.iter()
        .filter(|(_, m)| m.kind() == "get_blocks")
        .map(|(to, _)| to.expect("direct"))
        .collect()
}

#[test]
fn a_peer_that_announces_and_never_delivers_is_abandoned_for_one_that_does() {
    let fleet = Fleet::new();
    let (chain, net) = fleet.node();
    let liar = stranger(77);
    let honest = fleet.ids[1];
    let blocks = fleet.chain(20);

    chain.on_message(
        liar,
        Message::Status {
            best_height: 1 << 63,
        },
    );
    chain.on_message(honest, Message::Status { best_height: 20 });
    assert_eq!(
        asked(&net.take()),
        vec![liar],
        "the highest claim is tried first"
    );
    chain.tick();
    let sent = net.take();
    assert!(asked(&sent).is_empty(), "one request at a time: {sent:?}");
    // The liar never answers: after two ticks the request is abandoned, the liar
    // distrusted, and the honest peer asked.
    chain.tick();
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
    let liar = stranger(78);
    let honest = fleet.ids[1];
    let blocks = fleet.chain(5);
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
