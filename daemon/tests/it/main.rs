//! `timed`'s integration tests, one binary (linked once, not once per file), a
//! module per area: real `timed` processes on loopback (`support`), the P2P layer
//! and the chain in-process, and the deterministic simulations.
//!
//! The daemon's internals they drive come from `timed::testing`, which only the
//! crate's own tests enable (the `testing` feature).

mod support;

mod adversary;
mod api;
mod bad_input;
mod bounds;
mod chain_blocks;
mod chain_process;
mod chain_rounds;
mod chain_sim;
mod cli;
mod collision;
mod finality;
mod hostile_frames;
mod hostile_net;
mod hostile_rpc;
mod mesh;
mod relay;
mod restart;
mod rpc;
mod sim;
