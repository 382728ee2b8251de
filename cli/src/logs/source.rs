//! The fleet's nodes as a [`LogSource`]: each node's transport (`ssh` or `local`),
//! connected on first use and reconnected when its connection is found dead.

use std::collections::HashMap;
use std::sync::Arc;

use timecoin_shared::fleet::Node;
use tokio::sync::Mutex;

use super::command::Adjusted;
use super::follow::LogSource;
use crate::remote::{ConnectOptions, LineStream, Remote, node_command};

/// One node's connection, if made and not yet found dead.
struct Slot {
    node: Node,
    remote: Mutex<Option<Arc<Remote>>>,
}

/// Opens log streams on fleet nodes.
pub struct FleetSource {
    slots: HashMap<String, Slot>,
    options: ConnectOptions,
}

impl FleetSource {
    pub fn new(nodes: impl IntoIterator<Item = Node>, options: ConnectOptions) -> Self {
        let slots = nodes
            .into_iter()
            .map(|node| {
                (
                    node.name.clone(),
                    Slot {
                        node,
                        remote: Mutex::new(None),
                    },
                )
            })
            .collect();
        FleetSource { slots, options }
    }

    /// Closes every connection still open (stops the SSH masters now rather than
    /// at their idle timeout).
    pub async fn close(self) {
        for slot in self.slots.into_values() {
            if let Some(remote) = slot
                .remote
                .into_inner()
                .and_then(|r| Arc::try_unwrap(r).ok())
            {
                let _ = remote.close().await;
            }
        }
    }

    async fn remote(&self, slot: &Slot) -> Result<Arc<Remote>, String> {
        let mut held = slot.remote.lock().await;
        if let Some(remote) = held.as_ref()
            && remote.check().await.is_ok()
        {
            return Ok(Arc::clone(remote));
        }
        *held = None;
        let remote = Arc::new(
            Remote::connect(&slot.node, &self.options)
                .await
                .map_err(|e| e.to_string())?,
        );
        *held = Some(Arc::clone(&remote));
        Ok(remote)
    }
}

impl LogSource for FleetSource {
    async fn open(&self, node: &str, command: &Adjusted) -> Result<LineStream, String> {
        let slot = self
            .slots
            .get(node)
            .ok_or_else(|| format!("{node}: not in the fleet"))?;
        let mut cmd = node_command(&slot.node, &command.template).map_err(|e| e.to_string())?;
        for arg in &command.args {
            cmd = cmd.arg(arg).map_err(|e| format!("{node}: {e}"))?;
        }
        let remote = self.remote(slot).await?;
        remote.stream_lines(&cmd).await.map_err(|e| e.to_string())
    }
}
