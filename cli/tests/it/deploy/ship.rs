//! `timectl deploy --build-on NODE` over SSH with real daemons: one node
//! builds, the others receive its binary (checksum verified on arrival) without
//! building, and every node then runs the release, gated as usual.

use serde_json::Value;

use super::fleet::{DeployFleet, NODES, origin};
use super::rollout::deploy_ok;

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
    let sums: Vec<String> = NODES
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
        .collect();
    assert!(sums.iter().all(|s| s == &sums[0]), "{sums:?}");
}
