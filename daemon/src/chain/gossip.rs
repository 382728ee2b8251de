//! The chain's only view of the network: a small trait, so the chain can run on
//! the real P2P layer or on an in-memory bus in simulations.

use crate::wire::Message;
use timecoin_shared::wire::{DisconnectReason, NodeId};

/// What the chain needs from the P2P layer.
pub trait Gossip: Send + Sync {
    /// Sends to every peer with a live link. Must not block.
    fn broadcast(&self, msg: Message);
    /// Sends to every peer with a live link but `except`: a message relayed from
    /// `except` never goes back to it. Must not block.
    fn relay(&self, msg: Message, except: &NodeId);
    /// Sends to one peer; `false` when there is no live link to it. Must not block.
    fn send_to(&self, peer: &NodeId, msg: Message) -> bool;
    /// Itself (if a masternode) plus peers with a live link that announced
    /// `masternode`, sorted.
    fn active_masternodes(&self) -> Vec<NodeId>;
    /// Tells the P2P layer our height, which it advertises in handshakes.
    fn set_best_height(&self, height: u64);
    /// Closes the link to a peer that proved it lies (blocks whose certificate
    /// does not hold). Must not block. A bus without links (the simulations)
    /// has nothing to close, hence the default.
    fn close_link(&self, _peer: &NodeId, _reason: DisconnectReason) {}
}

/// Messages decided while the chain's state was locked, sent once it is unlocked
/// so that a gossip implementation can never re-enter the chain under its lock.
#[derive(Default)]
pub(super) struct Outbox {
    items: Vec<(To, Message)>,
    closing: Vec<Closing>,
}

/// Who an outbox item goes to.
enum To {
    All,
    AllBut(NodeId),
    One(NodeId),
}

/// What an outbox holds besides messages: links to close once the chain's
/// state is unlocked.
type Closing = (NodeId, DisconnectReason);

impl Outbox {
    pub(super) fn broadcast(&mut self, msg: Message) {
        self.items.push((To::All, msg));
    }

    pub(super) fn relay(&mut self, msg: Message, from: NodeId) {
        self.items.push((To::AllBut(from), msg));
    }

    pub(super) fn send_to(&mut self, peer: NodeId, msg: Message) {
        self.items.push((To::One(peer), msg));
    }

    /// Closes the link to `peer` (after the messages queued before).
    pub(super) fn close_link(&mut self, peer: NodeId, reason: DisconnectReason) {
        self.closing.push((peer, reason));
    }

    /// Sends everything, then closes the links asked; returns the peers a
    /// direct send could not reach.
    pub(super) fn flush(self, gossip: &dyn Gossip) -> Vec<NodeId> {
        let mut unreachable = Vec::new();
        for (to, msg) in self.items {
            match to {
                To::All => gossip.broadcast(msg),
                To::AllBut(from) => gossip.relay(msg, &from),
                To::One(peer) => {
                    if !gossip.send_to(&peer, msg) {
                        unreachable.push(peer);
                    }
                }
            }
        }
        for (peer, reason) in self.closing {
            gossip.close_link(&peer, reason);
        }
        unreachable
    }
}
