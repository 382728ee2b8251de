//! Broken fleets: each gives its verdict and exit code, with evidence naming the node.

use std::io::Write as _;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use testkit::wait_until_blocking as until_blocking;

use super::setup::{check, check_over, meshed_devnet, stderr};
use crate::support::timectl::{Devnet, MESH_TIMEOUT, evidence, item, json, timectl};

#[test]
fn an_unreachable_rpc_is_unknown_with_exit_3() {
    let devnet = meshed_devnet();
    let path = devnet.dir.join("fleet.toml");
    let text = std::fs::read_to_string(&path).expect("fleet file");
    // node3's RPC moves to a port where nothing listens; its daemon runs on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let mut blocks: Vec<String> = text.split("\n[[nodes]]").map(str::to_owned).collect();
    let node3 = blocks
        .iter_mut()
        .find(|b| b.contains("name = \"node3\""))
        .expect("node3");
    *node3 = node3
        .lines()
        .map(|l| {
            if l.starts_with("rpc_port") {
                format!("rpc_port = {port}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    std::fs::write(&path, blocks.join("\n[[nodes]]")).expect("write fleet");

    let out = check(&devnet.fleet_arg(), &["--output", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(3), "{report:#}\n{}", stderr(&out));
    assert_eq!(report["verdict"], "unknown");
    let masternodes = item(&report, "masternodes_active");
    assert_eq!(masternodes["status"], "unknown");
    assert!(
        evidence(masternodes).contains("node3: did not answer"),
        "{masternodes:#}"
    );
}

#[test]
fn the_incident_lines_in_a_journal_fail_resets_and_handshakes() {
    let devnet = meshed_devnet();
    // Stamped well ahead, so they fall inside the window that opens next even
    // when `timectl` is slow to start on a busy machine (10 s was seen); the
    // window outlasts the stamp.
    let at = humantime::format_rfc3339_micros(SystemTime::now() + Duration::from_secs(20));
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(devnet.dir.join("node2").join("timed.log"))
        .expect("node2 log");
    for attempt in 1..=4 {
        writeln!(
            log,
            "{at}  WARN timed::net: Connection to 165.232.154.150 failed (attempt {attempt}): Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)"
        )
        .expect("append");
    }
    drop(log);

    let out = check_over("30s", &devnet.fleet_arg(), &["--output", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}\n{}", stderr(&out));
    for id in ["no_resets", "clean_handshakes"] {
        let it = item(&report, id);
        assert_eq!(it["status"], "fail", "{it:#}");
        let text = evidence(it);
        assert!(text.contains("node2: 4 "), "{text}");
        assert!(
            text.contains("node2 log: ") && text.contains("Connection reset by peer"),
            "{text}"
        );
    }
    assert_eq!(item(&report, "masternodes_active")["status"], "pass");
}

/// One node restarted on a `timed` that reports another commit (built as the
/// deploy tests build theirs, with `TIMED_BUILD_COMMIT`).
#[test]
fn a_node_from_another_commit_fails_same_commit() {
    const OTHER: &str = "0dd0c0ffee00";
    let devnet = meshed_devnet();
    let bin = tempfile::tempdir().expect("tempdir");
    let other = crate::deploy::fleet::build_timed_at(OTHER, bin.path());
    // `devnet restart` starts the executable its record names.
    let state_path = devnet.dir.join("devnet.json");
    let mut state: Value =
        serde_json::from_slice(&std::fs::read(&state_path).expect("devnet.json")).expect("json");
    state["timed"] = Value::String(other.display().to_string());
    std::fs::write(
        &state_path,
        serde_json::to_vec_pretty(&state).expect("json"),
    )
    .expect("devnet.json");
    let restarted = timectl(&["devnet", "restart", "--dir", &devnet.dir_arg(), "node2"]);
    assert!(restarted.status.success(), "{}", stderr(&restarted));
    let fleet = devnet.fleet_arg();
    until_blocking("node2 back, on the other commit", MESH_TIMEOUT, || {
        let status = json(&timectl(&[
            "--fleet", &fleet, "status", "--output", "json", "node2",
        ]));
        (status["nodes"][0]["commit"] == OTHER).then_some(())
    });

    let out = check(&fleet, &["--output", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}\n{}", stderr(&out));
    let commit = item(&report, "same_commit");
    assert_eq!(commit["status"], "fail", "{commit:#}");
    let text = evidence(commit);
    assert!(text.contains(&format!("node2: runs {OTHER}")), "{text}");
}

/// Two 2-node devnets, each making its own chain from the same genesis, read
/// as one fleet: the second pair renamed `b1`, `b2`, its logs from its own dir.
#[test]
fn two_pairs_on_different_chains_fail_same_chain_and_links() {
    let pairs = [
        Devnet::up_sized(2, &["--block-interval", "1s"]),
        Devnet::up_sized(2, &["--block-interval", "1s"]),
    ];
    for pair in &pairs {
        let fleet = pair.fleet_arg();
        until_blocking("a pair making blocks", MESH_TIMEOUT, || {
            let status = json(&timectl(&["--fleet", &fleet, "status", "--output", "json"]));
            status["nodes"]
                .as_array()?
                .iter()
                .all(|n| n["block_height"].as_u64() >= Some(3))
                .then_some(())
        });
    }
    let first = std::fs::read_to_string(pairs[0].dir.join("fleet.toml")).expect("fleet A");
    let second = std::fs::read_to_string(pairs[1].dir.join("fleet.toml")).expect("fleet B");
    let mut joined = first;
    let b_nodes = &second[second.find("[[nodes]]").expect("B's nodes")..];
    for n in 1..=2 {
        let log = pairs[1].dir.join(format!("node{n}")).join("timed.log");
        let renamed = format!(
            "name = \"b{n}\"\ncommands = {{ logs = \"tail -n +1 -F {}\" }}",
            log.display()
        );
        joined.push('\n');
        let block = b_nodes
            .split("[[nodes]]")
            .nth(n)
            .expect("node block")
            .replace(&format!("name = \"node{n}\""), &renamed);
        joined.push_str("[[nodes]]");
        joined.push_str(&block);
    }
    let fleet = pairs[0].dir.join("joined.toml");
    std::fs::write(&fleet, joined).expect("joined fleet");

    let out = check(&fleet.display().to_string(), &["--output", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}\n{}", stderr(&out));
    let chain = item(&report, "same_chain");
    assert_eq!(chain["status"], "fail", "{chain:#}");
    let text = evidence(chain);
    assert!(text.contains("fork at height"), "{text}");
    assert!(
        text.contains("node1, node2: block") && text.contains("b1, b2: block"),
        "{text}"
    );
    let links = item(&report, "one_link_per_pair");
    assert_eq!(links["status"], "fail", "{links:#}");
    assert!(
        evidence(links).contains("node1 and b1: no link"),
        "{links:#}"
    );
}

#[test]
fn two_stopped_nodes_fail_masternodes_production_and_heights() {
    let devnet = meshed_devnet();
    devnet.kill(&["node3", "node4"]);
    let fleet = devnet.fleet_arg();
    until_blocking("the survivors to see two masternodes", MESH_TIMEOUT, || {
        let status = json(&timectl(&[
            "--fleet", &fleet, "status", "--output", "json", "node1", "node2",
        ]));
        status["nodes"]
            .as_array()?
            .iter()
            .all(|n| n["active_masternodes"] == 2)
            .then_some(())
    });

    let out = check(&fleet, &["--output", "json", "node1", "node2"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}\n{}", stderr(&out));
    let masternodes = item(&report, "masternodes_active");
    assert_eq!(masternodes["status"], "fail", "{masternodes:#}");
    assert!(evidence(masternodes).contains("node1"), "{masternodes:#}");
    let production = item(&report, "production_running");
    assert_eq!(production["status"], "fail", "{production:#}");
    assert!(
        evidence(production).contains("production_skipped"),
        "{production:#}"
    );
    let heights = item(&report, "heights_advancing");
    assert_eq!(heights["status"], "fail", "{heights:#}");
    assert!(evidence(heights).contains("stuck"), "{heights:#}");
}

/// One node killed while its peers stay up: they lose it and redial it at
/// their backoff's cap, which soon passes the spam threshold (3 here, so a
/// short window shows it). The outage fails the masternode and peer items; the
/// redials toward the node the probes show down are not backoff spam.
#[test]
fn a_killed_node_fails_masternodes_and_peers_but_its_peers_do_not_spam() {
    let devnet = Devnet::up_sized(3, &["--block-interval", "1s"]);
    let fleet = devnet.fleet_arg();
    until_blocking("three meshed nodes making blocks", MESH_TIMEOUT, || {
        let status = json(&timectl(&["--fleet", &fleet, "status", "--output", "json"]));
        status["nodes"]
            .as_array()?
            .iter()
            .all(|n| n["active_masternodes"] == 3 && n["block_height"].as_u64() >= Some(2))
            .then_some(())
    });
    devnet.kill(&["node3"]);
    // Past the backoff's first, faster attempts: from here on each survivor
    // redials node3 between one and two seconds apart.
    until_blocking("both survivors at their fifth redial", MESH_TIMEOUT, || {
        ["node1", "node2"]
            .iter()
            .all(|node| {
                std::fs::read_to_string(devnet.dir.join(node).join("timed.log"))
                    .is_ok_and(|log| log.contains("failed (attempt 5)"))
            })
            .then_some(())
    });

    let out = check_over("6s", &fleet, &["--output", "json", "--backoff-spam", "3"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}\n{}", stderr(&out));
    for id in ["masternodes_active", "peers_stable"] {
        let it = item(&report, id);
        assert_eq!(it["status"], "fail", "{it:#}");
        assert!(evidence(it).contains("node1: "), "{it:#}");
    }
    let spam = item(&report, "no_backoff_spam");
    assert_eq!(spam["status"], "pass", "{spam:#}");
    let text = evidence(spam);
    assert!(
        text.contains("node1: ")
            && text.contains(" failed connects to node3, down at a probe: its own failure"),
        "{text}"
    );
}
