//! The proposals of one height: at most one per round, from that round's
//! proposer, with the engine's verdict on the block it names.
//!
//! A second, different proposal from the same proposer for the same round is
//! equivocation: the first is kept (so the node's view does not flip) and the
//! pair is reported once as evidence.

use std::collections::{BTreeMap, BTreeSet};

use crate::evidence::Evidence;
use crate::message::Proposal;
use crate::signing::{SignedProposal, Verified};
use crate::types::{Height, Round};
use crate::validators::ValidatorSet;

/// A proposal the driver may act on, with whether its block is valid.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Held {
    pub(crate) signed: Verified<SignedProposal>,
    pub(crate) valid: bool,
}

impl Held {
    pub(crate) fn proposal(&self) -> &Proposal {
        &self.signed.get().proposal
    }
}

/// The proposals of one height, by round.
#[derive(Clone, Debug)]
pub(crate) struct ProposalBook {
    height: Height,
    validators: ValidatorSet,
    by_round: BTreeMap<Round, Held>,
    equivocated: BTreeSet<Round>,
}

impl ProposalBook {
    pub(crate) fn new(height: Height, validators: ValidatorSet) -> Self {
        ProposalBook {
            height,
            validators,
            by_round: BTreeMap::new(),
            equivocated: BTreeSet::new(),
        }
    }

    /// Keeps `proposal` if it is the first from its round's proposer at this
    /// height; reports evidence the first time its proposer contradicts itself.
    /// Proposals from anyone else, for other heights, or claiming a proof of
    /// lock from the same or a later round are ignored.
    pub(crate) fn add(
        &mut self,
        proposal: Verified<SignedProposal>,
        valid: bool,
    ) -> Option<Evidence> {
        let p = proposal.get().proposal;
        let well_formed = p.pol_round.is_none_or(|vr| vr < p.round);
        if p.height != self.height
            || !well_formed
            || p.proposer != self.validators.proposer(p.height, p.round)
        {
            return None;
        }
        match self.by_round.get(&p.round) {
            None => {
                let held = Held {
                    signed: proposal,
                    valid,
                };
                self.by_round.insert(p.round, held);
                None
            }
            Some(first) if *first.proposal() == p => None,
            Some(first) => self
                .equivocated
                .insert(p.round)
                .then_some(Evidence::Proposals {
                    first: *first.signed.get(),
                    second: proposal.into_inner(),
                }),
        }
    }

    pub(crate) fn get(&self, round: Round) -> Option<&Held> {
        self.by_round.get(&round)
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = &Held> {
        self.by_round.values()
    }
}
