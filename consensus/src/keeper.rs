//! The vote keeper: counts one height's verified votes by distinct validators
//! and says when a threshold of Algorithm 1 is reached.
//!
//! Algorithm 1 counts messages per value: "2f+1 ⟨PREVOTE, h, r, id(v)⟩" means
//! prevotes for v from 2f+1 distinct validators. So a validator counts at most
//! once for each value of a (round, kind), and a repeat of the same vote
//! changes nothing. A validator that signs two different votes for one round
//! and kind equivocated: the pair is reported once as [`Evidence`], and each
//! vote still counts for its own value, as it would at the nodes that saw only
//! that one. That keeps the nodes' counts in agreement once votes are relayed
//! (a polka one node saw, others can see too) and costs no safety: two
//! quorums for different values share f+1 validators, one of them honest, and
//! an honest validator never signs both. The "any" thresholds count distinct
//! validators. At most [`MAX_VALUES_PER_SLOT`] votes are kept per validator,
//! round and kind, so a liar's votes cost bounded memory per round.
//!
//! Votes by non-validators and for other heights are ignored. Each threshold
//! is reported once, the first time it holds; the driver asks the `has_*`
//! queries whenever its step changes, so a threshold reached before the state
//! machine could use it is not lost.

use std::collections::{BTreeMap, BTreeSet};

use crate::certificate::CommitCertificate;
use crate::evidence::Evidence;
use crate::signing::{SignedVote, Verified};
use crate::types::{Height, Round, ValidatorId, ValueId, VoteKind};
use crate::validators::ValidatorSet;

/// A threshold of distinct validators reached in one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Threshold {
    /// A quorum prevoted, for anything (L34).
    PolkaAny(Round),
    /// A quorum prevoted nil (L44).
    PolkaNil(Round),
    /// A quorum prevoted this value (L28, L36): a "polka".
    PolkaValue(Round, ValueId),
    /// A quorum precommitted, for anything (L47).
    PrecommitAny(Round),
    /// A quorum precommitted this value: with its proposal, a decision (L49).
    PrecommitValue(Round, ValueId),
    /// f+1 validators voted in this round: at least one honest validator is
    /// there, so a node in an earlier round should move to it (L55).
    SkipRound(Round),
}

/// What adding one vote changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeeperEvent {
    /// A threshold reached for the first time.
    Threshold(Threshold),
    /// A validator equivocated (reported once per validator, round and kind).
    Equivocation(Box<Evidence>),
}

/// How many different votes of one validator for one round and kind are
/// kept and counted: its own, and enough conflicting ones for an equivocation
/// between two values and nil to be seen whole.
pub const MAX_VALUES_PER_SLOT: usize = 3;

/// The votes of one kind in one round.
#[derive(Clone, Debug, Default)]
struct Tally {
    /// Each validator's votes, first seen first.
    by_validator: BTreeMap<ValidatorId, Vec<Verified<SignedVote>>>,
    per_value: BTreeMap<Option<ValueId>, usize>,
}

impl Tally {
    fn count(&self, value: Option<ValueId>) -> usize {
        self.per_value.get(&value).copied().unwrap_or(0)
    }
}

#[derive(Clone, Debug, Default)]
struct RoundVotes {
    prevotes: Tally,
    precommits: Tally,
    voters: BTreeSet<ValidatorId>,
}

impl RoundVotes {
    fn tally(&self, kind: VoteKind) -> &Tally {
        match kind {
            VoteKind::Prevote => &self.prevotes,
            VoteKind::Precommit => &self.precommits,
        }
    }
}

/// The counted votes of one height.
#[derive(Clone, Debug)]
pub struct VoteKeeper {
    height: Height,
    validators: ValidatorSet,
    rounds: BTreeMap<Round, RoundVotes>,
    reached: BTreeSet<Threshold>,
    equivocated: BTreeSet<(ValidatorId, Round, VoteKind)>,
}

impl VoteKeeper {
    /// An empty keeper for `height`.
    pub fn new(height: Height, validators: ValidatorSet) -> Self {
        VoteKeeper {
            height,
            validators,
            rounds: BTreeMap::new(),
            reached: BTreeSet::new(),
            equivocated: BTreeSet::new(),
        }
    }

    /// The height counted.
    pub fn height(&self) -> Height {
        self.height
    }

    /// Counts `vote` and reports the thresholds it makes reached for the first
    /// time, or the equivocation it reveals. Ignored (nothing reported) when the
    /// voter is not a validator or the vote is for another height.
    pub fn add(&mut self, vote: Verified<SignedVote>) -> Vec<KeeperEvent> {
        let v = vote.get().vote;
        if v.height != self.height || !self.validators.contains(&v.validator) {
            return Vec::new();
        }
        let round = self.rounds.entry(v.round).or_default();
        let tally = match v.kind {
            VoteKind::Prevote => &mut round.prevotes,
            VoteKind::Precommit => &mut round.precommits,
        };
        let kept = tally.by_validator.entry(v.validator).or_default();
        if kept.iter().any(|k| k.get().vote == v) || kept.len() >= MAX_VALUES_PER_SLOT {
            return Vec::new();
        }
        let mut events = Vec::new();
        if let Some(first) = kept.first()
            && self.equivocated.insert((v.validator, v.round, v.kind))
        {
            events.push(KeeperEvent::Equivocation(Box::new(Evidence::Votes {
                first: *first.get(),
                second: *vote.get(),
            })));
        }
        kept.push(vote);
        *tally.per_value.entry(v.value).or_insert(0) += 1;
        round.voters.insert(v.validator);
        events.extend(self.newly_reached(v.round, v.kind, v.value));
        events
    }

