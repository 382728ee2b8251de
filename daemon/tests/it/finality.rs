//! The attacks of issue 21 on finality and production, each against real
//! `timed` processes on loopback by a client that speaks the wire protocol and
//! lies (`adversary/liar.rs`):
//! - `heights`: strangers announcing a height of 2^64-1 to every node, answering
//!   every request for blocks with nothing, never stop production;
//! - `uncertified`: a node started on an empty data dir, offered a branch of
//!   valid blocks signed by one masternode's key in its own rounds, never
//!   counts any of them final, and takes the masternodes' certified chain;
//! - `crowding`: three stranger links flooding tiny frames at one masternode
//!   never make it miss the honest blocks;
//! - `equivocation`: two conflicting votes signed by one masternode's key are
//!   kept as evidence, logged and counted, and finality goes on;
//! - `forged_batch`: a stranger that sends final blocks whose certificates
//!   do not hold loses its link, and the close is counted;
//! - `ghosts`: short-lived stranger links announcing 2^64-1 while another
//!   floods, done to each node in turn, leave no peer state behind their links;
//! - `restart`: a masternode killed at any moment and restarted resumes from
//!   its persisted record and is never caught equivocating.

mod crowding;
mod equivocation;
mod forged_batch;
mod ghosts;
mod heights;
mod restart;
mod uncertified;
