//! The driver: turns received messages and timeouts into the state machine's
//! events, and its actions into the engine's outputs.
//!
//! After every input it re-reads the conditions of Algorithm 1 from the vote
//! keeper and the proposals, one event at a time, until the state stops
//! changing: a quorum that formed before the state machine could use it (say,
//! prevotes that arrived before the proposal) is acted on as soon as it can be.

use std::collections::BTreeSet;

use crate::certificate::{self, CertError, CommitCertificate};
use crate::driver::io::{Input, Output, Params, Relay};
use crate::driver::proposals::ProposalBook;
use crate::keeper::{KeeperEvent, VoteKeeper};
use crate::message::{Proposal, Vote};
use crate::record::SafetyRecord;
use crate::signing::{SignedVote, Verified};
use crate::state_machine::{self, Action, Event, State, Step};
use crate::types::{Height, Round, ValidatorId, VoteKind};

/// One node's consensus: the state machine, the vote keeper and the proposals
/// of the current height.
#[derive(Clone, Debug)]
pub struct Driver {
    params: Params,
    me: Option<ValidatorId>,
    state: State,
    keeper: VoteKeeper,
    proposals: ProposalBook,
    /// A certificate the engine brought from sync, used as the decision's proof.
    synced: Option<CommitCertificate>,
}

impl Driver {
    /// A driver for the validator `me` (`None`, or a key outside the set, for a
    /// node that follows decisions without voting). Call
    /// [`Driver::start_height`] or [`Driver::resume`] next.
    pub fn new(params: Params, me: Option<ValidatorId>) -> Driver {
        let me = me.filter(|id| params.validators.contains(id));
        let height = Height(0);
        Driver {
            keeper: VoteKeeper::new(height, params.validators.clone()),
            proposals: ProposalBook::new(height, params.validators.clone()),
            params,
            me,
            state: State::new(height),
            synced: None,
        }
    }

    /// The state machine's state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The votes counted at the current height.
    pub fn keeper(&self) -> &VoteKeeper {
        &self.keeper
    }

    /// Starts `height` at round 0 with nothing locked (L10, L52-L54).
    pub fn start_height(&mut self, height: Height) -> Vec<Output> {
        self.reset(State::new(height));
        let mut out = Vec::new();
        self.fire(self.new_round(Round(0)), &mut out);
        self.advance(&mut out);
        out
    }

    /// Resumes after a restart from the record persisted before the last
    /// signature, at the record's height (the engine passes a fresh
    /// [`SafetyRecord::new`] when its store is already past it). The proposal
    /// and votes of the record's round come out again for the engine to
    /// re-send; [`crate::may_sign`] allows them, being the same.
    pub fn resume(&mut self, record: &SafetyRecord) -> Vec<Output> {
        let mut state = State::resume(record);
        state.proposer = self.proposes_at(record.height, record.round);
        self.reset(state);
        for vote in &record.proof {
            // A record is the node's own file, but a vote in it counts only if
            // it verifies, like any other.
            if let Ok(vote) = vote.verify(&self.params.validators, &self.params.definition) {
                self.keeper.add(vote);
            }
        }
        let mut out: Vec<Output> = Vec::new();
        let here = |h: Height, r: Round| h == record.height && r == record.round;
        if let Some(p) = record.proposal.filter(|p| here(p.height, p.round)) {
            out.push(Output::Propose(p));
        }
        for vote in [record.prevote, record.precommit].into_iter().flatten() {
            if here(vote.height, vote.round) {
                out.push(Output::Vote(vote));
            }
        }
        if self.state.step == Step::Unstarted {
            self.fire(self.new_round(record.round), &mut out);
        }
        self.advance(&mut out);
        out
    }

    /// Feeds one input and returns what the engine must do, in order.
    pub fn process(&mut self, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        match input {
            Input::Value { round, value } => {
                self.fire(Event::ValueToPropose { round, value }, &mut out);
            }
            Input::Proposal { proposal, valid } => {
                if let Some(evidence) = self.proposals.add(proposal, valid) {
                    out.push(Output::Evidence(Box::new(evidence)));
                }
            }
            Input::Vote(vote) => {
                for event in self.keeper.add(vote) {
                    if let KeeperEvent::Equivocation(evidence) = event {
                        out.push(Output::Evidence(evidence));
                    }
                }
            }
            Input::Timeout(timeout) => self.fire(Event::Timeout(timeout), &mut out),
        }
        self.advance(&mut out);
        out
    }

