//! The simulation's tests: thousands of seeds for N = 4, 7 and 10, and proof
//! that a broken quorum is caught.

use super::checks::Violation;
use super::run::run;
use super::scenario::Scenario;

/// Seeds for one N; `SIM_SEEDS` (an environment variable) runs more. Each
/// run checks agreement at every decision and, at its end, that every honest
/// node decided every height within `liveness_bound` rounds a height after GST.
fn seeds(default: u64) -> u64 {
    std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn many(n: usize, count: u64) {
    let mut worst = 0;
    for seed in 0..count {
        let scenario = Scenario::random(seed, n);
        match run(&scenario) {
            Ok(outcome) => worst = worst.max(outcome.max_rounds_after_gst),
            Err(violation) => panic!("{violation} in {scenario}"),
        }
    }
    eprintln!("n = {n}: {count} seeds, at most {worst} rounds at one height after GST");
}

#[test]
fn four_validators_agree_and_decide_after_gst() {
    many(4, seeds(2000));
}

#[test]
fn seven_validators_agree_and_decide_after_gst() {
    many(7, seeds(600));
}

#[test]
fn ten_validators_agree_and_decide_after_gst() {
    many(10, seeds(300));
}

#[test]
fn a_quorum_of_2f_is_caught_forking() {
    // With 2f instead of 2f+1, two quorums may share only Byzantine validators:
    // equivocating proposers must make honest nodes decide differently in some
    // of these seeds, or the simulation could not catch a broken rule.
    for n in [4, 7, 10] {
        let caught = (0..100).find(|seed| {
            let mut scenario = Scenario::equivocators(*seed, n);
            scenario.broken_quorum = true;
            matches!(run(&scenario), Err(Violation::Disagreement { .. }))
        });
        let seed = caught.unwrap_or_else(|| panic!("no fork found with a quorum of 2f, n = {n}"));
        // The same world with the real quorum holds: the fork is the rule's.
        let scenario = Scenario::equivocators(seed, n);
        if let Err(violation) = run(&scenario) {
            panic!("{violation} in {scenario}");
        }
    }
}
