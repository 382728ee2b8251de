//! The fleet's nodes as a [`LogSource`]: each node's connection from the pool,
//! made on first use and remade when found dead.

use std::collections::HashMap;

use timecoin_shared::fleet::Node;

use super::command::Adjusted;
use super::tail::{LogSource, OpenError};
use crate::pool::Pool;
use crate::remote::{LineStream, RemoteError, node_command};

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
    async fn open(&self, node: &str, command: &Adjusted) -> Result<LineStream, OpenError> {
        let node = self
            .nodes
            .get(node)
            .ok_or_else(|| OpenError::UnknownNode(node.to_owned()))?;
        let mut cmd = node_command(node, &command.template)?;
        for arg in &command.args {
            cmd = cmd.arg(arg).map_err(|source| RemoteError::Command {
                node: node.name.clone(),
                source,
            })?;
        }
        let remote = self.pool.remote(node).await?;
        Ok(remote.stream_lines(&cmd).await?)
    }
}
