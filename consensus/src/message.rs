//! The two messages of Algorithm 1, unsigned: a proposal and a vote.
//!
//! Their signed forms and the exact bytes a signature covers are in
//! [`crate::signing`]; here is only what they say.

use serde::{Deserialize, Serialize};

use crate::types::{Height, Round, ValidatorId, ValueId, VoteKind};

/// ⟨PROPOSAL, h, r, v, vr⟩: the round's proposer offers a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Proposal {
    /// The height decided.
    pub height: Height,
    /// The round the proposal is for.
    pub round: Round,
    /// The proposed block's hash.
    pub value: ValueId,
    /// The round of the quorum of prevotes (the "proof of lock") that lets
    /// locked validators accept this value again; `None` for a fresh value
    /// (Algorithm 1's vr = -1).
    pub pol_round: Option<Round>,
    /// The proposer, who signs it.
    pub proposer: ValidatorId,
}

/// ⟨PREVOTE or PRECOMMIT, h, r, id(v) or nil⟩ from one validator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Vote {
    /// Prevote or precommit.
    pub kind: VoteKind,
    /// The height voted on.
    pub height: Height,
    /// The round voted in.
    pub round: Round,
    /// The value voted for; `None` is a vote for nil (no value this round).
    pub value: Option<ValueId>,
    /// The voter, who signs it.
    pub validator: ValidatorId,
}
