//! The fleet's nodes as a [`LogSource`]: each node's connection from the pool,
//! made on first use and remade when found dead.

use std::collections::HashMap;

use timecoin_shared::fleet::Node;

use super::command::Adjusted;
use super::follow::LogSource;
use crate::remote::{LineStream, Pool, node_command};

/// Opens log streams on fleet nodes.
pub struct FleetSource {
    nodes: HashMap<String, Node>,
    pool: Pool,
}

impl FleetSource {
    /// Streams from `nodes` over `pool`'s connections.
    pub fn new(nodes: impl IntoIterator<Item = Node>, pool: Pool) -> Self {
        let nodes = nodes.into_iter().map(|n| (n.name.clone(), n)).collect();
        FleetSource { nodes, pool }
    }
}

impl LogSource for FleetSource {
    async fn open(&self, node: &str, command: &Adjusted) -> Result<LineStream, String> {
        let node = self
            .nodes
            .get(node)
            .ok_or_else(|| format!("{node}: not in the fleet"))?;
        let mut cmd = node_command(node, &command.template).map_err(|e| e.to_string())?;
        for arg in &command.args {
            cmd = cmd.arg(arg).map_err(|e| format!("{}: {e}", node.name))?;
        }
        let remote = self.pool.remote(node).await.map_err(|e| e.to_string())?;
        remote.stream_lines(&cmd).await.map_err(|e| e.to_string())
    }
}
