//! Who may produce the block at a given height and round.
//!
//! A pure function of `(height, round, sorted masternode ids)`, so every node that
//! sees the same set names the same leader with no message exchanged. Round 0 of a
//! height belongs to one leader; each round that passes without a block moves the
//! turn to the next id, so a silent or dead leader costs one round, not the chain.

use timecoin_shared::wire::NodeId;

/// The leader of `(height, round)` over `masternodes`, which must be sorted and
/// free of duplicates (see [`is_sorted_set`]); `None` for an empty set.
///
/// Rotating by height spreads production over every masternode; adding the round
/// makes the failover order the same ring, so within `n` rounds every masternode
/// gets a turn.
pub fn leader(height: u64, round: u32, masternodes: &[NodeId]) -> Option<NodeId> {
    let n = masternodes.len() as u64;
    if n == 0 {
        return None;
    }
    let index = (height % n + u64::from(round) % n) % n;
    masternodes.get(index as usize).copied()
}

/// Whether `ids` is strictly ascending: the only form [`leader`] accepts, and the
/// form a block must carry its masternode set in.
pub fn is_sorted_set(ids: &[NodeId]) -> bool {
    ids.windows(2).all(|w| w[0] < w[1])
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
    fn empty_set_has_no_leader() {
        assert_eq!(leader(5, 0, &[]), None);
    }

    #[test]
    fn rounds_fall_over_to_the_next_id() {
        let set = ids(&[1, 2, 3, 4]);
        assert_eq!(leader(1, 0, &set), Some(set[1]));
        assert_eq!(leader(1, 1, &set), Some(set[2]));
        assert_eq!(leader(1, 3, &set), Some(set[0]));
    }

    proptest! {
        #[test]
        fn leader_is_a_member_and_deterministic(
            bytes in proptest::collection::vec(any::<u8>(), 1..12),
            height in any::<u64>(),
            round in any::<u32>(),
        ) {
            let set = ids(&bytes);
            let a = leader(height, round, &set);
            prop_assert_eq!(a, leader(height, round, &set.clone()));
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
                .filter_map(|r| leader(height, r, &set))
                .collect();
            seen.sort();
            prop_assert_eq!(seen, set);
        }

        #[test]
        fn consecutive_heights_rotate_the_leader(
            bytes in proptest::collection::vec(any::<u8>(), 2..12),
            height in 0u64..u64::MAX,
        ) {
            let set = ids(&bytes);
            prop_assume!(set.len() >= 2);
            prop_assert_ne!(leader(height, 0, &set), leader(height + 1, 0, &set));
        }
    }
}
