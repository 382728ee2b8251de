//! The RPC answers under a header siege: one address opens 2000 connections and
//! never finishes a request's headers (issue 22 saw 385 such connections keep
//! `/health` from answering for seconds on end). Each address may hold a few
//! connections; the rest are closed as soon as they are accepted, and the ones
//! held are closed after the header timeout. The node's accept queue is deeper
//! than the siege, so no newcomer's SYN is dropped: with tokio's default 1024,
//! `/health` sometimes waited the client's one-second SYN retransmission.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nix::sys::resource::{Resource, getrlimit, setrlimit};

use super::{WITHIN, stranger};
use crate::support::{Node, NodeSpec};

/// Connections of the siege.
const SIEGE: usize = 2000;

/// How long one of the siege's connects may wait for the node's queue.
const CONNECT_WITHIN: Duration = Duration::from_secs(5);

/// How long the node may take to close every connection of the siege.
const CLOSED_WITHIN: Duration = Duration::from_secs(40);

/// How long `/health` may take under the siege (issue 22). A dropped SYN costs
/// a second by itself; an answer otherwise takes milliseconds, tens on a loaded
/// box, so the bound holds with a wide margin unless a SYN is dropped.
const HEALTH_WITHIN: Duration = Duration::from_secs(1);

/// Raises this process's descriptor limit to hold the siege's sockets.
fn room_for(sockets: u64) {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit");
    let want = sockets + 256;
    if soft < want {
        assert!(
            hard >= want,
            "this test holds {sockets} sockets; the hard descriptor limit is {hard}"
        );
        setrlimit(Resource::RLIMIT_NOFILE, want, hard).expect("setrlimit");
    }
}

/// `/health` on a fresh connection, if it answers within the client's 2 s.
async fn health(node: &Node) -> Option<Duration> {
    testkit::siege::fresh_get(node.spec.rpc, "/health", Duration::from_secs(2)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_while_one_address_holds_2000_half_sent_requests() {
    room_for(SIEGE as u64);
    // The default header timeout: what a siege meets in production.
    let spec = NodeSpec::new();
    let node = Node::start(spec);
    assert!(
        testkit::wait::within(WITHIN, || async { health(&node).await.is_some() })
            .await
            .is_some()
    );
    let (node_rpc, from) = (node.spec.rpc, SocketAddr::new(stranger(80), 0));
    let started = tokio::time::Instant::now();
    // All at once, as an attacker would, and `/health` asked while they come:
    // once more are open than the node serves at once.
    let connected = Arc::new(AtomicUsize::new(0));
    let mut opening = tokio::task::JoinSet::new();
    for _ in 0..SIEGE {
        let connected = connected.clone();
        opening.spawn(async move {
            let stream = testkit::siege::half_sent(node_rpc, from, CONNECT_WITHIN).await;
            connected.fetch_add(usize::from(stream.is_some()), Ordering::Relaxed);
            stream
        });
    }
    let under_siege =
        testkit::wait::within(WITHIN, || async { connected.load(Ordering::Relaxed) > 300 }).await;
    assert!(under_siege.is_some(), "the siege's connections open");
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        // Before the per-address limit no request was answered within the
        // client's 2 s; before the deep accept queue, one in a few runs took
        // 1.02-1.04 s (a dropped SYN, resent after a second).
        let took = health(&node)
            .await
            .expect("/health under the siege: no answer within the client's 2 s");
        assert!(
            took < HEALTH_WITHIN,
            "/health under the siege took {took:?}, over {HEALTH_WITHIN:?}"
        );
        slowest = slowest.max(took);
    }
    let mut siege = Vec::with_capacity(SIEGE);
    while let Some(opened) = opening.join_next().await {
        siege.extend(opened.expect("connect task"));
    }
    let opened = siege.len();
    let deadline = started + CLOSED_WITHIN;
    let mut open = 0;
    for stream in &mut siege {
        if !testkit::siege::closed_by(stream, deadline).await {
            open += 1;
        }
    }
    assert_eq!(
        open, 0,
        "of {opened} connections, {open} still open after {CLOSED_WITHIN:?}"
    );
    eprintln!(
        "{opened} half-sent requests from one address: /health answered within {slowest:?}, all closed after {:?}",
        started.elapsed()
    );
}
