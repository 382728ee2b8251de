//! Who proposes the block at a given height and consensus round.
//!
//! The proposer is a pure function of `(height, round)` over the masternodes of
//! the network definition, so every node names the same one with no message
//! exchanged, and no block or peer can change who that is. It is the same turn
//! as `timecoin_consensus::ValidatorSet::proposer` (both rotate over the sorted
//! ids), so a block's producer is the proposer of the round named in it: a
//! round that passes without a decision moves the turn to the next id, and a
//! silent or dead proposer costs one round, not the chain.

use timecoin_shared::wire::NodeId;

/// The proposer of `(height, round)` over `masternodes`, which must be sorted and
/// free of duplicates; `None` for an empty set.
///
/// Rotating by height spreads production over every masternode; adding the round
/// makes the failover order the same ring, so within `n` rounds every masternode
/// gets a turn.
pub(crate) fn proposer(height: u64, round: u32, masternodes: &[NodeId]) -> Option<NodeId> {
    let n = masternodes.len() as u64;
    if n == 0 {
        return None;
    }
    let index = (height % n + u64::from(round) % n) % n;
    masternodes.get(index as usize).copied()
}

/// The network definition's part in block production: who proposes, and
/// the time the first block must follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Sorted, unique masternode ids of the network definition.
    pub masternodes: Vec<NodeId>,
    /// The first block is stamped after this.
    pub genesis_ms: u64,
}

impl Schedule {
    /// A schedule over `masternodes` (sorted here) with genesis.
    pub fn new(mut masternodes: Vec<NodeId>, genesis_ms: u64) -> Self {
        masternodes.sort();
        masternodes.dedup();
        Schedule {
            masternodes,
            genesis_ms,
        }
    }

    /// The proposer of `(height, round)`.
    pub fn proposer(&self, height: u64, round: u32) -> Option<NodeId> {
        proposer(height, round, &self.masternodes)
    }

    /// Whether `id` is a configured masternode.
    pub fn is_masternode(&self, id: &NodeId) -> bool {
        self.masternodes.binary_search(id).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ids(bytes: &[u8]) -> Vec<NodeId> {
        let mut v: Vec<NodeId> = bytes.iter().map(|b| NodeId([*b; 32])).collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn empty_set_has_no_proposer() {
        assert_eq!(proposer(5, 0, &[]), None);
    }

    #[test]
    fn rounds_fall_over_to_the_next_id() {
        let set = ids(&[1, 2, 3, 4]);
        assert_eq!(proposer(1, 0, &set), Some(set[1]));
        assert_eq!(proposer(1, 1, &set), Some(set[2]));
        assert_eq!(proposer(1, 3, &set), Some(set[0]));
    }

    proptest! {
        #[test]
        fn proposer_is_a_member_and_deterministic(
            bytes in proptest::collection::vec(any::<u8>(), 1..12),
            height in any::<u64>(),
            round in any::<u32>(),
        ) {
            let set = ids(&bytes);
            let a = proposer(height, round, &set);
            prop_assert_eq!(a, proposer(height, round, &set.clone()));
            prop_assert!(set.contains(&a.expect("non-empty set")));
        }

        #[test]
        fn every_member_gets_a_turn_within_n_rounds(
            bytes in proptest::collection::vec(any::<u8>(), 1..12),
            height in any::<u64>(),
            start in 0u32..1_000_000,
        ) {
            let set = ids(&bytes);
            let n = set.len() as u32;
            let mut seen: Vec<NodeId> = (start..start + n)
                .filter_map(|r| proposer(height, r, &set))
                .collect();
            seen.sort();
            prop_assert_eq!(seen, set);
        }

        #[test]
        fn consecutive_heights_rotate_the_proposer(
            bytes in proptest::collection::vec(any::<u8>(), 2..12),
            height in 0u64..u64::MAX,
        ) {
            let set = ids(&bytes);
            prop_assume!(set.len() >= 2);
            prop_assert_ne!(proposer(height, 0, &set), proposer(height + 1, 0, &set));
        }
    }
}
