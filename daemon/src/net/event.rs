//! What the P2P layer tells the application (the chain): messages from peers and
//! peers coming and going.

use std::net::SocketAddr;
use std::time::Duration;

use timecoin_shared::rpc::{Direction, PeerInfo};
use timecoin_shared::wire::NodeId;
use tokio::time::Instant;

use super::inbound::InboundBytes;
use crate::wire::Message;

/// One application event, delivered in order per peer.
#[derive(Debug)]
pub enum NetEvent {
    /// A non-control message (`block`, `get_blocks`, `blocks`, `tx`, `status`).
    /// `held` is its share of the inbound byte budget: keep it until the
    /// message is handled.
    Message {
        from: NodeId,
        message: Message,
        held: InboundBytes,
    },
    /// A node now has a live, handshaken link (it had none before). A link replaced
    /// by a better one to the same node raises no event.
    PeerUp(PeerSnapshot),
    /// A node no longer has any live link.
    PeerDown(NodeId),
}

/// A live link as the application and the RPC see it.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerSnapshot {
    pub node_id: NodeId,
    /// The socket address of the other end.
    pub addr: SocketAddr,
    pub direction: Direction,
    pub connected_since: Instant,
    /// Round trip of the last answered ping.
    pub rtt: Option<Duration>,
    /// From the handshake, then from `status` messages.
    pub best_height: u64,
    /// Whether its id is a masternode of the network definition (never what it
    /// announced about itself).
    pub masternode: bool,
    pub software: String,
}

impl PeerSnapshot {
    /// A link for unit tests: `node_id` at a placeholder address, just
    /// connected, nothing heard yet.
    #[cfg(test)]
    pub(crate) fn stub(node_id: NodeId, direction: Direction, masternode: bool) -> PeerSnapshot {
        PeerSnapshot {
            node_id,
            addr: SocketAddr::from(([127, 0, 0, 1], 1)),
            direction,
            connected_since: Instant::now(),
            rtt: None,
            best_height: 0,
            masternode,
            software: String::new(),
        }
    }

    /// The `GET /peers` element for this link.
    pub fn to_info(&self) -> PeerInfo {
        PeerInfo {
            node_id: self.node_id,
            addr: self.addr.to_string(),
            direction: self.direction,
            connected_secs: self.connected_since.elapsed().as_secs(),
            rtt_ms: self.rtt.map(|d| d.as_secs_f64() * 1000.0),
            block_height: self.best_height,
            masternode: self.masternode,
            software: self.software.clone(),
        }
    }
}
