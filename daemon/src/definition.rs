//! The network definition: the one file every node of a network shares
//! (`network.toml`, given with `--network-file`). It names the network, lists the
//! masternode public keys, and fixes `min_masternodes`, the block interval and the
//! genesis time. Its hash travels in every handshake, so two nodes that do not
//! share the same definition never mesh.
//!
//! Why a file and not what peers say: the masternode set decides who is counted,
//! who leads a round and whose blocks are valid. Taken from handshakes or from
//! blocks, any stranger could claim a seat; fixed by operators in one file, only
//! the holders of the listed keys ever can.
//!
//! ```toml
//! name = "devnet"
//! masternodes = ["<64 hex digits>", "..."]
//! min_masternodes = 3
//! block_interval = "2s"
//! genesis = "2026-01-01T00:00:00Z"
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;
use sha2::{Digest, Sha256};
use timecoin_shared::wire::NodeId;

/// Why a network file cannot be used; every field error names its field.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("cannot read network file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("network file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("network file {path}, field `{field}`: {message}")]
    Field {
        path: PathBuf,
        field: String,
        message: String,
    },
}

/// A network's shared definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    pub name: String,
    /// The masternode keys, sorted and unique: the proposer of each height and round is one of them.
    pub masternodes: Vec<NodeId>,
    pub min_masternodes: usize,
    pub block_interval: Duration,
    /// Milliseconds since the Unix epoch: the time the first block's rounds count from.
    pub genesis_ms: u64,
}

/// What is hashed: every field, in a fixed order and encoding, so that two files
/// that differ only in layout, comments or key order hash the same.
#[derive(Serialize)]
struct Canonical<'a> {
    format: &'static str,
    name: &'a str,
    masternodes: &'a [NodeId],
    min_masternodes: usize,
    block_interval_ms: u128,
    genesis_ms: u64,
}

impl Definition {
    /// The definition of a node started without a network file: the name and
    /// timings from its flags and no masternodes at all. Such nodes mesh with each
    /// other (to sync or to be watched) but never count anyone, lead or sign:
    /// masternodes exist only where operators listed them.
    pub fn without_file(name: &str, min_masternodes: usize, block_interval: Duration) -> Self {
        Definition {
            name: name.to_owned(),
            masternodes: Vec::new(),
            min_masternodes,
            block_interval,
            genesis_ms: 0,
        }
    }

    /// Reads and checks a network file.
    ///
    /// # Errors
    /// The file cannot be read, is not TOML, lacks a field, has an unknown one or
    /// a bad value (each error names the field).
    pub fn load(path: &Path) -> Result<Self, DefinitionError> {
        let text = std::fs::read_to_string(path).map_err(|source| DefinitionError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|e| e.at(path))
    }

    /// Parses network file text (errors carry an empty path until [`Self::load`]
    /// fills it in).
    ///
    /// # Errors
    /// As [`Self::load`].
    pub fn parse(text: &str) -> Result<Self, DefinitionError> {
        let mut table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| DefinitionError::Syntax {
                    path: PathBuf::new(),
                    message: e.message().to_owned(),
                })?;
        let mut take = |key: &str| table.remove(key).ok_or_else(|| field_err(key, "missing"));
        let name = match take("name")? {
            toml::Value::String(s) if !s.is_empty() => s,
            other => return Err(field_err("name", format!("expected a name, found {other}"))),
        };
        let masternodes = parse_keys(take("masternodes")?)?;
        let min_masternodes = take("min_masternodes")?
            .as_integer()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| field_err("min_masternodes", "expected a positive integer"))?;
        if min_masternodes > masternodes.len() {
            return Err(field_err(
                "min_masternodes",
                format!(
                    "{min_masternodes} is more than the {} masternodes listed: no block could ever be made",
                    masternodes.len()
                ),
            ));
        }
        let block_interval = take("block_interval")?
            .as_str()
            .and_then(|s| humantime::parse_duration(s).ok())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| field_err("block_interval", "expected a duration like \"2s\""))?;
        let genesis_ms = take("genesis")?
            .as_str()
            .and_then(|s| humantime::parse_rfc3339(s).ok())
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .and_then(|d| u64::try_from(d.as_millis()).ok())
            .ok_or_else(|| {
                field_err(
                    "genesis",
                    "expected an RFC 3339 UTC time like \"2026-01-01T00:00:00Z\"",
                )
            })?;
        if let Some(unknown) = table.keys().next() {
            return Err(field_err(unknown, "unknown field"));
        }
        Ok(Definition {
            name,
            masternodes,
            min_masternodes,
            block_interval,
            genesis_ms,
        })
    }

    /// Hex SHA-256 of the canonical form: equal exactly when every field is equal.
    pub fn hash_hex(&self) -> String {
        let canonical = Canonical {
            format: "timecoin-network/1",
            name: &self.name,
            masternodes: &self.masternodes,
            min_masternodes: self.min_masternodes,
            block_interval_ms: self.block_interval.as_millis(),
            genesis_ms: self.genesis_ms,
        };
        // A struct of strings and integers always serialises.
        let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
        hex::encode(Sha256::digest(bytes))
    }

    /// Whether `id` is one of the configured masternodes.
    pub fn is_masternode(&self, id: &NodeId) -> bool {
        self.masternodes.binary_search(id).is_ok()
    }
}

