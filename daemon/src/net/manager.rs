//! The connection manager: the one place that decides which link to a node is live.
//!
//! A single `std::sync::Mutex` guards the link table and is never held across an
//! `.await`; every decision (register, unregister) is one short critical section, so
//! registration is atomic. Links are keyed by node id, never by IP.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::{DisconnectReason, Message, NodeId};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::counters::{Counters, bump};
use super::event::{NetEvent, PeerSnapshot};
use super::tiebreak::{self, Keep, LinkKey};

/// Tells a link task to close, and why. Set once; the first reason wins.
#[derive(Debug)]
pub struct Closer {
    token: CancellationToken,
    reason: OnceLock<DisconnectReason>,
}

impl Closer {
    /// A closer that also fires when `parent` (the node's shutdown) is cancelled.
    pub fn child_of(parent: &CancellationToken) -> Arc<Self> {
        Arc::new(Closer {
            token: parent.child_token(),
            reason: OnceLock::new(),
        })
    }

    /// Asks the link to send `Disconnect {reason}` and close.
    pub fn close(&self, reason: DisconnectReason) {
        // Correctness: a second reason (e.g. shutdown after takeover) is ignored.
        let _ = self.reason.set(reason);
        self.token.cancel();
    }

    /// Resolves once the link must close.
    pub async fn closed(&self) {
        self.token.cancelled().await;
    }

    /// Why the link closes: the reason given, or shutdown (the parent's cancel).
    pub fn reason(&self) -> DisconnectReason {
        self.reason
            .get()
            .copied()
            .unwrap_or(DisconnectReason::ShuttingDown)
    }
}

/// A handshaken link asking to be registered.
#[derive(Debug)]
pub struct Candidate {
    pub key: LinkKey,
    pub snapshot: PeerSnapshot,
    pub sender: mpsc::Sender<Message>,
    pub closer: Arc<Closer>,
}

/// The manager's answer to [`Manager::register`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// The link is live under this id (pass it to [`Manager::unregister`]).
    Live(u64),
    /// Another link to the same node wins: send `Disconnect {duplicate}` and close.
    Duplicate,
}

struct Link {
    conn_id: u64,
    key: LinkKey,
    snapshot: PeerSnapshot,
    sender: mpsc::Sender<Message>,
    closer: Arc<Closer>,
}

#[derive(Default)]
struct State {
    // Ordered maps: a seeded simulation must iterate (broadcast) in the same order.
    links: BTreeMap<NodeId, Link>,
    next_conn_id: u64,
    /// Addresses found to be ourselves: never dialed again.
    self_addrs: BTreeSet<SocketAddr>,
}

/// Shared by every task of the P2P layer.
pub struct Manager {
    own_id: NodeId,
    masternode: bool,
    /// The configured masternodes (sorted): only links to these count as masternodes.
    masternodes: Vec<NodeId>,
    state: Mutex<State>,
    /// Bumped on every change of the link table, so dialers can wait for a link to end.
    changed: watch::Sender<u64>,
    events: mpsc::Sender<NetEvent>,
    best_height: AtomicU64,
    next_session: AtomicU64,
    rng: Mutex<fastrand::Rng>,
    pub counters: Counters,
}

