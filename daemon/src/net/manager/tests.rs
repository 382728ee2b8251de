//! The manager's collision and slot decisions, without sockets.

use tokio_util::sync::CancellationToken;

use super::*;
use crate::net::event::NetEvent;

fn id(b: u8) -> NodeId {
    NodeId([b; 32])
}

fn candidate(
    mgr: &Manager,
    peer: NodeId,
    direction: Direction,
    session: u64,
    shutdown: &CancellationToken,
) -> Candidate {
    Candidate {
        key: mgr.link_key(direction, peer, session),
        snapshot: PeerSnapshot::stub(peer, direction, mgr.is_configured_masternode(&peer)),
        outbox: Arc::new(Outbox::new(1)),
        closer: Closer::child_of(shutdown),
    }
}

#[tokio::test]
async fn higher_dialer_link_wins_and_loser_is_closed() {
    let (tx, mut events) = Lanes::new(16);
    let shutdown = CancellationToken::new();
    let mgr = Manager::new(id(1), true, vec![id(1), id(9)], 1, 0, tx);
    // Peer id(9) > us: its inbound link beats our outbound one either order.
    let ours = candidate(&mgr, id(9), Direction::Outbound, 5, &shutdown);
    let ours_closer = ours.closer.clone();
    assert!(matches!(mgr.register(ours), Registration::Live(_)));
    let theirs = candidate(&mgr, id(9), Direction::Inbound, 1, &shutdown);
    assert!(matches!(mgr.register(theirs), Registration::Live(_)));
    ours_closer.closed().await;
    assert_eq!(ours_closer.reason(), DisconnectReason::Duplicate);
    // A second outbound link loses against the registered inbound one.
    let again = candidate(&mgr, id(9), Direction::Outbound, 6, &shutdown);
    assert_eq!(mgr.register(again), Registration::Duplicate);
    assert_eq!(mgr.peers().len(), 1);
    assert_eq!(mgr.peers()[0].direction, Direction::Inbound);
    assert_eq!(mgr.active_masternodes(), vec![id(1), id(9)]);
    assert!(matches!(events.try_recv(), Ok(NetEvent::PeerUp(_))));
    assert!(
        events.try_recv().is_err(),
        "takeover raises no second PeerUp"
    );
}

#[tokio::test]
async fn unregister_of_displaced_link_keeps_the_winner() {
    let (tx, _events) = Lanes::new(16);
    let shutdown = CancellationToken::new();
    let mgr = Manager::new(id(1), false, vec![id(1), id(2)], 1, 0, tx);
    let Registration::Live(old) =
        mgr.register(candidate(&mgr, id(2), Direction::Inbound, 1, &shutdown))
    else {
        panic!("first link registers");
    };
    let Registration::Live(new) =
        mgr.register(candidate(&mgr, id(2), Direction::Inbound, 2, &shutdown))
    else {
        panic!("newer session from the same dialer wins");
    };
    mgr.unregister(id(2), old);
    assert!(mgr.is_linked(&id(2)));
    mgr.unregister(id(2), new);
    assert!(!mgr.is_linked(&id(2)));
    assert!(
        mgr.active_masternodes().is_empty(),
        "not acting as a masternode itself"
    );
}

#[tokio::test]
async fn a_masternode_evicts_a_stranger_when_inbound_is_full() {
    let (tx, _events) = Lanes::new(16);
    let shutdown = CancellationToken::new();
    let mgr = Manager::new(id(1), true, vec![id(1), id(9)], 1, 0, tx).with_slots(SlotLimits {
        max_inbound: 2,
        reserved_inbound: 0,
        max_per_ip: 2,
    });
    let first = candidate(&mgr, id(2), Direction::Inbound, 1, &shutdown);
    let first_closer = first.closer.clone();
    assert!(matches!(mgr.register(first), Registration::Live(_)));
    let second = candidate(&mgr, id(3), Direction::Inbound, 1, &shutdown);
    assert!(matches!(mgr.register(second), Registration::Live(_)));
    let third = candidate(&mgr, id(4), Direction::Inbound, 1, &shutdown);
    assert_eq!(
        mgr.register(third),
        Registration::Refused(Refusal::Full),
        "a stranger finds no room"
    );
    let masternode = candidate(&mgr, id(9), Direction::Inbound, 1, &shutdown);
    assert!(matches!(mgr.register(masternode), Registration::Live(_)));
    first_closer.closed().await;
    assert_eq!(
        first_closer.reason(),
        DisconnectReason::Evicted,
        "the longest idle stranger"
    );
    assert_eq!(mgr.counters.snapshot().evictions, 1);
}

/// A message dropped at a full lane is counted by lane, kind and cause, and
/// in `events_dropped`; height hints never are (a slot each). Each lane is
/// exceeded.
#[tokio::test]
async fn drops_at_a_full_lane_are_counted_by_lane_and_kind() {
    use std::sync::Arc;

    use tokio::sync::Semaphore;

    use crate::net::inbound::LinkBudget;

    let (tx, _events) = Lanes::new(2);
    let mgr = Manager::new(id(1), true, vec![id(1), id(9)], 1, 0, tx);
    let budget = LinkBudget::new(Arc::new(Semaphore::new(1 << 20)), 1 << 20);
    for from in [id(9), id(4)] {
        for n in 0..5 {
            let message = Message::GetBlocks { from: n, limit: 1 };
            mgr.deliver(from, message, budget.take(1).expect("room"));
        }
        for best_height in 0..5 {
            let status = Message::Status { best_height };
            mgr.deliver(from, status, budget.take(1).expect("room"));
        }
    }
    let drop = |lane| InboxDrop {
        lane,
        kind: "get_blocks",
        cause: "full",
    };
    assert_eq!(
        mgr.counters.inbox_dropped.snapshot(),
        vec![(drop("masternodes"), 3), (drop("strangers"), 3)],
        "each lane of two took two of five"
    );
    assert_eq!(mgr.counters.snapshot().events_dropped, 6);
}
