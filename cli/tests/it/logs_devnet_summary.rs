//! `timectl logs --summary` over a real devnet (four `timed` on loopback, logs
//! tailed from their files through the `local` transport) in which one node was
//! restarted: its counts per node and kind equal the counts of the daemon's own
//! phrases in each node's log file, and the restarted node shows the handshakes
//! of both of its lives.

use std::path::Path;

use crate::support::timectl::{Devnet, MESH_TIMEOUT, timectl};
use serde_json::Value;

fn meshed(fleet: &str) -> Option<()> {
    let out = timectl(&["--fleet", fleet, "status", "--output", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).ok()?;
    let nodes = report["nodes"].as_array()?;
    (nodes.len() == 4 && nodes.iter().all(|n| n["connected_peers"] == 3)).then_some(())
}

/// Counts in a log file by the daemon's exact phrases (DESIGN.md), without the
/// classifier: the independent truth the summary must match.
fn phrase_counts(log: &Path) -> Vec<(&'static str, u64)> {
    let text = std::fs::read_to_string(log).expect("node log");
    let count = |f: &dyn Fn(&str) -> bool| text.lines().filter(|l| f(l)).count() as u64;
    vec![
        ("lines", text.lines().count() as u64),
        ("connected", count(&|l| l.contains("Connected to peer: "))),
        (
            "handshake_completed",
            count(&|l| l.contains("Handshake completed with ")),
        ),
        (
            "handshake_accepted",
            count(&|l| l.contains("Handshake accepted from ")),
        ),
        (
            "duplicate_rejected",
            count(&|l| l.contains("Rejecting duplicate ")),
        ),
        (
            "connect_failed",
            count(&|l| l.contains("Connection to ") && l.contains(" failed (attempt ")),
        ),
    ]
}

#[test]
fn summary_counts_match_the_logs_of_a_devnet_with_a_restart() {
    let devnet = Devnet::up(&[]);
    let dir = &devnet.dir;
    let dir_s = devnet.dir_arg();
    let fleet = devnet.fleet_arg();
    testkit::wait_until_blocking("4 meshed nodes", MESH_TIMEOUT, || meshed(&fleet));

    let restart = timectl(&["devnet", "restart", "--dir", &dir_s, "node2"]);
    assert!(
        restart.status.success(),
        "restart: {}",
        String::from_utf8_lossy(&restart.stderr)
    );
    testkit::wait_until_blocking("4 meshed nodes after the restart", MESH_TIMEOUT, || {
        meshed(&fleet)
    });

    // Stop the daemons so the logs hold still while they are compared.
    let down = timectl(&["devnet", "down", "--dir", &dir_s]);
    assert!(
        down.status.success(),
        "down: {}",
        String::from_utf8_lossy(&down.stderr)
    );

    let out = timectl(&["--fleet", &fleet, "logs", "--summary", "--output", "json"]);
    assert!(
        out.status.success(),
        "logs --summary: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("summary JSON");
    let nodes = summary["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 4, "{summary:#}");
    for node in nodes {
        let name = node["name"].as_str().expect("name");
        for (kind, want) in phrase_counts(&dir.join(name).join("timed.log")) {
            let got = if kind == "lines" {
                &node["lines"]
            } else {
                &node["kinds"][kind]
            };
            assert_eq!(got.as_u64(), Some(want), "{name} {kind}: {summary:#}");
        }
    }
    let node2 = nodes.iter().find(|n| n["name"] == "node2").expect("node2");
    let handshakes = node2["kinds"]["handshake_completed"].as_u64().unwrap_or(0)
        + node2["kinds"]["handshake_accepted"].as_u64().unwrap_or(0);
    assert!(
        handshakes >= 6,
        "node2 meshed twice with 3 peers: {handshakes} handshakes\n{summary:#}"
    );

    // -n on a tailed file: the file's last lines, in order.
    let last = timectl(&[
        "--fleet", &fleet, "logs", "node2", "-n", "3", "--output", "json",
    ]);
    let got: Vec<String> = String::from_utf8_lossy(&last.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json")["line"]
                .as_str()
                .expect("line")
                .to_owned()
        })
        .collect();
    let file = std::fs::read_to_string(dir.join("node2").join("timed.log")).expect("log");
    let all: Vec<&str> = file.lines().collect();
    let want: Vec<String> = all[all.len().saturating_sub(3)..]
        .iter()
        .map(|l| (*l).to_owned())
        .collect();
    assert_eq!(got, want);

    // The table says the same for people.
    let table = timectl(&["--fleet", &fleet, "logs", "--summary"]);
    let table = String::from_utf8(table.stdout).expect("utf-8");
    assert!(
        table
            .lines()
            .next()
            .is_some_and(|h| h.contains("node1") && h.contains("node4")),
        "{table}"
    );
    assert!(
        table.lines().any(|l| l.starts_with("handshake_completed")),
        "{table}"
    );
}
