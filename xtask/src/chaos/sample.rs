//! What the chaos run observes of the fleet at one instant, and the two readings
//! that define finality for it. Pure types and parsers; `observe.rs` fills them
//! from each node's RPC.
//!
//! "Final" is whatever the daemon says is final: its `timed_final_height` gauge
//! on `/metrics` (today a depth under the tip; a quorum certificate once consensus
//! has one). `/consensus_info` has the tip but not the final height, so this is
//! the one place that reads it, and the checker follows the daemon when its
//! notion changes.

use serde::Serialize;

/// The `/metrics` gauge holding the daemon's highest final block.
const FINAL_HEIGHT_METRIC: &str = "timed_final_height";

/// The daemon's final height, from its `/metrics` text.
pub(crate) fn final_height(metrics: &str) -> Option<u64> {
    metrics.lines().find_map(|line| {
        let value = line.strip_prefix(FINAL_HEIGHT_METRIC)?.strip_prefix(' ')?;
        // Prometheus text gives a float; heights are whole.
        value.trim().parse::<f64>().ok().map(|v| v as u64)
    })
}

/// What tells two blocks apart in `GET /blocks/{height}`: the producer's
/// signature, which covers every other field (the answer carries no hash).
pub(crate) fn block_identity(block: &serde_json::Value) -> Option<String> {
    block.get("signature")?.as_str().map(str::to_owned)
}

/// One live link as a node lists it in `/peers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Link {
    /// The peer's node id.
    pub(crate) peer: String,
    /// Whether this node dialed it.
    pub(crate) outbound: bool,
}

/// One node's answers at one instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct NodeView {
    pub(crate) height: u64,
    pub(crate) final_height: u64,
    pub(crate) commit: String,
    pub(crate) active_masternodes: usize,
    pub(crate) links: Vec<Link>,
    /// Blocks this node holds as final: (height, identity).
    pub(crate) final_blocks: Vec<(u64, String)>,
}

/// The whole fleet at one instant: `nodes[i]` is host `i + 1`, `None` when its
/// RPC did not answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Sample {
    /// Seconds since the run started.
    pub(crate) at: f64,
    pub(crate) nodes: Vec<Option<NodeView>>,
}

impl Sample {
    /// The links node `i` (0-based) holds to node `j`.
    pub(crate) fn links(&self, ids: &[String], i: usize, j: usize) -> Vec<&Link> {
        match &self.nodes[i] {
            Some(view) => view.links.iter().filter(|l| l.peer == ids[j]).collect(),
            None => Vec::new(),
        }
    }

    /// Whether nodes `i` and `j` (0-based) both answer and list each other.
    pub(crate) fn linked(&self, ids: &[String], i: usize, j: usize) -> bool {
        !self.links(ids, i, j).is_empty() && !self.links(ids, j, i).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_height_is_the_daemons_gauge_and_nothing_like_it() {
        let metrics = "# HELP timed_final_height_x other\ntimed_final_height_x 9\n\
                       # TYPE timed_final_height gauge\ntimed_final_height 42\n";
        assert_eq!(final_height(metrics), Some(42));
        assert_eq!(final_height("timed_block_height 50\n"), None);
    }

    #[test]
    fn a_block_is_known_by_its_signature() {
        let block = serde_json::json!({"height": 3, "signature": "ab12"});
        assert_eq!(block_identity(&block).as_deref(), Some("ab12"));
        assert_eq!(block_identity(&serde_json::json!({"height": 3})), None);
    }
}
