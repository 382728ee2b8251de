//! The collision rule inside the real connection manager, property-tested: two
//! ends of one pair register the same racing links in different orders and must
//! keep the same one, close every other, and report it with opposite directions.
//!
//! `tiebreak.rs` proves the pure rule; this proves that the manager applies it
//! as one decision per registration (a displaced link is told to close, a
//! losing newcomer is refused) so that arrival order cannot matter. Only the
//! manager runs here: no sockets, no runtime; the simulation (`sim.rs`) covers
//! the wire.

use std::sync::Arc;

use proptest::prelude::*;
use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::{DisconnectReason, NodeId};
use timed::testing::net::Outbox;
use timed::testing::net::PeerSnapshot;
use timed::testing::net::{Candidate, Closer, Manager, Registration};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// One racing TCP connection between the pair: who dialed it, and the dialer's
/// session number for it.
#[derive(Clone, Copy, Debug)]
struct Dial {
    by_first: bool,
    session: u64,
}

/// One end of the pair: its manager and the closer of every link it was offered.
struct End {
    mgr: Manager,
    me: NodeId,
    peer: NodeId,
    /// For each offered link (by its index in the race): whether it was
    /// registered live, and its closer.
    offered: Vec<Option<(bool, Arc<Closer>)>>,
    shutdown: CancellationToken,
    // Held so the manager's event queue stays open.
    _events: timed::testing::net::Inbox,
}

impl End {
    fn new(me: NodeId, peer: NodeId, links: usize) -> End {
        let (tx, rx) = timed::testing::net::Lanes::new(64);
        End {
            mgr: Manager::new(me, true, vec![me, peer], 1, 0, tx),
            me,
            peer,
            offered: vec![None; links],
            shutdown: CancellationToken::new(),
            _events: rx,
        }
    }

    /// Registers link `ix` of the race as this end sees it.
    fn offer(&mut self, ix: usize, dial: Dial, first: NodeId) {
        let dialer = if dial.by_first {
            first
        } else {
            other(first, self.me, self.peer)
        };
        let direction = if dialer == self.me {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let closer = Closer::child_of(&self.shutdown);
        let candidate = Candidate {
            key: self.mgr.link_key(direction, self.peer, dial.session),
            snapshot: PeerSnapshot {
                node_id: self.peer,
                addr: "192.0.2.1:24100".parse().expect("literal address"),
                direction,
                connected_since: Instant::now(),
                rtt: None,
                best_height: 0,
                masternode: true,
                software: String::new(),
            },
            outbox: Arc::new(Outbox::new(1)),
            closer: closer.clone(),
        };
        let live = matches!(self.mgr.register(candidate), Registration::Live(_));
        self.offered[ix] = Some((live, closer));
    }

    /// Indexes of the links this end still keeps open: registered live and
    /// never told to close.
    fn survivors(&self) -> Vec<usize> {
        self.offered
            .iter()
            .enumerate()
            .filter_map(|(ix, o)| {
                let (live, closer) = o.as_ref()?;
                (*live && closer.reason() != DisconnectReason::Duplicate).then_some(ix)
            })
            .collect()
    }
}

/// The node of the pair that is not `first`.
fn other(first: NodeId, a: NodeId, b: NodeId) -> NodeId {
    if first == a { b } else { a }
}

/// Two distinct node ids.
fn pair() -> impl Strategy<Value = (NodeId, NodeId)> {
    (any::<[u8; 32]>(), any::<[u8; 32]>())
        .prop_filter("distinct ids", |(a, b)| a != b)
        .prop_map(|(a, b)| (NodeId(a), NodeId(b)))
}

/// Up to eight racing links, sessions rising per dialer as a real dialer's do.
fn race() -> impl Strategy<Value = Vec<Dial>> {
    prop::collection::vec((any::<bool>(), 1u64..4), 1..8).prop_map(|steps| {
        let (mut first, mut second) = (0, 0);
        steps
            .into_iter()
            .map(|(by_first, step)| {
                let counter = if by_first { &mut first } else { &mut second };
                *counter += step;
                Dial {
                    by_first,
                    session: *counter,
                }
            })
            .collect()
    })
}

proptest! {
    /// Both ends, each registering the race in its own order, keep exactly one
    /// link, the same one, the greatest `(dialer, session)`; every other is
    /// refused or told to close as a duplicate; `peers()` shows it at both ends
    /// with opposite directions.
    #[test]
    fn both_ends_keep_the_same_single_link(
        (a, b) in pair(),
        dials in race(),
        order_a in any::<u64>(),
        order_b in any::<u64>(),
    ) {
        let n = dials.len();
        let mut ends = [End::new(a, b, n), End::new(b, a, n)];
        for (end, seed) in ends.iter_mut().zip([order_a, order_b]) {
            let mut order: Vec<usize> = (0..n).collect();
            fastrand::Rng::with_seed(seed).shuffle(&mut order);
            for ix in order {
                end.offer(ix, dials[ix], a);
            }
        }
        let kept: Vec<Vec<usize>> = ends.iter().map(End::survivors).collect();
        prop_assert_eq!(kept[0].len(), 1, "end a keeps {:?}", kept[0]);
        prop_assert_eq!(&kept[0], &kept[1], "the ends keep different links");
        let winner = dials[kept[0][0]];
        let best = dials
            .iter()
            .max_by_key(|d| (if d.by_first { a } else { b }, d.session))
            .expect("a race has a link");
        prop_assert_eq!((winner.by_first, winner.session), (best.by_first, best.session));
        let seen: Vec<Vec<PeerSnapshot>> = ends.iter().map(|e| e.mgr.peers()).collect();
        prop_assert_eq!(seen[0].len(), 1);
        prop_assert_eq!(seen[1].len(), 1);
        prop_assert_eq!(seen[0][0].direction, seen[1][0].direction.reversed());
    }
}
