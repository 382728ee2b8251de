//! Daemon configuration: a TOML file (`--config`) whose every field is also a flag.
//! Flags override the file, the file overrides the defaults in `constants.rs`.
//!
//! A bad value is one error naming the field (`main` exits with code 2 on it), so an
//! operator never has to guess which line of a config broke a start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;

use crate::constants as c;
use crate::version::LONG_VERSION;

/// Command-line flags. Each also exists as a config key of the same name with
/// `_` instead of `-` (`--rpc-bind` is `rpc_bind`; `--peer` is `peers`).
#[derive(Debug, Default, Parser)]
#[command(name = "timed", version = LONG_VERSION, about = "Timecoin masternode daemon")]
pub struct Args {
    /// TOML config file; flags override its fields.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Network name; nodes of different networks never mesh.
    #[arg(long, value_name = "NAME")]
    pub network: Option<String>,
    /// P2P listen address [default: 0.0.0.0:24100].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// HTTP RPC address [default: 127.0.0.1:8332]; non-loopback needs --rpc-token.
    #[arg(long, value_name = "ADDR")]
    pub rpc_bind: Option<SocketAddr>,
    /// Bearer token the RPC requires (mandatory when --rpc-bind is not loopback).
    #[arg(long, value_name = "TOKEN")]
    pub rpc_token: Option<String>,
    /// Peer address to dial (repeatable); replaces the config file's `peers`.
    #[arg(long = "peer", value_name = "ADDR")]
    pub peers: Vec<SocketAddr>,
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
    /// Inbound connections allowed at once [default: 128].
    #[arg(long, value_name = "N")]
    pub max_inbound: Option<usize>,
}

/// The effective configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub network: String,
    pub listen: SocketAddr,
    pub rpc_bind: SocketAddr,
    pub rpc_token: Option<String>,
    pub peers: Vec<SocketAddr>,
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
}

/// A configuration that cannot be used, naming the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("config field `{field}`: {message}")]
    Field { field: String, message: String },
}

