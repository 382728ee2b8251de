//! The lanes' priority and the record of peers' comings and goings, without
//! sockets.

use std::sync::Arc;

use timecoin_shared::rpc::Direction;
use tokio::sync::Semaphore;

use super::*;
use crate::net::inbound::LinkBudget;
use crate::wire::Message;

fn id(b: u8) -> NodeId {
    NodeId([b; 32])
}

fn peer(b: u8) -> PeerSnapshot {
    PeerSnapshot::stub(id(b), Direction::Inbound, false)
}

fn event(from: u8, message: Message) -> NetEvent {
    let budget = LinkBudget::new(Arc::new(Semaphore::new(1 << 20)), 1 << 20);
    NetEvent::Message {
        from: id(from),
        message,
        held: budget.take(1).expect("room"),
    }
}

/// A message that travels in a lane, numbered `n`.
fn message(from: u8, n: u64) -> NetEvent {
    event(from, Message::GetBlocks { from: n, limit: 1 })
}

/// A height hint.
fn status(from: u8, best_height: u64) -> NetEvent {
    event(from, Message::Status { best_height })
}

/// What `inbox` holds now, as (kind, node, number or height) in the order
/// handed out.
fn drain(inbox: &mut Inbox) -> Vec<(&'static str, u8, u64)> {
    let mut out = Vec::new();
    while let Ok(event) = inbox.try_recv() {
        out.push(match event {
            NetEvent::PeerUp(p) => ("up", p.node_id.0[0], 0),
            NetEvent::PeerDown(n) => ("down", n.0[0], 0),
            NetEvent::Message {
                from,
                message: Message::Status { best_height },
                ..
            } => ("status", from.0[0], best_height),
            NetEvent::Message {
                from,
                message: Message::GetBlocks { from: n, .. },
                ..
            } => ("message", from.0[0], n),
            NetEvent::Message { from, .. } => ("other", from.0[0], 0),
        });
    }
    out
}

#[tokio::test]
async fn masternodes_messages_go_first_and_a_full_stranger_lane_takes_nothing_from_them() {
    let (lanes, mut inbox) = Lanes::new(2);
    lanes.up(peer(1));
    lanes.up(peer(2));
    assert!(lanes.message(message(2, 1), false));
    assert!(lanes.message(message(2, 2), false));
    assert!(
        !lanes.message(message(2, 3), false),
        "the strangers' lane is full"
    );
    assert!(
        lanes.message(message(1, 10), true),
        "the masternodes' is not"
    );
    assert_eq!(
        drain(&mut inbox),
        vec![
            ("up", 1, 0),
            ("up", 2, 0),
            ("message", 1, 10),
            ("message", 2, 1),
            ("message", 2, 2)
        ]
    );
}

#[tokio::test]
async fn every_arrival_told_is_followed_by_exactly_one_departure_whatever_the_load() {
    let (lanes, mut inbox) = Lanes::new(1);
    // Far more comings and goings than the lanes hold, none taken meanwhile.
    for round in 0..1000u64 {
        lanes.up(peer(3));
        let _ = lanes.message(message(3, round), false);
        lanes.down(id(3));
    }
    assert_eq!(
        drain(&mut inbox),
        Vec::<(&str, u8, u64)>::new(),
        "never told it came: nothing to tell, and its queued message is dropped"
    );
    lanes.up(peer(3));
    assert_eq!(drain(&mut inbox), vec![("up", 3, 0)]);
    for _ in 0..1000 {
        lanes.down(id(3));
        lanes.up(peer(3));
    }
    lanes.down(id(3));
    assert_eq!(drain(&mut inbox), vec![("down", 3, 0)], "one departure");
    lanes.up(peer(3));
    lanes.down(id(3));
    lanes.up(peer(3));
    assert_eq!(drain(&mut inbox), vec![("up", 3, 0)]);
    lanes.down(id(3));
    lanes.up(peer(3));
    assert_eq!(
        drain(&mut inbox),
        vec![("down", 3, 0), ("up", 3, 0)],
        "a replaced link: down, then up"
    );
}

#[tokio::test]
async fn a_message_queued_behind_its_senders_departure_is_dropped() {
    let (lanes, mut inbox) = Lanes::new(8);
    lanes.up(peer(4));
    assert_eq!(drain(&mut inbox), vec![("up", 4, 0)]);
    assert!(lanes.message(message(4, 1), false));
    lanes.down(id(4));
    assert!(lanes.message(message(4, 2), false));
    assert_eq!(
        drain(&mut inbox),
        vec![("down", 4, 0)],
        "nothing of a gone peer after its departure"
    );
    // A message from a node whose arrival is recorded but not yet taken comes
    // after that arrival.
    lanes.up(peer(5));
    assert!(lanes.message(message(5, 7), true));
    assert_eq!(drain(&mut inbox), vec![("up", 5, 0), ("message", 5, 7)]);
}

#[tokio::test]
async fn a_waiting_receiver_wakes_for_a_change() {
    let (lanes, mut inbox) = Lanes::new(8);
    let waiting =
        tokio::spawn(async move { inbox.recv().await.map(|e| matches!(e, NetEvent::PeerUp(_))) });
    tokio::task::yield_now().await;
    lanes.up(peer(6));
    assert_eq!(waiting.await.expect("task"), Some(true));
}

/// Every peer announces its height on every tick; at 64 masternodes and a
/// 100 ms interval the hints filled the masternodes' lane and votes were
/// dropped. Hints from a masternode, however many, never take a lane's place:
/// each node's latest one waits in its slot, after the masternodes' lane.
#[tokio::test]
async fn status_hints_never_push_a_message_out_of_a_lane() {
    let (lanes, mut inbox) = Lanes::new(1);
    lanes.up(peer(1));
    lanes.up(peer(2));
    for height in 0..1000 {
        assert!(
            lanes.message(status(1, height), true),
            "a hint is never dropped"
        );
        assert!(lanes.message(status(2, height), true));
    }
    assert!(
        lanes.message(message(1, 5), true),
        "the lane of one message still has room for it"
    );
    assert_eq!(
        drain(&mut inbox),
        vec![
            ("up", 1, 0),
            ("up", 2, 0),
            ("message", 1, 5),
            ("status", 1, 999),
            ("status", 2, 999)
        ],
        "the lane first, then each node's latest hint"
    );
}

#[tokio::test]
async fn the_hint_of_a_node_gone_is_never_handed_out() {
    let (lanes, mut inbox) = Lanes::new(1);
    lanes.up(peer(7));
    assert_eq!(drain(&mut inbox), vec![("up", 7, 0)]);
    assert!(lanes.message(status(7, 3), true));
    lanes.down(id(7));
    assert_eq!(drain(&mut inbox), vec![("down", 7, 0)]);
    lanes.up(peer(7));
    assert!(lanes.message(status(7, 4), true));
    assert_eq!(drain(&mut inbox), vec![("up", 7, 0), ("status", 7, 4)]);
}

#[tokio::test]
async fn a_waiting_receiver_wakes_for_a_hint() {
    let (lanes, mut inbox) = Lanes::new(8);
    lanes.up(peer(8));
    assert_eq!(drain(&mut inbox), vec![("up", 8, 0)]);
    let waiting = tokio::spawn(async move {
        inbox.recv().await.map(|e| {
            matches!(
                e,
                NetEvent::Message {
                    message: Message::Status { best_height: 9 },
                    ..
                }
            )
        })
    });
    tokio::task::yield_now().await;
    assert!(lanes.message(status(8, 9), true));
    assert_eq!(waiting.await.expect("task"), Some(true));
}
