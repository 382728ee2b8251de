//! Property tests of the vote keeper against a model that counts distinct
//! validators per (round, kind, value) with sets.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use timecoin_consensus::{
    Height, KeeperEvent, Round, Threshold, ValidatorId, ValueId, VoteKeeper, VoteKind,
};

use crate::support::{Net, value};

const HEIGHT: u64 = 5;

/// One vote to feed: signer index (past `n` are strangers), height offset,
/// round, kind, value (0 nil, 1 or 2 a value).
type Spec = (usize, u64, u32, bool, u8);

fn spec(max_signer: usize) -> impl Strategy<Value = Spec> {
    (0..max_signer, 0..2u64, 0..3u32, any::<bool>(), 0..3u8)
}

fn value_of(choice: u8) -> Option<ValueId> {
    (choice > 0).then(|| value(choice))
}

fn kind_of(precommit: bool) -> VoteKind {
    if precommit {
        VoteKind::Precommit
    } else {
        VoteKind::Prevote
    }
}

type Slot = (Round, VoteKind);

/// What the model expects from a list of votes.
#[derive(Default)]
struct Model {
    per_value: BTreeMap<(Slot, Option<ValueId>), BTreeSet<ValidatorId>>,
    per_slot: BTreeMap<Slot, BTreeSet<ValidatorId>>,
    per_round: BTreeMap<Round, BTreeSet<ValidatorId>>,
    values: BTreeMap<(ValidatorId, Slot), BTreeSet<Option<ValueId>>>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Thresholds are reported exactly when more than two thirds of the
    /// validators (distinct, of the set, at this height) reach them, once each;
    /// repeats and strangers never count; every equivocation is reported once
    /// with evidence that verifies.
    #[test]
    fn thresholds_and_equivocation_match_the_model(
        n in 1usize..8,
        specs in proptest::collection::vec(spec(10), 0..40),
    ) {
        // Strangers are validators of a bigger network with the same keys.
        let everyone = Net::new(10);
        let net = Net::new(n);
        prop_assert!(3 * net.set.quorum() > 2 * n && 3 * (net.set.quorum() - 1) <= 2 * n);
        let mut keeper = VoteKeeper::new(Height(HEIGHT), net.set.clone());
        let mut model = Model::default();
        let mut events = Vec::new();
        for (signer, dh, round, precommit, choice) in specs {
            let (kind, value) = (kind_of(precommit), value_of(choice));
            let vote = everyone.vote(signer, kind, HEIGHT + dh, round, value);
            events.extend(keeper.add(vote));
            if signer < n && dh == 0 {
                let id = everyone.ids[signer];
                let slot = (Round(round), kind);
                model.per_value.entry((slot, value)).or_default().insert(id);
                model.per_slot.entry(slot).or_default().insert(id);
                model.per_round.entry(Round(round)).or_default().insert(id);
                model.values.entry((id, slot)).or_default().insert(value);
            }
        }
        let quorum = net.set.quorum();
        let mut expected = BTreeSet::new();
        for (((round, kind), value), who) in &model.per_value {
            if who.len() >= quorum {
                expected.insert(match (kind, value) {
                    (VoteKind::Prevote, Some(v)) => Threshold::PolkaValue(*round, *v),
                    (VoteKind::Prevote, None) => Threshold::PolkaNil(*round),
                    (VoteKind::Precommit, Some(v)) => Threshold::PrecommitValue(*round, *v),
                    (VoteKind::Precommit, None) => continue,
                });
            }
            prop_assert_eq!(keeper.count(*round, *kind, *value), who.len());
        }
        for ((round, kind), who) in &model.per_slot {
            if who.len() >= quorum {
                expected.insert(match kind {
                    VoteKind::Prevote => Threshold::PolkaAny(*round),
                    VoteKind::Precommit => Threshold::PrecommitAny(*round),
                });
            }
        }
        for (round, who) in &model.per_round {
            if who.len() > net.set.max_faulty() {
                expected.insert(Threshold::SkipRound(*round));
            }
        }
        let reached: Vec<Threshold> = events
            .iter()
            .filter_map(|e| match e {
                KeeperEvent::Threshold(t) => Some(*t),
                KeeperEvent::Equivocation(_) => None,
            })
            .collect();
        let unique: BTreeSet<Threshold> = reached.iter().copied().collect();
        prop_assert_eq!(unique.len(), reached.len(), "a threshold reported twice");
        prop_assert_eq!(unique, expected);

        let equivocators: BTreeSet<(ValidatorId, Slot)> = model
            .values
            .iter()
            .filter(|(_, values)| values.len() > 1)
            .map(|(key, _)| *key)
            .collect();
        let mut reported = BTreeSet::new();
        for event in &events {
            if let KeeperEvent::Equivocation(evidence) = event {
                prop_assert!(evidence.verify(&net.set, &net.def).is_ok());
                let (_, round) = evidence.height_round();
                let timecoin_consensus::Evidence::Votes { first, .. } = evidence.as_ref() else {
                    return Err(TestCaseError::fail("the keeper reports votes only"));
                };
                prop_assert!(reported.insert((evidence.offender(), (round, first.vote.kind))));
            }
        }
        prop_assert_eq!(reported, equivocators);
    }
}

/// A liar's votes for one round and kind cost bounded memory: past
/// `MAX_VALUES_PER_SLOT` different values, its votes are neither kept nor counted.
#[test]
fn a_liar_counts_for_at_most_max_values_per_slot_values() {
    use timecoin_consensus::MAX_VALUES_PER_SLOT;
    let net = Net::new(4);
    let mut keeper = VoteKeeper::new(Height(HEIGHT), net.set.clone());
    let mut evidence = 0;
    let tries = MAX_VALUES_PER_SLOT as u8 + 2;
    for b in 1..=tries {
        let vote = net.vote(0, VoteKind::Prevote, HEIGHT, 0, Some(value(b)));
        evidence += keeper
            .add(vote)
            .iter()
            .filter(|e| matches!(e, KeeperEvent::Equivocation(_)))
            .count();
    }
    let counted = (1..=tries)
        .filter(|b| keeper.count(Round(0), VoteKind::Prevote, Some(value(*b))) == 1)
        .count();
    assert_eq!(counted, MAX_VALUES_PER_SLOT);
    assert_eq!(evidence, 1, "one equivocation, reported once");
    assert_eq!(keeper.voters(Round(0)), 1);
}
