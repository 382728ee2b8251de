//! The devnet's `network.toml`: the network definition every one of its daemons
//! shares (name, masternode keys, quorum, block interval, genesis). Each node's
//! key is made in its data dir by `timed keygen` before anything starts, so the
//! file can list them all; every daemon is then started with `--network-file`.

use std::path::Path;
use std::time::SystemTime;

use super::error::DevnetError;

/// The file's name inside the devnet directory.
pub(crate) const NETWORK_FILE: &str = "network.toml";

/// Makes (or reads) the key in `data_dir` with `timed keygen` and returns the
/// node id it prints.
///
/// # Errors
/// `timed` cannot run, fails, or prints something that is not a node id.
pub(crate) async fn keygen(timed: &Path, data_dir: &Path) -> Result<String, DevnetError> {
    let out = tokio::process::Command::new(timed)
        .arg("keygen")
        .arg("--data-dir")
        .arg(data_dir)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|source| DevnetError::KeygenSpawn {
            timed: timed.to_path_buf(),
            source,
        })?;
    if !out.status.success() {
        return Err(DevnetError::KeygenFailed {
            timed: timed.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(id)
    } else {
        Err(DevnetError::KeygenOutput(id))
    }
}

/// The network file listing `ids` as the masternodes, with genesis at `genesis`.
pub(crate) fn render(
    network: &str,
    ids: &[String],
    min_masternodes: usize,
    block_interval: &str,
    genesis: SystemTime,
) -> String {
    let s = |v: &str| toml::Value::String(v.to_string()).to_string();
    let keys: Vec<String> = ids.iter().map(|id| format!("  {},\n", s(id))).collect();
    format!(
        "# Written by `timectl devnet up`: the network definition its daemons share.\n\
         name = {}\nmasternodes = [\n{}]\nmin_masternodes = {min_masternodes}\n\
         block_interval = {}\ngenesis = {}\n",
        s(network),
        keys.concat(),
        s(block_interval),
        s(&humantime::format_rfc3339_seconds(genesis).to_string()),
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn the_file_lists_every_key_and_parses_as_toml() {
        let ids = vec!["ab".repeat(32), "cd".repeat(32)];
        let text = render(
            "devnet",
            &ids,
            2,
            "1s",
            UNIX_EPOCH + Duration::from_secs(1_767_225_600),
        );
        let table: toml::Table = text.parse().expect("valid TOML");
        assert_eq!(table["name"].as_str(), Some("devnet"));
        let listed: Vec<&str> = table["masternodes"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(listed, ids);
        assert_eq!(table["min_masternodes"].as_integer(), Some(2));
        assert_eq!(table["block_interval"].as_str(), Some("1s"));
        assert_eq!(table["genesis"].as_str(), Some("2026-01-01T00:00:00Z"));
    }
}