fn field_err(field: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Field {
        field: field.to_owned(),
        message: message.into(),
    }
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
        let config = Config {
            network: args
                .network
                .or(file.network)
                .unwrap_or_else(|| c::DEFAULT_NETWORK.into()),
            listen: args
                .listen
                .or(file.listen)
                .unwrap_or_else(|| default_addr(c::DEFAULT_LISTEN)),
            rpc_bind: args
                .rpc_bind
                .or(file.rpc_bind)
                .unwrap_or_else(|| default_addr(c::DEFAULT_RPC_BIND)),
            rpc_token: args.rpc_token.or(file.rpc_token),
            peers: if args.peers.is_empty() {
                file.peers.unwrap_or_default()
            } else {
                args.peers
            },
            masternode: args.masternode.or(file.masternode).unwrap_or(false),
            min_masternodes: args
                .min_masternodes
                .or(file.min_masternodes)
                .unwrap_or(c::DEFAULT_MIN_MASTERNODES),
            block_interval: args
                .block_interval
                .or(file.block_interval)
                .unwrap_or(c::DEFAULT_BLOCK_INTERVAL),
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
        if self.max_inbound == 0 {
            return Err(field_err("max_inbound", "must be at least 1"));
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

fn default_addr(text: &str) -> SocketAddr {
    // The defaults are literals in constants.rs; a test below parses each of them.
    text.parse()
        .unwrap_or_else(|_| unreachable!("default address {text} parses"))
}

/// The fields a config file may set, each optional.
#[derive(Debug, Default)]
struct FileConfig {
    network: Option<String>,
    listen: Option<SocketAddr>,
    rpc_bind: Option<SocketAddr>,
    rpc_token: Option<String>,
    peers: Option<Vec<SocketAddr>>,
    masternode: Option<bool>,
    min_masternodes: Option<usize>,
    block_interval: Option<Duration>,
    data_dir: Option<PathBuf>,
    handshake_timeout: Option<Duration>,
    ping_interval: Option<Duration>,
    ping_timeout: Option<Duration>,
    backoff_initial: Option<Duration>,
    backoff_max: Option<Duration>,
    max_inbound: Option<usize>,
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_file(&text).map_err(|e| match e {
        ConfigError::Syntax { message, .. } => ConfigError::Syntax {
            path: path.to_owned(),
            message,
        },
        other => other,
    })
}

/// Parses config text field by field, so every error names its field.
fn parse_file(text: &str) -> Result<FileConfig, ConfigError> {
    let mut table: toml::Table =
        text.parse()
            .map_err(|e: toml::de::Error| ConfigError::Syntax {
                path: PathBuf::new(),
                message: e.message().to_owned(),
            })?;
    let mut take = |key: &str| table.remove(key).map(|v| (key.to_owned(), v));
    let file = FileConfig {
        network: take("network").map(as_string).transpose()?,
        listen: take("listen").map(as_addr).transpose()?,
        rpc_bind: take("rpc_bind").map(as_addr).transpose()?,
        rpc_token: take("rpc_token").map(as_string).transpose()?,
        peers: take("peers").map(as_addrs).transpose()?,
        masternode: take("masternode").map(as_bool).transpose()?,
        min_masternodes: take("min_masternodes").map(as_count).transpose()?,
        block_interval: take("block_interval").map(as_duration).transpose()?,
        data_dir: take("data_dir")
            .map(as_string)
            .transpose()?
            .map(PathBuf::from),
        handshake_timeout: take("handshake_timeout").map(as_duration).transpose()?,
        ping_interval: take("ping_interval").map(as_duration).transpose()?,
        ping_timeout: take("ping_timeout").map(as_duration).transpose()?,
        backoff_initial: take("backoff_initial").map(as_duration).transpose()?,
        backoff_max: take("backoff_max").map(as_duration).transpose()?,
        max_inbound: take("max_inbound").map(as_count).transpose()?,
    };
    if let Some(unknown) = table.keys().next() {
        return Err(field_err(unknown, "unknown field"));
    }
    Ok(file)
}

type Entry = (String, toml::Value);

fn as_string((field, value): Entry) -> Result<String, ConfigError> {
    match value {
        toml::Value::String(s) => Ok(s),
        other => Err(field_err(
            &field,
            format!("expected a string, found {}", other.type_str()),
        )),
    }
}

fn as_bool((field, value): Entry) -> Result<bool, ConfigError> {
    value.as_bool().ok_or_else(|| {
        field_err(
            &field,
            format!("expected true or false, found {}", value.type_str()),
        )
    })
}

fn as_count((field, value): Entry) -> Result<usize, ConfigError> {
    value
        .as_integer()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| {
            field_err(
                &field,
                format!("expected a non-negative integer, found {value}"),
            )
        })
}

fn parse_addr(field: &str, text: &str) -> Result<SocketAddr, ConfigError> {
    text.parse()
        .map_err(|_| field_err(field, format!("`{text}` is not an IP:port address")))
}

fn as_addr(entry: Entry) -> Result<SocketAddr, ConfigError> {
    let field = entry.0.clone();
    parse_addr(&field, &as_string(entry)?)
}

fn as_addrs((field, value): Entry) -> Result<Vec<SocketAddr>, ConfigError> {
    let toml::Value::Array(items) = value else {
        return Err(field_err(
            &field,
            "expected an array of \"IP:port\" strings",
        ));
    };
    items
        .into_iter()
        .map(|item| match item {
            toml::Value::String(s) => parse_addr(&field, &s),
            other => Err(field_err(
                &field,
                format!("expected \"IP:port\" strings, found {other}"),
            )),
        })
        .collect()
}

fn as_duration(entry: Entry) -> Result<Duration, ConfigError> {
    let field = entry.0.clone();
    let text = as_string(entry)?;
    humantime::parse_duration(&text).map_err(|e| {
        field_err(
            &field,
            format!("`{text}` is not a duration like \"2s\": {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_field(text: &str) -> String {
        match parse_file(text) {
            Err(ConfigError::Field { field, .. }) => field,
            other => panic!("expected a field error for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn defaults_parse_and_validate() {
        let config = Config::load(Args::default()).expect("defaults are valid");
        assert_eq!(config.listen, default_addr(c::DEFAULT_LISTEN));
        assert_eq!(config.rpc_bind, default_addr(c::DEFAULT_RPC_BIND));
        assert!(!config.masternode);
    }

    #[test]
    fn file_fields_are_read() {
        let file = parse_file(
            r#"
            network = "devnet"
            listen = "127.0.0.1:1"
            peers = ["127.0.0.2:2", "127.0.0.3:3"]
            masternode = true
            min_masternodes = 4
            block_interval = "2s"
            ping_interval = "250ms"
            "#,
        )
        .expect("valid file");
        assert_eq!(file.network.as_deref(), Some("devnet"));
        assert_eq!(file.peers.map(|p| p.len()), Some(2));
        assert_eq!(file.block_interval, Some(Duration::from_secs(2)));
        assert_eq!(file.ping_interval, Some(Duration::from_millis(250)));
        assert_eq!(file.min_masternodes, Some(4));
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(err_field(r#"listen = "nowhere""#), "listen");
        assert_eq!(err_field(r#"rpc_bind = 5"#), "rpc_bind");
        assert_eq!(err_field(r#"peers = "127.0.0.1:1""#), "peers");
        assert_eq!(err_field(r#"peers = ["127.0.0.1"]"#), "peers");
        assert_eq!(err_field(r#"masternode = "yes""#), "masternode");
        assert_eq!(err_field(r#"min_masternodes = -1"#), "min_masternodes");
        assert_eq!(err_field(r#"block_interval = "soon""#), "block_interval");
        assert_eq!(err_field(r#"ping_timeout = 3"#), "ping_timeout");
        assert_eq!(err_field(r#"colour = "blue""#), "colour");
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

    #[test]
    fn toml_syntax_error_is_reported() {
        assert!(matches!(
            parse_file("network = "),
            Err(ConfigError::Syntax { .. })
        ));
    }
}
