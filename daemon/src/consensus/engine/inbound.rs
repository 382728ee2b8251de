//! What comes in: a peer's consensus message, checked (signature by a
//! masternode of the definition, the block a proposal names, the height and
//! round window) before the driver sees it.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::atomic::Ordering;

use timecoin_consensus::Input;
use timecoin_shared::wire::NodeId;
use tracing::debug;

use super::super::messages::ConsensusMessage;
use super::{Engine, MAX_BLOCKS, MAX_NEXT_HEIGHT, MAX_NEXT_PROPOSALS, MAX_SEEN, ROUND_WINDOW};
use crate::chain::certified::value_id;
use crate::escape::escaped;

impl Engine {
    pub(super) fn on_consensus(&mut self, from: NodeId, message: ConsensusMessage) {
        let state = self.driver.state();
        let height = message.height();
        // The height this node works on or (in the pause after a decision)
        // is about to: a masternode past it decided a height we lack.
        let ours = if self.start_next_at.is_some() {
            state.height.next()
        } else {
            state.height
        };
        if height > ours && self.may_fetch() && self.signed_by_masternode(&message) {
            self.fetch_final(from);
        }
        let state = self.driver.state();
        if height == state.height.next() {
            let proposals = self
                .next_height
                .iter()
                .filter(|(_, m)| matches!(m, ConsensusMessage::Proposal { .. }))
                .count();
            let room = match message {
                ConsensusMessage::Proposal { .. } => proposals < MAX_NEXT_PROPOSALS,
                ConsensusMessage::Vote { .. } => true,
            };
            if room && self.next_height.len() < MAX_NEXT_HEIGHT {
                self.next_height.push((from, message));
            }
            return;
        }
        // A height already final here (the pause before the next) takes nothing more.
        if height != state.height || self.start_next_at.is_some() {
            return;
        }
        let (validators, definition) = (&self.certifier.validators, &self.certifier.definition);
        let input = match message {
            ConsensusMessage::Vote { vote } => {
                if vote.vote.round.0 > state.round.0.saturating_add(ROUND_WINDOW)
                    || self.seen_votes.contains(&vote)
                {
                    return;
                }
                self.count_check();
                match vote.verify(validators, definition) {
                    Ok(checked) => {
                        remember(&mut self.seen_votes, vote);
                        Input::Vote(checked)
                    }
                    Err(e) => return debug!(peer = %from.short(), "consensus vote refused: {e}"),
                }
            }
            ConsensusMessage::Proposal { proposal, block } => {
                if proposal.proposal.round.0 > state.round.0.saturating_add(ROUND_WINDOW)
                    || self.seen_proposals.contains(&proposal)
                    || proposal.proposal.value != value_id(&block)
                {
                    return;
                }
                self.count_check();
                let signed = proposal;
                let proposal = match signed.verify(validators, definition) {
                    Ok(proposal) => {
                        remember(&mut self.seen_proposals, signed);
                        proposal
                    }
                    Err(e) => {
                        return debug!(peer = %from.short(), "consensus proposal refused: {e}");
                    }
                };
                let valid = match self.chain.check_proposed(&block) {
                    Ok(()) => true,
                    Err(reason) => {
                        debug!(
                            height = height.0,
                            "proposed block invalid: {}",
                            escaped(&reason)
                        );
                        false
                    }
                };
                if self.blocks.len() < MAX_BLOCKS {
                    self.blocks.insert(value_id(&block), block);
                }
                Input::Proposal { proposal, valid }
            }
        };
        let outputs = self.driver.process(input);
        self.handle(outputs);
    }

    /// Whether a masternode signed `message` (what it says is not checked).
    fn signed_by_masternode(&self, message: &ConsensusMessage) -> bool {
        self.count_check();
        let (validators, definition) = (&self.certifier.validators, &self.certifier.definition);
        match message {
            ConsensusMessage::Vote { vote } => vote.verify(validators, definition).is_ok(),
            ConsensusMessage::Proposal { proposal, .. } => {
                proposal.verify(validators, definition).is_ok()
            }
        }
    }

    /// Counts one signature check (`timed_signature_checks_total`).
    fn count_check(&self) {
        self.chain
            .counters()
            .signature_checks
            .fetch_add(1, Ordering::Relaxed);
    }
}

/// Notes a message whose signature held, starting over past [`MAX_SEEN`].
fn remember<T: Eq + Hash>(seen: &mut HashSet<T>, message: T) {
    if seen.len() >= MAX_SEEN {
        seen.clear();
    }
    seen.insert(message);
}
