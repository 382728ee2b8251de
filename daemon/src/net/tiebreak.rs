//! The collision rule: which of two links between the same pair of nodes survives.
//!
//! Both ends run this with the same two inputs (who dialed each link, and the
//! dialer's session number for it) and so reach the same answer without any extra
//! message. It is a pure function so it can be property-tested on its own.
//!
//! The rule (BGP's collision detection, RFC 4271 6.8, keyed on node id instead of
//! the BGP identifier, plus a rule for links dialed by the same node):
//! 1. Links dialed by different nodes: keep the one dialed by the higher node id.
//! 2. Links dialed by the same node: keep the higher session, i.e. the newer dial.
//!    A node dials again only after losing its link, so the older one is a
//!    half-open leftover (often from before a crash) and must not block the new one.
//!
//! Taken together the rule is "keep the link with the greatest `(dialer, session)`",
//! a total order, so any number of racing links converge on one winner whatever
//! order they are registered in.

use timecoin_shared::wire::NodeId;

/// What the collision rule needs to know about one link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkKey {
    /// The node that dialed (opened the TCP connection for) this link.
    pub dialer: NodeId,
    /// The dialer's session number from the link's handshake.
    pub session: u64,
}

/// Which of two links to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Keep the link already registered; reject the newcomer.
    Existing,
    /// Keep the newcomer; close the registered link.
    Incoming,
}

/// Decides between the link already registered for a peer and a newly
/// handshaken one to the same peer.
///
/// Correctness: the answer depends only on the two keys, never on which end is
/// asking or which link arrived first, so both ends agree. Two equal keys mean the
/// same dial seen twice, which cannot happen on a live socket; the registered link
/// is kept so that a replay never displaces a working link.
pub(crate) fn keep(existing: LinkKey, incoming: LinkKey) -> Keep {
    if incoming > existing {
        Keep::Incoming
    } else {
        Keep::Existing
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn id(b: u8) -> NodeId {
        let mut bytes = [0u8; 32];
        bytes[0] = b;
        NodeId(bytes)
    }

    #[test]
    fn link_dialed_by_higher_id_wins_either_way_round() {
        let by_low = LinkKey {
            dialer: id(1),
            session: 900,
        };
        let by_high = LinkKey {
            dialer: id(2),
            session: 1,
        };
        assert_eq!(keep(by_low, by_high), Keep::Incoming);
        assert_eq!(keep(by_high, by_low), Keep::Existing);
    }

    #[test]
    fn same_dialer_newer_session_wins() {
        let old = LinkKey {
            dialer: id(1),
            session: 5,
        };
        let new = LinkKey {
            dialer: id(1),
            session: 6,
        };
        assert_eq!(keep(old, new), Keep::Incoming);
        assert_eq!(keep(new, old), Keep::Existing);
    }

    fn node() -> impl Strategy<Value = NodeId> {
        any::<[u8; 32]>().prop_map(NodeId)
    }

    /// Links between one pair `(a, b)`: each dialed by one of the two.
    fn links() -> impl Strategy<Value = (NodeId, NodeId, Vec<LinkKey>)> {
        (node(), node()).prop_flat_map(|(a, b)| {
            let link = (any::<bool>(), 0u64..8).prop_map(move |(by_a, session)| LinkKey {
                dialer: if by_a { a } else { b },
                session,
            });
            (Just(a), Just(b), prop::collection::vec(link, 1..8))
        })
    }

    /// Registers links one by one the way a connection manager does.
    fn survivor(arrivals: &[LinkKey]) -> LinkKey {
        let mut held = arrivals[0];
        for &link in &arrivals[1..] {
            if keep(held, link) == Keep::Incoming {
                held = link;
            }
        }
        held
    }

    proptest! {
        /// Two ends that see the same links in different orders keep the same one.
        #[test]
        fn both_ends_agree_whatever_the_arrival_order((_a, _b, links) in links(), seed in any::<u64>()) {
            let mut other_order = links.clone();
            // A seeded Fisher-Yates shuffle: the far end's arrival order.
            let mut state = seed | 1;
            for i in (1..other_order.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                other_order.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(survivor(&links), survivor(&other_order));
        }

        /// The survivor is always a link dialed by the higher id when one exists.
        #[test]
        fn higher_dialer_wins_when_it_dialed_at_all((a, b, links) in links()) {
            let high = a.max(b);
            let kept = survivor(&links);
            if links.iter().any(|l| l.dialer == high) {
                prop_assert_eq!(kept.dialer, high);
            }
        }

        /// Exactly one decision per pair of distinct links, and it is antisymmetric.
        #[test]
        fn decision_is_antisymmetric(x in (node(), 0u64..4), y in (node(), 0u64..4)) {
            let x = LinkKey { dialer: x.0, session: x.1 };
            let y = LinkKey { dialer: y.0, session: y.1 };
            prop_assume!(x != y);
            let keeps_x_first = keep(x, y) == Keep::Existing;
            let keeps_x_second = keep(y, x) == Keep::Incoming;
            prop_assert_eq!(keeps_x_first, keeps_x_second);
        }
    }
}