fn field_err(field: &str, message: impl Into<String>) -> DefinitionError {
    DefinitionError::Field {
        path: PathBuf::new(),
        field: field.to_owned(),
        message: message.into(),
    }
}

impl DefinitionError {
    fn at(self, path: &Path) -> Self {
        match self {
            DefinitionError::Syntax { message, .. } => DefinitionError::Syntax {
                path: path.to_owned(),
                message,
            },
            DefinitionError::Field { field, message, .. } => DefinitionError::Field {
                path: path.to_owned(),
                field,
                message,
            },
            read => read,
        }
    }
}

/// The masternode list: hex keys, sorted and deduplicated here so that the order
/// in the file does not matter; a duplicate is an operator's mistake and refused.
fn parse_keys(value: toml::Value) -> Result<Vec<NodeId>, DefinitionError> {
    let toml::Value::Array(items) = value else {
        return Err(field_err(
            "masternodes",
            "expected an array of node ids (64 hex digits each)",
        ));
    };
    let mut keys = Vec::with_capacity(items.len());
    for item in items {
        let id = item
            .as_str()
            .and_then(|s| s.parse::<NodeId>().ok())
            .filter(|id| ed25519_dalek::VerifyingKey::from_bytes(&id.0).is_ok())
            .ok_or_else(|| {
                field_err(
                    "masternodes",
                    format!("{item} is not a node id (an ed25519 public key in 64 hex digits)"),
                )
            })?;
        keys.push(id);
    }
    keys.sort();
    let listed = keys.len();
    keys.dedup();
    if keys.len() != listed {
        return Err(field_err("masternodes", "a node id is listed twice"));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;

    fn id(seed: u8) -> String {
        hex::encode(
            SigningKey::from_bytes(&[seed; 32])
                .verifying_key()
                .to_bytes(),
        )
    }

    fn text(keys: &[String]) -> String {
        let list: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
        format!(
            "name = \"devnet\"\nmasternodes = [{}]\nmin_masternodes = 2\nblock_interval = \"1s\"\ngenesis = \"2026-01-01T00:00:00Z\"\n",
            list.join(", ")
        )
    }

    fn field(text: &str) -> String {
        match Definition::parse(text) {
            Err(DefinitionError::Field { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn key_order_and_layout_do_not_change_the_hash() {
        let a = Definition::parse(&text(&[id(1), id(2), id(3)])).expect("valid");
        let b = Definition::parse(&text(&[id(3), id(1), id(2)])).expect("valid");
        assert_eq!(a, b);
        assert_eq!(a.hash_hex(), b.hash_hex());
        assert_eq!(a.genesis_ms, 1_767_225_600_000);
        assert!(a.is_masternode(&id(2).parse().expect("id")));
        assert!(!a.is_masternode(&id(4).parse().expect("id")));
    }

    #[test]
    fn every_field_is_in_the_hash() {
        let base = Definition::parse(&text(&[id(1), id(2)])).expect("valid");
        let mut other = base.clone();
        other.masternodes.pop();
        assert_ne!(base.hash_hex(), other.hash_hex());
        let mut other = base.clone();
        other.block_interval = Duration::from_secs(2);
        assert_ne!(base.hash_hex(), other.hash_hex());
        let mut other = base.clone();
        other.genesis_ms += 1;
        assert_ne!(base.hash_hex(), other.hash_hex());
        let mut other = base.clone();
        other.min_masternodes = 1;
        assert_ne!(base.hash_hex(), other.hash_hex());
    }

    #[test]
    fn each_bad_field_is_named() {
        let good = text(&[id(1), id(2)]);
        assert_eq!(field(&good.replace("name = \"devnet\"\n", "")), "name");
        assert_eq!(field(&good.replace(&id(1), "abc")), "masternodes");
        assert_eq!(field(&text(&[id(1), id(1)])), "masternodes");
        assert_eq!(field(&text(&[id(1)])), "min_masternodes");
        assert_eq!(field(&good.replace("\"1s\"", "\"soon\"")), "block_interval");
        assert_eq!(
            field(&good.replace("2026-01-01T00:00:00Z", "today")),
            "genesis"
        );
        assert_eq!(field(&format!("{good}colour = 1\n")), "colour");
        assert!(matches!(
            Definition::parse("name = "),
            Err(DefinitionError::Syntax { .. })
        ));
    }
}
