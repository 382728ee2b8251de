//! `cargo xtask bench`: every benchmark the project has, run one after another
//! on this machine, and `docs/PERFORMANCE.md` written from what they measured.
//!
//! Each benchmark is an example binary that prints its tables for people and
//! hands every figure to `testkit::figures::record`; this task points them at
//! one file (`TIMECOIN_BENCH_FIGURES`), reads the figures back, and sets each
//! beside its goal from the issues. Figures compared with another tool (grep,
//! Ansible, plain ssh) are measured by one benchmark in one invocation, paired
//! run by run, so their ratio holds on a noisy machine.
//!
//! `--smoke` runs each benchmark at its smallest size once, on the debug build
//! the tests already made, and writes no report: `.ci/run` does this so that a
//! change that breaks a benchmark fails CI instead of rotting unnoticed.
//!
//! # Layout
//! - [`args`]: the command line.
//! - [`suite`]: the benchmarks, their full and smoke command lines.
//! - [`goals`]: each figure's goal and the issue it comes from (pure).
//! - [`figures`]: reading recorded figures, median and spread (pure).
//! - [`report`]: the Markdown report (pure).
//! - [`run`]: building, running and timing the benchmarks.

mod args;
mod figures;
mod goals;
mod report;
mod run;
mod suite;

pub(crate) use args::main;
