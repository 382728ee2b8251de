//! The N x N link matrix: who holds a link to whom, which end dialed, and every
//! pair whose two ends disagree, from each node's own `/peers`.
//!
//! Both ends are asked, because the incident's failure was exactly an
//! asymmetry: one side believed in a link the other had closed. A node whose
//! API lists no live connections (upstream's rows are its masternode registry)
//! says nothing about its links: its pairs are unknown, never agreed or
//! disputed on registry rows.

use std::collections::HashMap;

use timecoin_shared::rpc::Direction;
use timecoin_shared::snapshot::NodeSnapshot;

/// One ordered pair (row node, column node), as the row node reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// The row node's peers are not known (unreachable, no `/peers`, or an API
    /// that lists none).
    Unknown,
    /// No link to the column node.
    None,
    /// One link, dialed by the row node (`Outbound`) or by the column node.
    One(Option<Direction>),
    /// More than one link to the same node: the incident's duplicate.
    Many(usize),
}

/// A cell of the matrix: the row node's view checked against the column node's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    /// The diagonal.
    Itself,
    /// Either end's view is unknown; `Side` is what the row node says.
    Unknown(Side),
    /// Both ends agree there is no link.
    Absent,
    /// Both ends agree on one link; `Outbound` means the row node dialed.
    Agreed(Option<Direction>),
    /// The two ends disagree (one sees a link the other does not, directions
    /// that do not mirror, or more than one link).
    Disputed,
}

impl Link {
    /// Whether the cell needs attention.
    pub(crate) fn is_problem(self) -> bool {
        matches!(self, Link::Disputed)
    }
}

/// What one node says about every node, by fleet index.
fn sides(row: usize, snapshots: &[Option<&NodeSnapshot>], ids: &[Option<&str>]) -> Vec<Side> {
    let Some(peers) = snapshots[row]
        .filter(|s| s.api.unlisted_links().is_none())
        .and_then(|s| s.peers.as_ref())
    else {
        return vec![Side::Unknown; ids.len()];
    };
    // One pass over the peers, then a look-up per node: a hundred-node fleet
    // costs ten thousand steps per frame, not a million.
    let mut links: HashMap<&str, Side> = HashMap::with_capacity(peers.len());
    for peer in peers {
        let Some(id) = peer.node_id.as_deref() else {
            continue;
        };
        let side = match links.get(id) {
            None => Side::One(peer.direction),
            Some(Side::One(_)) => Side::Many(2),
            Some(Side::Many(n)) => Side::Many(n + 1),
            Some(other) => *other,
        };
        links.insert(id, side);
    }
    ids.iter()
        .map(|id| match id {
            Some(id) => links.get(id).copied().unwrap_or(Side::None),
            None => Side::Unknown,
        })
        .collect()
}

/// The matrix for `snapshots` (one per fleet node, in fleet order; `None` when a
/// node never answered). Rows and columns are in the same order.
pub(crate) fn matrix(snapshots: &[Option<&NodeSnapshot>]) -> Vec<Vec<Link>> {
    let ids: Vec<Option<&str>> = snapshots
        .iter()
        .map(|s| s.and_then(|s| s.chain.node_id.as_deref()))
        .collect();
    let views: Vec<Vec<Side>> = (0..snapshots.len())
        .map(|row| sides(row, snapshots, &ids))
        .collect();
    (0..snapshots.len())
        .map(|a| {
            (0..snapshots.len())
                .map(|b| {
                    if a == b {
                        Link::Itself
                    } else {
                        judge(views[a][b], views[b][a])
                    }
                })
                .collect()
        })
        .collect()
}

fn judge(mine: Side, theirs: Side) -> Link {
    match (mine, theirs) {
        (Side::Many(_), _) | (_, Side::Many(_)) => Link::Disputed,
        (Side::Unknown, _) | (_, Side::Unknown) => Link::Unknown(mine),
        (Side::None, Side::None) => Link::Absent,
        (Side::One(a), Side::One(b)) => match (a, b) {
            (Some(a), Some(b)) if a != b.reversed() => Link::Disputed,
            _ => Link::Agreed(a.or(b.map(Direction::reversed))),
        },
        _ => Link::Disputed,
    }
}

/// Counts for a summary line (each unordered pair once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) agreed: usize,
    pub(crate) disputed: usize,
    pub(crate) unknown: usize,
    /// Pairs both ends agree hold no link.
    pub(crate) absent: usize,
}

/// Counts agreed, disputed, unknown and absent pairs.
pub(crate) fn summary(matrix: &[Vec<Link>]) -> Summary {
    let mut s = Summary::default();
    for (a, row) in matrix.iter().enumerate() {
        for link in row.iter().skip(a + 1) {
            match link {
                Link::Agreed(_) => s.agreed += 1,
                Link::Disputed => s.disputed += 1,
                Link::Unknown(_) => s.unknown += 1,
                Link::Absent => s.absent += 1,
                Link::Itself => {}
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    #[test]
    fn a_full_mesh_agrees_and_directions_mirror() {
        let fleet = fixtures::healthy();
        let snaps: Vec<_> = fleet.nodes.iter().map(|n| n.last_ok.as_ref()).collect();
        let m = matrix(&snaps);
        assert_eq!(
            summary(&m),
            Summary {
                agreed: 6,
                ..Summary::default()
            }
        );
        for (a, row) in m.iter().enumerate() {
            for (b, link) in row.iter().enumerate() {
                match (*link, m[b][a]) {
                    (Link::Itself, Link::Itself) => assert_eq!(a, b),
                    (Link::Agreed(Some(x)), Link::Agreed(Some(y))) => assert_eq!(x, y.reversed()),
                    other => panic!("{a},{b}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn registry_rows_are_unknown_links_not_agreed_or_disputed() {
        let fleet = fixtures::healthy();
        let mut snaps: Vec<NodeSnapshot> = fleet
            .nodes
            .iter()
            .filter_map(|n| n.last_ok.clone())
            .collect();
        // Node 1's registry forgot node 0 while they stay connected.
        let forgotten = snaps[0].chain.node_id.clone();
        if let Some(peers) = snaps[1].peers.as_mut() {
            peers.retain(|p| p.node_id != forgotten);
        }
        for snap in &mut snaps[..2] {
            snap.api = timecoin_shared::fleet::DaemonApi::TimeMasternode;
        }
        let m = matrix(&snaps.iter().map(Some).collect::<Vec<_>>());
        let s = summary(&m);
        assert_eq!((s.disputed, s.agreed), (0, 1), "{m:?}");
        assert_eq!(m[0][1], Link::Unknown(Side::Unknown));
    }

    #[test]
    fn one_sided_links_duplicates_and_unknowns() {
        use Direction::{Inbound, Outbound};
        assert_eq!(judge(Side::One(Some(Outbound)), Side::None), Link::Disputed);
        assert_eq!(
            judge(Side::One(Some(Outbound)), Side::One(Some(Outbound))),
            Link::Disputed
        );
        assert_eq!(
            judge(Side::One(Some(Outbound)), Side::One(Some(Inbound))),
            Link::Agreed(Some(Outbound))
        );
        assert_eq!(judge(Side::Many(2), Side::Unknown), Link::Disputed);
        assert_eq!(judge(Side::None, Side::Unknown), Link::Unknown(Side::None));
        assert_eq!(judge(Side::None, Side::None), Link::Absent);
    }
}
