//! Block rounds on a paused tokio clock: the quorum gate, production by the
//! scheduled leader, and a transaction's way from pending into a block (final
//! needs a quorum's certificate: the process and finality tests show that).
//!
//! The peers here are ids with no node behind them (a fixed stand-in for the P2P
//! layer): these tests are about one node's timer and bookkeeping, and the paused
//! clock makes every interval exact with no real waiting.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use serde_json::json;
use timecoin_shared::wire::NodeId;
use timed::testing::chain::{
    Chain, ChainConfig, Gossip, Schedule, Store, TxStatus, run_rounds, skip_message, unix_millis,
};
use timed::testing::wire::Message;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Fixed {
    active: Mutex<Vec<NodeId>>,
    sent: Mutex<Vec<Message>>,
}

impl Gossip for Fixed {
    fn broadcast(&self, msg: Message) {
        self.sent.lock().expect("sent").push(msg);
    }
    fn relay(&self, msg: Message, _except: &NodeId) {
        self.broadcast(msg);
    }
    fn send_to(&self, _peer: &NodeId, msg: Message) -> bool {
        self.sent.lock().expect("sent").push(msg);
        true
    }
    fn active_masternodes(&self) -> Vec<NodeId> {
        self.active.lock().expect("active").clone()
    }
    fn set_best_height(&self, _height: u64) {}
}

impl Fixed {
    fn sent_of(&self, kind: &str) -> usize {
        self.sent
            .lock()
            .expect("sent")
            .iter()
            .filter(|m| m.kind() == kind)
            .count()
    }
}

/// Wall-clock milliseconds that follow tokio's (paused) clock from `start_ms`.
fn paused_clock(start_ms: u64) -> impl Fn() -> u64 + Send {
    let t0 = tokio::time::Instant::now();
    move || start_ms + u64::try_from(t0.elapsed().as_millis()).expect("ms fit")
}

/// This node and two peers, the network definition's three masternodes, with
/// genesis at `genesis_ms` and a 1 s interval.
fn node_at(genesis_ms: u64) -> (Arc<Chain>, Arc<Fixed>, NodeId) {
    let key = SigningKey::from_bytes(&[42; 32]);
    let me = NodeId(key.verifying_key().to_bytes());
    let gossip = Arc::new(Fixed::default());
    *gossip.active.lock().expect("active") = vec![me];
    let config = ChainConfig {
        min_masternodes: 3,
        masternode: true,
        schedule: Schedule::new(with_peers(me), Duration::from_secs(1), genesis_ms),
        certifier: None,
    };
    let chain = Chain::new(
        key,
        config,
        Store::in_memory("devnet").expect("store"),
        gossip.clone(),
    )
    .expect("chain");
    (Arc::new(chain), gossip, me)
}

fn node() -> (Arc<Chain>, Arc<Fixed>, NodeId) {
    node_at(unix_millis())
}

fn with_peers(me: NodeId) -> Vec<NodeId> {
    let mut ids = vec![me, NodeId([1; 32]), NodeId([2; 32])];
    ids.sort();
    ids
}

#[test]
fn the_skip_line_is_the_contract_phrase() {
    assert_eq!(
        skip_message(2, 3),
        "Skipping block production: only 2 masternodes active (minimum 3 required)"
    );
}

#[tokio::test(start_paused = true)]
async fn rounds_skip_below_quorum_and_produce_once_it_returns() {
    let start = unix_millis();
    let (chain, gossip, me) = node_at(start);
    let shutdown = CancellationToken::new();
    let rounds = tokio::spawn(run_rounds(
        chain.clone(),
        paused_clock(start),
        shutdown.clone(),
    ));

    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(
        chain
            .counters()
            .skipped_rounds
            .load(std::sync::atomic::Ordering::Relaxed),
        3
    );
    assert_eq!(chain.info().height, 0, "no block without a quorum");
    assert_eq!(gossip.sent_of("block"), 0);

    *gossip.active.lock().expect("active") = with_peers(me);
    // Within three rounds at one height every member leads once (failover).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let height = chain.info().height;
    assert!(height >= 1, "the node produced when its turn came");
    assert_eq!(
        gossip.sent_of("block") as u64,
        height,
        "every block it produced was gossiped"
    );
    assert_eq!(
        chain
            .counters()
            .skipped_rounds
            .load(std::sync::atomic::Ordering::Relaxed),
        3
    );

    shutdown.cancel();
    rounds.await.expect("rounds task");
}

#[tokio::test(start_paused = true)]
async fn a_transaction_goes_from_pending_into_a_block_and_resubmitting_changes_nothing() {
    let start = unix_millis();
    let (chain, gossip, me) = node_at(start);
    *gossip.active.lock().expect("active") = with_peers(me);
    let tx = json!({"from": "alice", "to": "bob", "amount": 5});
    let (id, status) = chain.submit_tx(tx.clone()).expect("submit");
    assert_eq!(status, TxStatus::Pending);
    let (again, status) = chain.submit_tx(tx.clone()).expect("resubmit");
    assert_eq!((again, status), (id, TxStatus::Pending));
    assert_eq!(gossip.sent_of("tx"), 1, "gossiped once");
    assert_eq!(chain.info().pending_transactions, 1);

    let shutdown = CancellationToken::new();
    let rounds = tokio::spawn(run_rounds(
        chain.clone(),
        paused_clock(start),
        shutdown.clone(),
    ));
    // Alone among three, the node leads one round in three: 45 rounds give ~15 blocks.
    tokio::time::sleep(Duration::from_millis(45_500)).await;
    shutdown.cancel();
    rounds.await.expect("rounds task");

    let info = chain.info();
    assert!(info.height > 6, "height {}", info.height);
    assert_eq!(info.pending_transactions, 0);
    // However deep, a block without a certificate is not final.
    assert_eq!(info.final_height, 0);
    assert_eq!(info.finalized_transactions, 0);
    let (_, status) = chain.submit_tx(tx).expect("resubmit after inclusion");
    assert_eq!(status, TxStatus::Included { height: 1 });
    assert_eq!(
        chain.info().pending_transactions,
        0,
        "resubmitting changed nothing"
    );
}

#[test]
fn bad_transactions_are_refused_with_a_reason() {
    let (chain, _, _) = node();
    let err = chain
        .submit_tx(json!([1, 2, 3]))
        .expect_err("array refused");
    assert!(err.to_string().contains("JSON object"), "{err}");
    let err = chain
        .submit_tx(json!({"pad": "x".repeat(70_000)}))
        .expect_err("oversize refused");
    assert!(err.to_string().contains("limit"), "{err}");
}
