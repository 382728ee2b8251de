//! The mempool keeps serving honest clients under a flood: four stranger links
//! gossip large transactions for as long as the test runs, which fills the pool
//! (issue 22: then every client's `POST /tx` was refused), and at most 1 % of
//! 500 small client submissions are refused: a full pool evicts the newest of
//! the origin holding the most, which is a flooder, never the clients.

use std::time::Duration;

use serde_json::json;
use timed::testing::chain::Tx;
use timed::testing::wire::Message;

use super::WITHIN;
use crate::adversary::liar::{Linked, outsider};
use crate::adversary::target;
use crate::support::{NetworkDef, Node, network_specs};

/// The pool of this test: 4 MiB, about seventy of the flood's transactions.
const POOL: u64 = 4 * 1024 * 1024;

/// Client submissions, and how many of them may be refused (1 %).
const HONEST: usize = 500;
const MAY_REFUSE: usize = HONEST / 100;

/// A masternode that never produces (its network needs two and only it runs),
/// so nothing leaves its mempool but evictions.
fn lone_node() -> Node {
    let def = NetworkDef {
        min_masternodes: 2,
        block_interval: "1s",
    };
    let mut spec = network_specs(2, def).swap_remove(0);
    spec.peers.clear();
    spec.args
        .extend(["--mempool-bytes", &POOL.to_string()].map(String::from));
    Node::start(spec)
}

/// One sample of `GET /metrics`.
async fn metric(node: &Node, series: &str) -> Option<f64> {
    let (_, text) = node.get_raw("/metrics").await?;
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_four_stranger_links_refuses_at_most_one_percent_of_clients() {
    let node = lone_node();
    let up = testkit::wait::within(WITHIN, || async { node.consensus().await.is_some() });
    assert!(up.await.is_some());
    let t = target(&node);
    let mut flood = Vec::new();
    for p in 0..4 {
        let peer = Linked::connect(&t, &outsider()).await;
        flood.push(tokio::spawn(async move {
            for n in 0.. {
                peer.say(Message::Tx {
                    tx: Tx::from_value(&json!({"flood": p, "n": n, "pad": "x".repeat(60_000)}))
                        .expect("a transaction"),
                });
                if n % 8 == 7 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }));
    }
    let full = testkit::wait::within(WITHIN, || async {
        metric(&node, "timed_mempool_bytes")
            .await
            .is_some_and(|used| used >= 0.9 * POOL as f64)
    })
    .await;
    assert!(full.is_some(), "the flood fills the pool");

    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let url = format!("http://{}/tx", node.spec.rpc);
    let mut refused = 0;
    for n in 0..HONEST {
        let sent = http
            .post(&url)
            .json(&json!({"client": n, "memo": "an honest payment"}))
            .send()
            .await
            .expect("an answer");
        if !sent.status().is_success() {
            refused += 1;
        }
    }
    let evicted = metric(&node, r#"timed_dropped_total{what="txs_evicted"}"#).await;
    let used = metric(&node, "timed_mempool_bytes").await;
    for task in &flood {
        task.abort();
    }
    eprintln!(
        "flood from 4 links into a {POOL}-byte pool: {refused} of {HONEST} client submissions refused, {evicted:?} flood entries evicted"
    );
    assert!(
        refused <= MAY_REFUSE,
        "{refused} of {HONEST} client submissions refused under the flood"
    );
    assert!(
        used.is_some_and(|u| u <= POOL as f64),
        "{used:?} bytes over the pool"
    );
    let pending = node.consensus().await.expect("info").pending_transactions;
    assert!(
        pending >= HONEST - refused,
        "the clients' transactions are pending"
    );
}
