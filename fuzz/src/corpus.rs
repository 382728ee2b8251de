//! The seed inputs each target starts from: real shapes (a whole honest
//! handshake, signed blocks, framed messages, recorded daemon log lines, fleet
//! files as the README writes them), so the fuzzer mutates from inputs that get
//! deep rather than from nothing. `fuzz/corpus/` holds them (and what long runs
//! found); the replay test checks that every seed here is committed there.

use timed::fuzzing::{block_seeds, channel_seeds, frame_seeds, handshake_seeds, message_seeds};

/// Daemon log lines recorded from a real run, with their expected kinds (the
/// shared crate's classifier vectors).
const RECORDED_LINES: &str = include_str!("../../shared/tests/vectors/upstream_recorded.txt");
/// The vectors' spelling of the escape byte.
const ESCAPE: &str = "\\x1b";

/// The seeds of `target`; none for a name that is not a target.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    match target {
        "channel" => channel_seeds(),
        "frame_decoder" => frame_seeds(),
        "message" => message_seeds(),
        "handshake" => handshake_seeds(),
        "block_validation" => block_seeds(),
        "log_classifier" => log_lines(),
        "fleet_file" => fleet_files(),
        _ => Vec::new(),
    }
}

/// The recorded lines in a few files (a line each would make dozens of seeds
/// that differ only in words), plus a `journalctl -o json` object.
fn log_lines() -> Vec<Vec<u8>> {
    let lines: Vec<String> = RECORDED_LINES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(_, line)| line.replace(ESCAPE, "\x1b"))
        .collect();
    let mut seeds: Vec<Vec<u8>> = lines
        .chunks(16)
        .map(|chunk| chunk.join("\n").into_bytes())
        .collect();
    let journal = r#"{"__CURSOR":"s=1;i=3","__REALTIME_TIMESTAMP":"1795961836402561","_HOSTNAME":"n2","MESSAGE":"2026-11-25T04:10:00.123456Z  INFO timed::net: connected to 127.0.0.2:24100"}"#;
    seeds.push(journal.as_bytes().to_vec());
    seeds
}

fn fleet_files() -> Vec<Vec<u8>> {
    let full = r#"[fleet]
name = "testnet"
min_masternodes = 2

[defaults]
user = "ops"
identity = "~/.ssh/fleet_ed25519"
known_hosts = "~/.ssh/fleet_known_hosts"
service = "timed"
rpc_host = "127.0.0.1"

[defaults.commands]
pull = "git fetch && git reset --hard origin/main"

[[nodes]]
name = "eu-1"
host = "192.0.2.10"
accept_new_host_keys = true

[[nodes]]
name = "us-1"
host = "192.0.2.20"
port = 2222
rpc = "https://192.0.2.20:8443/"
rpc_fingerprint = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
[nodes.commands]
logs = "journalctl -u {service} -f -o json"

[check]
window = "60s"
height_spread = 1
[check.nodes.eu-1]
stale_block_age = "5m"
"#;
    let local = r#"[fleet]
name = "devnet"

[[nodes]]
name = "n1"
transport = "local"
rpc = "http://127.0.0.1:8332"
api = "time-masternode"
rpc_user = "u"
rpc_password = "p"
"#;
    let duplicate = "[fleet]\nname = \"x\"\n[[nodes]]\nname = \"a\"\nhost = \"h\"\n[[nodes]]\nname = \"a\"\nhost = \"-oProxyCommand=x\"\n";
    [full, local, duplicate]
        .iter()
        .map(|t| t.as_bytes().to_vec())
        .collect()
}
