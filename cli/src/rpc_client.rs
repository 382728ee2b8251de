//! A node's HTTP RPC, reached through a port forward over its transport
//! (`rpc = "tunnel"`, the RPC stays on the node's loopback) or a direct URL,
//! with the fleet file's Basic auth and certificate trust. It knows HTTP and
//! JSON, not what the paths mean: that is the daemon API's business
//! (`crate::probe`).
//!
//! # Layout
//! - `client`: [`RpcClient`], requests and their answers.
//! - `cookie`: reading the daemon's cookie file on the node.
//! - `error`: [`RpcError`], why a call failed.
//! - `settings`: why the fleet file's RPC settings cannot be used.
//! - `tls`: pinned and trust-on-first-use certificates.

mod client;
mod cookie;
mod error;
mod settings;
mod tls;

pub(crate) use client::RpcClient;
pub use error::RpcError;
