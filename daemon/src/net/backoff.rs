//! Retry delays after genuine dial failures: exponential, capped low, with jitter so
//! nodes that failed together do not retry in lockstep. The jitter comes from a
//! seeded RNG so a simulated run is reproducible.

use std::time::Duration;

/// Exponential backoff state for one peer address.
#[derive(Debug)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    failures: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    /// Delays start near `initial` and never exceed `max`.
    pub(crate) fn new(initial: Duration, max: Duration, rng: fastrand::Rng) -> Self {
        Backoff {
            initial,
            max: max.max(initial),
            failures: 0,
            rng,
        }
    }

    /// Records a failure and returns how long to wait before the next attempt: a
    /// uniform pick in `[d/2, d]` where `d = min(max, initial * 2^failures)`.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let exp = self.failures.min(20);
        self.failures = self.failures.saturating_add(1);
        self.jittered(self.initial.saturating_mul(1u32 << exp).min(self.max))
    }

    /// A uniform pick in `[ceiling/2, ceiling]` from this peer's generator, for
    /// any wait that two nodes must not end in lockstep.
    pub(crate) fn jittered(&mut self, ceiling: Duration) -> Duration {
        let half = ceiling / 2;
        let span = u64::try_from((ceiling - half).as_micros()).unwrap_or(u64::MAX);
        half + Duration::from_micros(self.rng.u64(0..=span))
    }

    /// Failures since the last success: the `attempt` number in log lines.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    /// A success: the next failure starts from `initial` again.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INITIAL: Duration = Duration::from_millis(100);
    const MAX: Duration = Duration::from_secs(2);

    fn backoff(seed: u64) -> Backoff {
        Backoff::new(INITIAL, MAX, fastrand::Rng::with_seed(seed))
    }

    #[test]
    fn grows_then_caps_within_jitter_bounds() {
        for seed in 0..50 {
            let mut b = backoff(seed);
            for n in 0..30u32 {
                let ceiling = INITIAL.saturating_mul(1 << n.min(20)).min(MAX);
                let d = b.next_delay();
                assert!(d >= ceiling / 2 && d <= ceiling, "seed {seed} n {n}: {d:?}");
                assert!(d <= MAX);
            }
        }
    }

    #[test]
    fn jittered_stays_within_half_and_whole_and_spreads() {
        let ceiling = Duration::from_millis(400);
        let mut b = backoff(3);
        let picks: std::collections::HashSet<_> = (0..50).map(|_| b.jittered(ceiling)).collect();
        assert!(picks.iter().all(|d| *d >= ceiling / 2 && *d <= ceiling));
        assert!(picks.len() > 1);
        assert_eq!(b.failures(), 0, "a jittered wait is not a failure");
    }

    #[test]
    fn reset_starts_over() {
        let mut b = backoff(1);
        for _ in 0..10 {
            b.next_delay();
        }
        assert_eq!(b.failures(), 10);
        b.reset();
        assert_eq!(b.failures(), 0);
        assert!(b.next_delay() <= INITIAL);
    }

    #[test]
    fn same_seed_same_delays() {
        let a: Vec<_> = (0..10)
            .scan(backoff(7), |b, _| Some(b.next_delay()))
            .collect();
        let b: Vec<_> = (0..10)
            .scan(backoff(7), |b, _| Some(b.next_delay()))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn jitter_spreads_delays() {
        let firsts: std::collections::HashSet<_> =
            (0..20).map(|seed| backoff(seed).next_delay()).collect();
        assert!(
            firsts.len() > 1,
            "different seeds must not retry in lockstep"
        );
    }
}
