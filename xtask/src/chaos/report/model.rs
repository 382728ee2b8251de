//! What a chaos run records as it goes ([`Record`]) and the report built from
//! it ([`Report`]): faults by kind, time to reconverge after each heal, final
//! heights, rounds skipped and why, and every invariant's verdict.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::chaos::invariant::minority::MinorityBlocks;
use crate::chaos::invariant::verdict::Verdict;
use crate::chaos::plan::Fault;
use crate::chaos::sample::Sample;

/// How a scheduled fault went.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum Outcome {
    Injected,
    /// Not possible on this machine; the reason says why.
    Skipped {
        reason: String,
    },
    /// Tried and failed (a deploy that did not deploy).
    Failed {
        reason: String,
    },
}

/// One fault as it happened. Times are seconds since the run started.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct FaultRecord {
    pub(crate) kind: &'static str,
    pub(crate) fault: Fault,
    pub(crate) description: String,
    pub(crate) started: f64,
    pub(crate) healed: f64,
    /// Seconds from the heal to a whole fleet; `None` when it was not whole
    /// within the bound.
    pub(crate) reconverge_secs: Option<f64>,
    pub(crate) outcome: Outcome,
}

/// Heights of every node at one instant (`None`: no answer).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Point {
    pub(crate) at: f64,
    pub(crate) heights: Vec<Option<u64>>,
    pub(crate) finals: Vec<Option<u64>>,
}

impl Point {
    pub(crate) fn of(sample: &Sample) -> Point {
        Point {
            at: sample.at,
            heights: sample
                .nodes
                .iter()
                .map(|v| v.as_ref().map(|v| v.height))
                .collect(),
            finals: sample
                .nodes
                .iter()
                .map(|v| v.as_ref().map(|v| v.final_height))
                .collect(),
        }
    }
}

/// Everything a run gathered, in the order it happened.
#[derive(Clone, Debug, Default)]
pub(crate) struct Record {
    pub(crate) seed: u64,
    pub(crate) nodes: usize,
    pub(crate) planned_secs: f64,
    pub(crate) ran_secs: f64,
    pub(crate) faults: Vec<FaultRecord>,
    pub(crate) timeline: Vec<Point>,
    /// The last sample: heights, final heights and commits at the end.
    pub(crate) last: Sample,
    /// Per node (1-based), skipped rounds by reason.
    pub(crate) skipped_rounds: BTreeMap<usize, BTreeMap<String, u64>>,
    pub(crate) verdicts: Vec<Verdict>,
    /// Blocks made on a side of a partition below the quorum (a finding).
    pub(crate) minority_blocks: Vec<MinorityBlocks>,
    /// Things the reader must know (faults impossible here, bounds used).
    pub(crate) notes: Vec<String>,
}

/// Faults of one kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct KindSummary {
    pub(crate) kind: &'static str,
    pub(crate) injected: usize,
    pub(crate) skipped: usize,
    pub(crate) failed: usize,
    pub(crate) reconverge: Option<Stats>,
}

/// Median and maximum of some seconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Stats {
    pub(crate) count: usize,
    pub(crate) median: f64,
    pub(crate) max: f64,
}

impl Stats {
    pub(crate) fn of(mut secs: Vec<f64>) -> Option<Stats> {
        if secs.is_empty() {
            return None;
        }
        secs.sort_by(f64::total_cmp);
        let n = secs.len();
        let median = if n % 2 == 1 {
            secs[n / 2]
        } else {
            f64::midpoint(secs[n / 2 - 1], secs[n / 2])
        };
        Some(Stats {
            count: n,
            median,
            max: secs[n - 1],
        })
    }
}

/// One node at the end of the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct NodeSummary {
    pub(crate) name: String,
    pub(crate) height: Option<u64>,
    pub(crate) final_height: Option<u64>,
    pub(crate) commit: Option<String>,
    pub(crate) skipped_rounds: BTreeMap<String, u64>,
}

/// The report, as written to JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Report {
    pub(crate) pass: bool,
    pub(crate) seed: u64,
    pub(crate) nodes: usize,
    pub(crate) planned_secs: f64,
    pub(crate) ran_secs: f64,
    pub(crate) faults_injected: usize,
    pub(crate) by_kind: Vec<KindSummary>,
    /// Time to reconverge after every heal that reconverged within the bound.
    pub(crate) reconverge: Option<Stats>,
    /// Heals after which the fleet was not whole within the bound.
    pub(crate) not_reconverged: usize,
    pub(crate) final_state: Vec<NodeSummary>,
    pub(crate) verdicts: Vec<Verdict>,
    pub(crate) minority_blocks: Vec<MinorityBlocks>,
    pub(crate) notes: Vec<String>,
    pub(crate) faults: Vec<FaultRecord>,
    pub(crate) timeline: Vec<Point>,
}

