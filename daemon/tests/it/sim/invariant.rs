//! DESIGN.md's connection invariant, checked on one snapshot of every node.
//!
//! The simulation driver takes a [`NodeView`] of each node (what its handle
//! reports, plus the sockets its host really holds open) and asks [`check`]
//! whether the mesh is in the state the invariant promises. Pure code: it reads
//! snapshots and names the first broken promise, so it is easy to trust.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;

use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::NodeId;

use super::plan::{NodeIx, Plan};

/// One node as the invariant sees it.
#[derive(Clone, Debug)]
pub(crate) struct NodeView {
    pub(crate) ix: NodeIx,
    pub(crate) id: NodeId,
    /// The address its listener is bound to: what its peers dial.
    pub(crate) listen: SocketAddr,
    /// Its live, handshaken links, from the handle's `peers()`.
    pub(crate) links: Vec<LinkView>,
    /// From the handle's `active_masternodes()`.
    pub(crate) active_masternodes: usize,
    /// Every TCP stream the node's process holds open right now, as
    /// `(local, remote)`, recorded by the simulated listener and dialer: a link
    /// closed "only in a map" still shows here.
    pub(crate) open_streams: Vec<(SocketAddr, SocketAddr)>,
}

/// One live link as one end reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkView {
    pub(crate) peer: NodeId,
    /// The other end's address on this link: its listener for an outbound link,
    /// its dialing socket for an inbound one.
    pub(crate) addr: SocketAddr,
    pub(crate) direction: Direction,
}

/// The first broken promise found, in words a failing seed can print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Violation(pub String);

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(Violation(format!($($msg)+)));
        }
    };
}

/// Checks the mesh: for every pair that wants a link exactly one link, reported
/// by both ends with opposite directions and matching socket addresses, backed
/// by exactly one open stream at each end; no link for a pair that wants none;
/// no link to oneself; no leftover stream; active masternodes = self + peers
/// (every simulated node is a masternode).
///
/// # Errors
/// The first [`Violation`] found, naming the nodes involved.
pub(crate) fn check(plan: &Plan, views: &[NodeView]) -> Result<(), Violation> {
    let by_id: BTreeMap<NodeId, &NodeView> = views.iter().map(|v| (v.id, v)).collect();
    ensure!(by_id.len() == views.len(), "two nodes share a node id");
    for view in views {
        let me = view.ix;
        let mut seen = BTreeMap::new();
        for link in &view.links {
            let Some(peer) = by_id.get(&link.peer) else {
                return Err(Violation(format!(
                    "node{me} has a link to unknown node {:?}",
                    link.peer
                )));
            };
            ensure!(peer.ix != me, "node{me} holds a link to itself");
            ensure!(
                seen.insert(peer.ix, link).is_none(),
                "node{me} reports two links to node{}",
                peer.ix
            );
            ensure!(
                plan.wants(me, peer.ix),
                "node{me} is linked to node{} though neither lists the other",
                peer.ix
            );
        }
        for other in (0..plan.nodes).filter(|&o| plan.wants(me, o)) {
            ensure!(
                seen.contains_key(&other),
                "node{me} has no link to node{other} (waiting on it)"
            );
        }
        let expected = 1 + view.links.len();
        ensure!(
            view.active_masternodes == expected,
            "node{me} reports {} active masternodes, expected {expected}",
            view.active_masternodes
        );
        ensure!(
            view.open_streams.len() == view.links.len(),
            "node{me} holds {} open streams for {} links: {:?}",
            view.open_streams.len(),
            view.links.len(),
            view.open_streams
        );
    }
    for a in views {
        for link in &a.links {
            let b = by_id[&link.peer];
            if a.ix > b.ix {
                continue; // each pair once, from its lower end
            }
            same_link(plan, a, link, b)?;
        }
    }
    Ok(())
}

/// Both ends of the pair `(a, b)` describe one and the same TCP connection; in
/// a pure race where both dialed, it is the one the higher id dialed.
fn same_link(plan: &Plan, a: &NodeView, a_link: &LinkView, b: &NodeView) -> Result<(), Violation> {
    let (x, y) = (a.ix, b.ix);
    let Some(b_link) = b.links.iter().find(|l| l.peer == a.id) else {
        return Err(Violation(format!(
            "node{x} has a link to node{y}, node{y} has none to node{x}"
        )));
    };
    ensure!(
        a_link.direction == b_link.direction.reversed(),
        "node{x} sees its link to node{y} as {:?}, node{y} sees it as {:?}",
        a_link.direction,
        b_link.direction
    );
    // The dialer's end: its stream runs from an ephemeral port to the
    // acceptor's listener, and the acceptor reports that ephemeral address.
    let (dialer, dialer_link, acceptor, acceptor_link) = match a_link.direction {
        Direction::Outbound => (a, a_link, b, b_link),
        Direction::Inbound => (b, b_link, a, a_link),
    };
    // Correctness: only in a pure race is this forced. After a restart a dialer
    // that knows its peer is linked (through the peer's own dial) rightly does
    // not dial again, so the lower id's link may stand alone.
    let both_dial = plan.dials[x].contains(&y) && plan.dials[y].contains(&x);
    ensure!(
        !(plan.faults.is_empty() && both_dial) || dialer.id == a.id.max(b.id),
        "node{} and node{} both dialed in a race, but the link node{} dialed \
         survived and it has the lower id",
        x,
        y,
        dialer.ix
    );
    ensure!(
        dialer_link.addr == acceptor.listen,
        "node{} reports its outbound link to node{} at {}, not at its listener {}",
        dialer.ix,
        acceptor.ix,
        dialer_link.addr,
        acceptor.listen
    );
    let stream = (acceptor_link.addr, acceptor.listen);
    ensure!(
        dialer.open_streams.contains(&stream),
        "node{} and node{} disagree on their link: node{} reports node{} at {}, \
         which is not one of node{}'s open streams {:?}",
        x,
        y,
        acceptor.ix,
        dialer.ix,
        acceptor_link.addr,
        dialer.ix,
        dialer.open_streams
    );
    ensure!(
        acceptor
            .open_streams
            .contains(&(acceptor.listen, acceptor_link.addr)),
        "node{} reports a link from {} it holds no stream for",
        acceptor.ix,
        acceptor_link.addr
    );
    Ok(())
}