    /// Decides the current height on a certificate the engine received with
    /// its block (sync): a verified quorum of precommits is the same proof L49
    /// acts on. `valid` is the engine's verdict on the block. A certificate for
    /// another height changes nothing.
    ///
    /// # Errors
    /// [`CertError`] when the certificate does not verify.
    pub fn decide_with(
        &mut self,
        cert: CommitCertificate,
        valid: bool,
    ) -> Result<Vec<Output>, CertError> {
        certificate::verify(&cert, &self.params.validators, &self.params.definition)?;
        let mut out = Vec::new();
        if cert.height == self.state.height && valid {
            let event = Event::Decide {
                round: cert.round,
                value: cert.value,
            };
            self.synced = Some(cert);
            self.fire(event, &mut out);
        }
        Ok(out)
    }

    /// What this node should send again when it has not moved for a while,
    /// so that what one honest node acted on, every honest node eventually
    /// sees (the gossip Algorithm 1 assumes; messages lost before GST are
    /// otherwise gone):
    /// - its own proposals and votes at this height (L55 needs them to gather
    ///   f+1 validators of a later round);
    /// - the current round's proposal and all its votes (what it prevoted and
    ///   precommitted on, and the f+1 that may have pulled it into the round);
    /// - the previous round's precommits (the quorum whose timeout let it leave
    ///   that round, L47 and L65);
    /// - the polka behind its valid value, which others need to prevote that
    ///   value again when it is re-proposed (L28).
    pub fn rebroadcast(&self) -> Vec<Relay> {
        let mut votes: Vec<_> = self.proof_parts().into_iter().flatten().collect();
        if let Some(me) = &self.me {
            votes.extend(self.keeper.votes_by(me));
        }
        let proposals = self
            .proposals
            .all()
            .filter(|held| {
                let p = held.proposal();
                Some(p.proposer) == self.me || p.round == self.state.round
            })
            .map(|held| Relay::Proposal(held.signed));
        proposals
            .chain(distinct(votes).into_iter().map(Relay::Vote))
            .collect()
    }

    /// The votes that show where this node stands, for its record, each
    /// trimmed to what the rule it proves needs: a quorum of the polka behind
    /// its valid value (the proof of lock a re-proposal needs, L28), a quorum
    /// of the previous round's precommits (what let it time out of that round,
    /// L47 and L65) and f+1 validators' votes of the current round (what pulls
    /// others into it, L55). With N validators that is at most 2N+1 votes.
    pub fn proof(&self) -> Vec<SignedVote> {
        let quorum = self.params.validators.quorum();
        let some = self.params.validators.max_faulty() + 1;
        let [polka, previous, current] = self.proof_parts();
        let parts = [(polka, quorum), (previous, quorum), (current, some)];
        let votes = parts
            .into_iter()
            .flat_map(|(votes, limit)| one_per_validator(votes, limit))
            .collect();
        distinct(votes)
            .into_iter()
            .map(Verified::into_inner)
            .collect()
    }

    /// The polka behind the valid value, the previous round's precommits and
    /// the current round's votes, untrimmed.
    fn proof_parts(&self) -> [Vec<Verified<SignedVote>>; 3] {
        let round = self.state.round;
        let polka = self.state.valid.map_or_else(Vec::new, |valid| {
            self.keeper
                .votes_for(valid.round, VoteKind::Prevote, Some(valid.value))
        });
        let previous = round.0.checked_sub(1).map_or_else(Vec::new, |r| {
            self.keeper.votes_in(Round(r), VoteKind::Precommit)
        });
        let mut current = self.keeper.votes_in(round, VoteKind::Prevote);
        current.extend(self.keeper.votes_in(round, VoteKind::Precommit));
        [polka, previous, current]
    }

    fn reset(&mut self, state: State) {
        let height = state.height;
        self.state = state;
        self.keeper = VoteKeeper::new(height, self.params.validators.clone());
        self.proposals = ProposalBook::new(height, self.params.validators.clone());
        self.synced = None;
    }

    fn proposes_at(&self, height: Height, round: Round) -> bool {
        self.me == Some(self.params.validators.proposer(height, round))
    }

    fn new_round(&self, round: Round) -> Event {
        Event::NewRound {
            round,
            proposer: self.proposes_at(self.state.height, round),
        }
    }