impl Report {
    pub(crate) fn build(record: Record) -> Report {
        let mut kinds: Vec<&'static str> = record.faults.iter().map(|f| f.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let by_kind = kinds
            .into_iter()
            .map(|kind| {
                let of: Vec<&FaultRecord> =
                    record.faults.iter().filter(|f| f.kind == kind).collect();
                let count =
                    |pick: fn(&Outcome) -> bool| of.iter().filter(|f| pick(&f.outcome)).count();
                KindSummary {
                    kind,
                    injected: count(|o| matches!(o, Outcome::Injected)),
                    skipped: count(|o| matches!(o, Outcome::Skipped { .. })),
                    failed: count(|o| matches!(o, Outcome::Failed { .. })),
                    reconverge: Stats::of(of.iter().filter_map(|f| f.reconverge_secs).collect()),
                }
            })
            .collect();
        let final_state = record
            .last
            .nodes
            .iter()
            .enumerate()
            .map(|(i, v)| NodeSummary {
                name: format!("n{}", i + 1),
                height: v.as_ref().map(|v| v.height),
                final_height: v.as_ref().map(|v| v.final_height),
                commit: v.as_ref().map(|v| v.commit.clone()),
                skipped_rounds: record
                    .skipped_rounds
                    .get(&(i + 1))
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        Report {
            pass: record.verdicts.iter().all(|v| v.pass),
            seed: record.seed,
            nodes: record.nodes,
            planned_secs: record.planned_secs,
            ran_secs: record.ran_secs,
            faults_injected: record
                .faults
                .iter()
                .filter(|f| f.outcome == Outcome::Injected)
                .count(),
            by_kind,
            reconverge: Stats::of(
                record
                    .faults
                    .iter()
                    .filter_map(|f| f.reconverge_secs)
                    .collect(),
            ),
            not_reconverged: record
                .faults
                .iter()
                .filter(|f| f.outcome == Outcome::Injected && f.reconverge_secs.is_none())
                .count(),
            final_state,
            verdicts: record.verdicts,
            minority_blocks: record.minority_blocks,
            notes: record.notes,
            faults: record.faults,
            timeline: record.timeline,
        }
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A small recorded run for the report's tests.

    use super::*;
    use crate::chaos::invariant::fixture::mesh;

    fn fault(fault: Fault, started: f64, reconverge: Option<f64>, outcome: Outcome) -> FaultRecord {
        FaultRecord {
            kind: fault.kind(),
            description: fault.to_string(),
            fault,
            started,
            healed: started + 4.0,
            reconverge_secs: reconverge,
            outcome,
        }
    }

    pub(crate) fn record() -> Record {
        let timeline = (0u32..20)
            .map(|t| {
                Point::of(&mesh(
                    f64::from(t),
                    &[u64::from(t) + 7; 4],
                    &[u64::from(t) + 1; 4],
                ))
            })
            .collect();
        Record {
            seed: 7,
            nodes: 4,
            planned_secs: 20.0,
            ran_secs: 21.5,
            faults: vec![
                fault(
                    Fault::Isolate { node: 2 },
                    1.0,
                    Some(2.0),
                    Outcome::Injected,
                ),
                fault(Fault::Kill { node: 1 }, 7.0, Some(5.0), Outcome::Injected),
                fault(
                    Fault::Isolate { node: 3 },
                    11.0,
                    Some(3.0),
                    Outcome::Injected,
                ),
                fault(
                    Fault::Delay {
                        node: 4,
                        millis: 100,
                    },
                    15.0,
                    None,
                    Outcome::Skipped {
                        reason: "no netem".into(),
                    },
                ),
            ],
            timeline,
            last: mesh(20.0, &[26; 4], &[20; 4]),
            skipped_rounds: BTreeMap::from([(
                2,
                BTreeMap::from([("only 2 of 3 masternodes active".to_owned(), 3)]),
            )]),
            verdicts: vec![Verdict {
                name: "no two final blocks at one height",
                pass: true,
                evidence: vec!["20 heights compared".into()],
            }],
            minority_blocks: vec![MinorityBlocks {
                fault: "isolate n3".into(),
                node: 3,
                side: 1,
                quorum: 3,
                heights: vec![35, 36],
            }],
            notes: vec!["delay: no netem".into()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_counted_by_kind_with_their_reconvergence() {
        let report = Report::build(fixture::record());
        assert!(report.pass);
        assert_eq!(report.faults_injected, 3);
        let isolate = report
            .by_kind
            .iter()
            .find(|k| k.kind == "isolate")
            .expect("isolate");
        assert_eq!((isolate.injected, isolate.skipped), (2, 0));
        assert_eq!(
            isolate.reconverge.as_ref().map(|s| (s.median, s.max)),
            Some((2.5, 3.0))
        );
        let delay = report
            .by_kind
            .iter()
            .find(|k| k.kind == "delay")
            .expect("delay");
        assert_eq!(
            (delay.injected, delay.skipped, delay.reconverge.clone()),
            (0, 1, None)
        );
        assert_eq!(
            report
                .reconverge
                .as_ref()
                .map(|s| (s.count, s.median, s.max)),
            Some((3, 3.0, 5.0))
        );
        assert_eq!(report.not_reconverged, 0);
        assert_eq!(
            report.final_state[1].skipped_rounds["only 2 of 3 masternodes active"],
            3
        );
        assert_eq!(report.final_state[0].height, Some(26));
    }

    #[test]
    fn one_failed_verdict_fails_the_report() {
        let mut record = fixture::record();
        record.verdicts[0].pass = false;
        assert!(!Report::build(record).pass);
    }
}
