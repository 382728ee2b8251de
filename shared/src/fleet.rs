//! The fleet file (`fleet.toml`): its schema as serde types, and parsing that turns
//! a text into a resolved [`Fleet`] or one error naming the line and the key.
//!
//! Pure: text in, value out. Finding the file and reading it is the CLI's job.
//! Scripts and tests write these files, so key names are a contract (DESIGN.md,
//! "Fleet file"); additions only.
//!
//! Parsing walks the spanned TOML document first, so that an unknown key, a
//! duplicate node or a missing host is reported at its own line with the node it
//! belongs to, then lets serde type each table.
//!
//! # Layout
//! - `check`: the `[check]` table (the checklist's thresholds and per-node overrides).
//! - `api`: which daemon API a node speaks, its RPC credentials and TLS trust.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::checklist::Thresholds;

mod api;
mod check;

pub use api::{DaemonApi, RpcAuth, TlsTrust, parse_fingerprint};

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
const FLEET_KEYS: &[&str] = &["name", "min_masternodes"];
const TOP_KEYS: &[&str] = &["fleet", "defaults", "nodes", "check"];
/// Keys that only make sense on one node.
const NODE_ONLY_KEYS: &[&str] = &["name", "host"];

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

/// Why a fleet file was refused: a 1-based line where one is known, and a message
/// that names the node and the key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct FleetError {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for FleetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Parses and validates a fleet file's text.
///
/// # Errors
/// The first problem found, with its line: bad TOML, an unknown key, a value of
/// the wrong type, a node without a name or (for ssh) a host, a duplicate node
/// name, a bad transport or rpc value, or no nodes at all.
pub fn parse(text: &str) -> Result<Fleet, FleetError> {
    Parser { text }.parse()
}

struct Parser<'t> {
    text: &'t str,
}

type Table<'t> = DeTable<'t>;

impl<'t> Parser<'t> {
    fn parse(&self) -> Result<Fleet, FleetError> {
        let root = DeTable::parse(self.text).map_err(|e| self.toml_error(&e, ""))?;
        let root = root.get_ref();
        self.check_keys(root, TOP_KEYS, "")?;

        let fleet_value = root.get("fleet").ok_or_else(|| FleetError {
            line: None,
            message: "missing [fleet] table (with at least `name`)".into(),
        })?;
        let fleet_table = self.expect_table(fleet_value, "[fleet]", "")?;
        self.check_keys(fleet_table, FLEET_KEYS, "[fleet]: ")?;
        let fleet: FleetSection = self.typed(fleet_value, fleet_table, "[fleet]: ")?;

        let defaults = match root.get("defaults") {
            Some(value) => {
                let table = self.expect_table(value, "[defaults]", "")?;
                let ctx = "[defaults]: ";
                self.check_node_keys(table, ctx)?;
                if let Some((key, _)) = table
                    .iter()
                    .find(|(k, _)| NODE_ONLY_KEYS.contains(&key_str(k)))
                {
                    return Err(self.at(
                        key.span(),
                        format!("{ctx}key \"{}\" belongs on a node", key.get_ref()),
                    ));
                }
                self.typed(value, table, ctx)?
            }
            None => NodeTable::default(),
        };

        let nodes = match root.get("nodes") {
            Some(value) => self.nodes(value, &defaults)?,
            None => Vec::new(),
        };
        if nodes.is_empty() {
            return Err(FleetError {
                line: None,
                message: "no nodes: add at least one [[nodes]] table with a name and a host".into(),
            });
        }
        let check = match root.get("check") {
            Some(value) => self.check(value, &nodes)?,
            None => Thresholds::default(),
        };
        Ok(Fleet {
            name: fleet.name,
            min_masternodes: fleet.min_masternodes,
            nodes,
            check,
        })
    }

