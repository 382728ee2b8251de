//! What `timectl` learned about one node at one moment, whatever daemon API it
//! speaks: the common currency of `status`, `check`, the deploy gates and the
//! dashboard. Every field a daemon API cannot tell is `None` (shown as unknown),
//! never a zero that would pass for a fact.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::fleet::DaemonApi;
use crate::rpc::Direction;

/// One probe of one node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeSnapshot {
    /// The node's name in the fleet file.
    pub node: String,
    /// When the probe started.
    pub at: SystemTime,
    /// How long the probe took.
    pub took: Duration,
    /// The daemon API the probe spoke (the fleet file's `api`): what the node's
    /// answers and journal can tell depends on it.
    #[serde(default)]
    pub api: DaemonApi,
    /// Whether the node answered, and in which language.
    pub reach: Reach,
    /// The node's view of its chain and network; all `None` when unreachable.
    pub chain: ChainView,
    /// Its live links; `None` when the API does not list them or the call failed.
    pub peers: Option<Vec<PeerView>>,
    /// `git rev-parse HEAD` in the node's repo; `None` without a repo or on failure.
    pub repo_head: Option<String>,
}

impl NodeSnapshot {
    /// Whether the node's API answered as expected.
    pub fn is_reachable(&self) -> bool {
        matches!(self.reach, Reach::Reachable)
    }
}

/// Whether a node answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Reach {
    /// Its API answered as expected.
    Reachable,
    /// Something answered at the RPC address, but not the API the fleet file names.
    WrongApi { expected: String, detail: String },
    /// Nothing usable answered; `error` says why, starting with the node's name.
    Unreachable { error: String },
}

/// A node's chain and network state, as far as its API tells.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainView {
    pub block_height: Option<u64>,
    pub tip_hash: Option<String>,
    pub active_masternodes: Option<usize>,
    pub min_masternodes: Option<usize>,
    pub connected_peers: Option<usize>,
    pub pending_transactions: Option<usize>,
    pub finalized_transactions: Option<u64>,
    /// Hex public key (ours) or another stable identifier of the node.
    pub node_id: Option<String>,
    pub network: Option<String>,
    pub version: Option<String>,
    /// The commit the running binary was built from (maybe short, maybe `-dirty`).
    pub commit: Option<String>,
    pub uptime_secs: Option<u64>,
    pub last_block_age_secs: Option<u64>,
    /// Whether the node's id is a masternode of its network definition; a node
    /// that is not is never counted, never leads and never signs.
    #[serde(default)]
    pub listed_masternode: Option<bool>,
    /// The highest block a quorum of masternodes signed a commit certificate
    /// for: it is never reverted, while blocks above it may still be.
    #[serde(default)]
    pub final_height: Option<u64>,
    /// The consensus round at the height after the final one: above 0, rounds
    /// timed out there (a proposer down, votes missing).
    #[serde(default)]
    pub consensus_round: Option<u32>,
    /// Equivocations the node caught since it started: pairs of conflicting
    /// signed proposals or votes from one masternode at one height and round.
    #[serde(default)]
    pub equivocations: Option<u64>,
}

/// One live link of a node, as that node reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeerView {
    /// The peer's id when the API gives one (ours: hex public key).
    pub node_id: Option<String>,
    /// The other end's address (IP, or IP:port).
    pub addr: String,
    pub direction: Option<Direction>,
    pub connected_secs: Option<u64>,
    pub rtt_ms: Option<f64>,
    pub block_height: Option<u64>,
}
