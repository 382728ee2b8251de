//! The attacks of issue 12, each against real `timed` processes on loopback, by a
//! client that speaks the wire protocol and lies (`adversary/liar.rs`):
//! - identity spoofing: a socket per pair claiming the other end's id with the
//!   highest session is refused; every real link is kept; the mesh never splits;
//! - fake masternodes: outsiders that announce `masternode` are never counted, and
//!   one real node plus fakes never passes the quorum gate;
//! - an outsider-signed block with a made-up masternode set and a forged branch
//!   are never taken, and blocks whose certificate holds but which conflict with
//!   a final block, come from a century ahead, or were signed out of turn are
//!   rejected; no height is reverted;
//! - a peer announcing a height of 2^63 and never answering cannot stall a node
//!   catching up after a pause, nor fork it.

pub(crate) mod hog;
pub(crate) mod liar;
pub(crate) mod squat;

use std::collections::BTreeMap;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use liar::{Linked, Target, id_of, impersonate, outsider};
use nix::sys::signal::Signal;
use serde_json::json;
use testkit::wait::within;
use timecoin_consensus::DefinitionHash;
use timecoin_shared::rpc::PeerInfo;
use timecoin_shared::wire::{DisconnectReason, NodeId};
use timed::Identity;
use timed::testing::Definition;
use timed::testing::chain::{Block, Certified, Hash32, Schedule, unix_millis};
use timed::testing::wire::Message;

use crate::support::certify::certified;
use crate::support::{
    NetworkDef, Node, Rule, common_final_height, mesh_problem, network_specs, wait_for_mesh,
};

/// Generous bound for anything that takes a few block intervals on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// A fleet of four masternodes producing every second, quorum three.
pub(crate) fn fleet() -> Vec<Node> {
    network_specs(
        4,
        NetworkDef {
            min_masternodes: 3,
            block_interval: "1s",
        },
    )
    .into_iter()
    .map(Node::start)
    .collect()
}

fn definition(node: &Node) -> Definition {
    Definition::load(&node.spec.network_file).expect("network file")
}

/// A test node as an outsider sees it: its address and its network file.
pub(crate) fn target(node: &Node) -> Target {
    let def = definition(node);
    Target {
        addr: node.spec.p2p,
        network: def.name.clone(),
        network_hash: def.hash_hex(),
    }
}

async fn height(node: &Node) -> Option<u64> {
    node.consensus().await.map(|c| c.block_height)
}

pub(crate) async fn heights(nodes: &[Node]) -> Vec<Option<u64>> {
    let mut out = Vec::new();
    for node in nodes {
        out.push(height(node).await);
    }
    out
}

/// Every node at `min` or above, all within one block of each other.
async fn agree_at_least(nodes: &[Node], min: u64) -> bool {
    let h: Option<Vec<u64>> = heights(nodes).await.into_iter().collect();
    h.is_some_and(|h| {
        let (lo, hi) = (h.iter().min().copied(), h.iter().max().copied());
        lo.is_some_and(|lo| lo >= min) && hi.zip(lo).is_some_and(|(hi, lo)| hi - lo <= 1)
    })
}

/// The hash of every block from 1 to `to` on `node`.
async fn hashes(node: &Node, to: u64) -> BTreeMap<u64, Hash32> {
    let mut out = BTreeMap::new();
    for h in 1..=to {
        let block: Block = node.get(&format!("/blocks/{h}")).await.expect("block");
        out.insert(h, block.hash());
    }
    out
}

