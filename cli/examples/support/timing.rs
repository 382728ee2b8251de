//! How the fleet benchmarks time a command and sum up repeated timings.

use std::time::Duration;

/// Median, min and max of some timings (zero for none).
pub(crate) fn summary(runs: &[Duration]) -> (Duration, Duration, Duration) {
    let mut sorted = runs.to_vec();
    sorted.sort();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
    let min = sorted.first().copied().unwrap_or_default();
    let max = sorted.last().copied().unwrap_or_default();
    (median, min, max)
}

/// Milliseconds, as the figures are recorded.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
