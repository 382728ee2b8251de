//! What the engine around each driver does with its outputs, as `timed` will:
//! check the record, persist it, sign, send, feed its own message back; store a
//! decision and start the next height. Byzantine nodes take their own path
//! (see `byzantine`).

use std::collections::VecDeque;

use timecoin_consensus::{Evidence, Input, Output, Proposal, Vote, may_propose, may_sign, verify};

use super::checks::Violation;
use super::network::{Event, Msg};
use super::node::fresh_value;
use super::run::World;

impl World {
    /// Carries out `outputs` of node `i`, and whatever they lead to.
    pub(crate) fn handle(&mut self, i: usize, outputs: Vec<Output>) -> Result<(), Violation> {
        let mut work: VecDeque<Output> = outputs.into();
        while let Some(output) = work.pop_front() {
            let more = match output {
                Output::GetValue { round, .. } => {
                    let value = fresh_value(&mut self.net.rng);
                    self.nodes[i].driver.process(Input::Value { round, value })
                }
                Output::Propose(proposal) => self.propose(i, proposal)?,
                Output::Vote(vote) => self.vote(i, vote)?,
                Output::ScheduleTimeout { timeout, after } => {
                    let epoch = self.nodes[i].epoch;
                    let delay = u64::try_from(after.as_millis()).unwrap_or(u64::MAX);
                    self.net.after(
                        delay,
                        Event::Timer {
                            node: i,
                            epoch,
                            timeout,
                        },
                    );
                    Vec::new()
                }
                Output::Decide(cert) => self.decide(i, cert)?,
                Output::Evidence(evidence) => self.evidence(i, &evidence)?,
            };
            work.extend(more);
        }
        Ok(())
    }

    fn propose(&mut self, i: usize, proposal: Proposal) -> Result<Vec<Output>, Violation> {
        if !self.nodes[i].honest() {
            return Ok(self.byzantine_propose(i, proposal));
        }
        let node = &mut self.nodes[i];
        if !may_propose(&node.record, &proposal) {
            return Err(Violation::RefusedOwnMessage { node: i });
        }
        node.record = node.record.with_proposal(&proposal, &node.driver);
        let signed = self.sign_proposal(i, proposal);
        self.broadcast(i, Msg::Proposal(signed));
        let input = Input::Proposal {
            proposal: signed,
            valid: true,
        };
        Ok(self.nodes[i].driver.process(input))
    }

    fn vote(&mut self, i: usize, vote: Vote) -> Result<Vec<Output>, Violation> {
        if !self.nodes[i].honest() {
            return Ok(self.byzantine_vote(i, vote));
        }
        let node = &mut self.nodes[i];
        if !may_sign(&node.record, &vote) {
            return Err(Violation::RefusedOwnMessage { node: i });
        }
        // Persisted before the vote leaves the node.
        node.record = node.record.with_vote(&vote, &node.driver);
        let signed = self.sign_vote(i, vote);
        self.broadcast(i, Msg::Vote(signed));
        Ok(self.nodes[i].driver.process(Input::Vote(signed)))
    }

    fn decide(
        &mut self,
        i: usize,
        cert: timecoin_consensus::CommitCertificate,
    ) -> Result<Vec<Output>, Violation> {
        let height = cert.height;
        // Each distinct certificate is checked once: nodes often build the same.
        if self.nodes[i].honest() && !self.checked.contains(&cert) {
            verify(&cert, &self.params.validators, &self.params.definition)
                .map_err(|error| Violation::BadCertificate { node: i, error })?;
            self.checked.insert(cert.clone());
        }
        if self.nodes[i].honest() {
            self.check_decision(i, height, cert.value)?;
        }
        self.nodes[i].decided.insert(height, cert);
        if height.0 >= self.net.scenario.heights {
            return Ok(Vec::new());
        }
        Ok(self.next_height(i, height.next()))
    }

    fn evidence(&mut self, i: usize, evidence: &Evidence) -> Result<Vec<Output>, Violation> {
        if self.nodes[i].honest() {
            let offender = evidence.offender();
            if let Some(j) = self
                .nodes
                .iter()
                .position(|n| n.id == offender && n.honest())
            {
                return Err(Violation::HonestEquivocated { node: j });
            }
            evidence
                .verify(&self.params.validators, &self.params.definition)
                .map_err(|_| Violation::BadEvidence { node: i })?;
            self.outcome.evidence += 1;
        }
        Ok(Vec::new())
    }
}
