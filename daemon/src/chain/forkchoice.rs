//! The one rule every node uses to pick between two branches, and finality.
//!
//! Two branches that share every block below some height are compared from that
//! height up: the longer branch wins; between branches of equal length, the one
//! whose blocks, read from the fork point up, have the smaller `(round, hash)`
//! wins (an earlier round's leader beats its failover, and the hash breaks any
//! remaining tie). This is a total order on branches, so nodes that have seen the
//! same blocks choose the same chain whatever order they saw them in.
//!
//! Fork choice only ever picks between non-final blocks: a block is final when
//! its commit certificate is stored (see `certified`), and no branch that forks
//! at or below the final height is ever adopted, so a final block is never
//! reverted.

use std::cmp::Ordering;

use super::hash::Hash32;

/// What the fork-choice rule reads from each block of a branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct BranchKey {
    pub round: u32,
    pub hash: Hash32,
}

/// Whether `theirs` should replace `ours`, both listed from the fork point (the
/// first height where they differ) upwards.
pub(crate) fn prefer(ours: &[BranchKey], theirs: &[BranchKey]) -> bool {
    compare(ours, theirs) == Ordering::Less
}

/// Orders two branches from a common fork point: `Greater` means `a` is better.
pub(crate) fn compare(a: &[BranchKey], b: &[BranchKey]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| b.cmp(a))
}

/// Whether a branch forking at `fork_height` (its first block differing from ours)
/// may be adopted at all, given our final height.
pub(crate) fn may_fork_at(fork_height: u64, final_height: u64) -> bool {
    fork_height > final_height
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn branch() -> impl Strategy<Value = Vec<BranchKey>> {
        proptest::collection::vec((0u32..3, 0u8..4), 0..5).prop_map(|v| {
            v.into_iter()
                .map(|(round, h)| BranchKey {
                    round,
                    hash: Hash32([h; 32]),
                })
                .collect()
        })
    }

    #[test]
    fn longer_wins_then_lower_round() {
        let k = |round, h| BranchKey {
            round,
            hash: Hash32([h; 32]),
        };
        assert!(prefer(&[k(0, 1)], &[k(1, 9), k(1, 9)]));
        assert!(!prefer(&[k(0, 9)], &[k(1, 1)]));
        assert!(prefer(&[k(1, 1)], &[k(0, 9)]));
        assert!(prefer(&[k(0, 2)], &[k(0, 1)]));
        assert!(!prefer(&[k(0, 1)], &[k(0, 1)]));
    }

    #[test]
    fn final_blocks_cannot_be_forked() {
        assert!(!may_fork_at(7, 7));
        assert!(may_fork_at(8, 7));
    }

    proptest! {
        #[test]
        fn the_rule_is_a_total_order(a in branch(), b in branch(), c in branch()) {
            // Antisymmetric and total: exactly one side wins unless the branches are equal.
            prop_assert_eq!(prefer(&a, &b) && prefer(&b, &a), false);
            prop_assert_eq!(!prefer(&a, &b) && !prefer(&b, &a), a == b);
            // Transitive: no cycle in which every node keeps switching.
            if prefer(&a, &b) && prefer(&b, &c) {
                prop_assert!(prefer(&a, &c));
            }
        }

        #[test]
        fn arrival_order_does_not_change_the_winner(
            branches in proptest::collection::vec(branch(), 1..6),
            rotate in 0usize..6,
        ) {
            let pick = |order: &[Vec<BranchKey>]| {
                let mut best = order[0].clone();
                for b in &order[1..] {
                    if prefer(&best, b) {
                        best = b.clone();
                    }
                }
                best
            };
            let mut rotated = branches.clone();
            rotated.rotate_left(rotate % branches.len());
            prop_assert_eq!(pick(&branches), pick(&rotated));
        }
    }
}
