//! `timectl status` over SSH: four real `timed` daemons (a devnet) reached through
//! a real sshd at 127.0.0.1-4, each node's RPC through an SSH tunnel to its
//! loopback address, plus one dead node that shows as unreachable with its name
//! and reason, costs no more than its timeout, and makes the exit code 1.

use std::fmt::Write as _;

use std::time::Instant;

use crate::support::timectl::{Devnet, MESH_TIMEOUT, timectl};
use serde_json::Value;
use testkit::sshd::Sshd;

#[test]
fn status_over_ssh_tunnels_shows_every_node_and_names_the_dead_one() {
    let sshd = Sshd::start();
    let devnet = Devnet::up(&[]);
    let tmp = tempfile::tempdir().expect("tempdir");
    // The same daemons, now reached as four SSH hosts with tunnelled RPC.
    let mut text = devnet.ssh_fleet(&sshd);
    let dead_port = testkit::net::free_port();
    write!(
        text,
        "\n[[nodes]]\nname = \"LW-Dead\"\nhost = \"127.0.0.1\"\nport = {dead_port}\n"
    )
    .expect("fmt");
    let fleet = tmp.path().join("ssh-fleet.toml");
    std::fs::write(&fleet, text).expect("fleet");
    let fleet = fleet.display().to_string();

    let (report, out, took) =
        testkit::wait_until_blocking("4 nodes reachable over ssh", MESH_TIMEOUT, || {
            let started = Instant::now();
            let out = timectl(&["--fleet", &fleet, "status", "--output", "json"]);
            let took = started.elapsed();
            let report: Value = serde_json::from_slice(&out.stdout).ok()?;
            let nodes = report["nodes"].as_array()?;
            let up = nodes
                .iter()
                .filter(|n| n["reachable"] == true && n["connected_peers"] == 3)
                .count();
            (up == 4).then_some((report, out, took))
        });
    assert_eq!(
        out.status.code(),
        Some(1),
        "a dead node makes the exit code 1"
    );
    let nodes = report["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 5);
    let dead = &nodes[4];
    assert_eq!(dead["name"], "LW-Dead");
    assert_eq!(dead["reachable"], false);
    let reason = dead["error"].as_str().expect("reason");
    assert!(
        reason.starts_with("LW-Dead:") && reason.contains("refused"),
        "{reason}"
    );
    assert!(
        took < timectl::testing::PROBE_TIMEOUT,
        "a refused node must not hold the command to the timeout: {took:?}"
    );
    let node_ids: std::collections::BTreeSet<&str> = nodes[..4]
        .iter()
        .map(|n| n["node_id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        node_ids.len(),
        4,
        "four different daemons behind four tunnels"
    );

    let out = timectl(&["--fleet", &fleet, "status"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("LW-Dead") && l.contains("unreachable")),
        "{table}"
    );
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(
        errors.lines().any(|l| l.starts_with("LW-Dead: ")),
        "reason printed on stderr: {errors}"
    );
}
