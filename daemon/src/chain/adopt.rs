//! The one path by which any block joins the chain, whether decided here by
//! the consensus engine or synced from a peer: a run of blocks, each with its
//! commit certificate (checked by the caller), that continues our final tip.
//! Every block is validated, then all are appended with their certificates in
//! one store transaction, and their transactions leave the mempool.
//!
//! The chain holds final blocks only, so there is nothing to choose between and
//! nothing to revert: a block that conflicts with one we hold conflicts with a
//! final block, and is refused whatever it carries.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use timecoin_consensus::CommitCertificate;
use timecoin_shared::wire::NodeId;
use tracing::{info, warn};

use super::block::Block;
use super::engine::{Chain, State};
use super::hash::Hash32;
use super::store::StoreError;
use super::validate::check_block;
use crate::escape::escaped;

/// What became of a certified run of blocks offered to [`Chain`].
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Adopted {
    /// It extended our final tip.
    Appended,
    /// We have every block of it already.
    Known,
    /// It does not connect to our chain: blocks below it are missing.
    Detached,
    /// It breaks a rule, or conflicts with a final block.
    Invalid { height: u64, reason: String },
}

impl Chain {
    /// Offers consecutive blocks (lowest first), each with its verified
    /// certificate in `certs`, to the chain, and appends the ones above our
    /// tip if they continue it and pass every check. `from` is the peer they
    /// came from (`None`: decided here). `now_ms` is the local clock, which no
    /// block may be stamped far ahead of.
    ///
    /// # Errors
    /// Only store failures; a bad run is an [`Adopted::Invalid`], logged here.
    pub(super) fn adopt(
        &self,
        state: &mut State,
        branch: Vec<Block>,
        certs: Vec<CommitCertificate>,
        from: Option<NodeId>,
        now_ms: u64,
    ) -> Result<Adopted, StoreError> {
        let outcome = self.try_adopt(state, branch, certs, now_ms)?;
        if let Adopted::Invalid { height, reason } = &outcome {
            self.counters
                .blocks_rejected
                .fetch_add(1, Ordering::Relaxed);
            let peer = from.map_or_else(|| "self".to_string(), |p| p.short());
            warn!(height, peer = %peer, "Rejected block at height {height} from {peer}: {}", escaped(reason));
        }
        Ok(outcome)
    }

    fn try_adopt(
        &self,
        state: &mut State,
        branch: Vec<Block>,
        certs: Vec<CommitCertificate>,
        now_ms: u64,
    ) -> Result<Adopted, StoreError> {
        let invalid = |height, reason: String| Ok(Adopted::Invalid { height, reason });
        let Some(first) = branch.first() else {
            return Ok(Adopted::Known);
        };
        if certs.len() != branch.len() {
            return invalid(first.height, "a block without its certificate".into());
        }
        if first.height == 0 {
            return invalid(0, "height 0 is the empty chain".into());
        }
        for pair in branch.windows(2) {
            if pair[1].height != pair[0].height + 1 || pair[1].parent != pair[0].hash() {
                return invalid(
                    pair[1].height,
                    "batch is not a chain of consecutive blocks".into(),
                );
            }
        }
        // Skip the blocks we already hold; one that differs conflicts with a
        // final block.
        let tip_height = state.height();
        let mut skip = 0;
        for block in &branch {
            if block.height > tip_height {
                break;
            }
            if self.store.block(block.height)?.map(|b| b.hash()) != Some(block.hash()) {
                return invalid(
                    block.height,
                    format!("conflicts with final block at height {}", block.height),
                );
            }
            skip += 1;
        }
        let (branch, certs) = (&branch[skip..], &certs[skip..]);
        let Some(next) = branch.first() else {
            return Ok(Adopted::Known);
        };
        let parent = state.tip.clone();
        if next.height != tip_height + 1
            || next.parent != parent.as_ref().map_or(Hash32::ZERO, Block::hash)
        {
            return Ok(Adopted::Detached);
        }
        let mut included = HashSet::new();
        let mut prev = parent;
        for block in branch {
            let store = &self.store;
            let mut lookup_failed = None;
            let mut already = |id: &Hash32| {
                included.contains(id)
                    || match store.tx_height(id) {
                        Ok(h) => h.is_some(),
                        Err(e) => {
                            lookup_failed = Some(e);
                            true
                        }
                    }
            };
            let result = check_block(
                prev.as_ref(),
                block,
                &self.config.schedule,
                now_ms,
                &mut already,
            );
            if let Some(e) = lookup_failed {
                return Err(e);
            }
            match result {
                Ok(ids) => included.extend(ids),
                Err(reason) => return invalid(block.height, reason.to_string()),
            }
            prev = Some(block.clone());
        }
        self.commit(state, branch, certs)?;
        Ok(Adopted::Appended)
    }

    fn commit(
        &self,
        state: &mut State,
        branch: &[Block],
        certs: &[CommitCertificate],
    ) -> Result<(), StoreError> {
        self.store.append_final(branch, certs)?;
        {
            // After the write: see `Chain::submit_tx` for why the order matters.
            let mut mempool = self.mempool();
            for block in branch {
                for tx in block.transactions.iter() {
                    mempool.remove(&tx.id());
                }
            }
        }
        for block in branch {
            if block.producer == self.id {
                self.counters
                    .blocks_produced
                    .fetch_add(1, Ordering::Relaxed);
                info!(height = block.height, round = block.round, txs = block.transactions.len(), hash = %block.hash().short(), "Produced block at height {}", block.height);
            } else {
                self.counters
                    .blocks_accepted
                    .fetch_add(1, Ordering::Relaxed);
                info!(height = block.height, round = block.round, producer = %block.producer.short(), txs = block.transactions.len(), hash = %block.hash().short(), "Accepted block at height {}", block.height);
            }
        }
        if let Some(cert) = certs.last() {
            info!(height = cert.height.0, round = cert.round.0, signers = cert.precommits.len(), hash = %cert.value, "Finalized block at height {} by a certificate of {} masternodes", cert.height.0, cert.precommits.len());
        }
        if let Some(block) = branch.last() {
            state.tip = Some(block.clone());
        }
        state.finality = self.store.finality()?;
        self.publish(state);
        self.gossip.set_best_height(state.height());
        Ok(())
    }
}
