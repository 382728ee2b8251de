//! The connection manager: the one place that decides which link to a node is live.
//!
//! A single `std::sync::Mutex` guards the link table and is never held across an
//! `.await`; every decision (register, unregister) is one short critical section, so
//! registration is atomic. Links are keyed by node id, never by IP.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::wire::Message;
use bytes::Bytes;
use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::{DisconnectReason, NodeId};
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{info, warn};

pub use super::close::Closer;
use super::codec::encode_payload;
use super::counters::{Counters, InboxDrop, bump};
use super::event::{NetEvent, PeerSnapshot};
use super::inbound::InboundBytes;
use super::inbox::Lanes;
use super::outbox::Outbox;
use super::slots::{self, Admission, Occupant, Refusal, SlotLimits};
use super::tiebreak::{self, Keep, LinkKey};
use crate::constants as c;

/// A handshaken link asking to be registered.
#[derive(Debug)]
pub struct Candidate {
    pub key: LinkKey,
    pub snapshot: PeerSnapshot,
    pub outbox: Arc<Outbox>,
    pub closer: Arc<Closer>,
}

/// The manager's answer to [`Manager::register`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// The link is live under this id (pass it to [`Manager::unregister`]).
    Live(u64),
    /// Another link to the same node wins: send `Disconnect {duplicate}` and close.
    Duplicate,
    /// An inbound stranger gets no slot: send `Disconnect {too_many_connections}`.
    Refused(Refusal),
}

struct Link {
    conn_id: u64,
    key: LinkKey,
    snapshot: PeerSnapshot,
    outbox: Arc<Outbox>,
    closer: Arc<Closer>,
    /// When it last sent an application message (or linked).
    last_active: Instant,
}

