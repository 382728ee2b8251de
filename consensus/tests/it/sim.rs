//! A deterministic simulation of whole networks of validators: seeded message
//! delay, loss, reordering and partitions before GST, Byzantine validators, a
//! crash and restart, and the checks that no two honest nodes decide different
//! values at one height and that every honest node decides after GST.

mod byzantine;
mod checks;
mod engine;
mod network;
mod node;
mod run;
mod scenario;
mod tests;
