//! What goes out: the driver's outputs done in order, and the rule that
//! nothing is signed before the record that includes it is durable.

use std::collections::VecDeque;
use std::time::Instant;

use timecoin_consensus::{
    Height, Input, Output, Proposal, Round, SafetyRecord, ValueId, Vote, may_propose, may_sign,
};
use tracing::warn;

use super::super::messages::ConsensusMessage;
use super::Engine;
use crate::chain::block::Block;
use crate::chain::certified::value_id;
use crate::escape::escaped;
use crate::wire::Message;

impl Engine {
    /// Does what the driver asked, in order; what a step feeds back is done
    /// before the rest.
    pub(super) fn handle(&mut self, outputs: Vec<Output>) {
        let mut queue: VecDeque<Output> = outputs.into();
        while let Some(output) = queue.pop_front() {
            let more = match output {
                Output::GetValue { height, round } => self.value(height, round),
                Output::Propose(proposal) => self.propose(proposal),
                Output::Vote(vote) => self.vote(vote),
                Output::ScheduleTimeout { timeout, after } => {
                    self.timers.push((Instant::now() + after, timeout));
                    Vec::new()
                }
                Output::Decide(cert) => {
                    let block = self.block_for(cert.value, cert.height);
                    match block {
                        Some(block) => {
                            if let Err(e) = self.chain.decide(block, cert) {
                                warn!(
                                    "consensus decided a block the chain did not take: {}",
                                    escaped(&e)
                                );
                            }
                        }
                        None => warn!(
                            height = cert.height.0,
                            "consensus decided block {} which this node does not hold; sync brings it",
                            cert.value
                        ),
                    }
                    Vec::new()
                }
                Output::Evidence(evidence) => {
                    self.chain
                        .counters()
                        .equivocations
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let (height, round) = evidence.height_round();
                    warn!(offender = %evidence.offender(), height = height.0, round = round.0, "Masternode {} equivocated at height {} round {}", evidence.offender(), height.0, round.0);
                    Vec::new()
                }
            };
            for (i, output) in more.into_iter().enumerate() {
                queue.insert(i, output);
            }
        }
    }

    /// A new block on the final tip from the mempool, proposed as the round's
    /// value (Algorithm 1 line 18: the proposer has no valid value yet). A
    /// round this masternode skips (too few masternodes active, see
    /// `log_round`) proposes nothing and times out to the next proposer.
    pub(super) fn value(&mut self, height: Height, round: Round) -> Vec<Output> {
        self.log_round();
        if !self.round_open {
            return Vec::new();
        }
        let Some(block) = self.chain.build_proposal(height.0, round.0) else {
            return Vec::new();
        };
        let value = value_id(&block);
        self.blocks.insert(value, block);
        self.driver.process(Input::Value { round, value })
    }

    /// A block by hash: a proposal's, or the chain's at `height`.
    pub(super) fn block_for(&self, value: ValueId, height: Height) -> Option<Block> {
        if let Some(block) = self.blocks.get(&value) {
            return Some(block.clone());
        }
        let block = self.chain.block(height.0).ok().flatten()?;
        (value_id(&block) == value).then_some(block)
    }

    /// Persists the record that includes `next`, before anything is signed.
    fn persist(&mut self, next: SafetyRecord) -> bool {
        match self.chain.save_safety_record(&next) {
            Ok(()) => {
                self.record = next;
                true
            }
            Err(e) => {
                warn!("consensus record not persisted, not signing: {e}");
                false
            }
        }
    }

    fn propose(&mut self, proposal: Proposal) -> Vec<Output> {
        if !self.signer {
            return Vec::new();
        }
        if !may_propose(&self.record, &proposal) {
            warn!(
                height = proposal.height.0,
                round = proposal.round.0,
                "consensus refused to sign a proposal its record forbids"
            );
            return Vec::new();
        }
        let Some(block) = self.block_for(proposal.value, proposal.height) else {
            warn!(
                height = proposal.height.0,
                "no block for our own proposal {}", proposal.value
            );
            return Vec::new();
        };
        if !self.persist(self.record.with_proposal(&proposal, &self.driver)) {
            return Vec::new();
        }
        let signed = proposal.sign(&self.key, &self.certifier.definition);
        let message = ConsensusMessage::Proposal {
            proposal: signed,
            block,
        };
        self.chain.broadcast(Message::from(message));
        match signed.verify(&self.certifier.validators, &self.certifier.definition) {
            Ok(proposal) => self.driver.process(Input::Proposal {
                proposal,
                valid: true,
            }),
            Err(e) => {
                warn!("our own proposal does not verify: {e}");
                Vec::new()
            }
        }
    }

    fn vote(&mut self, vote: Vote) -> Vec<Output> {
        if !self.signer {
            return Vec::new();
        }
        if !may_sign(&self.record, &vote) {
            warn!(
                height = vote.height.0,
                round = vote.round.0,
                "consensus refused to sign a vote its record forbids"
            );
            return Vec::new();
        }
        if !self.persist(self.record.with_vote(&vote, &self.driver)) {
            return Vec::new();
        }
        let signed = vote.sign(&self.key, &self.certifier.definition);
        self.chain
            .broadcast(Message::from(ConsensusMessage::Vote { vote: signed }));
        match signed.verify(&self.certifier.validators, &self.certifier.definition) {
            Ok(vote) => self.driver.process(Input::Vote(vote)),
            Err(e) => {
                warn!("our own vote does not verify: {e}");
                Vec::new()
            }
        }
    }
}
