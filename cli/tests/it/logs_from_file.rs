//! The `timectl logs --from-file PATH|- --output json` contract, through the
//! binary: one object per input line, in order, with `line`, `kinds`, `peer`,
//! `node`, and the numbers; plain text and `journalctl -o json` lines mixed.
//! Bad input gets a clear error and an exit code, never a panic.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn from_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(["logs", "--from-file", "-"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("timectl");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().expect("wait")
}

#[test]
fn json_is_one_object_per_input_line() {
    let input = concat!(
        "WARN Connection to 165.232.154.150 failed (attempt 4): Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)\n",
        "Dec 31 09:40:00 LW-Michigan2 timed[94346]: WARN ⚠️ Skipping block production: only 2 masternodes active (minimum 3 required)\n",
        "\n",
        "{\"MESSAGE\":\"Handshake accepted from 10.0.0.7:40112 (network: mainnet)\",\"_HOSTNAME\":\"LW-London\",\"__CURSOR\":\"s=a;i=1\",\"__REALTIME_TIMESTAMP\":\"1765938508000000\"}\n",
        "Dec 31 09:40:01 LW-Michigan2 timed[94346]: INFO Skipping outbound connection to 10.0.0.8 (already connected)\n",
    );
    let out = from_stdin(&["--output", "json"], input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[0]["kinds"],
        json!(["handshake_ack_failed", "connection_reset", "connect_failed"])
    );
    assert_eq!(rows[0]["peer"], "165.232.154.150");
    assert_eq!(rows[0]["attempt"], 4);
    assert_eq!(rows[0]["node"], Value::Null);
    assert_eq!(rows[1]["kinds"], json!(["production_skipped"]));
    assert_eq!(
        (rows[1]["active"].clone(), rows[1]["minimum"].clone()),
        (json!(2), json!(3))
    );
    assert_eq!(rows[1]["node"], "LW-Michigan2");
    assert_eq!(
        rows[2],
        json!({"line": "", "kinds": [], "peer": null, "node": null})
    );
    assert_eq!(
        rows[3]["line"],
        "Handshake accepted from 10.0.0.7:40112 (network: mainnet)"
    );
    assert_eq!(rows[3]["kinds"], json!(["handshake_accepted"]));
    assert_eq!(rows[3]["node"], "LW-London");
    assert_eq!(rows[3]["cursor"], "s=a;i=1");
    assert_eq!(rows[4]["kinds"], json!([]), "the trap is no skipped round");
}

#[test]
fn bad_input_is_a_clear_error() {
    let missing = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(["logs", "--from-file", "/nonexistent/saved.log"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/saved.log"));

    let kind = from_stdin(&["--events", "resets"], "");
    assert_eq!(kind.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&kind.stderr).contains("connection_reset"),
        "lists the known kinds"
    );

    let regex = from_stdin(&["--grep", "("], "");
    assert_eq!(regex.status.code(), Some(2));
}

/// `--summary` counts a file's lines without making records of them: its
/// table must be the `--output json` rows counted, node by node and kind by
/// kind, in the order nodes first appear, with or without `--events`.
#[test]
fn summary_counts_what_json_rows_say() {
    let upstream = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/upstream_n2.journal.jsonl"
    ))
    .unwrap();
    let input = format!(
        "{}{}",
        concat!(
            "# NODE RESTART 2026-11-29T14:17:16Z\n",
            "\n",
            "WARN Connection to 165.232.154.150 failed (attempt 4): Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)\n",
            "Dec 31 09:40:00 LW-Michigan2 timed[94346]: WARN ⚠️ Skipping block production: only 2 masternodes active (minimum 3 required)\n",
            "a continuation line\n",
            "2026-11-29 14:17:16.405 [up-n2]  INFO 🔄 Simultaneous connection with 10.1.0.1 — yielding Connected outbound\n",
            "\x1b[2m2026-11-25T04:10:00.123456Z\x1b[0m \x1b[32m INFO\x1b[0m timed::net::dialer: Connected to peer: 127.0.0.1:24100\n",
            "Dec 13 04:30:00 LW-Michigan2: WARN Ping timeout from 10.0.0.2:24100\n",
            "\n",
            "{\"MESSAGE\":\"Handshake accepted from 10.0.0.7:40112 (network: mainnet)\",\"_HOSTNAME\":\"LW-London\"}\n",
        ),
        upstream
    );
    for filter in [&[][..], &["--events", "connection_reset,disconnected"][..]] {
        let rows = from_stdin(&[filter, &["--output", "json"]].concat(), &input);
        assert!(rows.status.success());
        let mut want: Vec<(String, u64, serde_json::Map<String, Value>)> = Vec::new();
        for row in String::from_utf8(rows.stdout).unwrap().lines() {
            let row: Value = serde_json::from_str(row).unwrap();
            let node = row["node"].as_str().unwrap_or("-").to_owned();
            let at = match want.iter().position(|(n, _, _)| *n == node) {
                Some(at) => at,
                None => {
                    want.push((node, 0, serde_json::Map::new()));
                    want.len() - 1
                }
            };
            want[at].1 += 1;
            for kind in row["kinds"].as_array().unwrap() {
                let count = want[at].2.entry(kind.as_str().unwrap()).or_insert(json!(0));
                *count = json!(count.as_u64().unwrap() + 1);
            }
        }
        let summary = from_stdin(
            &[filter, &["--summary", "--output", "json"]].concat(),
            &input,
        );
        assert!(summary.status.success());
        let summary: Value = serde_json::from_slice(&summary.stdout).unwrap();
        let got = summary["nodes"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{filter:?}: {summary}");
        for (node, (name, lines, kinds)) in got.iter().zip(&want) {
            assert_eq!(node["name"], json!(name), "{filter:?}");
            assert_eq!(node["lines"], json!(lines), "{filter:?} {name}");
            for (kind, count) in node["kinds"].as_object().unwrap() {
                let want = kinds.get(kind).and_then(Value::as_u64).unwrap_or(0);
                assert_eq!(count.as_u64(), Some(want), "{filter:?} {name} {kind}");
            }
        }
        assert!(!want.is_empty(), "{filter:?}");
    }
}
