//! The effective configuration: flags over the file over the defaults in
//! `constants.rs`, then checked as a whole. A bad value is one error naming the field.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::args::Args;
use super::error::{ConfigError, field_err};
use super::file::{FileConfig, read_file};
use super::peer::PeerAddr;
use super::token::read_token;
use crate::chain::limits::{
    DEFAULT_MEMPOOL_BYTES, DEFAULT_TX_GOSSIP_RATE, ENTRY_OVERHEAD, MAX_TX_BYTES,
};
use crate::constants as c;
use crate::definition::Definition;

/// The effective configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The network's shared definition (from `--network-file`, else one with no
    /// masternodes built from the flags). `network`, `min_masternodes` and
    /// `block_interval` below always equal its fields.
    pub definition: Definition,
    pub network: String,
    pub listen: SocketAddr,
    pub rpc_bind: SocketAddr,
    /// The RPC's bearer token, from `rpc_token` (flag, `TIMED_RPC_TOKEN` or
    /// file) or read from `rpc_token_file`.
    pub rpc_token: Option<String>,
    pub rpc_header_timeout: Duration,
    pub rpc_request_timeout: Duration,
    pub rpc_max_connections: usize,
    pub mempool_bytes: usize,
    pub tx_gossip_rate: u64,
    pub peers: Vec<PeerAddr>,
    pub masternode: bool,
    pub min_masternodes: usize,
    pub block_interval: Duration,
    pub data_dir: PathBuf,
    pub handshake_timeout: Duration,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    pub max_inbound: usize,
    pub reserved_inbound: usize,
    pub max_inbound_per_ip: usize,
    pub idle_timeout: Duration,
}

