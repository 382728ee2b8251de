//! What every task of one node's P2P layer shares: the manager, the settings, the
//! node-wide budgets for block answers and received messages (masternodes'
//! apart from strangers'), and the shutdown token and task tracker
//! that let the node drain on exit.

use std::sync::Arc;

use timecoin_shared::wire::{Handshake, PROTOCOL_VERSION};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::auth;
use super::handshake::HandshakeError;
use super::manager::Manager;
use super::settings::NetSettings;
use crate::constants::{INBOUND_BYTES, SERVE_BUDGET_BYTES};
use crate::identity::Identity;

/// Shared state of one node's P2P layer.
pub(crate) struct Core {
    /// Signs this node's handshake proofs.
    pub identity: Identity,
    pub mgr: Manager,
    pub settings: NetSettings,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    /// Bytes of block answers to configured masternodes that may be built or
    /// waiting to be written, across their links (see `serve.rs`).
    pub masternode_serve: Arc<Semaphore>,
    /// The same for every other link: strangers' requests never hold the
    /// masternodes' room.
    pub stranger_serve: Arc<Semaphore>,
    /// Bytes of received messages from configured masternodes waiting for
    /// the chain, across their links (see `inbound.rs`).
    pub masternode_inbound: Arc<Semaphore>,
    /// The same for every other link: strangers never take the masternodes'
    /// bytes (see `inbox.rs`).
    pub stranger_inbound: Arc<Semaphore>,
}

impl Core {
    /// Shared state for a node with these parts and a fresh task tracker.
    pub(crate) fn new(
        identity: Identity,
        mgr: Manager,
        settings: NetSettings,
        shutdown: CancellationToken,
    ) -> Self {
        Core {
            identity,
            mgr,
            settings,
            shutdown,
            tracker: TaskTracker::new(),
            masternode_serve: Arc::new(Semaphore::new(SERVE_BUDGET_BYTES)),
            stranger_serve: Arc::new(Semaphore::new(SERVE_BUDGET_BYTES)),
            masternode_inbound: Arc::new(Semaphore::new(INBOUND_BYTES)),
            stranger_inbound: Arc::new(Semaphore::new(INBOUND_BYTES)),
        }
    }

    /// This node's handshake for a connection with dial session `session` (the
    /// acceptor's reply carries 0: only the dialer's session keys a link), with a
    /// fresh nonce for the peer to sign.
    ///
    /// # Errors
    /// When the OS has no randomness for the nonce.
    pub(crate) fn hello(&self, session: u64) -> Result<Handshake, HandshakeError> {
        Ok(Handshake {
            network: self.settings.network.clone(),
            protocol_version: PROTOCOL_VERSION,
            node_id: self.mgr.own_id(),
            listen_port: self.settings.listen_port,
            masternode: self.settings.masternode,
            best_height: self.mgr.best_height(),
            software: self.settings.software.clone(),
            session,
            network_hash: self.settings.network_hash.clone(),
            nonce: auth::fresh_nonce().map_err(HandshakeError::Random)?,
        })
    }
}
