//! `timed`, the Timecoin masternode daemon, as a library: the binary is a thin
//! shell over [`run`]. The modules are private; what is public is the chosen
//! list below (what `main.rs` needs to start a node or make its key). The seams
//! the integration tests drive sit in `testing`, behind the `testing` feature,
//! and the fuzz targets' harnesses in `fuzzing`, behind `fuzzing`, so the
//! compiler's `unreachable_pub` and dead-code lints speak for the rest.
//!
//! # Layout
//! - `chain`: blocks, their production, validation, storage and sync.
//! - `chain_link`: runs the chain on the P2P layer inside the node.
//! - `config`: flags and the TOML file, validated into one `Config`.
//! - `consensus`: the engine that makes blocks final by a quorum's certificate.
//! - `constants`: every timeout and limit, with why.
//! - `definition`: the network file every node shares: name, masternode keys,
//!   `min_masternodes`, block interval, genesis; its hash is in every handshake.
//! - `escape`: peer-supplied strings made safe for a log line.
//! - `identity`: the node's ed25519 key and id.
//! - `net`: peer connections: framing, handshake, the connection manager and its
//!   collision rule, dialing with backoff; `net::start` is the entry point.
//! - `rpc`: the HTTP RPC.
//! - `node`: wires everything for the binary and owns shutdown.
//! - `version`: version and git commit of the build.
//! - `wire`: the messages peers exchange, decoded straight into typed payloads.

// Correctness: the seams `testing` re-exports from these three are `pub`; without
// that feature nothing reaches them from outside, so `unreachable_pub` is off
// there in the shipped build. Dead code never is: the few items only tests use
// (`Store::in_memory`, say) exist only under `cfg(test)` or the `testing`
// feature, so `cargo build -p timed` reports anything else nothing calls.
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod chain;
mod chain_link;
mod config;
mod consensus;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod constants;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod definition;
mod escape;
mod identity;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod net;
mod node;
mod rpc;
mod version;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
mod wire;

#[cfg(feature = "fuzzing")]
pub mod fuzzing;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::{Args, Command, Config, ConfigError, PeerAddr};
pub use constants::DEFAULT_DATA_DIR;
pub use identity::{Identity, IdentityError};
pub use node::{NodeError, run};
