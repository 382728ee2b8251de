//! The transitions of Algorithm 1, one arm per "upon" rule, each marked with
//! the paper's line numbers so the proof can be checked against the code.
//!
//! [`apply`] is a pure function: the same state and event always give the same
//! new state and actions. An event whose guard does not hold (wrong step, a
//! stale timeout, a second time for a "first time" rule) changes nothing.

use crate::state_machine::state::{Action, Event, State, Step};
use crate::timeouts::{Timeout, TimeoutKind};
use crate::types::{Round, RoundValue, ValueId, VoteKind};

/// The state after `event`, and what the node must do.
pub fn apply(state: State, event: Event) -> (State, Vec<Action>) {
    let mut s = state;
    let mut actions = Vec::new();
    if s.step == Step::Commit {
        // decision_p[h_p] is set: nothing at this height matters any more until
        // the engine starts the next one (L49's guard, L52-L54).
        return (s, actions);
    }
    match event {
        Event::NewRound { round, proposer } => {
            let fresh = s.step == Step::Unstarted && round >= s.round;
            if fresh || round > s.round {
                start_round(&mut s, round, proposer, &mut actions);
            }
        }
        Event::ValueToPropose { round, value } => {
            // L18-L19: the engine's value, proposed once, in the round asked.
            if round == s.round && s.step == Step::Propose && s.proposer && !s.proposed {
                s.proposed = true;
                actions.push(Action::Propose {
                    value,
                    pol_round: None,
                });
            }
        }
        Event::Proposal { value, valid } => {
            // L22-L27: prevote the proposal unless locked on another value.
            if s.step == Step::Propose {
                let free = s.locked.is_none_or(|l| l.value == value);
                prevote(&mut s, (valid && free).then_some(value), &mut actions);
            }
        }
        Event::ProposalWithPolka {
            value,
            pol_round,
            valid,
        } => {
            // L28-L33: a polka in an earlier round vr frees a lock taken at or
            // before vr; a lock on this very value always allows it.
            if s.step == Step::Propose && pol_round < s.round {
                let free = s
                    .locked
                    .is_none_or(|l| l.round <= pol_round || l.value == value);
                prevote(&mut s, (valid && free).then_some(value), &mut actions);
            }
        }
        Event::PolkaAny => {
            // L34-L35: once per round, while prevoting.
            if s.step == Step::Prevote && !s.prevote_timeout_scheduled {
                s.prevote_timeout_scheduled = true;
                actions.push(schedule(&s, TimeoutKind::Prevote));
            }
        }
        Event::ProposalAndPolka { value } => {
            // L36-L43 (the driver passes only valid proposals).
            if s.step >= Step::Prevote {
                let here = RoundValue {
                    round: s.round,
                    value,
                };
                if s.step == Step::Prevote {
                    // L37-L41: lock on it and precommit it.
                    s.locked = Some(here);
                    precommit(&mut s, Some(value), &mut actions);
                }
                // L42-L43: remember it as the value to re-propose.
                s.valid = Some(here);
            }
        }
        Event::PolkaNil => {
            // L44-L46.
            if s.step == Step::Prevote {
                precommit(&mut s, None, &mut actions);
            }
        }
        Event::PrecommitAny => {
            // L47-L48: once per round, in any step of the round.
            if s.step >= Step::Propose && !s.precommit_timeout_scheduled {
                s.precommit_timeout_scheduled = true;
                actions.push(schedule(&s, TimeoutKind::Precommit));
            }
        }
        Event::Decide { round, value } => {
            // L49-L51: decide; the engine starts the next height (L52-L54).
            let decided = RoundValue { round, value };
            s.decision = Some(decided);
            s.step = Step::Commit;
            actions.push(Action::Decide(decided));
        }
        Event::Timeout(t) => on_timeout(&mut s, t, &mut actions),
    }
    (s, actions)
}

/// StartRound (L11-L21).
fn start_round(s: &mut State, round: Round, proposer: bool, actions: &mut Vec<Action>) {
    if round != s.round {
        // A restarted node resumes the round it was in: whether it had proposed
        // there comes from its record (State::resume) and stays.
        s.proposed = false;
    }
    s.round = round; // L12
    s.step = Step::Propose; // L13
    s.proposer = proposer;
    s.prevote_timeout_scheduled = false;
    s.precommit_timeout_scheduled = false;
    if proposer && !s.proposed {
        // L14-L19: re-propose the valid value with its proof of lock, else ask.
        match s.valid {
            Some(valid) => {
                s.proposed = true;
                actions.push(Action::Propose {
                    value: valid.value,
                    pol_round: Some(valid.round),
                });
            }
            None => actions.push(Action::GetValue),
        }
    }
    // L21. The paper schedules it only when another node proposes; the proposer
    // schedules it too, so a block the engine never delivers costs one round
    // instead of the height. A timeout only ever leads to a nil prevote, which is
    // always safe.
    actions.push(schedule(s, TimeoutKind::Propose));
}

/// L57-L67: a timeout acts only in the height, round (and step) it was set for.
fn on_timeout(s: &mut State, t: Timeout, actions: &mut Vec<Action>) {
    if t.height != s.height || t.round != s.round {
        return;
    }
    match t.kind {
        // L57-L60.
        TimeoutKind::Propose if s.step == Step::Propose => prevote(s, None, actions),
        // L61-L64.
        TimeoutKind::Prevote if s.step == Step::Prevote => precommit(s, None, actions),
        // L65-L67.
        TimeoutKind::Precommit if s.step >= Step::Propose => {
            actions.push(Action::NextRound(s.round.next()));
        }
        _ => {}
    }
}

fn prevote(s: &mut State, value: Option<ValueId>, actions: &mut Vec<Action>) {
    actions.push(Action::Vote {
        kind: VoteKind::Prevote,
        value,
    });
    s.step = Step::Prevote;
}

fn precommit(s: &mut State, value: Option<ValueId>, actions: &mut Vec<Action>) {
    actions.push(Action::Vote {
        kind: VoteKind::Precommit,
        value,
    });
    s.step = Step::Precommit;
}

fn schedule(s: &State, kind: TimeoutKind) -> Action {
    Action::Schedule(Timeout {
        kind,
        height: s.height,
        round: s.round,
    })
}
