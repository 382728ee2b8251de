//! The record a validator persists before it signs anything, so that a crash
//! and restart never makes it sign two conflicting messages.
//!
//! Safety across rounds rests on two memories: the votes already cast (never
//! cast another at the same height, round and kind) and the lock (never prevote
//! against it without a later polka). Both live in the state machine's memory
//! until a crash; the engine writes this record durably *before* a signed
//! message leaves the node, and a restarted node resumes from it
//! ([`crate::State::resume`], [`crate::Driver::resume`]), with the votes it
//! needs to prove its valid value and its round to the others.
//!
//! An honest node's round only grows within a height, so keeping the latest
//! vote of each kind is enough: anything older is refused outright.

use serde::{Deserialize, Serialize};

use crate::driver::Driver;
use crate::message::{Proposal, Vote};
use crate::signing::SignedVote;
use crate::types::{Height, Round, RoundValue, VoteKind};

/// What must survive a crash: the height and round reached, the locks, and the
/// last proposal and votes signed at that height.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyRecord {
    /// The height being decided.
    pub height: Height,
    /// The highest round reached at that height.
    pub round: Round,
    /// lockedValue and lockedRound.
    pub locked: Option<RoundValue>,
    /// validValue and validRound.
    pub valid: Option<RoundValue>,
    /// The last proposal signed at this height.
    pub proposal: Option<Proposal>,
    /// The last prevote signed at this height.
    pub prevote: Option<Vote>,
    /// The last precommit signed at this height.
    pub precommit: Option<Vote>,
    /// The votes a restarted node needs to show the others where it stands
    /// ([`Driver::proof`]): the polka of its valid value, which it re-proposes
    /// with that proof of lock (L15-L16, L28), and the votes that moved it into
    /// its round (L55, L65). Without them, the others could never accept the
    /// value it stays locked on, nor follow it into its round, and one restart
    /// could stall the height (the simulation found both).
    pub proof: Vec<SignedVote>,
}

impl SafetyRecord {
    /// The record of a height where nothing was signed yet.
    pub fn new(height: Height) -> SafetyRecord {
        SafetyRecord {
            height,
            round: Round(0),
            locked: None,
            valid: None,
            proposal: None,
            prevote: None,
            precommit: None,
            proof: Vec::new(),
        }
    }

    /// The last vote of `kind` signed at this height.
    pub fn vote(&self, kind: VoteKind) -> Option<&Vote> {
        match kind {
            VoteKind::Prevote => self.prevote.as_ref(),
            VoteKind::Precommit => self.precommit.as_ref(),
        }
    }

    /// The record after signing `vote`, with the locks of `driver` (the
    /// driver that asked for the vote, whose lock the vote may just have
    /// taken). Call only when [`may_sign`] allowed it; persist the result,
    /// then send.
    pub fn with_vote(&self, vote: &Vote, driver: &Driver) -> SafetyRecord {
        let mut next = self.at(vote.height, driver);
        match vote.kind {
            VoteKind::Prevote => next.prevote = Some(*vote),
            VoteKind::Precommit => next.precommit = Some(*vote),
        }
        next
    }

    /// The record after signing `proposal`, with the locks of `driver`. Call
    /// only when [`may_propose`] allowed it; persist the result, then send.
    pub fn with_proposal(&self, proposal: &Proposal, driver: &Driver) -> SafetyRecord {
        let mut next = self.at(proposal.height, driver);
        next.proposal = Some(*proposal);
        next
    }

    /// This record carried to `height` with the driver's round, locks and
    /// proof; a new height starts with nothing signed.
    fn at(&self, height: Height, driver: &Driver) -> SafetyRecord {
        let mut next = if height == self.height {
            self.clone()
        } else {
            SafetyRecord::new(height)
        };
        let state = driver.state();
        next.round = next.round.max(state.round);
        next.locked = state.locked;
        next.valid = state.valid;
        next.proof = driver.proof();
        next
    }
}

/// Whether signing `vote` is safe given what `record` says was signed: never
/// for an earlier height, never for a round before the last vote of its kind,
/// and at the same height, round and kind only the very same vote again.
pub fn may_sign(record: &SafetyRecord, vote: &Vote) -> bool {
    let last = record.vote(vote.kind).map(|l| (l.round, l == vote));
    allowed(record, vote.height, vote.round, last)
}

/// Whether signing `proposal` is safe: the proposal twin of [`may_sign`].
pub fn may_propose(record: &SafetyRecord, proposal: &Proposal) -> bool {
    let last = record.proposal.as_ref().map(|l| (l.round, l == proposal));
    allowed(record, proposal.height, proposal.round, last)
}

/// The rule both share, given the last message of the kind signed at the
/// record's height: its round, and whether it is the very message asked for.
fn allowed(
    record: &SafetyRecord,
    height: Height,
    round: Round,
    last: Option<(Round, bool)>,
) -> bool {
    if height != record.height {
        return height > record.height;
    }
    match last {
        None => true,
        Some((last_round, same)) if last_round == round => same,
        Some((last_round, _)) => round > last_round,
    }
}
