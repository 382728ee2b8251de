//! Who may produce the block at a given height and round, and when a round is.
//!
//! The leader is a pure function of `(height, round)` over the masternodes of the
//! network definition, so every node names the same leader with no message
//! exchanged, and no block or peer can change who that is. Round 0 of a height
//! belongs to one leader; each round that passes without a block moves the turn
//! to the next id, so a silent or dead leader costs one interval, not the chain.
//!
//! Rounds are slots of the block interval counted from the parent block's
//! timestamp (the genesis time for the first block): round `r` of a height is
//! `[parent + (r+1)*interval, parent + (r+2)*interval)`. Every node derives the
//! same slots from the same parent, so one block is made per interval however the
//! nodes' timers are phased, and a block's round must match its timestamp.

use std::time::Duration;

use timecoin_shared::wire::NodeId;

/// The leader of `(height, round)` over `masternodes`, which must be sorted and
/// free of duplicates; `None` for an empty set.
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

/// The network definition's part in block production: who, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Sorted, unique masternode ids of the network definition.
    pub masternodes: Vec<NodeId>,
    /// The block interval in milliseconds (at least 1).
    pub interval_ms: u64,
    /// The time the first block's rounds count from.
    pub genesis_ms: u64,
}

impl Schedule {
    /// A schedule over `masternodes` (sorted here) with `interval` and genesis.
    pub fn new(mut masternodes: Vec<NodeId>, interval: Duration, genesis_ms: u64) -> Self {
        masternodes.sort();
        masternodes.dedup();
        Schedule {
            masternodes,
            interval_ms: u64::try_from(interval.as_millis())
                .unwrap_or(u64::MAX)
                .max(1),
            genesis_ms,
        }
    }

    /// The leader of `(height, round)`.
    pub fn leader(&self, height: u64, round: u32) -> Option<NodeId> {
        leader(height, round, &self.masternodes)
    }

    /// Whether `id` is a configured masternode.
    pub fn is_masternode(&self, id: &NodeId) -> bool {
        self.masternodes.binary_search(id).is_ok()
    }

    /// The round a block on a parent stamped `base_ms` made at `now_ms` belongs to;
    /// `None` before the first round has begun.
    pub fn round_at(&self, base_ms: u64, now_ms: u64) -> Option<u32> {
        let slots = now_ms.checked_sub(base_ms)? / self.interval_ms;
        let round = slots.checked_sub(1)?;
        Some(u32::try_from(round).unwrap_or(u32::MAX))
    }

    /// When the next round after `now_ms` begins, for a parent stamped `base_ms`.
    pub fn next_round_start(&self, base_ms: u64, now_ms: u64) -> u64 {
        let first = base_ms.saturating_add(self.interval_ms);
        if now_ms < first {
            return first;
        }
        let slots = (now_ms - base_ms) / self.interval_ms + 1;
        base_ms.saturating_add(slots.saturating_mul(self.interval_ms))
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
    fn rounds_are_slots_of_the_interval_after_the_parent() {
        let s = Schedule::new(ids(&[1, 2]), Duration::from_secs(1), 0);
        assert_eq!(s.round_at(10_000, 10_999), None);
        assert_eq!(s.round_at(10_000, 11_000), Some(0));
        assert_eq!(s.round_at(10_000, 11_999), Some(0));
        assert_eq!(s.round_at(10_000, 12_000), Some(1));
        assert_eq!(s.round_at(10_000, 9_000), None);
        assert_eq!(s.next_round_start(10_000, 10_500), 11_000);
        assert_eq!(s.next_round_start(10_000, 11_000), 12_000);
        assert_eq!(s.next_round_start(10_000, 12_345), 13_000);
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
