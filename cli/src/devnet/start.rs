//! Starting a devnet's daemons: the loopback addresses they listen on, and
//! waiting until a started daemon answers (or saying why it never will).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::time::Instant;

use super::error::DevnetError;
use super::process;
use super::state::DevnetNode;
use crate::constants::{DEVNET_START_TIMEOUT, POLL_INTERVAL, RPC_TIMEOUT};

/// Lines of a daemon's log quoted when it failed to start.
const LOG_TAIL: usize = 10;

/// P2P and RPC addresses for `n` nodes: a random /24 inside 127.0.0.0/8 (all
/// of it is loopback on Linux), node i at `.i+1`, each port picked by the
/// kernel. Random addresses keep concurrent devnets and tests from colliding.
///
/// # Errors
/// More nodes than a /24 holds, or a port could not be bound.
pub(crate) fn pick_addresses(n: usize) -> Result<Vec<(SocketAddr, SocketAddr)>, DevnetError> {
    let last = u8::try_from(n).map_err(|_| DevnetError::TooManyNodes(n))?;
    let (a, b) = (fastrand::u8(100..=254), fastrand::u8(..));
    // Hold every probe socket until all are chosen, so no two nodes get one port.
    let mut held = Vec::with_capacity(2 * n);
    let mut addresses = Vec::with_capacity(n);
    for host in 1..=last {
        let ip = IpAddr::V4(Ipv4Addr::new(127, a, b, host));
        let mut port = || -> Result<SocketAddr, DevnetError> {
            let bound =
                TcpListener::bind((ip, 0)).map_err(|source| DevnetError::Bind { ip, source })?;
            let addr = bound
                .local_addr()
                .map_err(|source| DevnetError::Bind { ip, source })?;
            held.push(bound);
            Ok(addr)
        };
        addresses.push((port()?, port()?));
    }
    Ok(addresses)
}

/// Waits until the node's RPC answers `/health`, or its process died, or the
/// start timeout passed.
///
/// # Errors
/// The daemon exited or never answered; the error quotes its log's last lines.
pub(crate) async fn wait_healthy(node: &DevnetNode) -> Result<(), DevnetError> {
    let client = reqwest::Client::builder()
        .timeout(RPC_TIMEOUT)
        .no_proxy()
        .build()
        .map_err(|e| DevnetError::HttpClient(e.to_string()))?;
    let url = format!("http://{}/health", node.rpc);
    let end = Instant::now() + DEVNET_START_TIMEOUT;
    loop {
        if !process::is_running(node.process()) {
            return Err(DevnetError::Exited {
                node: node.name.clone(),
                log: node.log.clone(),
                tail: log_tail(&node.log).await,
            });
        }
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() >= end {
            return Err(DevnetError::NoAnswer {
                node: node.name.clone(),
                url,
                secs: DEVNET_START_TIMEOUT.as_secs(),
                log: node.log.clone(),
                tail: log_tail(&node.log).await,
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The last [`LOG_TAIL`] lines of the log at `path` (empty when unreadable).
async fn log_tail(path: &Path) -> String {
    let text = tokio::fs::read_to_string(path).await.unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL)..].join("\n")
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_node_gets_its_own_loopback_address_and_ports() {
        let addresses = pick_addresses(5).expect("ports on loopback");
        assert_eq!(addresses.len(), 5);
        let ips: HashSet<IpAddr> = addresses.iter().map(|(p2p, _)| p2p.ip()).collect();
        assert_eq!(ips.len(), 5, "one address per node");
        for (p2p, rpc) in &addresses {
            assert!(p2p.ip().is_loopback());
            assert_eq!(p2p.ip(), rpc.ip());
            assert_ne!(p2p.port(), rpc.port());
        }
    }

    #[test]
    fn more_nodes_than_a_slash_24_holds_is_bad_input() {
        let err = pick_addresses(256).expect_err("256 nodes");
        assert!(err.is_bad_input(), "{err}");
    }
}
