//! Connects the chain and its consensus engine to the P2P layer inside the
//! node: the [`Gossip`] the chain speaks through is the [`Network`] handle, and
//! a task feeds the chain every application event the P2P layer delivers
//! (consensus messages go to the engine). Kept out of the modules so that
//! none depends on the others.
//!
//! Handling an event may write the chain store (an fsync, milliseconds to seconds
//! on a slow disk), so the pump hands each event to the blocking pool: a slow disk
//! then delays the chain, never the P2P and RPC tasks on the async workers.

use std::sync::Arc;

use timecoin_shared::wire::{DisconnectReason, NodeId};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::chain::{
    Chain, ChainConfig, Gossip, MempoolLimits, Schedule, Store, StoreError, run_ticks,
};
use crate::config::Config;
use crate::consensus;
use crate::identity::Identity;
use crate::net::{Inbox, NetEvent, Network};
use crate::wire::Message;

/// File name of the chain store inside the data dir.
pub(crate) const CHAIN_FILE: &str = "chain.redb";

impl Gossip for Network {
    fn broadcast(&self, msg: Message) {
        // A peer whose queue is full misses this one; the periodic status lets it
        // notice and sync what it missed.
        Network::broadcast(self, msg);
    }

    fn relay(&self, msg: Message, except: &NodeId) {
        for peer in self.peers() {
            if peer.node_id != *except {
                Network::send_to(self, &peer.node_id, msg.clone());
            }
        }
    }

    fn send_to(&self, peer: &NodeId, msg: Message) -> bool {
        Network::send_to(self, peer, msg)
    }

    fn active_masternodes(&self) -> Vec<NodeId> {
        Network::active_masternodes(self)
    }

    fn set_best_height(&self, height: u64) {
        Network::set_best_height(self, height);
    }

    fn close_link(&self, peer: &NodeId, reason: DisconnectReason) {
        Network::close_link(self, peer, reason);
    }
}

/// Opens the chain in the config's data dir and starts its tasks (event pump,
/// sync ticks, and the consensus engine that produces and decides blocks) on
/// `tracker` until `shutdown`.
///
/// # Errors
/// The chain store is unreadable, foreign, of another network or in use.
pub(crate) fn start(
    config: &Config,
    identity: &Identity,
    net: Network,
    events: Inbox,
    tracker: &TaskTracker,
    shutdown: CancellationToken,
) -> Result<Arc<Chain>, StoreError> {
    let store = Store::open(&config.data_dir.join(CHAIN_FILE), &config.network)?;
    let definition = &config.definition;
    let certifier = consensus::certifier(definition);
    let chain_config = ChainConfig {
        certifier: certifier.clone(),
        min_masternodes: definition.min_masternodes,
        schedule: Schedule::new(definition.masternodes.clone(), definition.genesis_ms),
    };
    let key = identity.signing_key().clone();
    let limits = MempoolLimits {
        bytes: config.mempool_bytes,
        gossip_rate: config.tx_gossip_rate,
    };
    let chain = Chain::new(key, chain_config, store, Arc::new(net))?.with_mempool_limits(limits);
    let chain = Arc::new(chain);
    let engine = certifier.map(|certifier| {
        consensus::start(
            chain.clone(),
            certifier,
            identity.signing_key().clone(),
            config.masternode,
            definition.block_interval,
            tracker,
            shutdown.clone(),
        )
    });
    tracker.spawn(pump(chain.clone(), engine, events, shutdown.clone()));
    tracker.spawn(run_ticks(
        chain.clone(),
        definition.block_interval,
        shutdown,
    ));
    Ok(chain)
}

/// Hands every P2P event to the chain, in order (each one handled before the next
/// is taken), and consensus messages to the engine (none without masternodes),
/// until shutdown or the P2P layer ends.
async fn pump(
    chain: Arc<Chain>,
    engine: Option<consensus::Handle>,
    mut events: Inbox,
    shutdown: CancellationToken,
) {
    loop {
        let event = tokio::select! {
            () = shutdown.cancelled() => return,
            event = events.recv() => event,
        };
        let Some(event) = event else { return };
        if let NetEvent::Message {
            from,
            message: Message::Consensus { message },
            held,
        } = event
        {
            if let Some(engine) = &engine {
                engine.deliver(from, message, held);
            }
            continue;
        }
        let chain = chain.clone();
        let handled = tokio::task::spawn_blocking(move || match event {
            // `held` keeps the message's bytes counted until it is handled.
            NetEvent::Message {
                from,
                message,
                held,
            } => {
                chain.on_message(from, message);
                drop(held);
            }
            NetEvent::PeerUp(peer) => chain.on_peer_up(peer.node_id, peer.best_height),
            NetEvent::PeerDown(peer) => chain.on_peer_down(peer),
        });
        if handled.await.is_err() {
            return; // The runtime is shutting down.
        }
    }
}
