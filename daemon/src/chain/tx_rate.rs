//! The per-peer budget for gossiped transactions: a token bucket in bytes per
//! peer, so one peer cannot push transactions into every node's mempool at wire
//! speed. Transactions over budget are dropped (and counted); the sender is not
//! disconnected, since an honest relay may briefly exceed it.

use std::collections::HashMap;
use std::time::Instant;

use timecoin_shared::wire::NodeId;

use super::limits::MAX_RATED_PEERS;

/// One bucket per peer: `rate` bytes per second, up to `burst` saved up.
#[derive(Debug)]
pub(super) struct TxRate {
    rate: u64,
    burst: u64,
    buckets: HashMap<NodeId, Bucket>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl TxRate {
    pub(super) fn new(rate: u64, burst: u64) -> TxRate {
        TxRate {
            rate,
            burst,
            buckets: HashMap::new(),
        }
    }

    /// Takes `bytes` from `peer`'s budget at `now`; `false` (and nothing taken)
    /// when the budget does not hold them.
    pub(super) fn allow(&mut self, peer: NodeId, bytes: usize, now: Instant) -> bool {
        if self.buckets.len() >= MAX_RATED_PEERS && !self.buckets.contains_key(&peer) {
            // Correctness: bounded memory; starting over only refills budgets.
            self.buckets.clear();
        }
        let burst = self.burst as f64;
        let bucket = self.buckets.entry(peer).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate as f64).min(burst);
        bucket.at = now;
        let cost = bytes as f64;
        if cost > bucket.tokens {
            return false;
        }
        bucket.tokens -= cost;
        true
    }

    /// Forgets a peer whose link ended.
    pub(super) fn forget(&mut self, peer: &NodeId) {
        self.buckets.remove(peer);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_then_the_rate_per_peer() {
        let mut rate = TxRate::new(1000, 5000);
        let (a, b) = (NodeId([1; 32]), NodeId([2; 32]));
        let t0 = Instant::now();
        assert!(rate.allow(a, 5000, t0), "the burst");
        assert!(!rate.allow(a, 1, t0), "nothing left");
        assert!(rate.allow(b, 5000, t0), "another peer has its own budget");
        let t1 = t0 + Duration::from_secs(2);
        assert!(rate.allow(a, 2000, t1), "two seconds at 1000 B/s");
        assert!(!rate.allow(a, 100, t1));
        let later = t1 + Duration::from_secs(3600);
        assert!(!rate.allow(a, 5001, later), "never more than the burst");
        rate.forget(&a);
        assert!(
            rate.allow(a, 5000, t1),
            "a new link starts with a full bucket"
        );
    }
}
