//! What every task of one node's P2P layer shares: the manager, the settings, and
//! the shutdown token and task tracker that let the node drain on exit.

use timecoin_shared::wire::{Handshake, PROTOCOL_VERSION};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::auth;
use super::handshake::HandshakeError;
use super::manager::Manager;
use super::settings::NetSettings;
use crate::identity::Identity;

/// Shared state of one node's P2P layer.
pub struct Core {
    /// Signs this node's handshake proofs.
    pub identity: Identity,
    pub mgr: Manager,
    pub settings: NetSettings,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
}

impl Core {
    /// This node's handshake for a connection with dial session `session` (the
    /// acceptor's reply carries 0: only the dialer's session keys a link), with a
    /// fresh nonce for the peer to sign.
    ///
    /// # Errors
    /// When the OS has no randomness for the nonce.
    pub fn hello(&self, session: u64) -> Result<Handshake, HandshakeError> {
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
