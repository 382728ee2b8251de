//! The TOML config file, read field by field so that every error names its field
//! (a serde derive would report positions, not names, for some mistakes).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::{ConfigError, field_err};
use super::peer::PeerAddr;

/// The fields a config file may set, each optional.
#[derive(Debug, Default)]
pub(super) struct FileConfig {
    pub(super) network: Option<String>,
    pub(super) network_file: Option<PathBuf>,
    pub(super) listen: Option<SocketAddr>,
    pub(super) rpc_bind: Option<SocketAddr>,
    pub(super) rpc_token: Option<String>,
    pub(super) rpc_token_file: Option<PathBuf>,
    pub(super) rpc_header_timeout: Option<Duration>,
    pub(super) rpc_request_timeout: Option<Duration>,
    pub(super) rpc_max_connections: Option<usize>,
    pub(super) mempool_bytes: Option<usize>,
    pub(super) tx_gossip_rate: Option<u64>,
    pub(super) peers: Option<Vec<PeerAddr>>,
    pub(super) masternode: Option<bool>,
    pub(super) min_masternodes: Option<usize>,
    pub(super) block_interval: Option<Duration>,
    pub(super) data_dir: Option<PathBuf>,
    pub(super) handshake_timeout: Option<Duration>,
    pub(super) ping_interval: Option<Duration>,
    pub(super) ping_timeout: Option<Duration>,
    pub(super) backoff_initial: Option<Duration>,
    pub(super) backoff_max: Option<Duration>,
    pub(super) max_inbound: Option<usize>,
    pub(super) reserved_inbound: Option<usize>,
    pub(super) max_inbound_per_ip: Option<usize>,
    pub(super) idle_timeout: Option<Duration>,
}

pub(super) fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
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
        network_file: take("network_file")
            .map(as_string)
            .transpose()?
            .map(PathBuf::from),
        listen: take("listen").map(as_addr).transpose()?,
        rpc_bind: take("rpc_bind").map(as_addr).transpose()?,
        rpc_token: take("rpc_token").map(as_string).transpose()?,
        rpc_token_file: take("rpc_token_file")
            .map(as_string)
            .transpose()?
            .map(PathBuf::from),
        rpc_header_timeout: take("rpc_header_timeout").map(as_duration).transpose()?,
        rpc_request_timeout: take("rpc_request_timeout").map(as_duration).transpose()?,
        rpc_max_connections: take("rpc_max_connections").map(as_count).transpose()?,
        mempool_bytes: take("mempool_bytes").map(as_count).transpose()?,
        tx_gossip_rate: take("tx_gossip_rate")
            .map(as_count)
            .transpose()?
            .map(|n| n as u64),
        peers: take("peers").map(as_peers).transpose()?,
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
        reserved_inbound: take("reserved_inbound").map(as_count).transpose()?,
        max_inbound_per_ip: take("max_inbound_per_ip").map(as_count).transpose()?,
        idle_timeout: take("idle_timeout").map(as_duration).transpose()?,
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

fn as_peers((field, value): Entry) -> Result<Vec<PeerAddr>, ConfigError> {
    let toml::Value::Array(items) = value else {
        return Err(field_err(
            &field,
            "expected an array of \"IP:port\" or \"ID@IP:port\" strings",
        ));
    };
    items
        .into_iter()
        .map(|item| match item {
            toml::Value::String(s) => s.parse().map_err(|e: String| field_err(&field, e)),
            other => Err(field_err(
                &field,
                format!("expected \"IP:port\" or \"ID@IP:port\" strings, found {other}"),
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
    fn file_fields_are_read() {
        let file = parse_file(
            r#"
            network = "devnet"
            listen = "127.0.0.1:1"
            peers = ["127.0.0.2:2", "abababababababababababababababababababababababababababababababab@127.0.0.3:3"]
            masternode = true
            min_masternodes = 4
            block_interval = "2s"
            ping_interval = "250ms"
            "#,
        )
        .expect("valid file");
        assert_eq!(file.network.as_deref(), Some("devnet"));
        let peers = file.peers.expect("peers");
        assert_eq!(peers.len(), 2);
        assert_eq!(peers[0].id, None);
        assert_eq!(
            peers[1].id,
            Some(timecoin_shared::wire::NodeId([0xab; 32])),
            "the id expected at an address"
        );
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
        assert_eq!(err_field(r#"peers = ["nobody@127.0.0.1:1"]"#), "peers");
        assert_eq!(err_field(r#"masternode = "yes""#), "masternode");
        assert_eq!(err_field(r#"min_masternodes = -1"#), "min_masternodes");
        assert_eq!(err_field(r#"block_interval = "soon""#), "block_interval");
        assert_eq!(err_field(r#"ping_timeout = 3"#), "ping_timeout");
        assert_eq!(err_field(r#"mempool_bytes = "lots""#), "mempool_bytes");
        assert_eq!(err_field(r#"rpc_token_file = 1"#), "rpc_token_file");
        assert_eq!(err_field(r#"colour = "blue""#), "colour");
    }

    #[test]
    fn toml_syntax_error_is_reported() {
        assert!(matches!(
            parse_file("network = "),
            Err(ConfigError::Syntax { .. })
        ));
    }
}
