//! `timectl deploy --build-on NODE` over SSH with real daemons: one node
//! builds, the others receive its binary (checksum verified on arrival) without
//! building, and every node then runs the release, gated as usual.

use serde_json::Value;

use super::fleet::{DeployFleet, NODES, origin};
use super::rollout::deploy_ok;

/// Each `finished` ship event's detail, by node.
fn ship_details(out: &std::process::Output) -> std::collections::BTreeMap<String, String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "finished" && v["step"] == "ship")
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
            (s("node"), s("detail"))
        })
        .collect()
}

/// The sha256 of each node's binary.
fn sums(fleet: &DeployFleet) -> Vec<String> {
    NODES
        .iter()
        .map(|node| {
            let bin = fleet.ssh.repo(node).join("target/release/timed");
            let out = std::process::Command::new("sha256sum")
                .arg(&bin)
                .output()
                .expect("sha256sum");
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

/// Each `finished` step event of the run, as (node, step, end).
fn finished_steps(out: &std::process::Output) -> Vec<(String, String, String)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "finished")
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
            (s("node"), s("step"), s("end"))
        })
        .collect()
}

#[test]
fn build_on_one_node_ships_its_binary_to_the_others_and_deploys() {
    let o = origin();
    let fleet = DeployFleet::start(&o.new);
    let (out, _) = deploy_ok(&fleet, &["--build-on", "node2"]);
    assert!(fleet.all_run(&o.new), "{:?}", fleet.running());
    let steps = finished_steps(&out);
    let did = |node: &str, step: &str| {
        steps
            .iter()
            .any(|(n, s, end)| n == node && s == step && end == "ok")
    };
    for node in NODES {
        let builder = node == "node2";
        assert_eq!(did(node, "build"), builder, "{node} built? {steps:?}");
        assert_eq!(did(node, "ship"), !builder, "{node} received? {steps:?}");
    }
    // The same bytes everywhere: the builder's binary, not a build of their own.
    let sums = sums(&fleet);
    assert!(sums.iter().all(|s| s == &sums[0]), "{sums:?}");
}

/// Deployed again, the nodes whose binary already is the builder's are not
/// sent it (the file stays the same file), and a node whose binary differs is
/// (a new file, with the builder's checksum).
#[test]
fn build_on_sends_the_binary_only_to_nodes_that_lack_it() {
    use std::os::unix::fs::MetadataExt as _;
    let o = origin();
    let fleet = DeployFleet::start(&o.new);
    deploy_ok(&fleet, &["--build-on", "node2"]);
    let bin = |node: &str| fleet.ssh.repo(node).join("target/release/timed");
    // A new file renamed over it: the running daemon holds the old one open.
    let mut damaged = std::fs::read(bin("node3")).expect("read binary");
    damaged.push(b'\n');
    let tmp = bin("node3").with_extension("damaged");
    std::fs::write(&tmp, damaged).expect("damage binary");
    std::fs::rename(&tmp, bin("node3")).expect("damage binary");
    let inode = |node: &str| std::fs::metadata(bin(node)).expect("binary").ino();
    let before: Vec<u64> = NODES.iter().map(|n| inode(n)).collect();

    let out = fleet.timectl(&["deploy", "--yes", "--output", "json", "--build-on", "node2"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(fleet.all_run(&o.new), "{:?}", fleet.running());
    let details = ship_details(&out);
    for (i, node) in NODES.iter().enumerate() {
        match *node {
            "node2" => assert!(!details.contains_key("node2"), "{details:?}"),
            "node3" => {
                assert!(details["node3"].contains("verified"), "{details:?}");
                assert_ne!(inode(node), before[i], "node3 got a new file");
            }
            _ => {
                assert!(
                    details[*node].contains("already in place"),
                    "{node}: {details:?}"
                );
                assert_eq!(inode(node), before[i], "{node}'s binary untouched");
            }
        }
    }
    let sums = sums(&fleet);
    assert!(sums.iter().all(|s| s == &sums[0]), "{sums:?}");
}

/// Each node stages in its own pipeline: node1 receives the builder's binary
/// while node3 is still pulling. node3's pull waits (up to 60 s) for node1's
/// binary to change; with a barrier after the pulls, no node would be shipped
/// to before node3's pull ended, and that pull would fail.
#[test]
fn a_slow_pull_on_one_node_does_not_hold_up_the_others_shipment() {
    let o = origin();
    let fleet = DeployFleet::start(&o.new);
    let node1_bin = fleet.ssh.repo("node1").join("target/release/timed");
    let old_sum = sums(&fleet)[0].clone();
    let text = std::fs::read_to_string(&fleet.fleet).expect("fleet file");
    let mut file: toml::Value = toml::from_str(&text).expect("fleet TOML");
    let node3 = file["nodes"]
        .as_array_mut()
        .expect("nodes")
        .iter_mut()
        .find(|n| n["name"].as_str() == Some("node3"))
        .and_then(toml::Value::as_table_mut)
        .expect("node3");
    // Braces would be template placeholders: the wait is written without them.
    let wait = format!(
        "end=$(($(date +%s) + 60)); while [ \"$(sha256sum {} | cut -c1-64)\" = {old_sum} ]; do \
         if [ $(date +%s) -gt $end ]; then echo 'node1 was not shipped to while node3 pulled'; exit 1; fi; \
         sleep 0.1; done; git pull --ff-only",
        node1_bin.display()
    );
    let mut commands = toml::value::Table::new();
    commands.insert("pull".into(), wait.into());
    node3.insert("commands".into(), commands.into());
    std::fs::write(&fleet.fleet, toml::to_string(&file).expect("TOML")).expect("write fleet");

    let (out, report) = deploy_ok(&fleet, &["--build-on", "node2"]);
    assert_eq!(report["outcome"], "deployed");
    assert!(fleet.all_run(&o.new), "{:?}", fleet.running());
    let steps = finished_steps(&out);
    let at = |node: &str, step: &str| {
        steps
            .iter()
            .position(|(n, s, end)| n == node && s == step && end == "ok")
            .unwrap_or_else(|| panic!("{node} {step} ok: {steps:?}"))
    };
    assert!(at("node1", "ship") < at("node3", "pull"), "{steps:?}");
}
