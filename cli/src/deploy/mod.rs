//! `timectl deploy` and `timectl rollback`: the engine. It emits typed events and
//! never prints, so a progress bar, plain lines and a JSON stream render one run.
//!
//! # Layout
//! - [`link`]: a node with its open connection (the seam to the transports).

pub mod link;