impl Config {
    /// Builds the effective config from flags and, if `--config` names one, a file.
    ///
    /// # Errors
    /// When the file cannot be read or parsed, a field has a bad value or type, an
    /// unknown field is present, or the fields contradict each other.
    pub fn load(args: Args) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let network_file = args.network_file.or(file.network_file);
        let network = args.network.or(file.network);
        let min_masternodes = args.min_masternodes.or(file.min_masternodes);
        let block_interval = args.block_interval.or(file.block_interval);
        let definition = match &network_file {
            Some(path) => {
                let def = Definition::load(path)?;
                agrees("network", network.as_ref(), &def.name)?;
                agrees(
                    "min_masternodes",
                    min_masternodes.as_ref(),
                    &def.min_masternodes,
                )?;
                agrees(
                    "block_interval",
                    block_interval.as_ref(),
                    &def.block_interval,
                )?;
                def
            }
            None => Definition::without_file(
                network.as_deref().unwrap_or(c::DEFAULT_NETWORK),
                min_masternodes.unwrap_or(c::DEFAULT_MIN_MASTERNODES),
                block_interval.unwrap_or(c::DEFAULT_BLOCK_INTERVAL),
            ),
        };
        let config = Config {
            network: definition.name.clone(),
            min_masternodes: definition.min_masternodes,
            block_interval: definition.block_interval,
            definition,
            listen: args
                .listen
                .or(file.listen)
                .unwrap_or_else(|| default_addr(c::DEFAULT_LISTEN)),
            rpc_bind: args
                .rpc_bind
                .or(file.rpc_bind)
                .unwrap_or_else(|| default_addr(c::DEFAULT_RPC_BIND)),
            rpc_token: read_token(
                args.rpc_token.or(file.rpc_token),
                args.rpc_token_file.or(file.rpc_token_file),
            )?,
            rpc_header_timeout: args
                .rpc_header_timeout
                .or(file.rpc_header_timeout)
                .unwrap_or(c::RPC_HEADER_TIMEOUT),
            rpc_request_timeout: args
                .rpc_request_timeout
                .or(file.rpc_request_timeout)
                .unwrap_or(c::RPC_REQUEST_TIMEOUT),
            rpc_max_connections: args
                .rpc_max_connections
                .or(file.rpc_max_connections)
                .unwrap_or(c::RPC_MAX_CONNECTIONS),
            mempool_bytes: args
                .mempool_bytes
                .or(file.mempool_bytes)
                .unwrap_or(DEFAULT_MEMPOOL_BYTES),
            tx_gossip_rate: args
                .tx_gossip_rate
                .or(file.tx_gossip_rate)
                .unwrap_or(DEFAULT_TX_GOSSIP_RATE),
            peers: if args.peers.is_empty() {
                file.peers.unwrap_or_default()
            } else {
                args.peers
            },
            masternode: args.masternode.or(file.masternode).unwrap_or(false),
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| c::DEFAULT_DATA_DIR.into()),
            handshake_timeout: args
                .handshake_timeout
                .or(file.handshake_timeout)
                .unwrap_or(c::HANDSHAKE_TIMEOUT),
            ping_interval: args
                .ping_interval
                .or(file.ping_interval)
                .unwrap_or(c::PING_INTERVAL),
            ping_timeout: args
                .ping_timeout
                .or(file.ping_timeout)
                .unwrap_or(c::PING_TIMEOUT),
            backoff_initial: args
                .backoff_initial
                .or(file.backoff_initial)
                .unwrap_or(c::BACKOFF_INITIAL),
            backoff_max: args
                .backoff_max
                .or(file.backoff_max)
                .unwrap_or(c::BACKOFF_MAX),
            max_inbound: args
                .max_inbound
                .or(file.max_inbound)
                .unwrap_or(c::MAX_INBOUND),
            reserved_inbound: args
                .reserved_inbound
                .or(file.reserved_inbound)
                .unwrap_or(c::RESERVED_INBOUND),
            max_inbound_per_ip: args
                .max_inbound_per_ip
                .or(file.max_inbound_per_ip)
                .unwrap_or(c::MAX_INBOUND_PER_IP),
            idle_timeout: args
                .idle_timeout
                .or(file.idle_timeout)
                .unwrap_or(c::IDLE_TIMEOUT),
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let name_ok = |ch: char| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_';
        if self.network.is_empty() || !self.network.chars().all(name_ok) {
            return Err(field_err("network", "must be letters, digits, `-` or `_`"));
        }
        if self.min_masternodes == 0 {
            return Err(field_err("min_masternodes", "must be at least 1"));
        }
        for (field, value) in [
            ("block_interval", self.block_interval),
            ("handshake_timeout", self.handshake_timeout),
            ("ping_interval", self.ping_interval),
            ("ping_timeout", self.ping_timeout),
            ("backoff_initial", self.backoff_initial),
            ("backoff_max", self.backoff_max),
            ("rpc_header_timeout", self.rpc_header_timeout),
            ("rpc_request_timeout", self.rpc_request_timeout),
            ("idle_timeout", self.idle_timeout),
        ] {
            if value.is_zero() {
                return Err(field_err(field, "must be longer than zero"));
            }
        }
        if self.ping_timeout < self.ping_interval {
            return Err(field_err(
                "ping_timeout",
                "must not be shorter than ping_interval",
            ));
        }
        if self.backoff_max < self.backoff_initial {
            return Err(field_err(
                "backoff_max",
                "must not be shorter than backoff_initial",
            ));
        }
        for (field, value) in [
            ("max_inbound", self.max_inbound),
            ("rpc_max_connections", self.rpc_max_connections),
        ] {
            if value == 0 {
                return Err(field_err(field, "must be at least 1"));
            }
        }
        if self.mempool_bytes < MAX_TX_BYTES + ENTRY_OVERHEAD {
            return Err(field_err(
                "mempool_bytes",
                format!(
                    "must hold at least one largest transaction ({} bytes)",
                    MAX_TX_BYTES + ENTRY_OVERHEAD
                ),
            ));
        }
        if self.tx_gossip_rate == 0 {
            return Err(field_err("tx_gossip_rate", "must be at least 1"));
        }
        if self.reserved_inbound >= self.max_inbound {
            return Err(field_err(
                "reserved_inbound",
                format!(
                    "must be below max_inbound ({}), or no stranger could ever link",
                    self.max_inbound
                ),
            ));
        }
        if self.max_inbound_per_ip == 0 {
            return Err(field_err("max_inbound_per_ip", "must be at least 1"));
        }
        match &self.rpc_token {
            Some(token) if token.trim().is_empty() => {
                return Err(field_err("rpc_token", "must not be empty"));
            }
            None if !self.rpc_bind.ip().is_loopback() => {
                return Err(field_err(
                    "rpc_token",
                    format!("required when rpc_bind ({}) is not loopback", self.rpc_bind),
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

/// A value set by flag or config file must agree with the network file, which is
/// the one source of truth every node shares.
fn agrees<T: PartialEq + std::fmt::Debug>(
    field: &str,
    given: Option<&T>,
    in_file: &T,
) -> Result<(), ConfigError> {
    match given {
        Some(value) if value != in_file => Err(field_err(
            field,
            format!("{value:?} differs from the network file's {in_file:?}"),
        )),
        _ => Ok(()),
    }
}

pub(super) fn default_addr(text: &str) -> SocketAddr {
    // The defaults are literals in constants.rs; a test below parses each of them.
    text.parse()
        .unwrap_or_else(|_| unreachable!("default address {text} parses"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_validate() {
        let config = Config::load(Args::default()).expect("defaults are valid");
        assert_eq!(config.listen, default_addr(c::DEFAULT_LISTEN));
        assert_eq!(config.rpc_bind, default_addr(c::DEFAULT_RPC_BIND));
        assert!(!config.masternode);
    }

    #[test]
    fn contradictions_are_named() {
        let check = |args: Args, field: &str| match Config::load(args) {
            Err(ConfigError::Field { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected {field} error, got {other:?}"),
        };
        check(
            Args {
                rpc_bind: Some("0.0.0.0:8332".parse().expect("addr")),
                ..Args::default()
            },
            "rpc_token",
        );
        check(
            Args {
                min_masternodes: Some(0),
                ..Args::default()
            },
            "min_masternodes",
        );
        check(
            Args {
                ping_interval: Some(Duration::from_secs(10)),
                ping_timeout: Some(Duration::from_secs(1)),
                ..Args::default()
            },
            "ping_timeout",
        );
        check(
            Args {
                network: Some("two words".into()),
                ..Args::default()
            },
            "network",
        );
    }

    #[test]
    fn the_network_file_is_the_source_of_truth() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("network.toml");
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        std::fs::write(
            &path,
            format!(
                "name = \"filenet\"\nmasternodes = [\"{}\"]\nmin_masternodes = 1\nblock_interval = \"3s\"\ngenesis = \"2026-01-01T00:00:00Z\"\n",
                hex::encode(key.verifying_key().to_bytes())
            ),
        )
        .expect("write");
        let config = Config::load(Args {
            network_file: Some(path.clone()),
            ..Args::default()
        })
        .expect("valid");
        assert_eq!(config.network, "filenet");
        assert_eq!(config.block_interval, Duration::from_secs(3));
        assert_eq!(config.definition.masternodes.len(), 1);
        let err = Config::load(Args {
            network_file: Some(path),
            block_interval: Some(Duration::from_secs(1)),
            ..Args::default()
        })
        .expect_err("a flag that contradicts the network file");
        assert!(
            matches!(&err, ConfigError::Field { field, .. } if field == "block_interval"),
            "{err}"
        );
    }

    #[test]
    fn a_mempool_too_small_for_one_transaction_is_refused() {
        let err = Config::load(Args {
            mempool_bytes: Some(1000),
            ..Args::default()
        })
        .expect_err("too small");
        assert!(
            matches!(&err, ConfigError::Field { field, .. } if field == "mempool_bytes"),
            "{err}"
        );
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("timed.toml");
        std::fs::write(&path, "network = \"filenet\"\nmasternode = true\n").expect("write");
        let config = Config::load(Args {
            config: Some(path),
            network: Some("flagnet".into()),
            masternode: Some(false),
            ..Args::default()
        })
        .expect("valid");
        assert_eq!(config.network, "flagnet");
        assert!(!config.masternode);
    }
}
