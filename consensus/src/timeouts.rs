//! Round timeouts and how long each lasts.
//!
//! Every timeout grows linearly with the round: `base + round * delta`. Before
//! the network is stable (GST) rounds may fail for lack of messages; after it,
//! message delay has some unknown bound, and growing timeouts eventually exceed
//! it, so some round with an honest proposer gives every honest node time to
//! hear the proposal and the votes: that is what liveness needs.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::types::{Height, Round};

/// Which wait of a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutKind {
    /// Waiting for the proposer (L21, L57).
    Propose,
    /// Waiting for prevotes to agree after a quorum of any prevotes (L35, L61).
    Prevote,
    /// Waiting for precommits to agree after a quorum of any precommits (L48, L65).
    Precommit,
}

/// A timeout the engine must fire back as an input once its duration passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timeout {
    /// Which wait.
    pub kind: TimeoutKind,
    /// The height it was scheduled at.
    pub height: Height,
    /// The round it was scheduled in.
    pub round: Round,
}

/// One timeout's growth: `base + round * delta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Growth {
    /// Its length in round 0.
    pub base: Duration,
    /// What each further round adds.
    pub delta: Duration,
}

impl Growth {
    /// The length in `round` (saturating, never overflowing).
    pub fn at(&self, round: Round) -> Duration {
        self.base.saturating_add(self.delta.saturating_mul(round.0))
    }
}

/// The three timeouts' lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeoutConfig {
    /// How long to wait for a proposal.
    pub propose: Growth,
    /// How long to wait for prevotes to agree.
    pub prevote: Growth,
    /// How long to wait for precommits to agree.
    pub precommit: Growth,
}

impl TimeoutConfig {
    /// How long `kind` lasts in `round`.
    pub fn duration(&self, kind: TimeoutKind, round: Round) -> Duration {
        match kind {
            TimeoutKind::Propose => self.propose.at(round),
            TimeoutKind::Prevote => self.prevote.at(round),
            TimeoutKind::Precommit => self.precommit.at(round),
        }
    }
}

impl Default for TimeoutConfig {
    /// Tendermint's usual proportions: a proposal (which carries a block) gets
    /// the longest wait; votes are small.
    fn default() -> Self {
        TimeoutConfig {
            propose: Growth {
                base: Duration::from_millis(1000),
                delta: Duration::from_millis(500),
            },
            prevote: Growth {
                base: Duration::from_millis(500),
                delta: Duration::from_millis(250),
            },
            precommit: Growth {
                base: Duration::from_millis(500),
                delta: Duration::from_millis(250),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_grow_with_the_round_and_never_overflow() {
        let config = TimeoutConfig::default();
        let kinds = [
            TimeoutKind::Propose,
            TimeoutKind::Prevote,
            TimeoutKind::Precommit,
        ];
        for kind in kinds {
            assert!(config.duration(kind, Round(1)) > config.duration(kind, Round(0)));
            assert!(config.duration(kind, Round(u32::MAX)) >= config.duration(kind, Round(1)));
        }
        assert_eq!(
            config.duration(TimeoutKind::Propose, Round(2)),
            Duration::from_millis(2000)
        );
    }
}