impl Link {
    fn occupant(&self) -> Occupant {
        Occupant {
            node: self.snapshot.node_id,
            ip: self.snapshot.addr.ip(),
            masternode: self.snapshot.masternode,
            last_active: self.last_active,
        }
    }
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
    lanes: Lanes,
    best_height: AtomicU64,
    next_session: AtomicU64,
    rng: Mutex<fastrand::Rng>,
    slots: SlotLimits,
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
        lanes: Lanes,
    ) -> Self {
        Manager {
            own_id,
            masternode,
            masternodes,
            state: Mutex::new(State::default()),
            changed: watch::channel(0).0,
            lanes,
            best_height: AtomicU64::new(0),
            next_session: AtomicU64::new(session_start),
            rng: Mutex::new(fastrand::Rng::with_seed(rng_seed)),
            slots: SlotLimits {
                max_inbound: c::MAX_INBOUND,
                reserved_inbound: c::RESERVED_INBOUND,
                max_per_ip: c::MAX_INBOUND_PER_IP,
            },
            counters: Counters::default(),
        }
    }

    /// The same manager with other inbound limits.
    pub fn with_slots(mut self, slots: SlotLimits) -> Self {
        self.slots = slots;
        self
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
    /// because the link already registered wins the collision rule, or because an
    /// inbound stranger gets no slot. A displaced link is told to close
    /// (`Disconnect {duplicate}`), a stranger evicted for a masternode
    /// `Disconnect {evicted}`, so their tasks end and their sockets close, not only
    /// their map entries.
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
        if !displaced && candidate.snapshot.direction == Direction::Inbound {
            let occupants: Vec<Occupant> = state
                .links
                .values()
                .filter(|l| l.snapshot.direction == Direction::Inbound)
                .map(Link::occupant)
                .collect();
            let ip = candidate.snapshot.addr.ip();
            match slots::admit(self.slots, &occupants, ip, candidate.snapshot.masternode) {
                Admission::Admit => {}
                Admission::Refuse(why) => return Registration::Refused(why),
                Admission::Evict(victim) => {
                    if let Some(link) = state.links.get(&victim) {
                        bump(&self.counters.evictions);
                        info!(peer = %victim, reason = "evicted",
                            "Evicting {} to make room for masternode {node}", link.snapshot.addr);
                        link.closer.close(DisconnectReason::Evicted);
                    }
                }
            }
        }
        state.next_conn_id += 1;
        let conn_id = state.next_conn_id;
        let snapshot = candidate.snapshot.clone();
        let old = state.links.insert(
            node,
            Link {
                conn_id,
                key: candidate.key,
                snapshot: candidate.snapshot,
                outbox: candidate.outbox,
                closer: candidate.closer,
                last_active: Instant::now(),
            },
        );
        if let Some(old) = old {
            old.closer.close(DisconnectReason::Duplicate);
        }
        if !displaced {
            self.lanes.up(snapshot);
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
            self.lanes.down(node);
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

    /// Records that a live link's peer sent an application message at `now`.
    pub fn touch(&self, node: NodeId, conn_id: u64, now: Instant) {
        if let Some(link) = self.lock().links.get_mut(&node)
            && link.conn_id == conn_id
        {
            link.last_active = now;
        }
    }

    /// Asks the live link to `node`, if any, to send `Disconnect {reason}` and
    /// close; false when there is none. Its state leaves through `unregister`
    /// once its task has ended, as for any other close.
    pub fn close_link(&self, node: &NodeId, reason: DisconnectReason) -> bool {
        let state = self.lock();
        let Some(link) = state.links.get(node) else {
            return false;
        };
        link.closer.close(reason);
        true
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
        self.until_linked_is(node, false).await;
    }

    /// Waits until a live link to `node` exists.
    ///
    /// # Cancel safety
    /// Cancel-safe: it only watches.
    pub async fn until_linked(&self, node: &NodeId) {
        self.until_linked_is(node, true).await;
    }

    async fn until_linked_is(&self, node: &NodeId, linked: bool) {
        let mut changes = self.changed.subscribe();
        while self.is_linked(node) != linked {
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

    /// Queues `message` for `node`; false if there is no live link, the message
    /// does not encode, or the peer's queue is full. A `blocks` message is the
    /// answer the link asked the chain for, budgeted already (`serve.rs`).
    pub fn send_to(&self, node: &NodeId, message: Message) -> bool {
        let Some(outbox) = self.lock().links.get(node).map(|l| l.outbox.clone()) else {
            return false;
        };
        let Some(payload) = self.encode(&message) else {
            return false;
        };
        let queued = match message {
            Message::Blocks { .. } => outbox.push_answer(payload),
            _ => outbox.push(payload),
        };
        if !queued {
            bump(&self.counters.frames_dropped);
        }
        queued
    }

    /// Queues `message` for every live link, encoded once and shared by every
    /// queue; returns how many took it.
    pub fn broadcast(&self, message: &Message) -> usize {
        let outboxes: Vec<_> = self
            .lock()
            .links
            .values()
            .map(|l| l.outbox.clone())
            .collect();
        if outboxes.is_empty() {
            return 0;
        }
        let Some(payload) = self.encode(message) else {
            return 0;
        };
        let taken = outboxes.iter().filter(|o| o.push(payload.clone())).count();
        for _ in taken..outboxes.len() {
            bump(&self.counters.frames_dropped);
        }
        taken
    }

    fn encode(&self, message: &Message) -> Option<Bytes> {
        encode_payload(message)
            .inspect_err(|e| warn!(kind = message.kind(), "Not sending {}: {e}", message.kind()))
            .ok()
    }

    /// Hands a peer's message to the application, in the masternodes' lane if
    /// `from` is a configured masternode, without ever blocking a link task; a
    /// full lane drops it (counted).
    pub fn deliver(&self, from: NodeId, message: Message, held: InboundBytes) {
        let masternode = self.is_configured_masternode(&from);
        let kind = message.metric_kind();
        let event = NetEvent::Message {
            from,
            message,
            held,
        };
        if !self.lanes.message(event, masternode) {
            self.count_inbox_drop(masternode, kind, "full");
        }
    }

    /// Counts a message from a peer dropped before the application saw it
    /// (`events_dropped`, and `inbox_dropped` by lane, kind and `cause`).
    pub fn count_inbox_drop(&self, masternode: bool, kind: &'static str, cause: &'static str) {
        bump(&self.counters.events_dropped);
        let lane = if masternode {
            "masternodes"
        } else {
            "strangers"
        };
        self.counters
            .inbox_dropped
            .bump(InboxDrop { lane, kind, cause });
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
mod tests;
