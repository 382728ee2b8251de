//! Everything the P2P layer needs to know that is not an identity or a socket. Kept
//! apart from the daemon's `Config` so simulations can build it directly, with their
//! own seed and session start for reproducible runs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use timecoin_shared::wire::NodeId;

use super::slots::SlotLimits;
use crate::constants as c;
use crate::definition::Definition;

/// Settings of one node's P2P layer.
#[derive(Clone, Debug)]
pub struct NetSettings {
    /// Network name; handshakes for any other name are refused.
    pub network: String,
    /// Hex hash of the network definition; handshakes with another are refused.
    pub network_hash: String,
    /// The configured masternodes, sorted: the only peers counted as masternodes.
    pub masternodes: Vec<NodeId>,
    /// Port announced in handshakes (the port this node accepts connections on).
    pub listen_port: u16,
    /// Addresses to keep a link to.
    pub peers: Vec<SocketAddr>,
    /// The node id the configuration expects at some of those addresses: any
    /// other node answering there is refused.
    pub expected_ids: HashMap<SocketAddr, NodeId>,
    /// Whether this node announces itself as a masternode (it is counted as one
    /// only if its id is also in `masternodes`).
    pub masternode: bool,
    /// `software` string announced in handshakes.
    pub software: String,
    pub handshake_timeout: Duration,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// Inbound links, and inbound handshakes in progress, allowed at once.
    pub max_inbound: usize,
    /// Inbound slots only configured masternodes may take.
    pub reserved_inbound: usize,
    /// Inbound stranger links from one IP address.
    pub max_inbound_per_ip: usize,
    /// Handshakes in progress from one address that is neither a configured
    /// peer's nor one a masternode has proven itself from.
    pub max_pending_per_ip: usize,
    /// Silence after which an inbound stranger is evicted.
    pub idle_timeout: Duration,
    /// Seed of every random choice (backoff jitter, ping nonces): a simulation with
    /// the same seed makes the same choices.
    pub rng_seed: u64,
    /// First dial session number; +1 per dial. Production uses the wall clock in
    /// microseconds at start, so sessions keep rising across restarts and a
    /// restarted node's new link beats its half-open leftover.
    pub session_start: u64,
}

impl NetSettings {
    /// The inbound limits the connection manager enforces.
    pub fn slots(&self) -> SlotLimits {
        SlotLimits {
            max_inbound: self.max_inbound,
            reserved_inbound: self.reserved_inbound,
            max_per_ip: self.max_inbound_per_ip,
        }
    }

    /// Settings with the default timings from `constants.rs`, for a network
    /// without a definition file (no masternodes); see [`Self::for_definition`].
    #[cfg(test)]
    pub fn new(network: &str, listen_port: u16) -> Self {
        let definition = Definition::without_file(
            network,
            c::DEFAULT_MIN_MASTERNODES,
            c::DEFAULT_BLOCK_INTERVAL,
        );
        Self::for_definition(&definition, listen_port)
    }

    /// Settings with the default timings for a node of `definition`.
    pub fn for_definition(definition: &Definition, listen_port: u16) -> Self {
        NetSettings {
            network: definition.name.clone(),
            network_hash: definition.hash_hex(),
            masternodes: definition.masternodes.clone(),
            listen_port,
            peers: Vec::new(),
            expected_ids: HashMap::new(),
            masternode: true,
            software: crate::version::software(),
            handshake_timeout: c::HANDSHAKE_TIMEOUT,
            ping_interval: c::PING_INTERVAL,
            ping_timeout: c::PING_TIMEOUT,
            backoff_initial: c::BACKOFF_INITIAL,
            backoff_max: c::BACKOFF_MAX,
            max_inbound: c::MAX_INBOUND,
            reserved_inbound: c::RESERVED_INBOUND,
            max_inbound_per_ip: c::MAX_INBOUND_PER_IP,
            max_pending_per_ip: c::MAX_PENDING_PER_IP,
            idle_timeout: c::IDLE_TIMEOUT,
            rng_seed: 0,
            session_start: 1,
        }
    }
}
