//! Issue 13's mempool and RPC limits, each exceeded against a real `timed`:
//! - a mempool flood over RPC stays within the configured bytes, gets a 503 that
//!   says the pool is full, and resident memory does not follow the flood;
//! - a flood of gossiped transactions from linked peers (the wire-protocol client
//!   of `adversary/liar.rs`) stays within the bytes and the per-peer rate, and no
//!   transaction is sent back to the peer it came from;
//! - half-sent HTTP headers are closed after the header timeout while `/health`
//!   keeps answering; connections over the limit cost the daemon no descriptor;
//! - an oversized `Content-Length` gets a 413 before any body is sent, a body
//!   that never ends a 408, `/blocks/+1` a 400, `POST /tx` without a JSON content
//!   type a 415;
//! - the token is taken from a file or the environment, and is not in the argv.
//!
//! The floods are in `hostile_rpc/mempool.rs`, the HTTP limits in
//! `hostile_rpc/http.rs`; the helpers they share are here.

mod http;
mod mempool;

use std::time::Duration;

use testkit::wait::within;

use crate::support::{NetworkDef, Node, network_specs};

/// Generous bound for anything that should take a second or two on a busy box.
const WITHIN: Duration = Duration::from_secs(30);

/// A masternode that never produces (its network needs two and only it runs),
/// so nothing leaves its mempool, started with `args`.
fn lone_node(args: &[&str]) -> Node {
    let mut specs = network_specs(
        2,
        NetworkDef {
            min_masternodes: 2,
            block_interval: "1s",
        },
    );
    let mut spec = specs.swap_remove(0);
    spec.peers.clear();
    spec.args.extend(args.iter().map(|a| (*a).to_owned()));
    Node::start(spec)
}

async fn rpc_up(node: &Node) {
    assert!(
        within(WITHIN, || async { node.consensus().await.is_some() })
            .await
            .is_some(),
        "rpc up:\n{}",
        node.log()
    );
}

/// One sample of `GET /metrics`.
async fn metric(node: &Node, name: &str) -> Option<f64> {
    let (_, text) = node.get_raw("/metrics").await?;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}
/// Reads one line of the process's `/proc` status, like `VmRSS:`.
fn proc_status(node: &Node, key: &str) -> Option<String> {
    let pid = node.pid().expect("running");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim().to_owned())
}
