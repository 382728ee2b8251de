//! Every invariant's verdict with its evidence, from what the run gathered:
//! the final-block ledger and the progress watch (throughout), and the checks
//! after the last heal. Pure, so a recorded failure can be fed in and must fail.

use serde::Serialize;

use super::liveness::Stall;
use super::safety::Fork;

/// One invariant's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Verdict {
    pub(crate) name: &'static str,
    pub(crate) pass: bool,
    pub(crate) evidence: Vec<String>,
}

/// What the run found, for [`verdicts`].
#[derive(Debug)]
pub(crate) struct Findings {
    pub(crate) forks: Vec<Fork>,
    /// Heights whose final blocks were compared.
    pub(crate) heights_compared: usize,
    pub(crate) stalls: Vec<Stall>,
    /// Seconds from the last heal to a whole fleet, or why it never was.
    pub(crate) reconverged: Result<f64, Vec<String>>,
    /// The bound for [`Findings::reconverged`], seconds.
    pub(crate) reconverge_bound: f64,
    /// `timectl check`'s verdict line, or its failing items.
    pub(crate) check: Result<String, Vec<String>>,
    /// Nodes still failing to dial after the fleet healed.
    pub(crate) backoff: Vec<String>,
    /// Chain stores that failed, and services not running at the end.
    pub(crate) stores: Vec<String>,
}

impl Default for Findings {
    fn default() -> Findings {
        Findings {
            forks: Vec::new(),
            heights_compared: 0,
            stalls: Vec::new(),
            reconverged: Err(vec!["not measured".into()]),
            reconverge_bound: 0.0,
            check: Err(vec!["not run".into()]),
            backoff: Vec::new(),
            stores: Vec::new(),
        }
    }
}

fn verdict(name: &'static str, problems: Vec<String>, fine: String) -> Verdict {
    Verdict {
        name,
        pass: problems.is_empty(),
        evidence: if problems.is_empty() {
            vec![fine]
        } else {
            problems
        },
    }
}

/// The verdicts, in the order the report lists them.
pub(crate) fn verdicts(f: &Findings) -> Vec<Verdict> {
    let forks = f
        .forks
        .iter()
        .map(|k| {
            format!(
                "height {}: n{} final on {} (at {:.1} s), n{} on {} (at {:.1} s)",
                k.height,
                k.first.node,
                short(&k.first.block),
                k.first.at,
                k.second.node,
                short(&k.second.block),
                k.second.at
            )
        })
        .collect();
    let stalls = f
        .stalls
        .iter()
        .map(|s| {
            format!(
                "final height stayed {} from {:.1} s to {:.1} s while {:?} were connected",
                s.final_height, s.from, s.until, s.quorum
            )
        })
        .collect();
    let reconverged = match &f.reconverged {
        Ok(secs) if *secs <= f.reconverge_bound => Ok(format!(
            "whole {secs:.1} s after the last heal (bound {:.0} s)",
            f.reconverge_bound
        )),
        Ok(secs) => Err(vec![format!(
            "whole only {secs:.1} s after the last heal (bound {:.0} s)",
            f.reconverge_bound
        )]),
        Err(problems) => Err(problems.clone()),
    };
    let (reconverged, fine) = match reconverged {
        Ok(fine) => (Vec::new(), fine),
        Err(problems) => (problems, String::new()),
    };
    let (check, check_fine) = match &f.check {
        Ok(line) => (Vec::new(), line.clone()),
        Err(items) => (items.clone(), String::new()),
    };
    vec![
        verdict(
            "no two final blocks at one height",
            forks,
            format!(
                "{} heights compared across every node, no fork",
                f.heights_compared
            ),
        ),
        verdict(
            "final height grows while a quorum is connected",
            stalls,
            "no stall".into(),
        ),
        verdict(
            "one link per pair and heights agree after the last heal",
            reconverged,
            fine,
        ),
        verdict(
            "timectl check passes after the last heal",
            check,
            check_fine,
        ),
        verdict(
            "no node left in backoff",
            f.backoff.clone(),
            "no failed dial once the fleet was whole".into(),
        ),
        verdict(
            "every chain store opens and every service runs",
            f.stores.clone(),
            "no store error in any journal, every unit active".into(),
        ),
    ]
}

/// The first characters of a block's identity, enough to tell two apart.
fn short(block: &str) -> &str {
    block.get(..16).unwrap_or(block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::invariant::fixture::{sample, view};
    use crate::chaos::invariant::journal::{in_backoff, parse};
    use crate::chaos::invariant::safety::FinalLedger;
    use crate::chaos::report::model::{Record, Report};

    /// Two nodes final on different blocks at height 41, as the RPC answered.
    fn recorded_fork() -> FinalLedger {
        let mut ledger = FinalLedger::default();
        ledger.observe(&sample(
            12.0,
            vec![
                view(47, &[(41, "5d1f0c9e2b7a44c1aa00")]),
                view(47, &[(41, "5d1f0c9e2b7a44c1aa00")]),
            ],
        ));
        ledger.observe(&sample(
            13.0,
            vec![
                view(48, &[(41, "5d1f0c9e2b7a44c1aa00")]),
                view(47, &[(41, "e40b96d3f1c07a2b9911")]),
            ],
        ));
        ledger
    }

    #[test]
    fn a_recorded_fork_and_a_node_stuck_in_backoff_both_fail_their_invariants() {
        let ledger = recorded_fork();
        let journal = parse(
            3,
            "1796487600.000000 timed[90]: WARN Connection to 10.77.0.1:24100 failed (attempt 12): connection refused\n",
        );
        let findings = Findings {
            forks: ledger.forks().to_vec(),
            heights_compared: ledger.heights(),
            reconverged: Ok(20.0),
            reconverge_bound: 90.0,
            check: Ok("verdict pass".into()),
            backoff: in_backoff(&journal, 1796487590.0),
            ..Findings::default()
        };
        let verdicts = verdicts(&findings);
        let failed: Vec<&str> = verdicts
            .iter()
            .filter(|v| !v.pass)
            .map(|v| v.name)
            .collect();
        assert_eq!(
            failed,
            vec![
                "no two final blocks at one height",
                "no node left in backoff"
            ]
        );
        assert_eq!(
            verdicts[0].evidence,
            vec![
                "height 41: n1 final on 5d1f0c9e2b7a44c1 (at 12.0 s), n2 on e40b96d3f1c07a2b (at 13.0 s)"
            ]
        );
        assert!(verdicts[4].evidence[0].starts_with("n3: 1 failed dial(s)"));
        // And the run fails (exit code 1) on them.
        let report = Report::build(Record {
            verdicts,
            ..Record::default()
        });
        assert!(!report.pass);
    }

    #[test]
    fn a_clean_run_passes_everything_and_a_slow_heal_fails_its_bound() {
        let mut findings = Findings {
            reconverged: Ok(20.0),
            reconverge_bound: 90.0,
            check: Ok("verdict pass".into()),
            ..Findings::default()
        };
        assert!(verdicts(&findings).iter().all(|v| v.pass));
        findings.reconverged = Ok(95.0);
        assert!(!verdicts(&findings)[2].pass);
    }
}
