//! The chaos run's report: built from what the run recorded (no hosts needed),
//! written as JSON, a short text table and an SVG timeline.
//!
//! # Layout
//! - [`model`]: the record a run fills and the report built from it.
//! - [`text`]: the table printed at the end and saved beside the JSON.
//! - [`svg`]: heights per node over time, with the faults shaded.

pub(crate) mod model;
pub(crate) mod svg;
pub(crate) mod text;
