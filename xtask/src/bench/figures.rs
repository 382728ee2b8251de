//! Figures as the benchmarks recorded them (one JSON line each, see
//! `testkit::figures`), grouped by name, and their median and spread.

use serde::Deserialize;

/// One recorded figure: every value measured under one name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Figure {
    pub(crate) figure: String,
    pub(crate) unit: String,
    pub(crate) samples: Vec<f64>,
}

/// Median (the lower middle for an even count: a value really measured),
/// least and greatest of a figure's values; `None` without any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) count: usize,
}

/// The figures in a recording, in the order first seen; lines naming a
/// figure again add their values to it. A line that is not a figure is an
/// error naming it: a benchmark that writes garbage must not pass.
pub(crate) fn parse(recorded: &str) -> Result<Vec<Figure>, String> {
    let mut figures: Vec<Figure> = Vec::new();
    for (n, line) in recorded
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let figure: Figure = serde_json::from_str(line)
            .map_err(|e| format!("recorded figure on line {}: {e}: {line}", n + 1))?;
        pool(&mut figures, figure);
    }
    Ok(figures)
}

/// Adds `figure` to `figures`: its values to the figure of its name, or as a
/// new figure at the end.
pub(crate) fn pool(figures: &mut Vec<Figure>, figure: Figure) {
    match figures.iter_mut().find(|f| f.figure == figure.figure) {
        Some(seen) => seen.samples.extend(figure.samples),
        None => figures.push(figure),
    }
}

impl Figure {
    pub(crate) fn summary(&self) -> Option<Summary> {
        let mut sorted: Vec<f64> = self
            .samples
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            median: sorted[(sorted.len().checked_sub(1)?) / 2],
            min: *sorted.first()?,
            max: *sorted.last()?,
            count: sorted.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_pool_their_values_in_first_seen_order() {
        let figures = parse(
            "{\"figure\":\"b\",\"unit\":\"ms\",\"samples\":[3]}\n\
             {\"figure\":\"a\",\"unit\":\"s\",\"samples\":[]}\n\n\
             {\"figure\":\"b\",\"unit\":\"ms\",\"samples\":[1,2]}\n",
        )
        .unwrap();
        let names: Vec<&str> = figures.iter().map(|f| f.figure.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(figures[0].samples, [3.0, 1.0, 2.0]);
    }

    #[test]
    fn garbage_is_an_error_naming_the_line() {
        let err =
            parse("{\"figure\":\"a\",\"unit\":\"s\",\"samples\":[1]}\nmesh 4 ok\n").unwrap_err();
        assert!(err.contains("line 2") && err.contains("mesh 4 ok"), "{err}");
    }

    #[test]
    fn the_median_is_a_measured_value_and_nan_is_left_out() {
        let f = |samples: &[f64]| Figure {
            figure: "x".into(),
            unit: "ms".into(),
            samples: samples.to_vec(),
        };
        let s = f(&[4.0, 1.0, f64::NAN, 3.0, 2.0]).summary().unwrap();
        assert_eq!((s.median, s.min, s.max, s.count), (2.0, 1.0, 4.0, 4));
        assert_eq!(f(&[5.0]).summary().unwrap().median, 5.0);
        assert_eq!(f(&[]).summary(), None);
        assert_eq!(f(&[f64::NAN]).summary(), None);
    }
}
