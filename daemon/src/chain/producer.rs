//! Block rounds: on every tick of the block interval a masternode checks it has a
//! quorum of active masternodes, works out the leader of the current round, and
//! produces a block if that is itself.
//!
//! A round without a new block moves the turn to the next leader (see
//! [`schedule`]), so a leader that is down or slow costs one interval. Every tick
//! also announces our height (`Status`), which drives catch-up on peers.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use timecoin_shared::wire::{Message, NodeId};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::adopt::Adopted;
use super::block::Block;
use super::engine::Chain;
use super::gossip::Outbox;
use super::hash::Hash32;
use super::limits::{MAX_BLOCK_TX_BYTES, MAX_BLOCK_TXS};
use super::schedule;

/// What one round came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoundOutcome {
    /// This node is not a masternode; it only announced its height.
    NotMasternode,
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

/// Runs block rounds every `interval` until `shutdown` is cancelled. The first
/// round comes one interval after start, once the mesh had a moment to form.
///
/// # Cancel safety
/// Each round runs to completion between two ticks; cancelling stops before the next.
pub async fn run_rounds(chain: Arc<Chain>, interval: Duration, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticker.tick() => {
                chain.round(unix_millis());
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
        outbox.broadcast(Message::Status {
            best_height: state.height(),
        });
        if !self.config.masternode {
            return RoundOutcome::NotMasternode;
        }
        let mut active = self.gossip.active_masternodes();
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
        let height = state.height() + 1;
        if state.round_height == height {
            state.round = state.round.saturating_add(1);
        } else {
            state.round_height = height;
            state.round = 0;
        }
        let round = state.round;
        let Some(leader) = schedule::leader(height, round, &active) else {
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
        let transactions = state.mempool.select(MAX_BLOCK_TXS, MAX_BLOCK_TX_BYTES);
        let block = Block::sign(
            &self.key,
            height,
            parent.as_ref().map_or(Hash32::ZERO, Block::hash),
            now_ms.max(parent.as_ref().map_or(0, |p| p.timestamp_ms)),
            round,
            active,
            transactions,
        );
        match self.adopt(&mut state, vec![block.clone()], None) {
            Ok(Adopted::Switched { .. }) => {
                outbox.broadcast(Message::Block {
                    block: block.to_value(),
                });
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
