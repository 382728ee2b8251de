//! The public, in-process entry point of the P2P layer: [`start`] wires the tasks
//! from settings, an identity, a listener, a dialer and a shutdown token, and
//! returns a [`Network`] handle plus the receiver of application events. The daemon,
//! the chain and the simulation all drive the P2P layer through exactly this.

use std::sync::Arc;

use timecoin_shared::wire::{DisconnectReason, NodeId};
use tokio_util::sync::CancellationToken;

use super::backoff::Backoff;
use super::core::Core;
use super::counters::{CountersSnapshot, EndedBy, InboxDrop};
use super::event::PeerSnapshot;
use super::inbox::{Inbox, Lanes};
use super::manager::Manager;
use super::settings::NetSettings;
use super::transport::{Dialer, Listener};
use super::{dialer, listener};
use crate::constants::EVENT_QUEUE;
use crate::identity::Identity;
use crate::wire::Message;

/// A cloneable handle on a running P2P layer.
#[derive(Clone)]
pub struct Network {
    core: Arc<Core>,
}

/// Starts accepting on `listener` and dialing every `settings.peers` address through
/// `dialer`, until `shutdown` is cancelled. Must be called inside a tokio runtime.
///
/// The [`Inbox`] yields every peer-up/-down change, exactly once each, and
/// every non-control message from peers, configured masternodes' first; if it
/// is not drained, new messages are dropped and counted (`events_dropped`)
/// rather than stalling the links.
pub fn start<L: Listener, D: Dialer>(
    settings: NetSettings,
    identity: &Identity,
    listener: L,
    dialer: D,
    shutdown: CancellationToken,
) -> (Network, Inbox) {
    let (lanes, inbox) = Lanes::new(EVENT_QUEUE);
    let mgr = Manager::new(
        identity.node_id(),
        settings.masternode,
        settings.masternodes.clone(),
        settings.session_start,
        settings.rng_seed,
        lanes,
    )
    .with_slots(settings.slots());
    let core = Arc::new(Core::new(identity.clone(), mgr, settings, shutdown));
    core.tracker
        .spawn(listener::accept_loop(listener, core.clone()));
    for &addr in &core.settings.peers {
        // Forked here, in peer order, so a seeded run draws the same jitter.
        let backoff = Backoff::new(
            core.settings.backoff_initial,
            core.settings.backoff_max,
            core.mgr.fork_rng(),
        );
        core.tracker.spawn(dialer::dial_loop(
            addr,
            dialer.clone(),
            core.clone(),
            backoff,
        ));
    }
    // Closed now so `closed()` resolves once the tasks (and the ones they spawn) end.
    core.tracker.close();
    (Network { core }, inbox)
}

impl Network {
    /// This node's id.
    pub fn node_id(&self) -> NodeId {
        self.core.mgr.own_id()
    }

    /// The network name this node speaks.
    pub fn network(&self) -> &str {
        &self.core.settings.network
    }

    /// Every live, handshaken link, sorted by node id.
    pub fn peers(&self) -> Vec<PeerSnapshot> {
        self.core.mgr.peers()
    }

    /// Itself (if a masternode) plus live, authenticated peers whose id is a
    /// masternode of the network definition, sorted.
    pub fn active_masternodes(&self) -> Vec<NodeId> {
        self.core.mgr.active_masternodes()
    }

    /// Queues `message` for every live peer; returns how many took it. Meant for
    /// application messages (block, tx, status, ...), not control messages.
    pub fn broadcast(&self, message: Message) -> usize {
        self.core.mgr.broadcast(&message)
    }

    /// Queues `message` for one peer; false if it has no live link or a full queue.
    pub fn send_to(&self, node: &NodeId, message: Message) -> bool {
        self.core.mgr.send_to(node, message)
    }

    /// Closes the live link to `node` (it is told `reason`); false if there is
    /// none. For a peer that proved it lies, e.g. with a certificate that does
    /// not hold.
    pub fn close_link(&self, node: &NodeId, reason: DisconnectReason) -> bool {
        self.core.mgr.close_link(node, reason)
    }

    /// The best height advertised in handshakes from now on.
    pub fn set_best_height(&self, height: u64) {
        self.core.mgr.set_best_height(height);
    }

    /// What has happened on the wire so far.
    pub fn counters(&self) -> CountersSnapshot {
        self.core.mgr.counters.snapshot()
    }

    /// Connections ended so far, by who ended them and why.
    pub fn disconnects(&self) -> Vec<((EndedBy, &'static str), u64)> {
        self.core.mgr.counters.disconnects.snapshot()
    }

    /// Messages dropped on their way to the application so far, by lane,
    /// kind and cause.
    pub fn inbox_drops(&self) -> Vec<(InboxDrop, u64)> {
        self.core.mgr.counters.inbox_dropped.snapshot()
    }

    /// Resolves once shutdown has been requested and every task of the layer has
    /// ended (peers told `shutting_down`, sockets closed).
    pub async fn closed(&self) {
        self.core.tracker.wait().await;
    }
}
