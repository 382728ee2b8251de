//! Block rounds: rounds are slots of the block interval counted from the tip's
//! timestamp (see [`super::schedule`]). At the start of each slot a node announces its
//! height (`Status`, which drives catch-up on peers); a masternode of the network
//! definition also checks it has a quorum of active masternodes, works out the
//! leader of the round, and produces a block if that is itself.
//!
//! A peer's announced height never holds production: it is a claim without
//! proof, and a stranger announcing 2^64-1 once stopped every node (issue 21).
//! A node that really is behind may build one block on its stale tip; the
//! longer branch it then syncs replaces it (`forkchoice`), and nothing final
//! is ever replaced.
//!
//! A round without a new block moves the turn to the next leader, so a leader
//! that is down or slow costs one interval. Because every node counts slots from
//! the same tip, one block is made per interval however the nodes' timers are
//! phased.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use timecoin_shared::wire::NodeId;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::adopt::Adopted;
use super::block::Block;
use super::engine::{Chain, State};
use super::gossip::Outbox;
use super::hash::Hash32;
use super::limits::{MAX_BLOCK_TX_BYTES, MAX_BLOCK_TXS};
use crate::wire::Message;

/// What one round came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoundOutcome {
    /// This node is not a masternode of the network definition (or does not act
    /// as one); it only announced its height.
    NotMasternode,
    /// The first round on the current tip has not begun yet.
    Early,
    /// Too few active masternodes to produce.
    Skipped { active: usize, min: usize },
    /// Another node is the leader of this round.
    Waiting {
        height: u64,
        round: u32,
        leader: NodeId,
    },
    /// This node produced the block at `height`.
    Produced { height: u64, round: u32 },
}

/// The contract log line (operators and `timectl` grep it) for a skipped round.
pub fn skip_message(active: usize, min: usize) -> String {
    format!("Skipping block production: only {active} masternodes active (minimum {min} required)")
}

/// Runs a round at the start of every slot until `shutdown` is cancelled.
/// `clock` reads milliseconds since the Unix epoch: [`unix_millis`] in the daemon,
/// a clock that follows tokio's paused time in tests. A round may write the store
/// (an fsync), so it runs on the blocking pool, never on an async worker.
///
/// # Cancel safety
/// Each round runs to completion between two waits; cancelling stops before the next.
pub async fn run_rounds(
    chain: Arc<Chain>,
    clock: impl Fn() -> u64 + Send,
    shutdown: CancellationToken,
) {
    loop {
        let now = clock();
        let wait = Duration::from_millis(chain.next_round_start(now).saturating_sub(now));
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(wait) => {
                let (chain, now) = (chain.clone(), clock());
                if tokio::task::spawn_blocking(move || chain.round(now)).await.is_err() {
                    return; // The runtime is shutting down.
                }
            }
        }
    }
}

/// Wall-clock milliseconds since the Unix epoch, for block timestamps.
pub fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Chain {
    /// When the next round begins after `now_ms`, on the current tip (as last
    /// published, so a timer never waits for a store write).
    pub fn next_round_start(&self, now_ms: u64) -> u64 {
        let base = self
            .info()
            .tip_timestamp_ms
            .unwrap_or(self.config.schedule.genesis_ms);
        self.config.schedule.next_round_start(base, now_ms)
    }

    /// What rounds on the current tip count from: its timestamp, or genesis.
    fn round_base(&self, state: &State) -> u64 {
        state
            .tip
            .as_ref()
            .map_or(self.config.schedule.genesis_ms, |b| b.timestamp_ms)
    }

    /// Runs one block round at wall-clock time `now_ms`.
    pub fn round(&self, now_ms: u64) -> RoundOutcome {
        let mut outbox = Outbox::default();
        let outcome = self.round_inner(now_ms, &mut outbox);
        self.send(outbox);
        outcome
    }

    fn round_inner(&self, now_ms: u64, outbox: &mut Outbox) -> RoundOutcome {
        let mut state = self.lock();
        state.sync.tick();
        self.resume_sync(&mut state, outbox);
        outbox.broadcast(Message::Status {
            best_height: state.height(),
        });
        let schedule = &self.config.schedule;
        if !self.config.masternode || !schedule.is_masternode(&self.id) {
            return RoundOutcome::NotMasternode;
        }
        let height = state.height() + 1;
        let Some(round) = schedule.round_at(self.round_base(&state), now_ms) else {
            return RoundOutcome::Early;
        };
        if state.last_round == Some((height, round)) {
            return RoundOutcome::Early;
        }
        state.last_round = Some((height, round));
        let mut active: Vec<NodeId> = self
            .gossip
            .active_masternodes()
            .into_iter()
            .filter(|id| schedule.is_masternode(id))
            .collect();
        active.sort();
        active.dedup();
        let min = self.config.min_masternodes;
        if active.len() < min {
            self.counters.skipped_rounds.fetch_add(1, Ordering::Relaxed);
            warn!(
                active = active.len(),
                min,
                "{}",
                skip_message(active.len(), min)
            );
            return RoundOutcome::Skipped {
                active: active.len(),
                min,
            };
        }
        self.counters.rounds.fetch_add(1, Ordering::Relaxed);
        let Some(leader) = schedule.leader(height, round) else {
            return RoundOutcome::Skipped { active: 0, min };
        };
        info!(height, round, leader = %leader.short(), active = active.len(), "Starting new block round");
        if leader != self.id {
            return RoundOutcome::Waiting {
                height,
                round,
                leader,
            };
        }
        let parent = state.tip.clone();
        let transactions = {
            let mut mempool = self.mempool();
            self.expire_txs(&mut mempool, Instant::now());
            mempool.select(MAX_BLOCK_TXS, MAX_BLOCK_TX_BYTES)
        };
        let block = Block::sign(
            &self.key,
            height,
            parent.as_ref().map_or(Hash32::ZERO, Block::hash),
            now_ms,
            round,
            transactions,
        );
        match self.adopt(&mut state, vec![block.clone()], vec![], None, now_ms) {
            Ok(Adopted::Switched { .. }) => {
                outbox.broadcast(Message::Block { block });
                RoundOutcome::Produced { height, round }
            }
            Ok(other) => {
                warn!(height, "own block not adopted: {other:?}");
                RoundOutcome::Waiting {
                    height,
                    round,
                    leader,
                }
            }
            Err(e) => {
                warn!(height, "chain store error while producing: {e}");
                RoundOutcome::Waiting {
                    height,
                    round,
                    leader,
                }
            }
        }
    }
}
