//! `timed`, the Timecoin masternode daemon, as a library so tests, benches and
//! simulations can run nodes in-process.
//!
//! # Layout
//! - [`chain`]: blocks, their production, validation, storage and sync.
//! - [`chain_link`]: runs the chain on the P2P layer inside the node.
//! - [`config`]: flags and the TOML file, validated into one `Config`.
//! - [`constants`]: every timeout and limit, with why.
//! - [`definition`]: the network file every node shares: name, masternode keys,
//!   `min_masternodes`, block interval, genesis; its hash is in every handshake.
//! - [`identity`]: the node's ed25519 key and id.
//! - [`net`]: peer connections: framing, handshake, the connection manager and its
//!   collision rule, dialing with backoff; [`net::start`] is the entry point.
//! - [`rpc`]: the HTTP RPC.
//! - [`node`]: wires everything for the binary and owns shutdown.
//! - [`version`]: version and git commit of the build.

pub mod chain;
pub mod chain_link;
pub mod config;
pub mod constants;
pub mod definition;
pub mod identity;
pub mod net;
pub mod node;
pub mod rpc;
pub mod version;
