//! The fleet file's tables as serde types, the keys each may hold, and the
//! resolved forms every command works from.

use serde::{Deserialize, Serialize};

use super::api::{DaemonApi, RpcAuth, TlsTrust};
use crate::checklist::Thresholds;

/// How `timectl` reaches a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// The system `ssh`, one multiplexed master connection per node.
    #[default]
    Ssh,
    /// Commands run on this machine: devnets and tests.
    Local,
}

impl Transport {
    /// The word used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Ssh => "ssh",
            Transport::Local => "local",
        }
    }
}

/// How `timectl` reaches a node's HTTP RPC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RpcAccess {
    /// A port forward over the node's transport to `rpc_host:rpc_port` as the node
    /// sees it, so the RPC can stay bound to loopback. A `local` node is this
    /// machine: its address is used as it is, with nothing forwarded.
    Tunnel,
    /// A base URL reached directly, such as `http://10.0.0.5:8332`.
    Url(String),
}

/// `[fleet]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetSection {
    pub name: String,
    /// The fewest active masternodes that still produce blocks; deploy keeps at
    /// least this many up.
    #[serde(default = "default_min_masternodes")]
    pub min_masternodes: usize,
}

fn default_min_masternodes() -> usize {
    3
}

/// `[defaults.commands]` or `[nodes.commands]`: shell command templates run in
/// `repo` on the node. Placeholders such as `{service}` are filled in shell-quoted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandTable {
    pub pull: Option<String>,
    pub build: Option<String>,
    pub restart: Option<String>,
    pub logs: Option<String>,
}

/// The keys a `[[nodes]]` entry may hold; `[defaults]` holds the same minus
/// `name` and `host`. Every field is optional here; [`Node`] is the resolved form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeTable {
    pub name: Option<String>,
    pub host: Option<String>,
    pub transport: Option<Transport>,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity: Option<String>,
    pub known_hosts: Option<String>,
    /// Opt in to ssh's `accept-new`: a host key never seen is recorded, a changed
    /// one is still refused.
    pub accept_new_host_keys: Option<bool>,
    pub repo: Option<String>,
    /// The daemon binary the build leaves, relative to `repo` or absolute: what
    /// a deploy keeps for rollback and ships with `--build-on`.
    pub binary: Option<String>,
    pub service: Option<String>,
    /// `"tunnel"` or a URL.
    pub rpc: Option<String>,
    /// The address the node's RPC listens on, as seen from the node (tunnel only).
    pub rpc_host: Option<String>,
    pub rpc_port: Option<u16>,
    /// `"timed"` (ours, the default) or `"time-masternode"` (upstream).
    pub api: Option<DaemonApi>,
    pub rpc_user: Option<String>,
    pub rpc_password: Option<String>,
    /// Path of the daemon's `.cookie` file on the node.
    pub rpc_cookie: Option<String>,
    /// SHA-256 of an `https` RPC's certificate.
    pub rpc_fingerprint: Option<String>,
    /// Local file recording an `https` RPC's certificate on first use.
    pub rpc_trust_file: Option<String>,
    pub commands: Option<CommandTable>,
}

/// Keys of [`NodeTable`]; a test keeps this list and the struct in step.
pub const NODE_KEYS: &[&str] = &[
    "name",
    "host",
    "transport",
    "user",
    "port",
    "identity",
    "known_hosts",
    "accept_new_host_keys",
    "repo",
    "binary",
    "service",
    "rpc",
    "rpc_host",
    "rpc_port",
    "api",
    "rpc_user",
    "rpc_password",
    "rpc_cookie",
    "rpc_fingerprint",
    "rpc_trust_file",
    "commands",
];
/// Where `cargo build --release` leaves our daemon, relative to the repo.
pub const DEFAULT_BINARY: &str = "target/release/timed";
/// Keys of [`CommandTable`].
pub const COMMAND_KEYS: &[&str] = &["pull", "build", "restart", "logs"];
pub(super) const FLEET_KEYS: &[&str] = &["name", "min_masternodes"];
pub(super) const TOP_KEYS: &[&str] = &["fleet", "defaults", "nodes", "check"];
/// Keys that only make sense on one node.
pub(super) const NODE_ONLY_KEYS: &[&str] = &["name", "host"];

/// The commands of one node with every default filled in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Commands {
    pub pull: String,
    pub build: String,
    pub restart: String,
    pub logs: String,
}

impl Default for Commands {
    fn default() -> Self {
        Commands {
            pull: "git pull --ff-only".into(),
            build: "cargo build --release".into(),
            restart: "sudo systemctl restart {service}".into(),
            logs: "journalctl -u {service} -f -o json".into(),
        }
    }
}

/// One node with its defaults applied: what every command works from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub host: String,
    pub transport: Transport,
    pub user: Option<String>,
    pub port: u16,
    pub identity: Option<String>,
    pub known_hosts: Option<String>,
    pub accept_new_host_keys: bool,
    pub repo: Option<String>,
    pub binary: String,
    pub service: String,
    pub rpc: RpcAccess,
    pub rpc_host: String,
    pub rpc_port: u16,
    pub api: DaemonApi,
    pub rpc_auth: Option<RpcAuth>,
    pub rpc_tls: TlsTrust,
    pub commands: Commands,
}

/// A parsed, validated fleet file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fleet {
    pub name: String,
    pub min_masternodes: usize,
    /// In file order; names are unique.
    pub nodes: Vec<Node>,
    /// `[check]`: the checklist's thresholds, defaults where the file is silent.
    pub check: Thresholds,
}

impl Fleet {
    /// The node called `name`, if any.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }
}
