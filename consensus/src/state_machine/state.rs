//! What the round state machine knows, what happens to it, and what it asks for.
//!
//! The variables are Algorithm 1's (L2-L9): the height and round, the step,
//! `lockedValue`/`lockedRound` as [`State::locked`], `validValue`/`validRound`
//! as [`State::valid`], and the decision. An [`Event`] is a condition the driver
//! found true (a proposal, a quorum, a timeout), already checked for the right
//! proposer, height and round; an [`Action`] is what the node must do.

use serde::{Deserialize, Serialize};

use crate::record::SafetyRecord;
use crate::timeouts::Timeout;
use crate::types::{Height, Round, RoundValue, ValueId, VoteKind};

/// Where in a round the node is (L4, plus the moments before the first round
/// and after the decision).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The height is known but no round has started.
    Unstarted,
    /// Waiting for the round's proposal.
    Propose,
    /// Prevoted; waiting for prevotes to agree.
    Prevote,
    /// Precommitted; waiting for precommits to agree.
    Precommit,
    /// Decided; waiting for the engine to start the next height.
    Commit,
}

/// A node's consensus state at one height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// h_p.
    pub height: Height,
    /// round_p.
    pub round: Round,
    /// step_p.
    pub step: Step,
    /// lockedValue_p and lockedRound_p: the value this node precommitted last,
    /// which it prevotes again unless a later polka frees it.
    pub locked: Option<RoundValue>,
    /// validValue_p and validRound_p: the most recent value seen with a polka,
    /// which this node re-proposes when it is the proposer.
    pub valid: Option<RoundValue>,
    /// `decision_p[h_p]`.
    pub decision: Option<RoundValue>,
    /// Whether this node proposes in the current round.
    pub(crate) proposer: bool,
    /// Whether this node already proposed in the current round.
    pub(crate) proposed: bool,
    /// L34's "for the first time": the prevote timeout is scheduled once a round.
    pub(crate) prevote_timeout_scheduled: bool,
    /// L47's "for the first time": the precommit timeout is scheduled once a round.
    pub(crate) precommit_timeout_scheduled: bool,
}

impl State {
    /// A fresh height, no round started yet, nothing locked (L2-L9, L53).
    pub fn new(height: Height) -> State {
        State {
            height,
            round: Round(0),
            step: Step::Unstarted,
            locked: None,
            valid: None,
            decision: None,
            proposer: false,
            proposed: false,
            prevote_timeout_scheduled: false,
            precommit_timeout_scheduled: false,
        }
    }

    /// The state a restarted node resumes from: its record's height, round,
    /// locks, and the step its recorded votes show it had reached, so the
    /// machine never reaches a vote it already cast with another value.
    pub fn resume(record: &SafetyRecord) -> State {
        let voted = |kind| record.vote(kind).is_some_and(|v| v.round == record.round);
        let step = if voted(VoteKind::Precommit) {
            Step::Precommit
        } else if voted(VoteKind::Prevote) {
            Step::Prevote
        } else {
            Step::Unstarted
        };
        State {
            height: record.height,
            round: record.round,
            step,
            locked: record.locked,
            valid: record.valid,
            proposed: record.proposal.is_some_and(|p| p.round == record.round),
            ..State::new(record.height)
        }
    }
}

/// A condition that holds, as the driver found it. Unless it says otherwise,
/// an event is about the current height and round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Start `round` (L10-L21, and L54-L56 by way of the driver), where this
    /// node is or is not the proposer.
    NewRound {
        /// The round to start.
        round: Round,
        /// Whether this node proposes in it.
        proposer: bool,
    },
    /// The engine's answer to [`Action::GetValue`]: the block to propose (L18).
    ValueToPropose {
        /// The round asked for.
        round: Round,
        /// The block's hash.
        value: ValueId,
    },
    /// The proposer's proposal with no proof of lock (L22).
    Proposal {
        /// The proposed value.
        value: ValueId,
        /// Whether the engine found the block valid.
        valid: bool,
    },
    /// The proposer's proposal whose proof of lock (a polka in `pol_round`,
    /// earlier than this round) the node has seen (L28).
    ProposalWithPolka {
        /// The proposed value.
        value: ValueId,
        /// The earlier round of its polka.
        pol_round: Round,
        /// Whether the engine found the block valid.
        valid: bool,
    },
    /// A quorum prevoted in this round, whatever for (L34).
    PolkaAny,
    /// A valid proposal and a quorum of prevotes for it in this round (L36).
    ProposalAndPolka {
        /// The value.
        value: ValueId,
    },
    /// A quorum prevoted nil in this round (L44).
    PolkaNil,
    /// A quorum precommitted in this round, whatever for (L47).
    PrecommitAny,
    /// A valid proposal and a quorum of precommits for it, in any round of this
    /// height (L49); or a verified commit certificate for a valid block of this
    /// height, which is the same quorum learned through sync.
    Decide {
        /// The round of the quorum.
        round: Round,
        /// The decided value.
        value: ValueId,
    },
    /// A timeout fired (L57, L61, L65); stale ones are ignored.
    Timeout(Timeout),
}

/// What the node must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Ask the engine for a block to propose (L18); it answers with
    /// [`Event::ValueToPropose`].
    GetValue,
    /// Broadcast a proposal for the current round (L19).
    Propose {
        /// The block's hash.
        value: ValueId,
        /// The round of its proof of lock, when re-proposing a valid value.
        pol_round: Option<Round>,
    },
    /// Broadcast a vote for the current round (L24, L26, L30, L32, L40, L45,
    /// L59, L63).
    Vote {
        /// Prevote or precommit.
        kind: VoteKind,
        /// The value, or nil.
        value: Option<ValueId>,
    },
    /// Schedule a timeout (L21, L35, L48).
    Schedule(Timeout),
    /// Start the next round (L67); the driver answers with [`Event::NewRound`].
    NextRound(Round),
    /// The height is decided (L51).
    Decide(RoundValue),
}
