//! What the consensus engine asks of the chain: whether a round may produce
//! (the quorum gate and its contract lines), the block to propose, a verdict
//! on a proposed block, and the decision, which appends a block with its
//! certificate (see `crate::consensus` for why this is the only way besides
//! certified sync).

use std::sync::atomic::Ordering;
use std::time::Instant;

use timecoin_consensus::{CommitCertificate, SafetyRecord};
use timecoin_shared::wire::NodeId;
use tracing::{info, warn};

use super::adopt::Adopted;
use super::block::{Block, unix_millis};
use super::engine::Chain;
use super::gossip::Outbox;
use super::hash::Hash32;
use super::limits::{MAX_BLOCK_TX_BYTES, MAX_BLOCK_TXS};
use super::store::StoreError;
use super::validate::check_block;
use crate::wire::Message;

/// The contract log line (operators and `timectl` grep it) for a round this
/// node skips.
pub fn skip_message(active: usize, min: usize) -> String {
    format!("Skipping block production: only {active} masternodes active (minimum {min} required)")
}

impl Chain {
    /// Whether round `round` of `height` may produce, as this masternode sees
    /// its links: at least `min_masternodes` and a `quorum` of the network
    /// definition's masternodes active (itself included). Logs the round's
    /// contract line: `Starting new block round` when `entered` (the round is
    /// new), or the skip line naming the larger of the two minimums (with
    /// fewer than a quorum nothing can be final, whatever `min_masternodes`
    /// says), which is logged again each time a stuck round is looked at.
    pub(crate) fn round_gate(&self, height: u64, round: u32, quorum: usize, entered: bool) -> bool {
        let schedule = &self.config.schedule;
        let mut active: Vec<NodeId> = self
            .gossip
            .active_masternodes()
            .into_iter()
            .filter(|id| schedule.is_masternode(id))
            .collect();
        active.sort();
        active.dedup();
        let min = self.config.min_masternodes.max(quorum);
        if active.len() < min {
            self.counters.skipped_rounds.fetch_add(1, Ordering::Relaxed);
            warn!(
                height,
                round,
                active = active.len(),
                min,
                "{}",
                skip_message(active.len(), min)
            );
            return false;
        }
        if !entered {
            return true;
        }
        self.counters.rounds.fetch_add(1, Ordering::Relaxed);
        let proposer = schedule.proposer(height, round).map(|p| p.short());
        info!(
            height,
            round,
            proposer = proposer.as_deref().unwrap_or("-"),
            active = active.len(),
            "Starting new block round"
        );
        true
    }

    /// A block for round `round` of `height` on our final tip, signed by this
    /// node with pending transactions: what it proposes when the round is its
    /// own. `None` if the final height moved on.
    pub(crate) fn build_proposal(&self, height: u64, round: u32) -> Option<Block> {
        let state = self.lock();
        if state.height() + 1 != height {
            return None;
        }
        let transactions = {
            let mut mempool = self.mempool();
            self.expire_txs(&mut mempool, Instant::now());
            mempool.select(MAX_BLOCK_TXS, MAX_BLOCK_TX_BYTES)
        };
        let base = state
            .tip
            .as_ref()
            .map_or(self.config.schedule.genesis_ms, |b| b.timestamp_ms);
        Some(Block::sign(
            &self.key,
            height,
            state.tip.as_ref().map_or(Hash32::ZERO, Block::hash),
            unix_millis().max(base + 1),
            round,
            transactions,
        ))
    }

    /// Whether `block` is a valid child of our final tip (parent, height,
    /// round, producer, timestamp, transactions, signature).
    ///
    /// # Errors
    /// Why not, for a log line.
    pub(crate) fn check_proposed(&self, block: &Block) -> Result<(), String> {
        let state = self.lock();
        let final_height = state.height();
        if block.height != final_height + 1 {
            return Err(format!(
                "height {} is not above the final height {final_height}",
                block.height
            ));
        }
        let parent = state.tip.as_ref();
        let mut lookup_failed = None;
        let mut already = |id: &Hash32| match self.store.tx_height(id) {
            Ok(h) => h.is_some(),
            Err(e) => {
                lookup_failed = Some(e);
                true
            }
        };
        let checked = check_block(
            parent,
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

    /// Appends `block`, final with `cert` (a quorum's precommits the engine
    /// counted, for this block's hash at the height after the final one).
    ///
    /// # Errors
    /// The block does not fit on the final tip, or the store failed.
    pub(crate) fn decide(&self, block: Block, cert: CommitCertificate) -> Result<(), String> {
        let mut state = self.lock();
        let height = block.height;
        match self.adopt(&mut state, vec![block], vec![cert], None, unix_millis()) {
            // Sync may have brought the same block first.
            Ok(Adopted::Appended | Adopted::Known) => Ok(()),
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
