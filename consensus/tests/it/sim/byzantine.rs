//! How Byzantine validators lie, and the signing every node shares.
//!
//! A Byzantine node runs an honest driver to keep pace with the network, and
//! bends what it sends: two proposals and two votes per step for the two
//! halves of the network, messages to a random subset only, or extra votes for
//! later rounds and heights. It never persists a record and never relays.

use timecoin_consensus::{
    Height, Input, Output, Proposal, Relay, Round, SignedProposal, SignedVote, ValueId, Verified,
    Vote, VoteKind,
};

use super::network::Msg;
use super::node::fresh_value;
use super::run::World;
use super::scenario::Behaviour;

/// The message a relayed item travels as.
pub(crate) fn relay_msg(relay: Relay) -> Msg {
    match relay {
        Relay::Proposal(p) => Msg::Proposal(p),
        Relay::Vote(v) => Msg::Vote(v),
    }
}

impl World {
    pub(crate) fn sign_proposal(&self, i: usize, proposal: Proposal) -> Verified<SignedProposal> {
        let signed = proposal.sign(&self.nodes[i].key, &self.params.definition);
        // Our own key signed it for a proposer of the set: it always verifies.
        signed
            .verify(&self.params.validators, &self.params.definition)
            .expect("a validator's own proposal verifies")
    }

    pub(crate) fn sign_vote(&self, i: usize, vote: Vote) -> Verified<SignedVote> {
        let signed = vote.sign(&self.nodes[i].key, &self.params.definition);
        signed
            .verify(&self.params.validators, &self.params.definition)
            .expect("a validator's own vote verifies")
    }

    /// Sends `msg` to the nodes this liar chooses.
    fn send_bent(&mut self, i: usize, msg: Msg, half: Option<usize>) {
        for to in 0..self.nodes.len() {
            let chosen = match (self.nodes[i].behaviour, half) {
                (_, Some(h)) => self.net.scenario.half(to) == h,
                (Some(Behaviour::Partial), None) => self.net.rng.bool(),
                _ => true,
            };
            if chosen {
                self.net.send(i, to, msg.clone());
            }
        }
    }

    pub(crate) fn byzantine_propose(&mut self, i: usize, proposal: Proposal) -> Vec<Output> {
        let first = self.sign_proposal(i, proposal);
        if self.nodes[i].behaviour == Some(Behaviour::Equivocate) {
            let mut other = fresh_value(&mut self.net.rng);
            if self.net.rng.u8(0..5) == 0 {
                other.0[0] = 0xFF; // an invalid block for one half
            }
            let key = (proposal.height, proposal.round);
            self.split.insert(key, [proposal.value, other]);
            let second = self.sign_proposal(
                i,
                Proposal {
                    value: other,
                    ..proposal
                },
            );
            self.send_bent(i, Msg::Proposal(first), Some(0));
            self.send_bent(i, Msg::Proposal(second), Some(1));
        } else {
            self.send_bent(i, Msg::Proposal(first), None);
        }
        let input = Input::Proposal {
            proposal: first,
            valid: true,
        };
        self.nodes[i].driver.process(input)
    }

    pub(crate) fn byzantine_vote(&mut self, i: usize, vote: Vote) -> Vec<Output> {
        let first = self.sign_vote(i, vote);
        match self.nodes[i].behaviour {
            Some(Behaviour::Equivocate) => {
                // The liars collude: when one of them split a round's proposal,
                // every one of them votes each half's value to that half.
                let halves = match self.split.get(&(vote.height, vote.round)) {
                    Some([a, b]) => [Some(*a), Some(*b)],
                    None => match vote.value {
                        Some(v) => [Some(v), None],
                        None => [None, Some(fresh_value(&mut self.net.rng))],
                    },
                };
                for (half, value) in halves.into_iter().enumerate() {
                    let signed = self.sign_vote(i, Vote { value, ..vote });
                    self.send_bent(i, Msg::Vote(signed), Some(half));
                }
            }
            Some(Behaviour::Spam) => {
                self.send_bent(i, Msg::Vote(first), None);
                let rng = &mut self.net.rng;
                let spam = Vote {
                    kind: if rng.bool() {
                        VoteKind::Prevote
                    } else {
                        VoteKind::Precommit
                    },
                    height: Height(vote.height.0 + rng.u64(0..=1)),
                    round: Round(vote.round.0 + rng.u32(1..=3)),
                    value: rng.bool().then(|| ValueId([rng.u8(..); 32])),
                    ..vote
                };
                let spam = self.sign_vote(i, spam);
                self.send_bent(i, Msg::Vote(spam), None);
            }
            _ => self.send_bent(i, Msg::Vote(first), None),
        }
        self.nodes[i].driver.process(Input::Vote(first))
    }
}
