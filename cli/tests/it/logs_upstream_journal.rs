//! `timectl logs --from-file` on a journal of the upstream `time-masternode`
//! daemon: clean lines (its coloured stdout reaches journald as byte arrays, ANSI
//! escapes included), with the node and the time of each entry, and its events
//! read as our kinds.
//!
//! The fixture is 387 entries of node up-n2 from the recorded upstream run (its
//! start, a partition, the peer gate, a duplicate resolution, the first blocks,
//! and the end of a link), with the fields `journalctl -o json
//! --output-fields=MESSAGE,_HOSTNAME,SYSLOG_IDENTIFIER,PRIORITY` keeps; entries
//! that print the recording host's paths were left out.

use std::process::Command;

use serde_json::{Value, json};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/upstream_n2.journal.jsonl"
);

fn timectl(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(["logs", "--from-file", FIXTURE])
        .args(args)
        .output()
        .expect("run timectl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn input() -> Vec<Value> {
    std::fs::read_to_string(FIXTURE)
        .expect("fixture")
        .lines()
        .map(|l| serde_json::from_str(l).expect("journal object"))
        .collect()
}

/// The first output row whose line contains `text`.
fn row<'a>(rows: &'a [Value], text: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["line"].as_str().is_some_and(|l| l.contains(text)))
        .unwrap_or_else(|| panic!("no row with {text:?}"))
}

#[test]
fn json_rows_are_clean_with_node_and_time() {
    let input = input();
    let coloured = input
        .iter()
        .filter(|o| {
            o["MESSAGE"]
                .as_array()
                .is_some_and(|b| b.contains(&json!(27)))
        })
        .count();
    assert!(
        coloured > 300,
        "the fixture is mostly byte arrays with escapes"
    );

    let rows: Vec<Value> = timectl(&["--output", "json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(rows.len(), input.len(), "one row per journal entry");
    for (row, entry) in rows.iter().zip(&input) {
        let line = row["line"].as_str().expect("line");
        assert!(!line.contains('\x1b'), "escape left in {line:?}");
        assert_eq!(row["node"], "up-n2", "{line:?}");
        let realtime: i64 = entry["__REALTIME_TIMESTAMP"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("fixture time");
        assert_eq!(row["time_us"], json!(realtime), "{line:?}");
        assert_eq!(row["cursor"], entry["__CURSOR"]);
    }

    let partition = row(&rows, "NETWORK PARTITION");
    assert_eq!(
        partition["line"],
        " WARN 🔌 NETWORK PARTITION DETECTED — 0 peers for 30s, last block 65s ago"
    );
    assert_eq!(partition["kinds"], json!(["network_partition"]));

    let gate = row(&rows, "Peer gate: 0/3");
    assert_eq!(gate["kinds"], json!(["production_skipped"]));
    assert_eq!((&gate["active"], &gate["minimum"]), (&json!(0), &json!(3)));
    assert_eq!(row(&rows, "Peer gate: waiting")["kinds"], json!([]));

    let duplicate = row(&rows, "Simultaneous connection");
    assert_eq!(duplicate["kinds"], json!(["duplicate_rejected"]));
    assert_eq!(duplicate["peer"], "10.1.0.1");

    let produced = row(&rows, "produced:");
    assert_eq!(produced["kinds"], json!(["block_produced"]));
    assert_eq!(produced["height"], 7);

    let ended = row(&rows, "Connection closed by");
    assert_eq!(ended["kinds"], json!(["disconnected"]));
    assert_eq!(ended["peer"], "10.1.0.1");
}

#[test]
fn text_is_clean_with_node_and_time() {
    let input = input();
    let text = timectl(&[]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), input.len(), "one line per journal entry");
    assert!(!text.contains('\x1b'), "no escape codes in text output");
    for line in &lines {
        let (clock, rest) = line.split_once(' ').expect("time first");
        assert!(
            clock.len() == 12 && clock.as_bytes()[2] == b':' && clock.as_bytes()[8] == b'.',
            "{line:?}"
        );
        assert!(rest.starts_with("up-n2 "), "{line:?}");
    }
    assert!(
        lines.contains(
            &"14:18:21.630 up-n2 [network_partition] 🔌 NETWORK PARTITION DETECTED — 0 peers for 30s, last block 65s ago"
        ),
        "level and escapes gone, kind shown"
    );
}
