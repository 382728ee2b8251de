//! Bodies of the daemon's HTTP RPC. Field names are snake_case and stable:
//! operators already `curl /consensus_info | jq .active_masternodes`.

use serde::{Deserialize, Serialize};

use crate::wire::NodeId;

/// The counter in `GET /metrics` (Prometheus text) of equivocations a node
/// caught since it started: two conflicting signed proposals or votes from
/// one masternode at one height and round, both signatures checked.
pub const EQUIVOCATIONS_METRIC: &str = "timed_equivocations_total";

/// `GET /consensus_info`: one node's view of the network and its chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsensusInfo {
    /// Itself (if a masternode of the network definition) plus peers with a live,
    /// authenticated link whose id is a masternode of the network definition.
    pub active_masternodes: usize,
    /// Peers with a live, handshaken link.
    pub connected_peers: usize,
    pub pending_transactions: usize,
    pub finalized_transactions: u64,
    pub block_height: u64,
    /// Hex hash of the tip block (all zeros before the first block).
    pub tip_hash: String,
    pub node_id: NodeId,
    pub network: String,
    /// Package version of the running binary.
    pub version: String,
    /// Git commit the running binary was built from (`unknown` outside a checkout).
    pub commit: String,
    pub uptime_secs: u64,
    /// Seconds since the tip block was made; `None` before the first block.
    pub last_block_age_secs: Option<u64>,
    pub min_masternodes: usize,
    /// Whether this node's id is one of the masternode keys of its network
    /// definition: only those are counted, lead rounds and sign blocks. `None`
    /// from a daemon that does not say (an older build).
    #[serde(default)]
    pub in_network_definition: Option<bool>,
    /// Highest block made final by a quorum's commit certificate. `None` from
    /// a daemon that does not say (an older build).
    #[serde(default)]
    pub final_height: Option<u64>,
    /// The round this node's consensus is in at the height after the final
    /// one. `None` from a daemon that does not say, or runs no consensus (a
    /// network without masternodes).
    #[serde(default)]
    pub consensus_round: Option<u32>,
}

/// Which end dialed a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The peer dialed us.
    Inbound,
    /// We dialed the peer.
    Outbound,
}

impl Direction {
    /// The same link as seen from the other end.
    pub fn reversed(self) -> Direction {
        match self {
            Direction::Inbound => Direction::Outbound,
            Direction::Outbound => Direction::Inbound,
        }
    }
}

/// One element of `GET /peers`: a live, handshaken link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeerInfo {
    pub node_id: NodeId,
    /// The socket address of the other end of this link.
    pub addr: String,
    pub direction: Direction,
    pub connected_secs: u64,
    /// Round trip of the last answered ping; `None` until one is answered.
    pub rtt_ms: Option<f64>,
    /// The peer's best height, from its handshake and later status messages.
    pub block_height: u64,
    /// Whether the peer's id is a masternode of the network definition.
    pub masternode: bool,
    /// The peer's `software` string from its handshake.
    pub software: String,
}

/// `GET /health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"` while the node serves; anything else means look closer.
    pub status: String,
    pub version: String,
    pub commit: String,
}

/// The body of every 4xx and 5xx answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_direction_is_lower_case_on_the_wire() {
        assert_eq!(
            serde_json::to_string(&Direction::Inbound).expect("serialize"),
            r#""inbound""#
        );
        assert_eq!(Direction::Outbound.reversed(), Direction::Inbound);
    }

    #[test]
    fn consensus_info_uses_the_names_operators_curl() {
        let info = ConsensusInfo {
            active_masternodes: 4,
            connected_peers: 3,
            pending_transactions: 0,
            finalized_transactions: 0,
            block_height: 0,
            tip_hash: "00".repeat(32),
            node_id: NodeId([1; 32]),
            network: "devnet".into(),
            version: "0.1.0".into(),
            commit: "abc".into(),
            uptime_secs: 1,
            last_block_age_secs: None,
            min_masternodes: 3,
            in_network_definition: Some(true),
            final_height: Some(0),
            consensus_round: Some(0),
        };
        let v = serde_json::to_value(&info).expect("serialize");
        for key in [
            "active_masternodes",
            "connected_peers",
            "pending_transactions",
            "finalized_transactions",
            "block_height",
            "tip_hash",
            "node_id",
            "network",
            "version",
            "commit",
            "uptime_secs",
            "last_block_age_secs",
            "min_masternodes",
            "in_network_definition",
            "final_height",
            "consensus_round",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
    }
}
