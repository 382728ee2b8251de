//! Figures a benchmark measured, in a form `cargo xtask bench` reads back.
//!
//! A benchmark prints its tables for people; each figure it also hands to
//! [`record`]. Run with [`FIGURES_ENV`] naming a file, every call appends one
//! JSON line to it (`{"figure":..,"unit":..,"samples":[..]}`); run without it,
//! recording does nothing. So the report is written from the numbers the
//! benchmark measured, never from its printed text.

use std::io::Write;

/// The variable naming the file that recorded figures are appended to.
pub const FIGURES_ENV: &str = "TIMECOIN_BENCH_FIGURES";

/// Records one figure: its stable name (`mesh.full_mesh.n64`: the key the
/// report's goals are looked up by), its unit and every repetition's value.
///
/// # Panics
/// When the variable names a file that cannot be appended to: a benchmark run
/// by the report must not lose its figures silently.
pub fn record(figure: &str, unit: &str, samples: &[f64]) {
    let Some(path) = std::env::var_os(FIGURES_ENV) else {
        return;
    };
    let line = serde_json::json!({ "figure": figure, "unit": unit, "samples": samples });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{FIGURES_ENV}={}: {e}", path.to_string_lossy()));
    writeln!(file, "{line}")
        .unwrap_or_else(|e| panic!("{FIGURES_ENV}={}: {e}", path.to_string_lossy()));
}
