//! The in-process entry point the chain and the simulation build on: two P2P layers
//! started with `net::start` over real loopback TCP exchange application messages,
//! raise peer-up/-down events, and drain on shutdown.

use std::time::Duration;

use timecoin_shared::wire::NodeId;
use timed::Identity;
use timed::testing::Definition;
use timed::testing::chain::{Block, Certified, Hash32, Tx};
use timed::testing::net::{self, Inbox, NetEvent, NetSettings, Network, TcpAcceptor, TcpDialer};
use timed::testing::wire::Message;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const WITHIN: Duration = Duration::from_secs(10);

/// The network both nodes of a test share: both are its masternodes.
fn network(ids: &[&Identity]) -> Definition {
    let mut masternodes: Vec<NodeId> = ids.iter().map(|i| i.node_id()).collect();
    masternodes.sort();
    Definition {
        name: "apitest".into(),
        masternodes,
        min_masternodes: 1,
        block_interval: Duration::from_secs(1),
        genesis_ms: 0,
    }
}

async fn node(
    identity: &Identity,
    network: &Definition,
    peers: Vec<std::net::SocketAddr>,
    seed: u64,
) -> (Network, Inbox, CancellationToken, std::net::SocketAddr) {
    node_with(identity, network, peers, seed, |_| {}).await
}

/// Stops `peers` (as [`node`] returns them), then `node` itself, each
/// draining within the deadline.
async fn stop_all(
    peers: &[(Network, Inbox, CancellationToken, std::net::SocketAddr)],
    node: &Network,
    stop: &CancellationToken,
) {
    for (peer, _, peer_stop, _) in peers {
        peer_stop.cancel();
        tokio::time::timeout(WITHIN, peer.closed())
            .await
            .expect("peer drains");
    }
    stop.cancel();
    tokio::time::timeout(WITHIN, node.closed())
        .await
        .expect("node drains");
}

/// [`node`] with `tweak` applied to its settings.
async fn node_with(
    identity: &Identity,
    network: &Definition,
    peers: Vec<std::net::SocketAddr>,
    seed: u64,
    tweak: impl FnOnce(&mut NetSettings),
) -> (Network, Inbox, CancellationToken, std::net::SocketAddr) {
    let ip = testkit::net::random_ip();
    let listener = TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut settings = NetSettings::for_definition(network, addr.port());
    settings.peers = peers;
    settings.rng_seed = seed;
    settings.ping_interval = Duration::from_millis(100);
    tweak(&mut settings);
    let shutdown = CancellationToken::new();
    let (net, events) = net::start(
        settings,
        identity,
        TcpAcceptor(listener),
        TcpDialer::default(),
        shutdown.clone(),
    );
    (net, events, shutdown, addr)
}

async fn next_event(events: &mut Inbox, want: impl Fn(&NetEvent) -> bool) -> NetEvent {
    let wait = async {
        loop {
            let event = events.recv().await.expect("events open");
            if want(&event) {
                return event;
            }
        }
    };
    tokio::time::timeout(WITHIN, wait)
        .await
        .expect("event in time")
}

