//! Blocks made by a side of a partition too small to be a quorum: a node cut
//! off alone, or either half of a split that leaves no side `min_masternodes`
//! strong. The daemon skips production below its quorum of *active*
//! masternodes, so any such block means it still counted peers it could no
//! longer hear. Reported as a finding beside the verdicts (the issue's
//! invariants do not name it); with finality by depth it is how a minority
//! would come to finalize a block the rest never sees.

use std::collections::BTreeMap;

use serde::Serialize;
use timecoin_shared::classify::{EventKind, classify};

use super::journal::JournalLine;
use crate::chaos::plan::Fault;
use crate::chaos::report::model::{FaultRecord, Outcome};

/// Blocks one node made while on the small side of one partition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct MinorityBlocks {
    pub(crate) fault: String,
    /// 1-based host number.
    pub(crate) node: usize,
    /// How many hosts its side held, and the quorum.
    pub(crate) side: usize,
    pub(crate) quorum: usize,
    pub(crate) heights: Vec<u64>,
}

/// The sides of a partition fault (1-based hosts); none for other faults.
fn sides(fault: &Fault, nodes: usize) -> Vec<Vec<usize>> {
    let all: Vec<usize> = (1..=nodes).collect();
    let rest = |side: &[usize]| all.iter().copied().filter(|n| !side.contains(n)).collect();
    match fault {
        Fault::Isolate { node } => vec![vec![*node], rest(&[*node])],
        Fault::Split { side } => vec![side.clone(), rest(side)],
        _ => Vec::new(),
    }
}

/// Every block produced on a side smaller than `quorum` while its partition
/// held. `run_start` is the run's start in Unix seconds (fault times count from it).
pub(crate) fn minority_blocks(
    faults: &[FaultRecord],
    lines: &[JournalLine],
    nodes: usize,
    quorum: usize,
    run_start: f64,
) -> Vec<MinorityBlocks> {
    let mut found = Vec::new();
    for fault in faults.iter().filter(|f| f.outcome == Outcome::Injected) {
        let (from, until) = (run_start + fault.started, run_start + fault.healed);
        for side in sides(&fault.fault, nodes)
            .into_iter()
            .filter(|s| s.len() < quorum)
        {
            let mut by_node: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
            for line in lines {
                if !side.contains(&line.node) || line.at < from || line.at > until {
                    continue;
                }
                let c = classify(&line.text);
                if c.kinds.contains(EventKind::BlockProduced) {
                    by_node.entry(line.node).or_default().extend(c.height);
                }
            }
            found.extend(by_node.into_iter().map(|(node, heights)| MinorityBlocks {
                fault: fault.description.clone(),
                node,
                side: side.len(),
                quorum,
                heights,
            }));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::invariant::journal::parse;

    fn record(fault: Fault, started: f64, healed: f64) -> FaultRecord {
        FaultRecord {
            kind: fault.kind(),
            description: fault.to_string(),
            fault,
            started,
            healed,
            reconverge_secs: Some(1.0),
            outcome: Outcome::Injected,
        }
    }

    #[test]
    fn blocks_a_node_made_while_cut_off_alone_are_found_and_the_majoritys_are_not() {
        let faults = [record(Fault::Isolate { node: 3 }, 10.0, 30.0)];
        let mut lines = parse(
            3,
            "1000.5 timed[7]: INFO Produced block at height 34 height=34\n\
             1012.0 timed[7]: INFO Produced block at height 35 height=35\n\
             1020.0 timed[7]: INFO Produced block at height 36 height=36\n\
             1031.0 timed[7]: INFO Produced block at height 43 height=43\n",
        );
        lines.extend(parse(
            1,
            "1015.0 timed[9]: INFO Produced block at height 35 height=35\n",
        ));
        let found = minority_blocks(&faults, &lines, 4, 3, 1000.0);
        assert_eq!(
            found,
            vec![MinorityBlocks {
                fault: "isolate n3".into(),
                node: 3,
                side: 1,
                quorum: 3,
                heights: vec![35, 36],
            }]
        );
    }

    #[test]
    fn both_halves_of_a_split_below_the_quorum_are_minorities_and_other_faults_are_not() {
        let faults = [
            record(Fault::Split { side: vec![1, 4] }, 0.0, 20.0),
            record(Fault::Kill { node: 2 }, 30.0, 31.0),
        ];
        let mut lines = parse(
            1,
            "105.0 timed[1]: INFO Produced block at height 9 height=9\n",
        );
        lines.extend(parse(
            2,
            "107.0 timed[2]: INFO Produced block at height 9 height=9\n",
        ));
        lines.extend(parse(
            2,
            "130.5 timed[2]: INFO Produced block at height 12 height=12\n",
        ));
        let found = minority_blocks(&faults, &lines, 4, 3, 100.0);
        let nodes: Vec<usize> = found.iter().map(|f| f.node).collect();
        assert_eq!(nodes, vec![1, 2]);
        // With five nodes and a quorum of four, the same split leaves n2's side of three short too.
        assert_eq!(
            sides(&Fault::Split { side: vec![1, 4] }, 5)[1],
            vec![2, 3, 5]
        );
    }
}
