//! Wires one daemon: identity, P2P listener and dialers, RPC server; owns shutdown.
//! SIGTERM or Ctrl-C cancels the token, every peer is told `shutting_down`, and the
//! process waits (bounded) for the tasks to finish.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::chain_link;
use crate::config::Config;
use crate::constants::{RPC_LISTEN_BACKLOG, RPC_MAX_CONNECTIONS_PER_IP, SHUTDOWN_GRACE};
use crate::identity::{Identity, IdentityError};
use crate::net::{self, NetSettings, TcpAcceptor, TcpDialer};
use crate::rpc::{self, RpcState};
use crate::version;

/// Why the node could not run.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("cannot listen for peers on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot serve RPC on {addr}: {source}")]
    Rpc {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot install signal handler: {0}")]
    Signal(std::io::Error),
    #[error(transparent)]
    Chain(#[from] crate::chain::StoreError),
}

/// The P2P settings a config implies. Seeds and the session start come from the
/// wall clock here (the only place), so sessions rise across restarts.
pub(crate) fn net_settings(config: &Config, listen_port: u16) -> NetSettings {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(1);
    NetSettings {
        peers: config.peers.iter().map(|p| p.addr).collect(),
        expected_ids: config
            .peers
            .iter()
            .filter_map(|p| Some((p.addr, p.id?)))
            .collect(),
        masternode: config.masternode,
        handshake_timeout: config.handshake_timeout,
        ping_interval: config.ping_interval,
        ping_timeout: config.ping_timeout,
        backoff_initial: config.backoff_initial,
        backoff_max: config.backoff_max,
        max_inbound: config.max_inbound,
        reserved_inbound: config.reserved_inbound,
        max_inbound_per_ip: config.max_inbound_per_ip,
        idle_timeout: config.idle_timeout,
        rng_seed: micros ^ u64::from(std::process::id()).rotate_left(32),
        session_start: micros,
        ..NetSettings::for_definition(&config.definition, listen_port)
    }
}

/// Runs the node until SIGTERM or Ctrl-C.
///
/// # Errors
/// When the identity cannot be loaded or a socket cannot be bound.
pub async fn run(config: Config) -> Result<(), NodeError> {
    let identity = Identity::load_or_create(&config.data_dir)?;
    let p2p = TcpListener::bind(config.listen)
        .await
        .map_err(|source| NodeError::Listen {
            addr: config.listen,
            source,
        })?;
    let rpc_listener =
        timecoin_http::bind(config.rpc_bind, RPC_LISTEN_BACKLOG).map_err(|source| {
            NodeError::Rpc {
                addr: config.rpc_bind,
                source,
            }
        })?;
    let listen_port = p2p
        .local_addr()
        .map(|a| a.port())
        .unwrap_or(config.listen.port());
    let listed = config.definition.is_masternode(&identity.node_id());
    info!(node_id = %identity.node_id(), version = version::VERSION, commit = version::COMMIT,
        network = %config.network, network_hash = %config.definition.hash_hex(),
        listen = %config.listen, rpc = %config.rpc_bind,
        masternode = config.masternode, listed, "Starting timed");
    if config.masternode && !listed {
        warn!(node_id = %identity.node_id(), reason = "not_in_network_definition",
            "This node's id {} is not in the network definition: it is not counted as a masternode and never produces",
            identity.node_id());
    }

    let shutdown = CancellationToken::new();
    let settings = net_settings(&config, listen_port);
    let (net, events) = net::start(
        settings,
        &identity,
        TcpAcceptor(p2p),
        TcpDialer::from_listen(config.listen),
        shutdown.clone(),
    );
    let chain_tasks = TaskTracker::new();
    let chain = chain_link::start(
        &config,
        &identity,
        net.clone(),
        events,
        &chain_tasks,
        shutdown.clone(),
    )?;
    chain_tasks.close();
    let state = Arc::new(RpcState {
        net: net.clone(),
        min_masternodes: config.min_masternodes,
        in_network_definition: listed,
        started: Instant::now(),
        token: config.rpc_token.clone(),
        request_timeout: config.rpc_request_timeout,
        chain,
    });
    let limits = timecoin_http::Limits {
        header_timeout: config.rpc_header_timeout,
        write_timeout: config.rpc_request_timeout,
        max_connections: config.rpc_max_connections,
        max_per_ip: RPC_MAX_CONNECTIONS_PER_IP.min(config.rpc_max_connections),
    };
    let rpc_task = tokio::spawn(timecoin_http::serve(
        rpc_listener,
        rpc::router(state),
        limits,
        shutdown.clone(),
    ));

    wait_for_signal().await.map_err(NodeError::Signal)?;
    info!("Shutting down");
    shutdown.cancel();
    if tokio::time::timeout(SHUTDOWN_GRACE, net.closed())
        .await
        .is_err()
    {
        warn!("Peer connections did not close within {SHUTDOWN_GRACE:?}; exiting anyway");
    }
    if tokio::time::timeout(SHUTDOWN_GRACE, chain_tasks.wait())
        .await
        .is_err()
    {
        warn!("Chain tasks did not stop within {SHUTDOWN_GRACE:?}");
    }
    match tokio::time::timeout(SHUTDOWN_GRACE, rpc_task).await {
        Ok(Ok(Err(e))) => warn!("RPC server ended with an error: {e}"),
        Err(_) => warn!("RPC server did not stop within {SHUTDOWN_GRACE:?}"),
        _ => {}
    }
    info!("Stopped");
    Ok(())
}

async fn wait_for_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        res = tokio::signal::ctrl_c() => res?,
    }
    Ok(())
}
