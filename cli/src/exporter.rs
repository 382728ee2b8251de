//! The engine of `timectl exporter`: judges the checklist over back-to-back
//! windows with the `check` engine, through the process's one connection pool,
//! and serves the last evaluation as Prometheus metrics. What only the fleet
//! view knows (heights agree, one link per pair, same commit, same chain)
//! becomes something Prometheus can alert on. It reports through typed
//! [`Event`]s and never prints; `cmd/exporter.rs` chooses what to show.
//!
//! # Layout
//! - `run`: the evaluation loop (one evaluation at a time) and the HTTP server
//!   beside it.
//! - `metrics`: what the metrics are: an evaluation into metric families. New
//!   families (a node's lock, a deploy in progress) go beside the others there.
//! - `exposition`: the text format itself: families, samples, escaping.
//! - `serve`: `GET /metrics`, answered from the last rendering without waiting.

mod exposition;
mod metrics;
mod run;
mod serve;

pub(crate) use run::{Event, Options, run};
