//! The monitoring checklist as pure functions: facts collected over a window in,
//! one verdict per item out. `timectl check` and the dashboard run the same rules.
//! Missing data is [`Status::Unknown`], never [`Status::Pass`].
//!
//! # Layout
//! - [`verdict`]: statuses, item verdicts and the whole report.

mod verdict;

pub use verdict::{ItemVerdict, Report, Status};
