//! Summary of repeated timings: min, median and max, printed as one table row.

use std::fmt;
use std::time::Duration;

/// Durations of one measure over its repetitions.
#[derive(Default)]
pub(crate) struct Samples(Vec<Duration>);

impl Samples {
    pub(crate) fn push(&mut self, d: Duration) {
        self.0.push(d);
    }
}

impl fmt::Display for Samples {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted = self.0.clone();
        sorted.sort();
        let (Some(min), Some(max)) = (sorted.first(), sorted.last()) else {
            return write!(f, "{:>9} {:>9} {:>9}", "-", "-", "-");
        };
        // The lower middle for an even count: a figure that was really measured.
        let median = sorted[(sorted.len() - 1) / 2];
        write!(f, "{:>9} {:>9} {:>9}", ms(*min), ms(median), ms(*max))
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}