    /// The thresholds of `round` that the last vote (of `kind`, for `value`)
    /// may have completed, each reported once.
    fn newly_reached(
        &mut self,
        round: Round,
        kind: VoteKind,
        value: Option<ValueId>,
    ) -> Vec<KeeperEvent> {
        let mut candidates = Vec::with_capacity(3);
        if self.voters(round) > self.validators.max_faulty() {
            candidates.push(Threshold::SkipRound(round));
        }
        let quorum = self.validators.quorum();
        let tally = self.rounds.get(&round).map(|r| r.tally(kind));
        let total = tally.map_or(0, |t| t.by_validator.len());
        let for_value = tally.map_or(0, |t| t.count(value));
        match kind {
            VoteKind::Prevote => {
                if total >= quorum {
                    candidates.push(Threshold::PolkaAny(round));
                }
                if for_value >= quorum {
                    candidates.push(match value {
                        Some(v) => Threshold::PolkaValue(round, v),
                        None => Threshold::PolkaNil(round),
                    });
                }
            }
            VoteKind::Precommit => {
                if total >= quorum {
                    candidates.push(Threshold::PrecommitAny(round));
                }
                if let (Some(v), true) = (value, for_value >= quorum) {
                    candidates.push(Threshold::PrecommitValue(round, v));
                }
            }
        }
        candidates
            .into_iter()
            .filter(|t| self.reached.insert(*t))
            .map(KeeperEvent::Threshold)
            .collect()
    }

    /// Distinct validators with a counted vote of any kind in `round`.
    pub fn voters(&self, round: Round) -> usize {
        self.rounds.get(&round).map_or(0, |r| r.voters.len())
    }

    /// Distinct validators whose counted `kind` vote in `round` is for `value`.
    pub fn count(&self, round: Round, kind: VoteKind, value: Option<ValueId>) -> usize {
        self.rounds
            .get(&round)
            .map_or(0, |r| r.tally(kind).count(value))
    }

    /// Distinct validators with a counted `kind` vote in `round`, whatever for.
    pub fn count_any(&self, round: Round, kind: VoteKind) -> usize {
        self.rounds
            .get(&round)
            .map_or(0, |r| r.tally(kind).by_validator.len())
    }

    /// Whether a quorum cast `kind` votes for `value` (nil when `None`) in `round`.
    pub fn has_quorum(&self, round: Round, kind: VoteKind, value: Option<ValueId>) -> bool {
        self.count(round, kind, value) >= self.validators.quorum()
    }

    /// Whether a quorum cast `kind` votes in `round`, whatever for.
    pub fn has_quorum_any(&self, round: Round, kind: VoteKind) -> bool {
        self.count_any(round, kind) >= self.validators.quorum()
    }

    /// The highest round in which f+1 validators voted, if any.
    pub fn highest_skip_round(&self) -> Option<Round> {
        self.rounds
            .keys()
            .rev()
            .find(|r| self.voters(**r) > self.validators.max_faulty())
            .copied()
    }

    /// Every (round, value) a quorum precommitted.
    pub fn committed_values(&self) -> Vec<(Round, ValueId)> {
        let quorum = self.validators.quorum();
        self.rounds
            .iter()
            .flat_map(|(round, votes)| {
                votes
                    .precommits
                    .per_value
                    .iter()
                    .filter(move |(_, n)| **n >= quorum)
                    .filter_map(move |(value, _)| value.map(|v| (*round, v)))
            })
            .collect()
    }

    /// The counted `kind` votes of `round` for `value`: a polka to relay, or
    /// the precommits of a certificate.
    pub fn votes_for(
        &self,
        round: Round,
        kind: VoteKind,
        value: Option<ValueId>,
    ) -> Vec<Verified<SignedVote>> {
        self.rounds.get(&round).map_or_else(Vec::new, |r| {
            r.tally(kind)
                .by_validator
                .values()
                .flatten()
                .filter(|s| s.get().vote.value == value)
                .copied()
                .collect()
        })
    }

    /// Every counted `kind` vote of `round`.
    pub fn votes_in(&self, round: Round, kind: VoteKind) -> Vec<Verified<SignedVote>> {
        self.rounds.get(&round).map_or_else(Vec::new, |r| {
            r.tally(kind)
                .by_validator
                .values()
                .flatten()
                .copied()
                .collect()
        })
    }

    /// Every counted vote by `validator` at this height, oldest round first.
    pub fn votes_by(&self, validator: &ValidatorId) -> Vec<Verified<SignedVote>> {
        self.rounds
            .values()
            .flat_map(|r| [&r.prevotes, &r.precommits])
            .filter_map(|t| t.by_validator.get(validator))
            .flatten()
            .copied()
            .collect()
    }

    /// The certificate for `value` decided in `round`, when a quorum
    /// precommitted it: exactly the counted precommits for it.
    pub fn certificate(&self, round: Round, value: ValueId) -> Option<CommitCertificate> {
        if !self.has_quorum(round, VoteKind::Precommit, Some(value)) {
            return None;
        }
        Some(CommitCertificate {
            height: self.height,
            round,
            value,
            precommits: self
                .votes_for(round, VoteKind::Precommit, Some(value))
                .into_iter()
                .map(Verified::into_inner)
                .collect(),
        })
    }
}
