//! Links cannot be relayed (issue 22), against real `timed` processes: an
//! adversary at an address a node dials sits between two honest nodes.
//! - Opening a channel to each (terminating both) and passing their frames
//!   across, it gets no link: each node's proof signs its own channel's hash,
//!   so the dialer refuses the acceptor's proof, in both directions.
//! - Passing their bytes through untouched, it carries an honest link it cannot
//!   read; the first record it injects, replays or reorders ends that link,
//!   counted in `/metrics` as an authentication failure.
//! - With the id expected at an address configured (`--peer ID@ADDR`), the
//!   dialer refuses another node answering there, with a log line naming both.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use testkit::wait::within;
use timed::testing::net::MessageCodec;
use timed::testing::net::channel;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::codec::Framed;

use crate::support::{NetworkDef, Node, NodeSpec, network_specs};

/// Generous bound for anything that takes a few seconds on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// Masternodes of one network that dial no one.
fn nodes(n: usize) -> Vec<NodeSpec> {
    let def = NetworkDef {
        min_masternodes: 2,
        block_interval: "1s",
    };
    let mut specs = network_specs(n, def);
    for spec in &mut specs {
        spec.peers.clear();
    }
    specs
}

/// A listener of the adversary's own on loopback.
async fn listen() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    (listener, addr)
}

