//! Property tests of the lock rules and of the signing record.
//!
//! The state machine is driven with arbitrary sequences of events (as if any
//! messages had arrived in any order), and every vote it asks for is checked
//! against Algorithm 1's rules: a node locked on v at round r prevotes another
//! value only on a proposal whose proof of lock is from round r or later, it
//! precommits a value only on a polka for it (taking the lock), and it votes at
//! most once per round and kind.

use std::collections::BTreeSet;

use proptest::prelude::*;
use timecoin_consensus::state_machine::{Action, Event, apply};
use timecoin_consensus::{
    Driver, Height, Params, Round, RoundValue, SafetyRecord, State, Step, Timeout, TimeoutConfig,
    TimeoutKind, Vote, VoteKind, may_sign,
};

use crate::support::{Net, value};

const HEIGHT: Height = Height(3);

fn event() -> impl Strategy<Value = Event> {
    let v = (1u8..4).prop_map(value);
    let round = (0u32..6).prop_map(Round);
    let timeout_kind = prop_oneof![
        Just(TimeoutKind::Propose),
        Just(TimeoutKind::Prevote),
        Just(TimeoutKind::Precommit)
    ];
    prop_oneof![
        (round.clone(), any::<bool>())
            .prop_map(|(round, proposer)| Event::NewRound { round, proposer }),
        (v.clone(), any::<bool>()).prop_map(|(value, valid)| Event::Proposal { value, valid }),
        (v.clone(), round.clone(), any::<bool>()).prop_map(|(value, pol_round, valid)| {
            Event::ProposalWithPolka {
                value,
                pol_round,
                valid,
            }
        }),
        Just(Event::PolkaAny),
        v.clone()
            .prop_map(|value| Event::ProposalAndPolka { value }),
        Just(Event::PolkaNil),
        Just(Event::PrecommitAny),
        (timeout_kind, round).prop_map(|(kind, round)| Event::Timeout(Timeout {
            kind,
            height: HEIGHT,
            round
        })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn votes_follow_the_lock_rules(events in proptest::collection::vec(event(), 1..60)) {
        let mut state = State::new(HEIGHT);
        let mut voted = BTreeSet::new();
        for event in events {
            let before = state.clone();
            let (after, actions) = apply(state, event);
            for action in &actions {
                let Action::Vote { kind, value } = *action else { continue };
                // At most one vote per round and kind.
                prop_assert!(voted.insert((before.round, kind)), "voted twice in a round");
                match (kind, value) {
                    (VoteKind::Prevote, Some(x)) => {
                        if let Some(lock) = before.locked.filter(|l| l.value != x) {
                            // L28-L29: another value only with a later proof of lock.
                            let freed = matches!(event, Event::ProposalWithPolka {
                                value, pol_round, valid: true
                            } if value == x && pol_round >= lock.round);
                            prop_assert!(freed, "locked on {:?}, prevoted {:?} on {:?}", lock, x, event);
                        }
                    }
                    (VoteKind::Precommit, Some(x)) => {
                        // L36-L41: only on a polka, and the lock follows.
                        prop_assert_eq!(event, Event::ProposalAndPolka { value: x });
                        prop_assert_eq!(after.locked, Some(RoundValue { round: before.round, value: x }));
                    }
                    _ => {}
                }
            }
            // A lock only moves to a later round.
            if let (Some(old), Some(new)) = (before.locked, after.locked) {
                prop_assert!(new.round >= old.round);
            }
            prop_assert!(after.round >= before.round);
            state = after;
        }
    }

    /// Through `may_sign` and the record, a node never signs two different
    /// votes for one height, round and kind, and never one for an earlier
    /// height or round than the last of its kind, whatever it is asked.
    #[test]
    fn the_record_never_allows_a_conflicting_vote(
        asks in proptest::collection::vec((0u64..3, 0u32..4, any::<bool>(), 0u8..3), 1..40),
    ) {
        let net = Net::new(4);
        let params = Params {
            validators: net.set.clone(),
            definition: net.def,
            timeouts: TimeoutConfig::default(),
        };
        let driver = Driver::new(params, Some(net.ids[0]));
        let mut record = SafetyRecord::new(Height(1));
        let mut signed: Vec<Vote> = Vec::new();
        for (height, round, precommit, choice) in asks {
            let vote = Vote {
                kind: if precommit { VoteKind::Precommit } else { VoteKind::Prevote },
                height: Height(1 + height),
                round: Round(round),
                value: (choice > 0).then(|| value(choice)),
                validator: net.ids[0],
            };
            if may_sign(&record, &vote) {
                record = record.with_vote(&vote, &driver);
                signed.push(vote);
            }
        }
        for (i, a) in signed.iter().enumerate() {
            for b in &signed[i + 1..] {
                let same_slot = (a.height, a.round, a.kind) == (b.height, b.round, b.kind);
                prop_assert!(!same_slot || a == b, "signed {:?} and {:?}", a, b);
                if a.kind == b.kind && a != b {
                    prop_assert!((b.height, b.round) > (a.height, a.round));
                }
            }
        }
    }
}

/// A restarted node resumes at the step its record shows: having precommitted,
/// it asks for that same precommit again and never for a prevote of the round.
#[test]
fn a_resumed_state_is_past_the_votes_it_cast() {
    let net = Net::new(4);
    let mut record = SafetyRecord::new(HEIGHT);
    record.round = Round(2);
    record.locked = Some(RoundValue {
        round: Round(2),
        value: value(1),
    });
    record.valid = record.locked;
    record.precommit = Some(Vote {
        kind: VoteKind::Precommit,
        height: HEIGHT,
        round: Round(2),
        value: Some(value(1)),
        validator: net.ids[0],
    });
    let state = State::resume(&record);
    assert_eq!(
        (state.round, state.step, state.locked),
        (Round(2), Step::Precommit, record.locked)
    );
    let (_, actions) = apply(
        state.clone(),
        Event::Proposal {
            value: value(2),
            valid: true,
        },
    );
    assert!(
        actions.is_empty(),
        "a precommitted node prevoted again: {actions:?}"
    );
    let timeout = Timeout {
        kind: TimeoutKind::Propose,
        height: HEIGHT,
        round: Round(2),
    };
    let (_, actions) = apply(state, Event::Timeout(timeout));
    assert!(actions.is_empty());
}
