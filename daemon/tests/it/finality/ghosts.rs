//! Ghosts: a flood of tiny messages over one stranger link, and meanwhile
//! short-lived stranger links that announce a height of 2^64-1 and leave, done
//! to each node of a devnet in turn. Tried before, the peer-down events that
//! the flood made the node drop left peers behind that had gone, whose height
//! the node kept waiting for: the devnet stopped for minutes with no attacker
//! connected. Peer state now leaves with its link, exactly once: afterwards
//! every node holds state for its live links only (`/peers` and
//! `timed_sync_peers` both say three masternodes) and the chain finalizes on.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use testkit::wait::within;
use timed::testing::wire::Message;
use tokio::task::JoinHandle;

use crate::adversary::liar::{Linked, outsider};
use crate::adversary::{fleet, target};
use crate::support::{Node, wait_for_mesh};

/// Generous bound for anything that takes a few block intervals on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// Short-lived links per node.
const GHOSTS: usize = 24;

/// Short-lived links open at once.
const AT_ONCE: usize = 4;

/// Frames the flooder queues at once before waiting for the socket.
const BURST: usize = 256;

/// The height the ghosts announce.
const CLAIM: Message = Message::Status {
    best_height: u64::MAX,
};

/// A stranger linked to `node` sending statuses as fast as it reads them,
/// until `stop`.
async fn flooder(node: &Node, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    let linked = Linked::connect(&target(node), &outsider()).await;
    let frame = serde_json::to_vec(&Message::Status { best_height: 1 }).expect("encodes");
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            for _ in 1..BURST {
                linked.say_raw(frame.clone());
            }
            if !linked.say_raw_written(frame.clone()).await {
                return;
            }
        }
    })
}

/// A stranger that links to `node` from its own loopback address, announces
/// [`CLAIM`] and leaves once that is written; false if the node refused it.
async fn ghost(node: &Node) -> bool {
    let from = IpAddr::V4(testkit::net::random_ip());
    let Ok(linked) = Linked::connect_from(&target(node), &outsider(), from).await else {
        return false;
    };
    let claim = serde_json::to_vec(&CLAIM).expect("encodes");
    linked.say_raw_written(claim).await
}

/// What `node` holds about its peers: the live links `/peers` lists (all
/// masternodes?) and `timed_sync_peers`.
async fn peer_state(node: &Node) -> Option<(usize, bool, u64)> {
    let peers = node.peers().await?;
    let synced = node.metric("timed_sync_peers").await? as u64;
    Some((peers.len(), peers.iter().all(|p| p.masternode), synced))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_peer_state_outlives_its_link_under_a_flood() {
    let nodes = fleet();
    wait_for_mesh(&nodes, WITHIN).await.expect("mesh");
    let finalizing = || async { nodes[0].final_height().await.filter(|f| *f >= 2) };
    within(WITHIN, finalizing).await.expect("finality");
    let mut linked = 0;
    for node in &nodes {
        let stop = Arc::new(AtomicBool::new(false));
        let flood = flooder(node, stop.clone()).await;
        for _ in 0..GHOSTS / AT_ONCE {
            let wave: Vec<_> = (0..AT_ONCE).map(|_| ghost(node)).collect();
            linked += futures_util::future::join_all(wave)
                .await
                .into_iter()
                .filter(|l| *l)
                .count();
        }
        stop.store(true, Ordering::Relaxed);
        flood.abort();
        let _ = flood.await;
    }
    assert!(linked >= GHOSTS, "too few ghosts linked: {linked}");

    // No attacker connected: every node holds its three masternode links and
    // nothing else, on the wire and in the chain.
    let settled = || async {
        let mut states = Vec::new();
        for node in &nodes {
            states.push(peer_state(node).await);
        }
        let clean = states.iter().all(|s| *s == Some((3, true, 3)));
        (clean, states)
    };
    let outcome = within(WITHIN, || async {
        let (clean, states) = settled().await;
        clean.then_some(states)
    })
    .await;
    let (_, states) = settled().await;
    assert!(
        outcome.is_some(),
        "peer state outlived its link ((links, all masternodes, timed_sync_peers) per node): \
         {states:?}"
    );
    let start = nodes[0].final_height().await.unwrap_or(0);
    let grows = || async {
        let mut all = true;
        for node in &nodes {
            all &= node.final_height().await.is_some_and(|f| f >= start + 3);
        }
        all
    };
    assert!(
        within(WITHIN, grows).await.is_some(),
        "finality stopped after the attack:\n{}",
        nodes[0].log()
    );
}
