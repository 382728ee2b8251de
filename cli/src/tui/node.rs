//! One node's row: the last snapshot that answered, when the node stopped
//! answering, its recent heights (for the sparkline) and the blocks seen.
//!
//! Honest data: a failed probe never blanks the row. The last good values stay,
//! with their age, and the row says since when the node is unreachable.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use timecoin_shared::snapshot::{NodeSnapshot, Reach};

use crate::lock::LockState;

/// Heights kept per node for the sparkline: wider than the widest sparkline
/// column drawn (a 160-column screen shows 16).
pub(crate) const HEIGHT_HISTORY: usize = 32;

/// Tips kept per node for the detail view.
pub(crate) const RECENT_BLOCKS: usize = 8;

/// A tip a node reported, and when it was first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenBlock {
    pub height: u64,
    pub hash: Option<String>,
    pub seen: SystemTime,
}

/// Where a node stands, as the dashboard shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// No probe has finished yet.
    Waiting,
    /// The last probe answered and is recent.
    Up,
    /// The last probe answered, but long ago (a probe is hanging).
    Stale,
    /// The last probe did not answer.
    Down,
}

/// One node of the fleet, as the dashboard knows it.
#[derive(Clone, Debug)]
pub struct NodeRow {
    pub name: String,
    /// The last snapshot whose node answered.
    pub last_ok: Option<NodeSnapshot>,
    /// The last failed probe's error, while the node does not answer.
    pub error: Option<String>,
    /// The first failed probe after the last answer.
    pub down_since: Option<SystemTime>,
    /// When the last probe (either outcome) finished.
    pub probed_at: Option<SystemTime>,
    /// Heights of successive answering probes, oldest first.
    pub heights: VecDeque<u64>,
    /// Tips seen, newest last.
    pub blocks: VecDeque<SeenBlock>,
    /// The node's deploy lock as last read: kept while a read fails, like the
    /// node's values (the error says so); `None` until a read answered.
    pub lock: Option<LockState>,
    /// Why the last read of the lock failed.
    pub lock_error: Option<String>,
}

impl NodeRow {
    pub fn new(name: impl Into<String>) -> Self {
        NodeRow {
            name: name.into(),
            last_ok: None,
            error: None,
            down_since: None,
            probed_at: None,
            heights: VecDeque::new(),
            blocks: VecDeque::new(),
            lock: None,
            lock_error: None,
        }
    }

    /// Takes a read of the node's lock in; says whether what is shown changed.
    pub fn apply_lock(&mut self, read: Result<LockState, String>) -> bool {
        let (lock, error) = (self.lock.clone(), self.lock_error.is_some());
        match read {
            Ok(state) => {
                self.lock = Some(state);
                self.lock_error = None;
            }
            Err(why) => self.lock_error = Some(why),
        }
        self.lock != lock || self.lock_error.is_some() != error
    }

    /// Takes a probe's result in.
    pub fn apply(&mut self, snapshot: NodeSnapshot) {
        let finished = snapshot.at + snapshot.took;
        self.probed_at = Some(finished);
        if let Reach::Reachable = snapshot.reach {
            self.error = None;
            self.down_since = None;
            if let Some(height) = snapshot.chain.block_height {
                push_bounded(&mut self.heights, height, HEIGHT_HISTORY);
                if self.blocks.back().is_none_or(|b| b.height != height) {
                    let block = SeenBlock {
                        height,
                        hash: snapshot.chain.tip_hash.clone(),
                        seen: finished,
                    };
                    push_bounded(&mut self.blocks, block, RECENT_BLOCKS);
                }
            }
            self.last_ok = Some(snapshot);
        } else {
            self.error = Some(match &snapshot.reach {
                Reach::WrongApi { expected, detail } => {
                    format!("not the {expected} API: {detail}")
                }
                Reach::Unreachable { error } => error.clone(),
                Reach::Reachable => String::new(),
            });
            self.down_since.get_or_insert(snapshot.at);
        }
    }

    /// Up, stale, down or waiting, at `now`; `stale_after` is how old an answer
    /// may be before it no longer counts as current.
    pub fn health(&self, now: SystemTime, stale_after: Duration) -> Health {
        if self.error.is_some() {
            return Health::Down;
        }
        match &self.last_ok {
            None => Health::Waiting,
            Some(s) if age(now, s.at + s.took) > stale_after => Health::Stale,
            Some(_) => Health::Up,
        }
    }

    /// How old the last answer is at `now`.
    pub fn data_age(&self, now: SystemTime) -> Option<Duration> {
        self.last_ok.as_ref().map(|s| age(now, s.at + s.took))
    }
}

/// `now - then`, zero when the clock went backwards.
pub(crate) fn age(now: SystemTime, then: SystemTime) -> Duration {
    now.duration_since(then).unwrap_or_default()
}

fn push_bounded<T>(queue: &mut VecDeque<T>, value: T, cap: usize) {
    if queue.len() == cap {
        queue.pop_front();
    }
    queue.push_back(value);
}
