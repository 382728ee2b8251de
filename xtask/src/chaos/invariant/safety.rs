//! No two nodes ever hold different final blocks at the same height: every
//! final block any node reports, in any sample, is compared with the first one
//! seen at its height, for the whole run (so a node that reverts its own final
//! block is caught too).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::chaos::sample::Sample;

/// One node's final block at a height, when it was seen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Sighting {
    /// 1-based host number.
    pub(crate) node: usize,
    pub(crate) block: String,
    pub(crate) at: f64,
}

/// Two different final blocks at one height.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Fork {
    pub(crate) height: u64,
    pub(crate) first: Sighting,
    pub(crate) second: Sighting,
}

/// Every final block seen so far, by height.
#[derive(Debug, Default)]
pub(crate) struct FinalLedger {
    seen: BTreeMap<u64, Sighting>,
    forked: BTreeSet<u64>,
    forks: Vec<Fork>,
}

impl FinalLedger {
    /// Compares a sample's final blocks with everything seen before.
    pub(crate) fn observe(&mut self, sample: &Sample) {
        for (i, view) in sample.nodes.iter().enumerate() {
            let Some(view) = view else { continue };
            for (height, block) in &view.final_blocks {
                let sighting = Sighting {
                    node: i + 1,
                    block: block.clone(),
                    at: sample.at,
                };
                match self.seen.get(height) {
                    None => {
                        self.seen.insert(*height, sighting);
                    }
                    Some(first) if first.block != *block && self.forked.insert(*height) => {
                        self.forks.push(Fork {
                            height: *height,
                            first: first.clone(),
                            second: sighting,
                        });
                    }
                    Some(_) => {}
                }
            }
        }
    }

    /// Heights at which two final blocks were seen, one fork each.
    pub(crate) fn forks(&self) -> &[Fork] {
        &self.forks
    }

    /// How many heights were compared.
    pub(crate) fn heights(&self) -> usize {
        self.seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::invariant::fixture::{sample, view};

    #[test]
    fn equal_final_blocks_on_every_node_are_no_fork() {
        let mut ledger = FinalLedger::default();
        ledger.observe(&sample(
            1.0,
            vec![view(10, &[(4, "a")]), view(11, &[(4, "a")])],
        ));
        ledger.observe(&sample(2.0, vec![view(12, &[(5, "b")]), None]));
        assert!(ledger.forks().is_empty());
        assert_eq!(ledger.heights(), 2);
    }

    #[test]
    fn two_nodes_final_on_different_blocks_at_one_height_are_a_fork_reported_once() {
        let mut ledger = FinalLedger::default();
        ledger.observe(&sample(
            1.0,
            vec![view(10, &[(4, "a")]), view(10, &[(4, "x")])],
        ));
        ledger.observe(&sample(
            2.0,
            vec![view(10, &[(4, "a")]), view(10, &[(4, "x")])],
        ));
        assert_eq!(ledger.forks().len(), 1);
        let fork = &ledger.forks()[0];
        assert_eq!((fork.height, fork.first.node, fork.second.node), (4, 1, 2));
    }

    #[test]
    fn a_node_that_reverts_its_own_final_block_is_caught_later() {
        let mut ledger = FinalLedger::default();
        ledger.observe(&sample(1.0, vec![view(10, &[(4, "a")])]));
        ledger.observe(&sample(30.0, vec![view(20, &[(4, "b")])]));
        assert_eq!(ledger.forks().len(), 1);
        assert_eq!(ledger.forks()[0].second.at, 30.0);
    }
}