    fn nodes(
        &self,
        value: &Spanned<DeValue<'t>>,
        defaults: &NodeTable,
    ) -> Result<Vec<Node>, FleetError> {
        let DeValue::Array(entries) = value.get_ref() else {
            return Err(self.at(
                value.span(),
                "`nodes` must be an array of tables ([[nodes]])".into(),
            ));
        };
        let mut first_line_of: BTreeMap<String, usize> = BTreeMap::new();
        let mut nodes = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let label = format!("node #{}", index + 1);
            let table = self.expect_table(entry, &label, "")?;
            let name_value = table.get("name");
            let ctx = match name_value.and_then(|v| v.get_ref().as_str()) {
                Some(name) => format!("node {name:?}: "),
                None => format!("{label}: "),
            };
            self.check_node_keys(table, &ctx)?;
            let raw: NodeTable = self.typed(entry, table, &ctx)?;
            let Some(name) = raw.name.clone().filter(|n| !n.trim().is_empty()) else {
                return Err(self.at(entry.span(), format!("{ctx}missing key \"name\"")));
            };
            let name_span = name_value.map_or(entry.span(), Spanned::span);
            let line = self.line_of(name_span.start);
            if let Some(first) = first_line_of.insert(name.clone(), line) {
                return Err(self.at(
                    name_span,
                    format!("duplicate node name {name:?} (first defined at line {first})"),
                ));
            }
            nodes.push(self.resolve(name, raw, defaults, table, entry.span(), &ctx)?);
        }
        Ok(nodes)
    }

    /// Applies `[defaults]` and the built-in defaults to one node.
    fn resolve(
        &self,
        name: String,
        node: NodeTable,
        defaults: &NodeTable,
        table: &Table<'t>,
        span: Range<usize>,
        ctx: &str,
    ) -> Result<Node, FleetError> {
        let d = defaults.clone();
        let rpc_text = node
            .rpc
            .clone()
            .or(d.rpc)
            .unwrap_or_else(|| "tunnel".into());
        let settings = self.api_settings(&node, defaults, &rpc_text, table, span.clone(), ctx)?;
        let transport = node.transport.or(d.transport).unwrap_or_default();
        let host = match (node.host, transport) {
            // Correctness: ssh reads a destination starting with `-` as an option
            // (`-oProxyCommand=...` runs a command here).
            (Some(host), _) if host.starts_with('-') => {
                let span = table.get("host").map_or(span, Spanned::span);
                return Err(self.at(
                    span,
                    format!(
                        "{ctx}host {host:?} starts with '-' and would be read as an ssh option"
                    ),
                ));
            }
            (Some(host), _) if !host.trim().is_empty() => host,
            (_, Transport::Local) => "localhost".into(),
            (_, Transport::Ssh) => {
                let span = table.get("host").map_or(span, Spanned::span);
                return Err(self.at(
                    span,
                    format!("{ctx}missing key \"host\" (required for transport \"ssh\")"),
                ));
            }
        };
        let rpc = if rpc_text == "tunnel" {
            RpcAccess::Tunnel
        } else if rpc_text.starts_with("http://") || rpc_text.starts_with("https://") {
            RpcAccess::Url(rpc_text.trim_end_matches('/').to_string())
        } else {
            let span = table.get("rpc").map_or(span, Spanned::span);
            return Err(self.at(
                span,
                format!(
                    "{ctx}bad rpc {rpc_text:?}: expected \"tunnel\" or a URL such as \"http://10.0.0.5:8332\""
                ),
            ));
        };
        let builtin = Commands::default();
        let node_cmds = node.commands.unwrap_or_default();
        let default_cmds = d.commands.unwrap_or_default();
        let pick = |own: Option<String>, shared: Option<String>, fallback: String| {
            own.or(shared).unwrap_or(fallback)
        };
        Ok(Node {
            name,
            host,
            transport,
            user: node.user.or(d.user),
            port: node.port.or(d.port).unwrap_or(22),
            identity: node.identity.or(d.identity),
            known_hosts: node.known_hosts.or(d.known_hosts),
            accept_new_host_keys: node
                .accept_new_host_keys
                .or(d.accept_new_host_keys)
                .unwrap_or(false),
            repo: node.repo.or(d.repo),
            binary: node
                .binary
                .or(d.binary)
                .unwrap_or_else(|| DEFAULT_BINARY.into()),
            service: node.service.or(d.service).unwrap_or_else(|| "timed".into()),
            rpc,
            rpc_host: node
                .rpc_host
                .or(d.rpc_host)
                .unwrap_or_else(|| "127.0.0.1".into()),
            rpc_port: node.rpc_port.or(d.rpc_port).unwrap_or(8332),
            api: settings.api,
            rpc_auth: settings.auth,
            rpc_tls: settings.tls,
            commands: Commands {
                pull: pick(node_cmds.pull, default_cmds.pull, builtin.pull),
                build: pick(node_cmds.build, default_cmds.build, builtin.build),
                restart: pick(node_cmds.restart, default_cmds.restart, builtin.restart),
                logs: pick(node_cmds.logs, default_cmds.logs, builtin.logs),
            },
        })
    }

    fn check_node_keys(&self, table: &Table<'t>, ctx: &str) -> Result<(), FleetError> {
        self.check_keys(table, NODE_KEYS, ctx)?;
        if let Some(commands) = table.get("commands") {
            let inner = self.expect_table(commands, &format!("{ctx}commands"), "")?;
            self.check_keys(inner, COMMAND_KEYS, &format!("{ctx}commands: "))?;
        }
        if let Some(value) = table.get("transport")
            && let Some(word) = value.get_ref().as_str()
            && ![Transport::Ssh, Transport::Local]
                .iter()
                .any(|t| t.as_str() == word)
        {
            return Err(self.at(
                value.span(),
                format!("{ctx}bad transport {word:?}: expected \"ssh\" or \"local\""),
            ));
        }
        Ok(())
    }

    fn check_keys(&self, table: &Table<'t>, known: &[&str], ctx: &str) -> Result<(), FleetError> {
        match table.iter().find(|(k, _)| !known.contains(&key_str(k))) {
            Some((key, _)) => Err(self.at(
                key.span(),
                format!(
                    "{ctx}unknown key {:?} (known: {})",
                    key_str(key),
                    known.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }

    fn expect_table<'a>(
        &self,
        value: &'a Spanned<DeValue<'t>>,
        what: &str,
        ctx: &str,
    ) -> Result<&'a Table<'t>, FleetError> {
        match value.get_ref() {
            DeValue::Table(table) => Ok(table),
            other => Err(self.at(
                value.span(),
                format!("{ctx}{what} must be a table, not {}", other.type_str()),
            )),
        }
    }

    /// Types a table with serde; an error names the key whose value is wrong.
    fn typed<T: for<'de> Deserialize<'de>>(
        &self,
        value: &Spanned<DeValue<'t>>,
        table: &Table<'t>,
        ctx: &str,
    ) -> Result<T, FleetError> {
        T::deserialize(ValueDeserializer::from(value.clone())).map_err(|e| {
            let key = e.span().and_then(|span| {
                table
                    .iter()
                    .find(|(k, v)| {
                        v.span().start <= span.start && span.end <= v.span().end || k.span() == span
                    })
                    .map(|(k, _)| k.get_ref().to_string())
            });
            let ctx = match key {
                Some(key) => format!("{ctx}key {key:?}: "),
                None => ctx.to_string(),
            };
            self.toml_error(&e, &ctx)
        })
    }

    fn toml_error(&self, e: &toml::de::Error, ctx: &str) -> FleetError {
        FleetError {
            line: e.span().map(|s| self.line_of(s.start)),
            message: format!("{ctx}{}", e.message().trim()),
        }
    }

    fn at(&self, span: Range<usize>, message: String) -> FleetError {
        FleetError {
            line: Some(self.line_of(span.start)),
            message,
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }
}

fn key_str<'a>(key: &'a Spanned<toml::de::DeString<'_>>) -> &'a str {
    key.get_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[fleet]
name = "testnet"

[defaults]
user = "timecoin"
repo = "/home/timecoin/timecoin"

[defaults.commands]
build = "cargo build --release --offline"

[[nodes]]
name = "LW-London"
host = "165.232.154.150"

[[nodes]]
name = "LW-Arizona"
host = "10.0.0.2"
user = "root"
port = 2222
rpc = "http://10.0.0.2:8332/"
binary = "/opt/time-masternode/target/release/timed"
[nodes.commands]
restart = "systemctl restart timed"
"#;

    #[test]
    fn defaults_apply_unless_the_node_sets_them() {
        let fleet = parse(GOOD).expect("parse");
        assert_eq!(fleet.name, "testnet");
        assert_eq!(fleet.min_masternodes, 3);
        let london = fleet.node("LW-London").expect("london");
        assert_eq!(london.user.as_deref(), Some("timecoin"));
        assert_eq!(london.port, 22);
        assert_eq!(london.transport, Transport::Ssh);
        assert_eq!(london.rpc, RpcAccess::Tunnel);
        assert_eq!(london.commands.build, "cargo build --release --offline");
        assert_eq!(london.commands.pull, "git pull --ff-only");
        assert_eq!(london.binary, DEFAULT_BINARY);
        let arizona = fleet.node("LW-Arizona").expect("arizona");
        assert_eq!(arizona.user.as_deref(), Some("root"));
        assert_eq!(arizona.port, 2222);
        assert_eq!(arizona.rpc, RpcAccess::Url("http://10.0.0.2:8332".into()));
        assert_eq!(arizona.commands.restart, "systemctl restart timed");
        assert_eq!(arizona.commands.build, "cargo build --release --offline");
        assert_eq!(arizona.binary, "/opt/time-masternode/target/release/timed");
    }

    proptest::proptest! {
        #[test]
        fn parsing_any_text_gives_a_fleet_or_an_error_never_a_panic(text in "(?s).{0,300}") {
            let _ = parse(&text);
        }

        #[test]
        fn error_lines_point_inside_the_file(extra in "[a-z_]{1,12}") {
            let text = format!("[fleet]\nname = \"x\"\n[[nodes]]\nname = \"n\"\nhost = \"h\"\n{extra} = 1\n");
            if let Err(e) = parse(&text) {
                let line = e.line.unwrap_or(0);
                proptest::prop_assert!(line >= 1 && line <= text.lines().count(), "{e}");
            }
        }
    }

    #[test]
    fn node_keys_list_matches_the_struct() {
        let full = NodeTable {
            name: Some(String::new()),
            host: Some(String::new()),
            transport: Some(Transport::Local),
            user: Some(String::new()),
            port: Some(1),
            identity: Some(String::new()),
            known_hosts: Some(String::new()),
            accept_new_host_keys: Some(true),
            repo: Some(String::new()),
            binary: Some(String::new()),
            service: Some(String::new()),
            rpc: Some(String::new()),
            rpc_host: Some(String::new()),
            rpc_port: Some(1),
            api: Some(DaemonApi::TimeMasternode),
            rpc_user: Some(String::new()),
            rpc_password: Some(String::new()),
            rpc_cookie: Some(String::new()),
            rpc_fingerprint: Some(String::new()),
            rpc_trust_file: Some(String::new()),
            commands: Some(CommandTable {
                pull: Some(String::new()),
                build: Some(String::new()),
                restart: Some(String::new()),
                logs: Some(String::new()),
            }),
        };
        let value = serde_json::to_value(&full).expect("serialize");
        let mut keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut known = NODE_KEYS.to_vec();
        known.sort_unstable();
        assert_eq!(keys, known);
        let cmds = value["commands"].as_object().expect("commands");
        assert_eq!(cmds.len(), COMMAND_KEYS.len());
    }
}
