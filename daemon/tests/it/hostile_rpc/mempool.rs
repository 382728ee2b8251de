//! Mempool floods: over RPC, and gossiped by linked peers.

use std::time::Duration;

use serde_json::{Value, json};
use timecoin_shared::rpc::ErrorBody;
use timed::testing::chain::Tx;
use timed::testing::wire::Message;

use testkit::wait::within;

use super::{WITHIN, client, lone_node, metric, proc_status, rpc_up};
use crate::adversary::liar::{Linked, outsider};
use crate::adversary::target;
use crate::support::Node;

/// A transaction of about 60 KB, tagged with who sent it.
fn big_tx(from: &str, n: usize) -> Value {
    json!({"from": from, "n": n, "pad": "x".repeat(60_000)})
}

/// Resident memory of the process in KiB.
fn rss_kib(node: &Node) -> u64 {
    proc_status(node, "VmRSS:")
        .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// The mempool bound of these tests: 2 MiB, about 34 of the transactions.
const POOL: u64 = 2 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rpc_flood_stays_within_the_mempool_bytes_and_gets_503() {
    let node = lone_node(&["--mempool-bytes", &POOL.to_string()]);
    rpc_up(&node).await;
    let before = rss_kib(&node);
    let http = client();
    let url = format!("http://{}/tx", node.spec.rpc);
    // 4 clients, 60 MB in all: thirty times the pool.
    let mut clients = Vec::new();
    for c in 0..4 {
        let (http, url) = (http.clone(), url.clone());
        clients.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            let mut full_reason = None;
            for n in 0..250 {
                let resp = http
                    .post(&url)
                    .json(&big_tx(&format!("rpc{c}"), n))
                    .send()
                    .await
                    .expect("answer");
                let status = resp.status().as_u16();
                if status == 503 {
                    let body: ErrorBody = resp.json().await.expect("json error");
                    full_reason = Some(body.error);
                }
                statuses.push(status);
            }
            (statuses, full_reason)
        }));
    }
    let mut accepted = 0;
    let mut reason = None;
    for c in clients {
        let (statuses, full) = c.await.expect("client");
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 503),
            "{statuses:?}"
        );
        accepted += statuses.iter().filter(|s| **s == 200).count();
        reason = reason.or(full);
    }
    let reason = reason.expect("some submissions were refused");
    assert!(reason.contains("mempool is full"), "{reason}");
    let used = metric(&node, "timed_mempool_bytes").await.expect("metric");
    assert!(used as u64 <= POOL, "{used} bytes pending over {POOL}");
    assert!(
        (accepted as u64) * 60_000 <= POOL,
        "{accepted} transactions accepted"
    );
    let pending = node.consensus().await.expect("info").pending_transactions;
    assert_eq!(pending, accepted, "every 200 is pending");
    let refused = metric(&node, "timed_txs_refused_full_total").await;
    assert_eq!(refused, Some((1000 - accepted) as f64));
    let after = rss_kib(&node);
    eprintln!("RPC flood of 60 MB: resident {before} KiB -> {after} KiB");
    assert!(
        after < before + 48 * 1024,
        "resident memory grew from {before} to {after} KiB"
    );
}

/// Whether `msg` is a transaction sent by `who`.
fn tx_from(msg: &Message, who: &str) -> bool {
    let Message::Tx { tx } = msg else {
        return false;
    };
    let value: Value = serde_json::from_str(tx.as_ref().as_str()).expect("a transaction's text");
    value["from"] == who
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gossip_flood_stays_within_bytes_and_rate_and_is_never_echoed() {
    let node = lone_node(&["--mempool-bytes", &POOL.to_string()]);
    rpc_up(&node).await;
    let before = rss_kib(&node);
    let mut peers = Vec::new();
    for _ in 0..2 {
        peers.push(Linked::connect(&target(&node), &outsider()).await);
    }
    let linked = || async {
        node.consensus()
            .await
            .is_some_and(|c| c.connected_peers == 2)
    };
    assert!(within(WITHIN, linked).await.is_some(), "both peers linked");
    // Relaying works: a first transaction from peer1 reaches peer0.
    peers[1].say(Message::Tx {
        tx: Tx::from_value(&json!({"from": "peer1", "n": "first"})).expect("a transaction"),
    });
    let mut heard: Vec<Vec<Message>> = vec![Vec::new(), Vec::new()];
    loop {
        let msg = peers[0].hear(WITHIN).await.expect("peer0 hears the relay");
        let relayed = tx_from(&msg, "peer1");
        heard[0].push(msg);
        if relayed {
            break;
        }
    }
    // Each peer sends 300 transactions (18 MB) as fast as its socket takes them.
    for (p, peer) in peers.iter().enumerate() {
        for n in 0..300 {
            peer.say(Message::Tx {
                tx: Tx::from_value(&big_tx(&format!("peer{p}"), n)).expect("a transaction"),
            });
        }
    }
    // A request the node answers after handling every message before it: once each
    // peer has its answer, anything echoed to it would already have arrived.
    for (p, peer) in peers.iter_mut().enumerate() {
        let deadline = tokio::time::Instant::now() + WITHIN * 2;
        'answered: loop {
            peer.say(Message::GetBlocks { from: 1, limit: 1 });
            while let Some(msg) = peer.hear(Duration::from_secs(2)).await {
                if matches!(msg, Message::Blocks { .. }) {
                    break 'answered;
                }
                heard[p].push(msg);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "peer{p} got no answer"
            );
        }
    }
    for (p, messages) in heard.iter().enumerate() {
        let own = format!("peer{p}");
        assert!(
            !messages.iter().any(|m| tx_from(m, &own)),
            "peer{p} got its own transaction back"
        );
    }
    let used = metric(&node, "timed_mempool_bytes").await.expect("metric");
    assert!(used as u64 <= POOL, "{used} bytes pending over {POOL}");
    let over_rate = metric(&node, "timed_txs_over_peer_rate_total").await;
    let full = metric(&node, "timed_txs_refused_full_total").await;
    assert!(
        over_rate.is_some_and(|n| n > 0.0),
        "the per-peer rate never applied"
    );
    eprintln!("gossip flood: over rate {over_rate:?}, refused full {full:?}");
    let after = rss_kib(&node);
    eprintln!("gossip flood of 36 MB: resident {before} KiB -> {after} KiB");
    assert!(
        after < before + 48 * 1024,
        "resident memory grew from {before} to {after} KiB"
    );
}
