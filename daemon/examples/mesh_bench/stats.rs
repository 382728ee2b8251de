//! Summary of repeated measures (timings, counts): min, median and max, printed
//! as one table row, and every value recorded for the report.

use std::fmt;
use std::time::Duration;

/// Values of one measure over its repetitions.
pub(crate) struct Samples<T>(Vec<T>);

impl<T> Default for Samples<T> {
    fn default() -> Self {
        Samples(Vec::new())
    }
}

impl<T: Copy + Ord> Samples<T> {
    pub(crate) fn push(&mut self, value: T) {
        self.0.push(value);
    }

    /// Min, median and max; the lower middle for an even count, so the median is
    /// a figure that was really measured.
    fn summary(&self) -> Option<[T; 3]> {
        let mut sorted = self.0.clone();
        sorted.sort();
        Some([
            *sorted.first()?,
            sorted[(sorted.len() - 1) / 2],
            *sorted.last()?,
        ])
    }

    fn write_with(&self, f: &mut fmt::Formatter<'_>, show: impl Fn(T) -> String) -> fmt::Result {
        match self.summary() {
            Some([min, median, max]) => {
                write!(f, "{:>9} {:>9} {:>9}", show(min), show(median), show(max))
            }
            None => write!(f, "{:>9} {:>9} {:>9}", "-", "-", "-"),
        }
    }
}

impl Samples<Duration> {
    /// Hands every repetition to `cargo xtask bench`'s report, in ms.
    pub(crate) fn record(&self, figure: &str) {
        let ms: Vec<f64> = self.0.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        testkit::figures::record(figure, "ms", &ms);
    }
}

impl Samples<u64> {
    /// Hands every repetition to `cargo xtask bench`'s report.
    pub(crate) fn record(&self, figure: &str) {
        let counts: Vec<f64> = self.0.iter().map(|&n| n as f64).collect();
        testkit::figures::record(figure, "count", &counts);
    }
}

impl fmt::Display for Samples<Duration> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_with(f, |d| format!("{:.0} ms", d.as_secs_f64() * 1000.0))
    }
}

impl fmt::Display for Samples<u64> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_with(f, |n| n.to_string())
    }
}