/// Each node's links as `(peer, socket address)`: the same set means the same links.
async fn links(nodes: &[Node]) -> Vec<Vec<(NodeId, String)>> {
    let mut out = Vec::new();
    for node in nodes {
        let peers: Vec<PeerInfo> = node.peers().await.expect("peers");
        let mut l: Vec<(NodeId, String)> = peers.into_iter().map(|p| (p.node_id, p.addr)).collect();
        l.sort();
        out.push(l);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impostor_per_pair_takes_no_link_and_splits_nothing() {
    let nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    let before = links(&nodes).await;
    let start = heights(&nodes)
        .await
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0);

    // One impostor socket per ordered pair, each claiming the other end's id with
    // a session no honest dial reaches; and one claiming the target's own id.
    let key = outsider();
    for (i, victim) in nodes.iter().enumerate() {
        for (j, claimed) in nodes.iter().enumerate() {
            let said = impersonate(&target(victim), claimed.spec.node_id, &key).await;
            let expected = if i == j {
                DisconnectReason::SelfConnection
            } else {
                DisconnectReason::AuthFailed
            };
            assert_eq!(said, Some(expected), "node{i} claimed as node{j}");
        }
    }
    // The refusal reaches the impostor before the line reaches the log file.
    for (i, node) in nodes.iter().enumerate() {
        for (j, other) in nodes.iter().enumerate() {
            if i != j {
                let line = format!("did not prove it holds the key of {}", other.spec.node_id);
                assert!(
                    node.logs_within(&line, WITHIN).await,
                    "node{i} did not log refusing node{j}'s impostor"
                );
            }
        }
    }

    assert_eq!(mesh_problem(&nodes, Rule::Agreed).await, None);
    assert_eq!(links(&nodes).await, before, "every real link was kept");
    // No split: the fleet keeps producing one chain.
    assert!(
        within(WITHIN, || agree_at_least(&nodes, start + 3))
            .await
            .is_some(),
        "{:?}",
        heights(&nodes).await
    );
    let all: Vec<&Node> = nodes.iter().collect();
    let final_height = within(WITHIN, || async {
        common_final_height(&all).await.filter(|f| *f > start)
    })
    .await
    .expect("blocks became final after the impostors");
    let reference = hashes(&nodes[0], final_height).await;
    for node in &nodes[1..] {
        assert_eq!(hashes(node, final_height).await, reference);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_masternodes_are_not_counted_and_make_no_quorum() {
    let mut nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    let fakes: Vec<Linked> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            // Each from its own address: one address holds few stranger links.
            let from = testkit::net::random_ip().into();
            let fake = Linked::connect_from(&target(&nodes[0]), &outsider(), from).await;
            v.push(fake.expect("linked"));
        }
        v
    };
    let counted = || async {
        nodes[0]
            .consensus()
            .await
            .is_some_and(|c| c.connected_peers == 8)
    };
    assert!(
        within(WITHIN, counted).await.is_some(),
        "the fakes are linked"
    );
    let info = nodes[0].consensus().await.expect("consensus");
    assert_eq!(info.active_masternodes, 4, "fakes are never counted");
    assert_eq!(info.in_network_definition, Some(true));
    let peers = nodes[0].peers().await.expect("peers");
    for fake in &fakes {
        let seen = peers
            .iter()
            .find(|p| p.node_id == fake.id)
            .expect("fake listed");
        assert!(!seen.masternode, "a fake shown as masternode");
    }

    // One real node and five fakes: below the quorum of three, whatever they say.
    for node in &mut nodes[1..] {
        node.stop(Signal::SIGTERM);
    }
    let skip = "Skipping block production: only 1 masternodes active (minimum 3 required)";
    let skips = || nodes[0].log().matches(skip).count();
    assert!(within(WITHIN, || async { skips() >= 1 }).await.is_some());
    let stalled = height(&nodes[0]).await.expect("height");
    let seen = skips();
    assert!(
        within(WITHIN, || async { skips() >= seen + 3 })
            .await
            .is_some()
    );
    assert_eq!(
        height(&nodes[0]).await,
        Some(stalled),
        "produced with fakes"
    );
    assert!(
        fakes.iter().all(|f| !f.is_closed()),
        "the fakes stayed linked"
    );
}

/// `block` with a certificate every masternode of `nodes` signed (their keys
/// read from their data dirs): a certificate that holds, on a block that may
/// still break the chain's rules.
fn certified_by_all(nodes: &[Node], def: &Definition, block: &Block) -> Certified {
    let mut hash = [0u8; 32];
    hex::decode_to_slice(def.hash_hex(), &mut hash).expect("a definition hash");
    let keys: Vec<SigningKey> = nodes
        .iter()
        .map(|node| key_of(nodes, node.spec.node_id).signing_key().clone())
        .collect();
    certified(block, &keys, DefinitionHash(hash))
}

/// The key of the node among `nodes` with id `id`.
fn key_of(nodes: &[Node], id: NodeId) -> Identity {
    let node = nodes
        .iter()
        .find(|n| n.spec.node_id == id)
        .expect("a masternode");
    Identity::load_or_create(&node.data_dir()).expect("node key")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_future_blocks_are_rejected_and_revert_nothing() {
    let nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    assert!(
        within(WITHIN, || async {
            agree_at_least(&nodes, 9).await && nodes[0].final_height().await >= Some(3)
        })
        .await
        .is_some()
    );
    // Two of four paused: the chain holds still, so every lie below meets the
    // tip it was made for.
    nodes[2].signal(Signal::SIGSTOP);
    nodes[3].signal(Signal::SIGSTOP);
    let still = || async {
        let a = height(&nodes[0]).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        a.is_some() && height(&nodes[0]).await == a
    };
    assert!(
        within(WITHIN, still).await.is_some(),
        "the chain did not stop"
    );
    let tip: Block = nodes[0].get("/blocks/tip").await.expect("tip");
    let before = hashes(&nodes[0], tip.height).await;

    let key = outsider();
    let liar = Linked::connect(&target(&nodes[0]), &key).await;
    // (1) The attack that rewrote final blocks: one unsolicited `blocks` answer, a
    // longer branch from height 1, signed by an outsider, with no certificate.
    let def = definition(&nodes[0]);
    let mut forged: Vec<Block> = Vec::new();
    for h in 1..=tip.height + 6 {
        let parent = forged.last();
        let base = parent.map_or(def.genesis_ms, |p| p.timestamp_ms);
        forged.push(Block::sign(
            &key,
            h,
            parent.map_or(Hash32::ZERO, Block::hash),
            base + 1_000 + 1,
            0,
            vec![],
        ));
    }
    liar.say(Message::Blocks {
        blocks: forged.iter().cloned().map(Certified::from).collect(),
    });
    // (2) The same branch's first block with a certificate that holds: it
    // conflicts with a final block all the same.
    liar.say(Message::Blocks {
        blocks: vec![certified_by_all(&nodes, &def, &forged[0])],
    });
    // (3) A block on the real tip carrying a made-up masternode set of its own:
    // no such field decodes, so the link that sent it ends (on a link of its
    // own, so the other lies still arrive).
    let block = Block::sign(&key, tip.height + 1, tip.hash(), unix_millis(), 0, vec![]);
    let mut with_set = serde_json::to_value(Message::Blocks {
        blocks: vec![Certified::from(block)],
    })
    .expect("a message");
    with_set["blocks"][0]["masternodes"] = json!([id_of(&key)]);
    let mut smuggler = Linked::connect(&target(&nodes[0]), &outsider()).await;
    smuggler.say_raw(with_set.to_string().into_bytes());
    assert_eq!(
        smuggler.closed_within(WITHIN).await,
        Some(Some(DisconnectReason::ProtocolError)),
        "{}",
        nodes[0].log()
    );
    // (4) A block a century ahead, signed by its round's proposer and certified.
    let schedule = Schedule::new(def.masternodes.clone(), def.genesis_ms);
    let far = unix_millis() + 100 * 365 * 24 * 3600 * 1000;
    let proposer = schedule.proposer(tip.height + 1, 0).expect("a proposer");
    let future = Block::sign(
        key_of(&nodes, proposer).signing_key(),
        tip.height + 1,
        tip.hash(),
        far,
        0,
        vec![],
    );
    liar.say(Message::Blocks {
        blocks: vec![certified_by_all(&nodes, &def, &future)],
    });
    // (5) A block on the tip signed out of turn, certified.
    let usurper = *def
        .masternodes
        .iter()
        .find(|id| **id != proposer)
        .expect("another masternode");
    let out_of_turn = Block::sign(
        key_of(&nodes, usurper).signing_key(),
        tip.height + 1,
        tip.hash(),
        unix_millis(),
        0,
        vec![],
    );
    liar.say(Message::Blocks {
        blocks: vec![certified_by_all(&nodes, &def, &out_of_turn)],
    });

    let rejected = || nodes[0].log().matches("Rejected block").count();
    assert!(
        within(WITHIN, || async { rejected() >= 3 }).await.is_some(),
        "{}",
        nodes[0].log()
    );
    let log = nodes[0].log();
    for why in [
        "conflicts with final block",
        "is not the proposer",
        "ahead of our clock",
    ] {
        assert!(log.contains(why), "no rejection saying {why:?}:\n{log}");
    }
    // Nothing reverted or taken, on the attacked node or any other, and the
    // chain goes on once the paused nodes run again.
    assert_eq!(hashes(&nodes[0], tip.height).await, before);
    assert_eq!(height(&nodes[0]).await, Some(tip.height), "a lie was taken");
    nodes[2].signal(Signal::SIGCONT);
    nodes[3].signal(Signal::SIGCONT);
    assert!(
        within(WITHIN, || agree_at_least(&nodes, tip.height + 2))
            .await
            .is_some()
    );
    for node in &nodes[1..] {
        assert_eq!(hashes(node, tip.height).await, before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_liar_about_its_height_stalls_no_catch_up_and_forks_nothing() {
    let nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    assert!(within(WITHIN, || agree_at_least(&nodes, 3)).await.is_some());
    let lagging = &nodes[3];
    let announce = Message::Status {
        best_height: 1 << 63,
    };
    let before_pause = Linked::connect(&target(lagging), &outsider()).await;
    before_pause.say(announce.clone());

    let paused_at = height(lagging).await;
    lagging.signal(Signal::SIGSTOP);
    let others_ahead = || async {
        heights(&nodes[..3])
            .await
            .into_iter()
            .all(|h| h.is_some_and(|h| h >= paused_at.unwrap_or(0) + 5))
    };
    assert!(
        within(WITHIN, others_ahead).await.is_some(),
        "the others went on"
    );
    lagging.signal(Signal::SIGCONT);
    // Another liar links as soon as the node runs again.
    let after_pause = Linked::connect(&target(lagging), &outsider()).await;
    after_pause.say(announce);
    let goal = heights(&nodes[..3])
        .await
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0);
    let started = tokio::time::Instant::now();
    assert!(
        within(WITHIN, || async {
            height(lagging).await.is_some_and(|h| h >= goal)
        })
        .await
        .is_some(),
        "the paused node did not catch up: {:?}\n{}",
        heights(&nodes).await,
        lagging.log()
    );
    eprintln!(
        "caught up {} blocks in {:?}",
        goal - paused_at.unwrap_or(0),
        started.elapsed()
    );
    // Never forked: once every block it caught up on is final everywhere, all four
    // hold the same blocks.
    let all: Vec<&Node> = nodes.iter().collect();
    assert!(
        within(WITHIN, || async {
            common_final_height(&all).await.is_some_and(|f| f >= goal)
        })
        .await
        .is_some()
    );
    let reference = hashes(&nodes[0], goal).await;
    for node in &nodes[1..] {
        assert_eq!(hashes(node, goal).await, reference);
    }
}