    /// Applies enabled events one at a time, re-reading the conditions after
    /// every change, until none changes the state.
    fn advance(&mut self, out: &mut Vec<Output>) {
        'again: loop {
            for event in self.enabled() {
                let before = self.state.clone();
                self.fire(event, out);
                if self.state != before {
                    continue 'again;
                }
            }
            return;
        }
    }

    /// The events whose conditions hold now (the state machine checks steps).
    fn enabled(&self) -> Vec<Event> {
        let (round, keeper) = (self.state.round, &self.keeper);
        let mut events = Vec::new();
        // L49: a quorum of precommits for a valid proposal, in any round.
        for (r, value) in keeper.committed_values() {
            let proposed = self
                .proposals
                .get(r)
                .filter(|h| h.valid && h.proposal().value == value);
            if proposed.is_some() {
                events.push(Event::Decide { round: r, value });
            }
        }
        // L55: f+1 validators are in a later round.
        if let Some(skip) = keeper.highest_skip_round().filter(|r| *r > round) {
            events.push(self.new_round(skip));
        }
        if let Some(held) = self.proposals.get(round) {
            let (value, valid) = (held.proposal().value, held.valid);
            match held.proposal().pol_round {
                // L22.
                None => events.push(Event::Proposal { value, valid }),
                // L28.
                Some(pol_round) if keeper.has_quorum(pol_round, VoteKind::Prevote, Some(value)) => {
                    events.push(Event::ProposalWithPolka {
                        value,
                        pol_round,
                        valid,
                    });
                }
                Some(_) => {}
            }
            // L36.
            if valid && keeper.has_quorum(round, VoteKind::Prevote, Some(value)) {
                events.push(Event::ProposalAndPolka { value });
            }
        }
        // L44, L34, L47.
        if keeper.has_quorum(round, VoteKind::Prevote, None) {
            events.push(Event::PolkaNil);
        }
        if keeper.has_quorum_any(round, VoteKind::Prevote) {
            events.push(Event::PolkaAny);
        }
        if keeper.has_quorum_any(round, VoteKind::Precommit) {
            events.push(Event::PrecommitAny);
        }
        events
    }

    /// Applies one event and turns its actions into outputs.
    fn fire(&mut self, event: Event, out: &mut Vec<Output>) {
        let (state, actions) = state_machine::apply(self.state.clone(), event);
        self.state = state;
        for action in actions {
            match action {
                Action::GetValue => self.if_validator(out, |_| Output::GetValue {
                    height: self.state.height,
                    round: self.state.round,
                }),
                Action::Propose { value, pol_round } => self.if_validator(out, |me| {
                    Output::Propose(Proposal {
                        height: self.state.height,
                        round: self.state.round,
                        value,
                        pol_round,
                        proposer: me,
                    })
                }),
                Action::Vote { kind, value } => self.if_validator(out, |me| {
                    Output::Vote(Vote {
                        kind,
                        height: self.state.height,
                        round: self.state.round,
                        value,
                        validator: me,
                    })
                }),
                Action::Schedule(timeout) => out.push(Output::ScheduleTimeout {
                    timeout,
                    after: self.params.timeouts.duration(timeout.kind, timeout.round),
                }),
                Action::NextRound(round) => self.fire(self.new_round(round), out),
                Action::Decide(decided) => {
                    let cert = self
                        .synced
                        .take()
                        .filter(|c| c.round == decided.round && c.value == decided.value)
                        .or_else(|| self.keeper.certificate(decided.round, decided.value));
                    // L49 fires only on a counted quorum, and sync only with a
                    // verified certificate, so one of the two is always there.
                    if let Some(cert) = cert {
                        out.push(Output::Decide(cert));
                    }
                }
            }
        }
    }

    /// Pushes the output only for a node that votes.
    fn if_validator(&self, out: &mut Vec<Output>, make: impl FnOnce(ValidatorId) -> Output) {
        if let Some(me) = self.me {
            out.push(make(me));
        }
    }
}

/// The first vote of each validator, up to `limit` validators.
fn one_per_validator(votes: Vec<Verified<SignedVote>>, limit: usize) -> Vec<Verified<SignedVote>> {
    let mut seen = BTreeSet::new();
    votes
        .into_iter()
        .filter(|v| seen.len() < limit && seen.insert(v.get().vote.validator))
        .collect()
}

/// Each vote once, in first-seen order.
fn distinct(votes: Vec<Verified<SignedVote>>) -> Vec<Verified<SignedVote>> {
    let mut seen = BTreeSet::new();
    votes
        .into_iter()
        .filter(|v| seen.insert(v.get().signature.0))
        .collect()
}
