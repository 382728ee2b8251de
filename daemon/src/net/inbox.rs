//! The way from the P2P layer to the application (issue 21): what peers send,
//! in two lanes, and which peers come and go, in a record that never drops.
//!
//! - Messages from configured masternodes (votes, proposals, blocks) travel in
//!   a lane of their own, and the application takes from it first: strangers,
//!   however many and whatever they send, fill only theirs. (One shared queue
//!   let three stranger links flooding tiny frames push out the honest votes
//!   and blocks: a masternode fell behind its fleet for the whole flood.) Each
//!   lane is bounded; a message arriving at a full lane is dropped and counted,
//!   never waited for (a waiting link would stop its pings).
//! - A peer coming or going is not a queued event that a full queue could
//!   drop, but a change recorded per node ([`Changes`]): one entry per node at
//!   most, so the record stays as small as the link table, and an arrival the
//!   application has not been told of yet cancels against its departure.
//!   Every `PeerUp` handed out is followed by exactly one `PeerDown` (a
//!   dropped `PeerDown` once left a peer behind in the chain that had gone,
//!   announcing a height it would never deliver).
//! - A `status` (a peer's height: a hint whose latest value is all that
//!   counts) is not queued in a lane but kept in one slot per node, each new
//!   one replacing the last, handed out after the masternodes' lane. Every
//!   peer announces its height to every other on every tick: at 64
//!   masternodes and a 100 ms interval that is 630 hints a second per node,
//!   which filled the masternodes' lane and pushed out the votes a round
//!   needs (issue 21). A slot per node is bounded by the link table, like
//!   the record of changes, and never takes a vote's place.
//! - A message from a node the application has not been told is up (it has
//!   gone, and its `PeerDown` is handed out) is dropped, so no state of a gone
//!   peer comes back through a message still queued behind its departure.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use timecoin_shared::wire::NodeId;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{Notify, mpsc};

use super::event::{NetEvent, PeerSnapshot};
use crate::wire::Message;

/// What happened to a node's links since the application last took changes.
#[derive(Debug)]
enum Change {
    /// It has a live link; the application was not told before.
    Up(PeerSnapshot),
    /// It has none any more; the application was told it was up.
    Down,
    /// Its link went and another came: down, then up.
    Replaced(PeerSnapshot),
}

/// Peers' comings and goings not yet taken by the application, one entry per
/// node.
#[derive(Debug, Default)]
struct Changes {
    pending: BTreeMap<NodeId, Change>,
}

impl Changes {
    fn up(&mut self, peer: PeerSnapshot) {
        let node = peer.node_id;
        let change = match self.pending.remove(&node) {
            None | Some(Change::Up(_)) => Change::Up(peer),
            Some(Change::Down | Change::Replaced(_)) => Change::Replaced(peer),
        };
        self.pending.insert(node, change);
    }

    fn down(&mut self, node: NodeId) {
        match self.pending.remove(&node) {
            // Never told it came: nothing to tell.
            Some(Change::Up(_)) => {}
            None | Some(Change::Down | Change::Replaced(_)) => {
                self.pending.insert(node, Change::Down);
            }
        }
    }
}