#[tokio::test]
async fn messages_and_peer_events_flow_through_the_public_api() {
    let (id_a, id_b) = (
        Identity::generate().expect("identity"),
        Identity::generate().expect("identity"),
    );
    let def = network(&[&id_a, &id_b]);
    let (a, mut a_events, a_stop, a_addr) = node(&id_a, &def, Vec::new(), 1).await;
    let (b, mut b_events, b_stop, _) = node(&id_b, &def, vec![a_addr], 2).await;
    b.set_best_height(7);

    let up = next_event(&mut a_events, |e| matches!(e, NetEvent::PeerUp(_))).await;
    let NetEvent::PeerUp(peer) = up else {
        unreachable!()
    };
    assert_eq!(peer.node_id, b.node_id());
    assert_eq!(peer.best_height, 7, "height advertised in the handshake");
    next_event(&mut b_events, |e| matches!(e, NetEvent::PeerUp(_))).await;

    let mut expected: Vec<NodeId> = vec![a.node_id(), b.node_id()];
    expected.sort();
    assert_eq!(a.active_masternodes(), expected);

    assert!(b.send_to(&a.node_id(), Message::Status { best_height: 9 }));
    let got = next_event(&mut a_events, |e| matches!(e, NetEvent::Message { .. })).await;
    let NetEvent::Message { from, message, .. } = got else {
        unreachable!()
    };
    assert_eq!(from, b.node_id());
    assert_eq!(message, Message::Status { best_height: 9 });
    assert_eq!(
        a.peers()[0].best_height,
        9,
        "status updates the peer's height"
    );

    let tx = Message::Tx {
        tx: Tx::from_value(&serde_json::json!({"id": 1})).expect("a transaction"),
    };
    assert_eq!(a.broadcast(tx.clone()), 1);
    let got = next_event(&mut b_events, |e| matches!(e, NetEvent::Message { .. })).await;
    assert!(matches!(got, NetEvent::Message { message, .. } if message == tx));
    assert!(
        !a.send_to(&NodeId([0; 32]), tx),
        "no link to an unknown node"
    );

    let counters = b.counters();
    assert_eq!(counters.handshakes_completed, 1);
    assert_eq!(a.counters().handshakes_accepted, 1);

    // Shutting b down tells a, which raises PeerDown; both drain.
    b_stop.cancel();
    tokio::time::timeout(WITHIN, b.closed())
        .await
        .expect("b drains");
    let down = next_event(&mut a_events, |e| matches!(e, NetEvent::PeerDown(_))).await;
    assert!(matches!(down, NetEvent::PeerDown(id) if id == b.node_id()));
    assert!(a.peers().is_empty());
    a_stop.cancel();
    tokio::time::timeout(WITHIN, a.closed())
        .await
        .expect("a drains");
    assert_eq!(a.counters().resets, 0);
}

/// A block of a little over `MIB` on the wire: sixteen transactions of
/// almost the largest size (the network layer does not check blocks).
fn big_block(n: usize) -> Message {
    let txs = (0..16)
        .map(|i| {
            let tx = serde_json::json!({ "n": n, "i": i, "pad": "x".repeat(MIB / 16 - 40) });
            Tx::from_value(&tx).expect("a transaction")
        })
        .collect();
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    Message::Blocks {
        blocks: vec![Certified::from(Block::sign(
            &key,
            n as u64,
            Hash32::ZERO,
            0,
            0,
            txs,
        ))],
    }
}

const MIB: usize = 1024 * 1024;

/// What waits in `a`'s event queue, and what `a` dropped, add up to `sent`.
async fn all_accounted(a: &Network, events: &Inbox, dropped_before: u64, sent: u64) {
    testkit::wait::wait_until(
        &format!("{sent} messages queued or dropped"),
        WITHIN,
        || async { events.len() as u64 + a.counters().events_dropped - dropped_before == sent },
    )
    .await;
}

/// Takes every queued message: their count and total size.
fn drain(events: &mut Inbox) -> (usize, usize) {
    let (mut count, mut bytes) = (0, 0);
    while let Ok(event) = events.try_recv() {
        if let NetEvent::Message { message, .. } = event {
            count += 1;
            bytes += serde_json::to_vec(&message).map_or(0, |v| v.len());
        }
    }
    (count, bytes)
}

