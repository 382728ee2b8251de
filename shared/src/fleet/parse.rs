//! Parsing: the spanned TOML document is walked first, so that an unknown key,
//! a duplicate node or a missing host is reported at its own line with the node
//! it belongs to; then serde types each table.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::schema::{
    COMMAND_KEYS, Commands, DEFAULT_BINARY, FLEET_KEYS, Fleet, FleetSection, NODE_KEYS,
    NODE_ONLY_KEYS, Node, NodeTable, RpcAccess, TOP_KEYS, Transport,
};
use crate::checklist::Thresholds;

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

pub(super) struct Parser<'t> {
    text: &'t str,
}

pub(super) type Table<'t> = DeTable<'t>;

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

    pub(super) fn check_keys(
        &self,
        table: &Table<'t>,
        known: &[&str],
        ctx: &str,
    ) -> Result<(), FleetError> {
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

    pub(super) fn expect_table<'a>(
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
    pub(super) fn typed<T: for<'de> Deserialize<'de>>(
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

    pub(super) fn at(&self, span: Range<usize>, message: String) -> FleetError {
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

pub(super) fn key_str<'a>(key: &'a Spanned<toml::de::DeString<'_>>) -> &'a str {
    key.get_ref()
}