/// What the sending side and the receiving side share.
#[derive(Debug, Default)]
struct Shared {
    changes: Mutex<Changes>,
    /// The latest `status` of each node not yet handed out.
    hints: Mutex<BTreeMap<NodeId, NetEvent>>,
    changed: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Changes> {
        // Each change is one statement; a panic elsewhere must not stop the links.
        self.changes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn hints(&self) -> MutexGuard<'_, BTreeMap<NodeId, NetEvent>> {
        self.hints
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The P2P layer's side: where links put what the application must learn.
#[derive(Debug)]
pub struct Lanes {
    shared: Arc<Shared>,
    masternodes: mpsc::Sender<NetEvent>,
    strangers: mpsc::Sender<NetEvent>,
}

impl Lanes {
    /// Lanes of `capacity` messages each, and the application's end.
    pub fn new(capacity: usize) -> (Lanes, Inbox) {
        let shared = Arc::new(Shared::default());
        let (masternodes, from_masternodes) = mpsc::channel(capacity);
        let (strangers, from_strangers) = mpsc::channel(capacity);
        let lanes = Lanes {
            shared: shared.clone(),
            masternodes,
            strangers,
        };
        let inbox = Inbox {
            shared,
            masternodes: from_masternodes,
            strangers: from_strangers,
            ready: VecDeque::new(),
            up: HashSet::new(),
        };
        (lanes, inbox)
    }

    /// Queues a message event in the masternodes' lane or the strangers';
    /// false when that lane is full (the event is dropped). A `status` takes
    /// its node's slot instead, replacing the one there: never dropped, never
    /// in a lane.
    pub(crate) fn message(&self, event: NetEvent, masternode: bool) -> bool {
        if let NetEvent::Message {
            from,
            message: Message::Status { .. },
            ..
        } = &event
        {
            self.shared.hints().insert(*from, event);
            self.shared.changed.notify_one();
            return true;
        }
        let lane = if masternode {
            &self.masternodes
        } else {
            &self.strangers
        };
        lane.try_send(event).is_ok()
    }

    /// Records that `peer`'s node has a live link and had none.
    pub(crate) fn up(&self, peer: PeerSnapshot) {
        self.shared.lock().up(peer);
        self.shared.changed.notify_one();
    }

    /// Records that `node` has no live link any more (its hint goes with it).
    pub(crate) fn down(&self, node: NodeId) {
        self.shared.hints().remove(&node);
        self.shared.lock().down(node);
        self.shared.changed.notify_one();
    }
}

/// The application's end: every event the P2P layer has for it, peers'
/// comings and goings first, then masternodes' messages, then the latest
/// `status` of each node, then strangers' messages.
#[derive(Debug)]
pub struct Inbox {
    shared: Arc<Shared>,
    masternodes: mpsc::Receiver<NetEvent>,
    strangers: mpsc::Receiver<NetEvent>,
    /// Events taken from the record, to hand out in order.
    ready: VecDeque<NetEvent>,
    /// Nodes handed out as up and not yet as down.
    up: HashSet<NodeId>,
}

impl Inbox {
    /// The next event; `None` once the P2P layer has ended.
    ///
    /// # Cancel safety
    /// Cancel-safe: an event is taken only when the future completes.
    pub async fn recv(&mut self) -> Option<NetEvent> {
        loop {
            if let Some(event) = self.next_ready() {
                return Some(event);
            }
            let event = match self.masternodes.try_recv() {
                Ok(event) => Some(event),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => self.next_hint(),
            };
            if let Some(event) = event {
                if let Some(event) = self.admit(event) {
                    return Some(event);
                }
                continue;
            }
            let event = tokio::select! {
                biased;
                () = self.shared.changed.notified() => continue,
                event = self.masternodes.recv() => event,
                event = self.strangers.recv() => event,
            };
            if let Some(event) = self.admit(event?) {
                return Some(event);
            }
        }
    }

    /// The next event if one is waiting (tests drain with it).
    ///
    /// # Errors
    /// `Empty` when none waits, `Disconnected` once the P2P layer has ended.
    #[cfg(any(test, feature = "testing"))]
    pub fn try_recv(&mut self) -> Result<NetEvent, TryRecvError> {
        loop {
            if let Some(event) = self.next_ready() {
                return Ok(event);
            }
            let event = match self.masternodes.try_recv() {
                Err(TryRecvError::Empty) => match self.next_hint() {
                    Some(event) => event,
                    None => self.strangers.try_recv()?,
                },
                other => other?,
            };
            if let Some(event) = self.admit(event) {
                return Ok(event);
            }
        }
    }

    /// Messages waiting in both lanes.
    #[cfg(any(test, feature = "testing"))]
    pub fn len(&self) -> usize {
        self.masternodes.len() + self.strangers.len()
    }

    /// Whether no message waits in either lane.
    #[cfg(any(test, feature = "testing"))]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The latest `status` of the first node that has one waiting.
    fn next_hint(&mut self) -> Option<NetEvent> {
        self.shared.hints().pop_first().map(|(_, event)| event)
    }

    /// The next change already taken, or the next recorded one.
    fn next_ready(&mut self) -> Option<NetEvent> {
        if self.ready.is_empty() {
            self.take_changes();
        }
        self.ready.pop_front()
    }

    /// Moves the recorded changes into `ready`, in order for each node.
    fn take_changes(&mut self) {
        let pending = std::mem::take(&mut self.shared.lock().pending);
        for (node, change) in pending {
            match change {
                Change::Up(peer) => {
                    self.up.insert(node);
                    self.ready.push_back(NetEvent::PeerUp(peer));
                }
                Change::Down => {
                    self.up.remove(&node);
                    self.ready.push_back(NetEvent::PeerDown(node));
                }
                Change::Replaced(peer) => {
                    self.ready.push_back(NetEvent::PeerDown(node));
                    self.ready.push_back(NetEvent::PeerUp(peer));
                }
            }
        }
    }

    /// A message from a lane, if its sender is up as the application knows
    /// it: after the changes recorded before it (its node's arrival among
    /// them), which then go first.
    fn admit(&mut self, event: NetEvent) -> Option<NetEvent> {
        let NetEvent::Message { from, .. } = &event else {
            return Some(event);
        };
        if self.up.contains(from) {
            return Some(event);
        }
        self.take_changes();
        if !self.up.contains(from) {
            // Gone (or never told up): its state must not come back.
            return None;
        }
        self.ready.push_back(event);
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests;
