//! The one path by which any block joins the chain, whether produced here,
//! gossiped, synced or decided: find where the offered branch forks from ours,
//! apply the fork-choice rule, validate every new block, then commit the switch
//! to the store in one transaction and put reverted transactions back in the
//! mempool.
//!
//! A branch offered with certificates (checked by the caller, one per block,
//! from our final height up) is decided: it needs no fork-choice win, it
//! replaces whatever non-final blocks we hold there, and it becomes final in
//! the same transaction. A branch that would replace a final block is refused,
//! certificates or not.

use std::sync::atomic::Ordering;

use timecoin_consensus::CommitCertificate;
use timecoin_shared::wire::NodeId;
use tracing::{info, warn};

use super::block::Block;
use super::engine::{Chain, State};
use super::forkchoice::{self, BranchKey};
use super::hash::Hash32;
use super::mempool::Origin;
use super::store::StoreError;
use super::validate::check_block;
use crate::escape::escaped;

/// What became of a branch offered to [`Chain`] (one gossiped block, a sync batch,
/// or our own new block).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Adopted {
    /// It extended our tip or replaced a weaker branch, reverting this many blocks.
    Switched { reverted: usize },
    /// We have every block of it already.
    Known,
    /// It loses to our branch under the fork-choice rule.
    Stale,
    /// It does not connect to our chain: blocks below it are missing.
    Detached,
    /// It breaks a rule, or forks at or below a final block.
    Invalid { height: u64, reason: String },
}

impl Chain {
    /// Offers a branch (consecutive blocks, lowest first) to the chain, and adopts
    /// it if it is valid and the fork-choice rule prefers it, or if `certs`
    /// (verified, one for each block of the branch, in order) prove it decided.
    /// `now_ms` is the local clock, which no block may be stamped far ahead of.
    ///
    /// # Errors
    /// Only store failures; a bad branch is an [`Adopted::Invalid`], logged here.
    pub(super) fn adopt(
        &self,
        state: &mut State,
        branch: Vec<Block>,
        certs: Vec<CommitCertificate>,
        from: Option<NodeId>,
        now_ms: u64,
    ) -> Result<Adopted, StoreError> {
        let outcome = self.try_adopt(state, branch, certs, from, now_ms)?;
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
        from: Option<NodeId>,
        now_ms: u64,
    ) -> Result<Adopted, StoreError> {
        let invalid = |height, reason: String| Ok(Adopted::Invalid { height, reason });
        let Some(first) = branch.first() else {
            return Ok(Adopted::Known);
        };
        let final_height = state.finality.final_height;
        if !certs.is_empty() && (certs.len() != branch.len() || first.height != final_height + 1) {
            return invalid(
                first.height,
                format!("certified blocks must follow the final height {final_height}"),
            );
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
        // Skip the blocks we already hold.
        let tip_height = state.height();
        let mut skip = 0;
        for block in &branch {
            if block.height > tip_height
                || self.store.block(block.height)?.map(|b| b.hash()) != Some(block.hash())
            {
                break;
            }
            skip += 1;
        }
        let branch = &branch[skip..];
        let Some(fork) = branch.first().map(|b| b.height) else {
            if certs.is_empty() {
                return Ok(Adopted::Known);
            }
            // Every block is ours already: they only become final.
            return self.commit(state, tip_height + 1, branch, &certs, from);
        };
        if fork > tip_height + 1 {
            return Ok(Adopted::Detached);
        }
        if !forkchoice::may_fork_at(fork, state.finality.final_height) {
            return invalid(fork, format!("conflicts with final block at height {fork}"));
        }
        let parent = if fork == 1 {
            None
        } else {
            self.store.block(fork - 1)?
        };
        if branch[0].parent != parent.as_ref().map_or(Hash32::ZERO, Block::hash) {
            return Ok(Adopted::Detached);
        }
        let mut ours = Vec::new();
        for height in fork..=tip_height {
            if let Some(b) = self.store.block(height)? {
                ours.push(BranchKey {
                    round: b.round,
                    hash: b.hash(),
                });
            }
        }
        let theirs: Vec<BranchKey> = branch
            .iter()
            .map(|b| BranchKey {
                round: b.round,
                hash: b.hash(),
            })
            .collect();
        if certs.is_empty() && !forkchoice::prefer(&ours, &theirs) {
            return Ok(Adopted::Stale);
        }
        let mut included = std::collections::HashSet::new();
        let mut prev = parent;
        for block in branch {
            let store = &self.store;
            let mut lookup_failed = None;
            let mut already = |id: &Hash32| {
                included.contains(id)
                    || match store.tx_height(id) {
                        Ok(h) => h.is_some_and(|h| h < fork),
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
        self.commit(state, fork, branch, &certs, from)
    }

    fn commit(
        &self,
        state: &mut State,
        fork: u64,
        branch: &[Block],
        certs: &[CommitCertificate],
        from: Option<NodeId>,
    ) -> Result<Adopted, StoreError> {
        let reverted = self.store.apply(fork, branch, certs)?;
        let new_tip = match branch.last() {
            Some(block) => Some(block.clone()),
            None => state.tip.clone(),
        };
        let new_height = new_tip.as_ref().map_or(0, |b| b.height);
        {
            // After the write: see `Chain::submit_tx` for why the order matters.
            let mut mempool = self.mempool();
            let now = std::time::Instant::now();
            for block in &reverted {
                for tx in block.transactions.iter() {
                    // A full pool drops the reverted transaction; its sender may resubmit.
                    let _ = mempool.insert(
                        tx.id(),
                        tx.as_str().as_bytes().to_vec(),
                        Origin::Reverted,
                        now,
                    );
                }
            }
            for block in branch {
                for tx in block.transactions.iter() {
                    mempool.remove(&tx.id());
                }
            }
        }
        for block in branch {
            if from.is_none() {
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
        if !reverted.is_empty() {
            self.counters.reorgs.fetch_add(1, Ordering::Relaxed);
            info!(
                fork,
                reverted = reverted.len(),
                "Switched to a better branch at height {fork}"
            );
        }
        if let Some(cert) = certs.last() {
            info!(height = cert.height.0, round = cert.round.0, signers = cert.precommits.len(), hash = %cert.value, "Finalized block at height {} by a certificate of {} masternodes", cert.height.0, cert.precommits.len());
        }
        state.tip = new_tip;
        state.finality = self.store.finality()?;
        self.publish(state);
        self.gossip.set_best_height(new_height);
        Ok(Adopted::Switched {
            reverted: reverted.len(),
        })
    }
}
