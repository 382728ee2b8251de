//! Merging several nodes' live streams into one time-ordered stream.
//!
//! Lines from different nodes arrive interleaved by network luck, not by time.
//! Each item waits a short hold in a heap keyed by its time; an item leaves once
//! it has waited the hold, and always in key order, so a line that arrives a bit
//! late still lands in its place. Hold longer than the transport's jitter, short
//! enough to feel live.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

struct Item<T> {
    key: i64,
    seq: u64,
    arrived: Instant,
    value: T,
}

impl<T> PartialEq for Item<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.key, self.seq) == (other.key, other.seq)
    }
}
impl<T> Eq for Item<T> {}
impl<T> PartialOrd for Item<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Item<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.key, self.seq).cmp(&(other.key, other.seq))
    }
}

/// The reorder buffer. `key` is a time in microseconds; ties keep arrival order.
pub(crate) struct Reorder<T> {
    heap: BinaryHeap<Reverse<Item<T>>>,
    hold: Duration,
    seq: u64,
}

impl<T> Reorder<T> {
    pub(crate) fn new(hold: Duration) -> Self {
        Reorder {
            heap: BinaryHeap::new(),
            hold,
            seq: 0,
        }
    }

    pub(crate) fn push(&mut self, key: i64, arrived: Instant, value: T) {
        self.seq += 1;
        self.heap.push(Reverse(Item {
            key,
            seq: self.seq,
            arrived,
            value,
        }));
    }

    /// The earliest item, if it has waited its hold by `now`.
    pub(crate) fn pop_ready(&mut self, now: Instant) -> Option<T> {
        let ready = self
            .heap
            .peek()
            .is_some_and(|Reverse(i)| i.arrived + self.hold <= now);
        ready
            .then(|| self.heap.pop().map(|Reverse(i)| i.value))
            .flatten()
    }

    /// When the earliest item will be ready.
    pub(crate) fn next_ready_at(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(i)| i.arrived + self.hold)
    }

    /// Everything left, in key order (the streams have ended).
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        std::iter::from_fn(|| self.heap.pop().map(|Reverse(i)| i.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_arrival_takes_its_place() {
        let t0 = Instant::now();
        let hold = Duration::from_millis(100);
        let mut r = Reorder::new(hold);
        r.push(20, t0, "b@20");
        r.push(10, t0 + Duration::from_millis(50), "a@10 (late)");
        assert_eq!(
            r.pop_ready(t0 + Duration::from_millis(120)),
            None,
            "a@10 still holds and goes first"
        );
        assert_eq!(r.next_ready_at(), Some(t0 + Duration::from_millis(150)));
        assert_eq!(
            r.pop_ready(t0 + Duration::from_millis(150)),
            Some("a@10 (late)")
        );
        assert_eq!(r.pop_ready(t0 + Duration::from_millis(150)), Some("b@20"));
        r.push(5, t0, "x");
        r.push(5, t0, "y");
        assert_eq!(r.drain().collect::<Vec<_>>(), ["x", "y"]);
    }
}
