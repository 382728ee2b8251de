//! What the consensus engine asks of the chain: the block to propose at a
//! height, a verdict on a proposed block, and the decision, which makes a
//! block final with its certificate (see `crate::consensus` for why this is
//! the only way besides certified sync).

use timecoin_consensus::{CommitCertificate, SafetyRecord};
use timecoin_shared::wire::NodeId;

use super::adopt::Adopted;
use super::block::Block;
use super::engine::Chain;
use super::gossip::Outbox;
use super::producer::unix_millis;
use super::store::StoreError;
use super::validate::check_block;
use crate::wire::Message;

impl Chain {
    /// The block this node holds at `height` if it sits right on the final
    /// tip: what this node proposes there.
    pub(crate) fn proposable(&self, height: u64) -> Option<Block> {
        let state = self.lock();
        if state.finality.final_height + 1 != height {
            return None;
        }
        let block = self.store.block(height).ok().flatten()?;
        let parent = self.store.block(height - 1).ok().flatten();
        let parent_hash = parent.map_or(super::hash::Hash32::ZERO, |p| p.hash());
        (block.parent == parent_hash).then_some(block)
    }

    /// Whether `block` is a valid child of our final tip (parent, height,
    /// round, producer, timestamp, transactions, signature).
    ///
    /// # Errors
    /// Why not, for a log line.
    pub(crate) fn check_proposed(&self, block: &Block) -> Result<(), String> {
        let state = self.lock();
        let final_height = state.finality.final_height;
        if block.height != final_height + 1 {
            return Err(format!(
                "height {} is not above the final height {final_height}",
                block.height
            ));
        }
        let parent = if final_height == 0 {
            None
        } else {
            Some(
                self.store
                    .block(final_height)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no final block at {final_height}"))?,
            )
        };
        let mut lookup_failed = None;
        let mut already = |id: &super::hash::Hash32| match self.store.tx_height(id) {
            Ok(h) => h.is_some_and(|h| h <= final_height),
            Err(e) => {
                lookup_failed = Some(e);
                true
            }
        };
        let checked = check_block(
            parent.as_ref(),
            block,
            &self.config.schedule,
            unix_millis(),
            &mut already,
        );
        if let Some(e) = lookup_failed {
            return Err(e.to_string());
        }
        checked.map(drop).map_err(|e| e.to_string())
    }

    /// Makes `block` final with `cert` (a quorum's precommits the engine
    /// counted, for this block's hash at the height after the final one),
    /// replacing any other block this node held there.
    ///
    /// # Errors
    /// The block does not fit on the final tip, or the store failed.
    pub(crate) fn decide(&self, block: Block, cert: CommitCertificate) -> Result<(), String> {
        let mut state = self.lock();
        let height = block.height;
        let from = Some(block.producer);
        match self.adopt(&mut state, vec![block], vec![cert], from, unix_millis()) {
            Ok(Adopted::Switched { .. }) => Ok(()),
            Ok(other) => Err(format!("block at height {height}: {other:?}")),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The consensus engine's last persisted record.
    ///
    /// # Errors
    /// The store cannot be read.
    pub(crate) fn safety_record(&self) -> Result<Option<SafetyRecord>, StoreError> {
        self.store.safety_record()
    }

    /// Persists the consensus engine's record durably (see `Store`).
    ///
    /// # Errors
    /// The store cannot be written; nothing may be signed then.
    pub(crate) fn save_safety_record(&self, record: &SafetyRecord) -> Result<(), StoreError> {
        self.store.save_safety_record(record)
    }

    /// Asks `peer`, whose consensus messages show it past our final height,
    /// for the blocks above it: they come with their certificates (unless a
    /// request is already out; see `sync`).
    pub(crate) fn fetch_final_from(&self, peer: NodeId) {
        let mut outbox = Outbox::default();
        {
            let mut state = self.lock();
            let start = state.finality.final_height + 1;
            self.request_blocks(&mut state, &mut outbox, peer, start);
        }
        self.send(outbox);
    }

    /// Sends `msg` to every peer.
    pub(crate) fn broadcast(&self, msg: Message) {
        let mut outbox = Outbox::default();
        outbox.broadcast(msg);
        self.send(outbox);
    }
}
