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
    let (mut worst, mut evidence, mut longest) = (0, 0, 0);
    for seed in 0..count {
        let scenario = Scenario::random(seed, n);
        match run(&scenario) {
            Ok(outcome) => {
                worst = worst.max(outcome.max_rounds_after_gst);
                evidence += outcome.evidence;
                longest = longest.max(outcome.end_ms);
            }
            Err(violation) => panic!("{violation} in {scenario}"),
        }
    }
    // Equivocators are in many of these worlds: honest nodes must have caught
    // some of them (every item was checked to name a liar and to verify).
    assert!(count < 100 || evidence > 0, "no equivocation detected");
    eprintln!(
        "n = {n}: {count} seeds, at most {worst} rounds at one height after GST, \
         {evidence} pieces of evidence, longest run {longest} ms simulated"
    );
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

/// Replays one seed, for whoever debugs a failure:
/// `SIM_SEED=4996 SIM_N=4 cargo test -p timecoin-consensus --test it replay -- --ignored`.
#[test]
#[ignore = "a debugging aid: replays the seed named by SIM_SEED and SIM_N"]
fn replay() {
    let var = |name| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    let (seed, n) = (var("SIM_SEED").unwrap_or(0), var("SIM_N").unwrap_or(4));
    let scenario = Scenario::random(seed, n as usize);
    if let Err(violation) = run(&scenario) {
        panic!("{violation} in {scenario}");
    }
}