/// Peers that send faster than the chain takes their messages (here it takes
/// none) hold at most two largest frames each, 8 MiB, and sixteen, 64 MiB, all
/// together; the excess is dropped and counted, and taking the messages gives
/// the room back. Each limit is exceeded.
#[tokio::test]
async fn bytes_waiting_for_the_chain_are_bounded_per_link_and_node_wide() {
    const PEERS: usize = 10;
    let ids: Vec<Identity> = (0..=PEERS)
        .map(|_| Identity::generate().expect("identity"))
        .collect();
    let def = network(&ids.iter().collect::<Vec<_>>());
    let (a, mut a_events, a_stop, a_addr) = node(&ids[0], &def, Vec::new(), 1).await;
    let mut peers = Vec::new();
    for (seed, id) in (2..).zip(&ids[1..]) {
        peers.push(node(id, &def, vec![a_addr], seed).await);
    }
    testkit::wait::wait_until("every peer linked", WITHIN, || async {
        a.peers().len() == PEERS
    })
    .await;
    drain(&mut a_events);

    // One link: twelve frames of 1 MiB, in two halves so that the sender's own
    // queue (8 MiB) never drops any; seven fit in the link's 8 MiB.
    let first = &peers[0].0;
    for n in 0..6 {
        assert!(first.send_to(&a.node_id(), big_block(n)));
    }
    all_accounted(&a, &a_events, 0, 6).await;
    for n in 6..12 {
        assert!(first.send_to(&a.node_id(), big_block(n)));
    }
    all_accounted(&a, &a_events, 0, 12).await;
    assert_eq!(first.counters().frames_dropped, 0, "all twelve were sent");
    assert_eq!(a_events.len(), 7, "two largest frames' worth from one link");
    assert_eq!(a.counters().events_dropped, 5);
    let (count, _) = drain(&mut a_events);
    assert_eq!(count, 7);

    // Every link: seven frames each, within each link's share; seventy in all,
    // of which sixty-three fit in the node's 64 MiB.
    let dropped = a.counters().events_dropped;
    for (peer, ..) in &peers {
        for n in 0..7 {
            assert!(peer.send_to(&a.node_id(), big_block(n)));
        }
    }
    all_accounted(&a, &a_events, dropped, 70).await;
    let (count, bytes) = drain(&mut a_events);
    assert_eq!(count, 63, "sixteen largest frames' worth from all links");
    assert!(bytes <= 64 * MIB, "{bytes} bytes held");
    assert_eq!(a.counters().events_dropped - dropped, 7);

    // Taken by the chain, the bytes are free again.
    assert!(first.send_to(&a.node_id(), big_block(99)));
    let got = next_event(&mut a_events, |e| matches!(e, NetEvent::Message { .. })).await;
    assert!(matches!(got, NetEvent::Message { message, .. } if message == big_block(99)));

    stop_all(&peers, &a, &a_stop).await;
}

/// Strangers' block requests that the chain leaves unanswered hold the node's
/// serving budget until they expire (10 s); a configured masternode's request
/// is served from room of its own and reaches the chain at once.
#[tokio::test]
async fn a_masternodes_block_request_never_waits_behind_strangers() {
    // Eight answers of the largest frame: every byte strangers may hold.
    const STRANGERS: usize = 8;
    // Far below the 10 s after which an unanswered request frees its room.
    const PROMPTLY: Duration = Duration::from_secs(3);
    let ids: Vec<Identity> = (0..2 + STRANGERS)
        .map(|_| Identity::generate().expect("identity"))
        .collect();
    let def = network(&[&ids[0], &ids[1]]);
    let (a, mut a_events, a_stop, a_addr) = node_with(&ids[0], &def, Vec::new(), 1, |s| {
        s.max_inbound_per_ip = STRANGERS;
    })
    .await;
    let mut strangers = Vec::new();
    for (seed, id) in (10..).zip(&ids[2..]) {
        strangers.push(node(id, &def, vec![a_addr], seed).await);
    }
    testkit::wait::wait_until("every stranger linked", WITHIN, || async {
        a.peers().len() == STRANGERS
    })
    .await;
    let asks = |e: &NetEvent| {
        matches!(
            e,
            NetEvent::Message {
                message: Message::GetBlocks { .. },
                ..
            }
        )
    };
    for (stranger, ..) in &strangers {
        assert!(stranger.send_to(&a.node_id(), Message::GetBlocks { from: 1, limit: 1 }));
    }
    for _ in 0..STRANGERS {
        // Taken and never answered: each holds one answer's room.
        next_event(&mut a_events, asks).await;
    }

    let (m, m_events, m_stop, _) = node(&ids[1], &def, vec![a_addr], 2).await;
    strangers.push((m.clone(), m_events, m_stop, a_addr));
    testkit::wait::wait_until("the masternode linked", WITHIN, || async {
        a.peers().iter().any(|p| p.node_id == m.node_id())
    })
    .await;
    assert!(m.send_to(&a.node_id(), Message::GetBlocks { from: 1, limit: 1 }));
    let got = tokio::time::timeout(PROMPTLY, next_event(&mut a_events, asks)).await;
    assert!(
        matches!(got, Ok(NetEvent::Message { from, .. }) if from == m.node_id()),
        "the masternode's request waited behind the strangers': {got:?}"
    );

    stop_all(&strangers, &a, &a_stop).await;
}
