//! The in-process entry point the chain and the simulation build on: two P2P layers
//! started with `net::start` over real loopback TCP exchange application messages,
//! raise peer-up/-down events, and drain on shutdown.

use std::time::Duration;

use timecoin_shared::wire::{Message, NodeId};
use timed::definition::Definition;
use timed::identity::Identity;
use timed::net::{self, NetEvent, NetSettings, Network, TcpAcceptor, TcpDialer};
use tokio::net::TcpListener;
use tokio::sync::mpsc::Receiver;
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
) -> (
    Network,
    Receiver<NetEvent>,
    CancellationToken,
    std::net::SocketAddr,
) {
    let ip = std::net::Ipv4Addr::new(
        127,
        fastrand::u8(1..=254),
        fastrand::u8(..),
        fastrand::u8(1..=254),
    );
    let listener = TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut settings = NetSettings::for_definition(network, addr.port());
    settings.peers = peers;
    settings.rng_seed = seed;
    settings.ping_interval = Duration::from_millis(100);
    let shutdown = CancellationToken::new();
    let (net, events) = net::start(
        settings,
        identity,
        TcpAcceptor(listener),
        TcpDialer,
        shutdown.clone(),
    );
    (net, events, shutdown, addr)
}

async fn next_event(events: &mut Receiver<NetEvent>, want: impl Fn(&NetEvent) -> bool) -> NetEvent {
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
    let NetEvent::Message { from, message } = got else {
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
        tx: serde_json::json!({"id": 1}),
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
