//! Renderers of a checklist [`Report`](timecoin_shared::checklist::Report) for
//! the readers of `timectl check`: people at a terminal, scripts (JSON), CI
//! systems (JUnit XML) and Nagios-style monitoring (one plugin line). Each
//! writes into any `io::Write`, so one run can fill stdout and report files.
//!
//! # Layout
//! - [`text`]: a checklist with a glyph and a word per status, colour optional.
//! - [`json`]: the Contracts shape `{"verdict", "items": [...]}`.
//! - [`junit`]: one testsuite, one testcase per item.
//! - [`nagios`]: `TIMECTL STATE - summary | perfdata`.

pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod nagios;
pub(crate) mod text;