impl Manager {
    /// A manager with no links. `masternode` says whether this node acts as one;
    /// it is counted only if its id is also in the sorted `masternodes`.
    pub fn new(
        own_id: NodeId,
        masternode: bool,
        masternodes: Vec<NodeId>,
        session_start: u64,
        rng_seed: u64,
        events: mpsc::Sender<NetEvent>,
    ) -> Self {
        Manager {
            own_id,
            masternode,
            masternodes,
            state: Mutex::new(State::default()),
            changed: watch::channel(0).0,
            events,
            best_height: AtomicU64::new(0),
            next_session: AtomicU64::new(session_start),
            rng: Mutex::new(fastrand::Rng::with_seed(rng_seed)),
            counters: Counters::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock would be a bug elsewhere; the table itself
        // is always consistent between statements, so keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// This node's id.
    pub fn own_id(&self) -> NodeId {
        self.own_id
    }

    /// The session number for a new dial: rising, never reused.
    pub fn next_session(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    /// A generator forked from the seeded one (per dialer or link).
    pub fn fork_rng(&self) -> fastrand::Rng {
        self.rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .fork()
    }

    /// The height announced in handshakes from now on.
    pub fn best_height(&self) -> u64 {
        self.best_height.load(Ordering::Relaxed)
    }

    /// Sets the height announced in later handshakes.
    pub fn set_best_height(&self, height: u64) {
        self.best_height.store(height, Ordering::Relaxed);
    }

    /// One atomic decision: make `candidate` the live link to its node, or refuse it
    /// because the link already registered wins the collision rule. A displaced link
    /// is told to close (`Disconnect {duplicate}`), so its task ends and its socket
    /// closes, not only its map entry.
    pub fn register(&self, candidate: Candidate) -> Registration {
        let node = candidate.snapshot.node_id;
        let mut state = self.lock();
        let displaced = match state.links.get(&node) {
            Some(existing) => match tiebreak::keep(existing.key, candidate.key) {
                Keep::Existing => return Registration::Duplicate,
                Keep::Incoming => true,
            },
            None => false,
        };
        state.next_conn_id += 1;
        let conn_id = state.next_conn_id;
        let snapshot = candidate.snapshot.clone();
        let old = state.links.insert(
            node,
            Link {
                conn_id,
                key: candidate.key,
                snapshot: candidate.snapshot,
                sender: candidate.sender,
                closer: candidate.closer,
            },
        );
        if let Some(old) = old {
            old.closer.close(DisconnectReason::Duplicate);
        }
        if !displaced {
            self.emit(NetEvent::PeerUp(snapshot));
        }
        drop(state);
        self.changed.send_modify(|n| *n += 1);
        Registration::Live(conn_id)
    }

    /// Removes a link when its task ends; a no-op if it was already displaced.
    pub fn unregister(&self, node: NodeId, conn_id: u64) {
        let mut state = self.lock();
        if state.links.get(&node).is_some_and(|l| l.conn_id == conn_id) {
            state.links.remove(&node);
            self.emit(NetEvent::PeerDown(node));
            drop(state);
            self.changed.send_modify(|n| *n += 1);
        }
    }

    /// Updates a live link's facts (rtt, height) if it is still the registered one.
    pub fn update(&self, node: NodeId, conn_id: u64, f: impl FnOnce(&mut PeerSnapshot)) {
        if let Some(link) = self.lock().links.get_mut(&node)
            && link.conn_id == conn_id
        {
            f(&mut link.snapshot);
        }
    }

    /// Whether any live link to `node` exists.
    pub fn is_linked(&self, node: &NodeId) -> bool {
        self.lock().links.contains_key(node)
    }

    /// Waits until no live link to `node` exists.
    ///
    /// # Cancel safety
    /// Cancel-safe: it only watches.
    pub async fn until_unlinked(&self, node: &NodeId) {
        let mut changes = self.changed.subscribe();
        while self.is_linked(node) {
            if changes.changed().await.is_err() {
                return;
            }
        }
    }

    /// Records that `addr` reached this node itself.
    pub fn mark_self(&self, addr: SocketAddr) {
        self.lock().self_addrs.insert(addr);
    }

    /// Whether `addr` is known to be this node.
    pub fn is_self(&self, addr: &SocketAddr) -> bool {
        self.lock().self_addrs.contains(addr)
    }

    /// Every live link, sorted by node id.
    pub fn peers(&self) -> Vec<PeerSnapshot> {
        self.lock()
            .links
            .values()
            .map(|l| l.snapshot.clone())
            .collect()
    }

    /// Whether `node` is one of the configured masternodes.
    pub fn is_configured_masternode(&self, node: &NodeId) -> bool {
        self.masternodes.binary_search(node).is_ok()
    }

    /// Itself (if it acts as a masternode and is configured as one) plus peers
    /// with a live, authenticated link whose id is a configured masternode,
    /// sorted. What a peer announces about itself counts for nothing here.
    pub fn active_masternodes(&self) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = self
            .lock()
            .links
            .keys()
            .filter(|id| self.is_configured_masternode(id))
            .copied()
            .collect();
        if self.masternode && self.is_configured_masternode(&self.own_id) {
            ids.push(self.own_id);
            ids.sort();
        }
        ids
    }

    /// Queues `message` for `node`; false if there is no live link or its queue is full.
    pub fn send_to(&self, node: &NodeId, message: Message) -> bool {
        let sender = self.lock().links.get(node).map(|l| l.sender.clone());
        sender.is_some_and(|s| s.try_send(message).is_ok())
    }

    /// Queues `message` for every live link; returns how many took it.
    pub fn broadcast(&self, message: &Message) -> usize {
        let senders: Vec<_> = self
            .lock()
            .links
            .values()
            .map(|l| l.sender.clone())
            .collect();
        senders
            .iter()
            .filter(|s| s.try_send(message.clone()).is_ok())
            .count()
    }

    /// Hands an event to the application without ever blocking a link task.
    pub fn emit(&self, event: NetEvent) {
        if self.events.try_send(event).is_err() {
            bump(&self.counters.events_dropped);
        }
    }

    /// How a new link's key reads: who dialed it and with which session.
    pub fn link_key(&self, direction: Direction, peer: NodeId, session: u64) -> LinkKey {
        let dialer = match direction {
            Direction::Outbound => self.own_id,
            Direction::Inbound => peer,
        };
        LinkKey { dialer, session }
    }
}

#[cfg(test)]
mod tests {
    use tokio::time::Instant;

    use super::*;

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
            snapshot: PeerSnapshot {
                node_id: peer,
                addr: "127.0.0.1:1".parse().expect("addr"),
                direction,
                connected_since: Instant::now(),
                rtt: None,
                best_height: 0,
                masternode: true,
                software: String::new(),
            },
            sender: mpsc::channel(1).0,
            closer: Closer::child_of(shutdown),
        }
    }

    #[tokio::test]
    async fn higher_dialer_link_wins_and_loser_is_closed() {
        let (tx, mut events) = mpsc::channel(16);
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
        let (tx, _events) = mpsc::channel(16);
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
}