/// Accepts each connection, opens a channel with it and another with `to`,
/// and passes every frame across (decoded and re-encoded).
async fn terminating_relay(listener: TcpListener, to: SocketAddr) {
    while let Ok((from, _)) = listener.accept().await {
        tokio::spawn(async move {
            let Ok(secure) = channel::accept(from).await else {
                return;
            };
            let mut near = Framed::new(secure, MessageCodec::default());
            let Ok(stream) = TcpStream::connect(to).await else {
                return;
            };
            let Ok(mut far) = channel::connect(stream).await else {
                return;
            };
            loop {
                let moved = tokio::select! {
                    msg = near.next() => match msg {
                        Some(Ok(msg)) => far.send(&msg).await.is_ok(),
                        _ => false,
                    },
                    msg = far.next() => match msg {
                        Some(Ok(msg)) => near.send(&msg).await.is_ok(),
                        _ => false,
                    },
                };
                if !moved {
                    return;
                }
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_opens_both_channels_gets_no_link() {
    let [mut a, mut b]: [NodeSpec; 2] = nodes(2).try_into().expect("two");
    let (to_b, via_a) = listen().await;
    let (to_a, via_b) = listen().await;
    tokio::spawn(terminating_relay(to_b, b.p2p));
    tokio::spawn(terminating_relay(to_a, a.p2p));
    // Each believes the relay's address is the other's.
    a.peers = vec![via_a];
    b.peers = vec![via_b];
    let (a, b) = (Node::start(a), Node::start(b));
    for (node, other) in [(&a, &b), (&b, &a)] {
        let refused = format!(
            "peer claiming {} did not prove it holds that key",
            other.spec.node_id
        );
        let seen = within(WITHIN, || async {
            node.log().matches(&refused).count() >= 3
        })
        .await
        .is_some();
        assert!(
            seen,
            "the relayed proof is refused again and again:\n{}",
            node.log()
        );
    }
    for node in [&a, &b] {
        let peers = node.consensus().await.expect("answers").connected_peers;
        assert_eq!(peers, 0, "no link through the relay:\n{}", node.log());
        assert!(
            !node.log().contains("Handshake completed"),
            "{}",
            node.log()
        );
    }
}

/// What the pass-through relay does to the next record from the dialer once
/// told to.
#[derive(Clone, Copy, Debug)]
enum Tamper {
    /// Sends a record of its own making first.
    Inject,
    /// Sends the record, then the same again.
    Replay,
    /// Holds the record back and sends the one after it first.
    Reorder,
}

/// Reads one `u16`-length-prefixed message (a Noise handshake message or a
/// record), prefix included.
async fn record(from: &mut (impl AsyncReadExt + Unpin)) -> Option<Vec<u8>> {
    let mut head = [0u8; 2];
    from.read_exact(&mut head).await.ok()?;
    let mut record = head.to_vec();
    record.resize(2 + usize::from(u16::from_be_bytes(head)), 0);
    from.read_exact(&mut record[2..]).await.ok()?;
    Some(record)
}

/// Passes each connection's bytes to `to` and back untouched, record by record
/// towards `to`; each connection's tamper orders arrive on a channel of its
/// own, whose sender goes to `connections` once both ends are connected.
async fn passing_relay(
    listener: TcpListener,
    to: SocketAddr,
    connections: mpsc::UnboundedSender<mpsc::Sender<Tamper>>,
) {
    while let Ok((near, _)) = listener.accept().await {
        let Ok(far) = TcpStream::connect(to).await else {
            continue;
        };
        let (orders, mut received) = mpsc::channel(1);
        if connections.send(orders).is_err() {
            return;
        }
        tokio::spawn(async move {
            let (mut near_read, mut near_write) = near.into_split();
            let (mut far_read, mut far_write) = far.into_split();
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut far_read, &mut near_write).await;
            });
            loop {
                // The dialer's Noise opening first, then its records.
                let next = tokio::select! {
                    biased;
                    next = record(&mut near_read) => Ok(next),
                    order = received.recv() => Err(order),
                };
                let out = match next {
                    Ok(Some(record)) => record,
                    Ok(None) | Err(None) => return,
                    Err(Some(Tamper::Inject)) => {
                        let mut forged = 40u16.to_be_bytes().to_vec();
                        forged.extend((0..40).map(|_| fastrand::u8(..)));
                        forged
                    }
                    Err(Some(Tamper::Replay)) => {
                        let Some(record) = record(&mut near_read).await else {
                            return;
                        };
                        [record.clone(), record].concat()
                    }
                    Err(Some(Tamper::Reorder)) => {
                        let (Some(first), Some(second)) =
                            (record(&mut near_read).await, record(&mut near_read).await)
                        else {
                            return;
                        };
                        [second, first].concat()
                    }
                };
                if far_write.write_all(&out).await.is_err() {
                    return;
                }
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_injects_replays_or_reorders_a_record_ends_the_link() {
    let [mut a, b]: [NodeSpec; 2] = nodes(2).try_into().expect("two");
    let (listener, via) = listen().await;
    let (connections, mut relayed) = mpsc::unbounded_channel();
    tokio::spawn(passing_relay(listener, b.p2p, connections));
    a.peers = vec![via];
    let (a, b) = (Node::start(a), Node::start(b));
    let lost = "failed authentication (injected, replayed or reordered)";
    let accepted = "Handshake accepted from";
    for (done, tamper) in [Tamper::Inject, Tamper::Replay, Tamper::Reorder]
        .into_iter()
        .enumerate()
    {
        // An honest link through the relay (the `done + 1`th the node accepted):
        // it carries what the relay cannot read.
        let linked = || async {
            b.log().matches(accepted).count() > done
                && b.consensus().await.is_some_and(|c| c.connected_peers == 1)
        };
        assert!(
            within(WITHIN, linked).await.is_some(),
            "linked through the relay before {tamper:?}:\n{}",
            a.log()
        );
        // The connection that carries it is the last the relay made.
        let mut orders = relayed.recv().await.expect("a relayed connection");
        while let Ok(later) = relayed.try_recv() {
            orders = later;
        }
        orders.send(tamper).await.expect("relay listening");
        let ended = within(WITHIN, || async { b.log().matches(lost).count() > done })
            .await
            .is_some();
        assert!(ended, "{tamper:?} ends the link:\n{}", b.log());
    }
    assert_eq!(b.log().matches(lost).count(), 3, "{}", b.log());
    // Each counted as an authentication failure, and as a link we ended for it.
    let (_, metrics) = b.get_raw("/metrics").await.expect("metrics");
    let sample = |series: &str| {
        metrics.lines().find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .parse::<f64>()
                .ok()
        })
    };
    assert_eq!(sample("timed_auth_failures_total"), Some(3.0), "{metrics}");
    assert_eq!(
        sample(r#"timed_disconnects_total{by="us",reason="auth_failed"}"#),
        Some(3.0),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_node_at_a_configured_address_is_refused_by_name() {
    let [mut a, b, stranger]: [NodeSpec; 3] = nodes(3).try_into().expect("three");
    let wrong = stranger.node_id;
    // A expects node B at the address where the stranger listens.
    a.args
        .extend(["--peer".into(), format!("{}@{}", b.node_id, stranger.p2p)]);
    let (a, _stranger) = (Node::start(a), Node::start(stranger));
    let line = format!(
        "node {wrong} answered where the configuration expects node {}",
        b.node_id
    );
    assert!(
        a.logs_within(&line, WITHIN).await,
        "refused with a line naming both:\n{}",
        a.log()
    );
    assert_eq!(
        a.consensus().await.expect("answers").connected_peers,
        0,
        "{}",
        a.log()
    );
    drop(b);
}
