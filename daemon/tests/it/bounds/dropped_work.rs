//! Dropped work is visible: `/metrics` of a real node, read after each kind of
//! it is provoked, counts frames that did not decode, proofs that failed,
//! connections ended by reason (labels `by` and `reason`), and frames and
//! events dropped (label `what`), in the Prometheus text format.

use std::net::SocketAddr;

use serde_json::json;
use timecoin_shared::wire::DisconnectReason;
use timed::testing::chain::Tx;
use timed::testing::net::channel;
use timed::testing::wire::Message;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

use super::{WITHIN, stranger};
use crate::adversary::liar::{Linked, handshaken, id_of, impersonate, outsider};
use crate::adversary::target;
use crate::support::{Node, NodeSpec};

/// The sample of `name` with exactly `labels` (`a="b",c="d"`, empty for none).
async fn sample(node: &Node, name: &str, labels: &str) -> Option<f64> {
    let (_, text) = node.get_raw("/metrics").await?;
    let series = if labels.is_empty() {
        name.to_owned()
    } else {
        format!("{name}{{{labels}}}")
    };
    text.lines()
        .find_map(|line| line.strip_prefix(&series)?.strip_prefix(' ')?.parse().ok())
}

/// Waits until the sample is at least `min`.
async fn reaches(node: &Node, name: &str, labels: &str, min: f64) -> bool {
    testkit::wait::within(WITHIN, || async {
        sample(node, name, labels).await.is_some_and(|v| v >= min)
    })
    .await
    .is_some()
}

/// A node with the keepalive long enough for a peer that never reads to stay
/// linked through a flood, and a gossip rate and mempool that take the flood.
fn node() -> Node {
    let mut spec = NodeSpec::new();
    spec.args = [
        "--handshake-timeout",
        "2s",
        "--tx-gossip-rate",
        "1073741824",
        "--mempool-bytes",
        "268435456",
    ]
    .map(String::from)
    .to_vec();
    Node::start(spec)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_decode_failures_auth_failures_disconnects_and_drops() {
    let node = node();
    assert!(
        testkit::wait::within(WITHIN, || async { node.consensus().await.is_some() })
            .await
            .is_some()
    );
    let t = target(&node);
    let disconnects = "timed_disconnects_total";

    // A frame that is not JSON, in a channel.
    let stream = TcpStream::connect(node.spec.p2p).await.expect("connect");
    let mut garbage = channel::dial(stream).await.expect("channel");
    garbage
        .write_all(&[
            0, 0, 0, 9, b'{', b'n', b'o', b't', b' ', b'j', b's', b'o', b'n',
        ])
        .await
        .expect("write");
    garbage.flush().await.expect("flush");
    assert!(reaches(&node, "timed_decode_failures_total", "", 1.0).await);
    assert!(
        reaches(
            &node,
            disconnects,
            r#"by="us",reason="protocol_error""#,
            1.0
        )
        .await
    );

    // A claim to be another node, and a handshake for another network.
    let key = outsider();
    let other = id_of(&outsider());
    assert_eq!(
        impersonate(&t, other, &key).await,
        Some(DisconnectReason::AuthFailed)
    );
    assert!(reaches(&node, "timed_auth_failures_total", "", 1.0).await);
    assert!(reaches(&node, disconnects, r#"by="us",reason="auth_failed""#, 1.0).await);
    let mut elsewhere = t.clone();
    elsewhere.network = "elsewhere".into();
    assert_eq!(
        impersonate(&elsewhere, id_of(&key), &key).await,
        Some(DisconnectReason::WrongNetwork)
    );
    assert!(reaches(&node, disconnects, r#"by="us",reason="wrong_network""#, 1.0).await);

    // Silent sockets from one address: over its handshake share they are
    // refused at once, the rest time out.
    let mut silent = Vec::new();
    for _ in 0..12 {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.bind(SocketAddr::new(stranger(90), 0)).expect("bind");
        silent.push(socket.connect(node.spec.p2p).await.expect("connect"));
    }
    assert!(
        reaches(
            &node,
            disconnects,
            r#"by="us",reason="too_many_connections""#,
            4.0
        )
        .await
    );
    assert!(
        reaches(
            &node,
            disconnects,
            r#"by="us",reason="handshake_timeout""#,
            8.0
        )
        .await
    );

    // One peer floods transactions, another never reads what the node relays
    // to it: its queue fills and the rest is dropped.
    let deaf = handshaken(&t, &outsider(), None).await.expect("linked");
    let flooder = Linked::connect(&t, &outsider()).await;
    let linked = || async {
        node.consensus()
            .await
            .is_some_and(|c| c.connected_peers == 2)
    };
    assert!(testkit::wait::within(WITHIN, linked).await.is_some());
    for n in 0..400 {
        flooder.say(Message::Tx {
            tx: Tx::from_value(&json!({"n": n, "pad": "x".repeat(60_000)})).expect("a transaction"),
        });
    }
    assert!(reaches(&node, "timed_dropped_total", r#"what="frames""#, 1.0).await);
    // Tiny transactions faster than the chain takes them: its queue overflows
    // (height hints would not: each node's latest waits in a slot of its own).
    // The flood goes on in rounds until the drop is counted: how many it takes
    // depends on how fast this machine lets the chain drain its queue (one
    // round of 50 000 was once not enough on a loaded box). Each round is
    // written before the next is queued, so the test's own queue stays bounded.
    let tiny = |n: u64| Message::Tx {
        tx: Tx::from_value(&json!({ "n": n })).expect("a transaction"),
    };
    // Numbered on across rounds: a transaction seen before is not news.
    let sent = std::cell::Cell::new(0u64);
    let overflowed = || async {
        let first = sent.get();
        sent.set(first + 25_001);
        for n in first..first + 25_000 {
            flooder.say(tiny(n));
        }
        flooder.say_written(tiny(first + 25_000)).await;
        sample(&node, "timed_dropped_total", r#"what="events""#)
            .await
            .is_some_and(|dropped| dropped >= 1.0)
    };
    assert!(testkit::wait::within(WITHIN, overflowed).await.is_some());

    // The flooder leaves: the node counts a close by the peer, "closed", or
    // "reset" when the flooder's socket still held bytes the node had sent it
    // (the kernel then ends the connection with a reset).
    let by_peer = || async {
        let mut total = 0.0;
        for reason in ["closed", "reset"] {
            let labels = format!(r#"by="peer",reason="{reason}""#);
            total += sample(&node, disconnects, &labels).await.unwrap_or(0.0);
        }
        total
    };
    let before = by_peer().await;
    drop(flooder);
    let counted = || async { (by_peer().await > before).then_some(()) };
    assert!(testkit::wait::within(WITHIN, counted).await.is_some());
    drop((garbage, silent, deaf));
    eprintln!(
        "{}",
        node.get_raw("/metrics")
            .await
            .map(|(_, text)| text)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("timed_dropped") || l.starts_with("timed_disconnects"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
