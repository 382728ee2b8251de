//! The `timed` command line (clap). Every flag is also a config-file key; the
//! merge with the file lives in `load.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use super::peer::PeerAddr;
use crate::version::LONG_VERSION;

/// Command-line flags. Each also exists as a config key of the same name with
/// `_` instead of `-` (`--rpc-bind` is `rpc_bind`; `--peer` is `peers`).
#[derive(Debug, Default, Parser)]
#[command(name = "timed", version = LONG_VERSION, about = "Timecoin masternode daemon")]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// TOML config file; flags override its fields.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Network name; nodes of different networks never mesh.
    #[arg(long, value_name = "NAME")]
    pub network: Option<String>,
    /// The network definition every node of the network shares (name, masternode
    /// keys, min_masternodes, block interval, genesis). Without it the node knows
    /// no masternodes: it meshes and syncs but never produces.
    #[arg(long, value_name = "FILE")]
    pub network_file: Option<PathBuf>,
    /// P2P listen address [default: 0.0.0.0:24100].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// HTTP RPC address [default: 127.0.0.1:8332]; non-loopback needs --rpc-token.
    #[arg(long, value_name = "ADDR")]
    pub rpc_bind: Option<SocketAddr>,
    /// Bearer token the RPC requires (mandatory when --rpc-bind is not loopback).
    /// Prefer the environment or --rpc-token-file: any user can read a process's
    /// arguments with `ps`.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "TIMED_RPC_TOKEN",
        hide_env_values = true
    )]
    pub rpc_token: Option<String>,
    /// File holding the RPC bearer token (its first line); instead of --rpc-token.
    #[arg(long, value_name = "FILE")]
    pub rpc_token_file: Option<PathBuf>,
    /// Time a client has to send a request's headers; also closes idle
    /// keep-alive connections [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub rpc_header_timeout: Option<Duration>,
    /// Time a request may take once its headers are in, body and answer
    /// included [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub rpc_request_timeout: Option<Duration>,
    /// RPC connections served at once; more wait to be accepted [default: 256].
    #[arg(long, value_name = "N")]
    pub rpc_max_connections: Option<usize>,
    /// Bytes the mempool may hold, entry overhead included [default: 33554432, 32 MiB].
    #[arg(long, value_name = "BYTES")]
    pub mempool_bytes: Option<usize>,
    /// Bytes per second of transactions taken from one peer's gossip [default: 262144].
    #[arg(long, value_name = "BYTES")]
    pub tx_gossip_rate: Option<u64>,
    /// Peer address to dial (repeatable), as `IP:port` or `ID@IP:port` to refuse
    /// any node but ID there; replaces the config file's `peers`.
    #[arg(long = "peer", value_name = "[ID@]ADDR")]
    pub peers: Vec<PeerAddr>,
    /// Run as a masternode (`--masternode=false` overrides a config file's true).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub masternode: Option<bool>,
    /// Active masternodes needed for block production [default: 3].
    #[arg(long, value_name = "N")]
    pub min_masternodes: Option<usize>,
    /// Time between block rounds, e.g. `2s`, `10m` [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub block_interval: Option<Duration>,
    /// Data directory (identity key, chain) [default: /var/lib/timed].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Time a connection has to complete its handshake [default: 5s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub handshake_timeout: Option<Duration>,
    /// Keepalive ping interval [default: 5s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub ping_interval: Option<Duration>,
    /// Unanswered-ping age that closes a link [default: 15s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub ping_timeout: Option<Duration>,
    /// First retry delay after a failed dial [default: 100ms].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub backoff_initial: Option<Duration>,
    /// Cap of the retry delay [default: 2s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub backoff_max: Option<Duration>,
    /// Inbound links (and inbound handshakes) allowed at once [default: 128].
    #[arg(long, value_name = "N")]
    pub max_inbound: Option<usize>,
    /// Inbound slots kept for the network's masternodes [default: 32].
    #[arg(long, value_name = "N")]
    pub reserved_inbound: Option<usize>,
    /// Inbound links from one IP address for non-masternode peers [default: 4].
    #[arg(long, value_name = "N")]
    pub max_inbound_per_ip: Option<usize>,
    /// Silence after which an inbound non-masternode peer is evicted [default: 10m].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub idle_timeout: Option<Duration>,
}

/// Subcommands: tools for operators; without one, `timed` runs the node.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prints this node's id (its public key), creating the key in the data dir on
    /// first use, so an operator can list it in the network file.
    Keygen {
        /// Data directory holding the key [default: --data-dir, else /var/lib/timed].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}
