//! Scale must not break the operator's commands: on a devnet of many real
//! daemons, `status`, `check` and `deploy --dry-run` each answer for every
//! node, naming each; over SSH, `status` answers for many nodes behind one sshd
//! at its default limits. Not timings (the benchmarks measure those): a probe,
//! a journal read or a target commit lost at this size fails here.
//!
//! The sizes are what a loaded 2-core CI machine carries with the debug-build
//! daemons the tests run (the issue asks for 64 and 100): 64 daemons did not
//! come up there (a daemon's `/health` silent for 15 s at load 170-330), 32 lost
//! probes to the RPC's 5 s bound at load 250; 16 passed in 12 s at load 220.
//! `FLEET_SCALE_NODES` and `FLEET_SCALE_SSH_NODES` run the sizes:
//! `scripts/test.sh` does, one test at a time after the suite (64 daemons and
//! 100 SSH nodes in about 40 s at load 35).
//!
//! The daemons run a slow block interval: processes on a shared CI machine
//! spend their time answering the commands under test, not making blocks.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::timectl::{Devnet, json, timectl};

/// The devnet's size unless `FLEET_SCALE_NODES` gives one.
const NODES: usize = 16;

/// Nothing but the first round (if any) happens while the test runs.
const BLOCK_INTERVAL: &str = "60s";

/// `check`'s window: two probe rounds and one journal read of every node.
const WINDOW: &str = "2s";

/// The size `var` gives, else `default`.
fn size(var: &str, default: usize) -> usize {
    std::env::var(var).map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|e| panic!("{var}={v:?} is not a node count: {e}"))
    })
}

/// `node1` .. `nodeN`, the names `devnet up` gives.
fn node_names(nodes: usize) -> BTreeSet<String> {
    (1..=nodes).map(|i| format!("node{i}")).collect()
}

/// The node a line of evidence is about: its text before the first `:`.
fn named(line: &str) -> Option<&str> {
    line.split_once(':').map(|(name, _)| name)
}

#[test]
fn status_check_and_dry_run_answer_for_every_node_of_a_large_devnet() {
    let count = size("FLEET_SCALE_NODES", NODES);
    let names = || node_names(count);
    let devnet = Devnet::up_sized(count, &["--block-interval", BLOCK_INTERVAL]);
    let fleet = devnet.fleet_arg();

    // status: one entry per node, every one reachable.
    let out = timectl(&["--fleet", &fleet, "status", "--output", "json"]);
    let report = json(&out);
    let nodes = report["nodes"].as_array().expect("nodes");
    let unreachable: Vec<&Value> = nodes.iter().filter(|n| n["reachable"] != true).collect();
    assert!(unreachable.is_empty(), "unreachable: {unreachable:#?}");
    let seen: BTreeSet<String> = nodes
        .iter()
        .filter_map(|n| n["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(seen, names(), "status names every node once");
    assert_eq!(nodes.len(), count);

    // check: no node unknown (exit 3 is "a node unreachable"), and the items
    // judged from each node's probes and journal name all 64.
    let out = timectl(&[
        "--fleet",
        &fleet,
        "check",
        "--window",
        WINDOW,
        "--output",
        "json",
        "--verbose",
    ]);
    let report = json(&out);
    assert_ne!(
        out.status.code(),
        Some(3),
        "a node unknown: {report:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for id in ["masternodes_active", "no_resets", "same_commit"] {
        let item = crate::support::timectl::item(&report, id);
        assert_ne!(item["status"], "unknown", "{item:#}");
        let evidence: BTreeSet<String> = item["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .filter_map(|line| named(line.as_str()?).map(str::to_owned))
            .collect();
        assert!(
            names().is_subset(&evidence),
            "{id} names every node: missing {:?}",
            names().difference(&evidence).collect::<Vec<_>>()
        );
    }

    // deploy --dry-run: a target commit read from every node's checkout (HEAD:
    // the checkout under test need not track an upstream branch).
    let out = timectl(&["--fleet", &fleet, "deploy", "--dry-run", "--ref", "HEAD"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in names() {
        let section = text
            .split(&format!("\n{name}:\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no section for {name}: {text}"));
        let target = section.lines().next().unwrap_or_default();
        assert!(
            target.starts_with("  target commit: ") && !target.contains("unknown"),
            "{name}: {target}"
        );
    }
}

/// SSH nodes sharing one daemon at most: every tunnel reaches it from sshd's
/// 127.0.0.1, and a probe holds up to four RPC connections, so eight nodes stay
/// within a daemon's 32 connections from one address.
const NODES_PER_DAEMON: usize = 8;

/// A devnet with a daemon for every [`NODES_PER_DAEMON`] SSH nodes, four at least.
fn devnet_for_ssh(nodes: usize) -> Devnet {
    Devnet::up_sized(
        nodes.div_ceil(NODES_PER_DAEMON).max(4),
        &["--block-interval", BLOCK_INTERVAL],
    )
}

/// A fleet file of `names` behind `sshd`, each reaching the devnet's daemons'
/// RPCs in turn through its own tunnel.
fn ssh_fleet(sshd: &testkit::sshd::Sshd, devnet: &Devnet, names: &[String]) -> String {
    let rpcs = devnet.rpc_addrs();
    let nodes: Vec<(&str, std::net::SocketAddr)> = names
        .iter()
        .zip(rpcs.iter().cycle())
        .map(|(n, rpc)| (n.as_str(), *rpc))
        .collect();
    sshd.fleet_toml_with_rpc(&nodes)
}

/// Nodes behind the one sshd of [`status_over_ssh_answers_for_every_node_behind_one_default_sshd`]
/// unless `FLEET_SCALE_SSH_NODES` gives how many: more than sshd's 10 at once.
const SSH_NODES: usize = 24;

/// The soft open-file limit the SSH test runs `status` under: 24 nodes hold
/// about 180 descriptors.
const OPEN_FILES_SOFT: usize = 64;

/// `status` over SSH to many nodes that share one sshd left at its default
/// `MaxStartups` (10:30:100, which refuses handshakes at random above 10
/// unauthenticated): every node is reachable through its own master and
/// tunnel, because `timectl` starts at most a few masters at once (and tries
/// again when sshd turns one away), even under a soft open-file limit they
/// exceed.
#[test]
fn status_over_ssh_answers_for_every_node_behind_one_default_sshd() {
    let count = size("FLEET_SCALE_SSH_NODES", SSH_NODES);
    let sshd = testkit::sshd::Sshd::start_with(&testkit::sshd::Options {
        hosts: testkit::sshd::MAX_HOSTS,
        max_startups: "10:30:100".into(),
        max_sessions: 10,
    });
    let devnet = devnet_for_ssh(count);
    let names: Vec<String> = (1..=count).map(|i| format!("ssh{i}")).collect();
    let fleet = devnet.dir.join("ssh-fleet.toml");
    std::fs::write(&fleet, ssh_fleet(&sshd, &devnet, &names)).expect("fleet");

    // Under a soft limit of 64 open files, below what this many nodes hold:
    // timectl lifts it to the hard limit itself.
    let out = std::process::Command::new("prlimit")
        .arg(format!("--nofile={OPEN_FILES_SOFT}:"))
        .arg(env!("CARGO_BIN_EXE_timectl"))
        .arg("--fleet")
        .arg(&fleet)
        .args(["status", "--output", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("prlimit (util-linux)");
    let report = json(&out);
    let listed = report["nodes"].as_array().expect("nodes");
    let unreachable: Vec<&Value> = listed.iter().filter(|n| n["reachable"] != true).collect();
    assert!(
        unreachable.is_empty(),
        "{} of {count} unreachable: {unreachable:#?}\nsshd: {}",
        unreachable.len(),
        sshd.log()
    );
    let seen: Vec<&str> = listed.iter().filter_map(|n| n["name"].as_str()).collect();
    assert_eq!(seen, names, "every node once, in fleet order");
    testkit::wait_until_blocking(
        "status's masters to exit after it",
        crate::support::EVENT_TIMEOUT,
        || {
            crate::support::ssh_masters(sshd.port)
                .is_empty()
                .then_some(())
        },
    );
}

/// Nodes of [`a_node_waiting_its_turn_to_connect_is_not_unreachable`]: five
/// rounds of the masters timectl starts at once.
const FAR_NODES: usize = 40;

/// The far link's handshake delay: five rounds of it (15 s) outlast a probe's
/// own deadline (12 s), one round stays well within ssh's connect timeout.
const FAR_LINK_DELAY: std::time::Duration = std::time::Duration::from_secs(3);

/// `status` over SSH to many far-away nodes (every handshake 3 s late): timectl
/// starts a few masters at a time, so the last nodes wait rounds of others'
/// handshakes for their turn. That wait is not the node's silence: every node
/// answers. (Counted inside the probe's deadline, the last rounds were reported
/// unreachable, "no answer within 12s", as over a slow link or a loaded box.)
#[test]
fn a_node_waiting_its_turn_to_connect_is_not_unreachable() {
    let sshd = testkit::sshd::Sshd::start_with(&testkit::sshd::Options {
        hosts: 1,
        ..testkit::sshd::Options::default()
    });
    let link = testkit::net::SlowLink::start(
        std::net::SocketAddr::from(([127, 0, 0, 1], sshd.port)),
        FAR_LINK_DELAY,
    );
    // The host key as seen through the link's port too.
    let known = std::fs::read_to_string(sshd.known_hosts()).expect("known_hosts");
    let through_link = known.replace(
        &format!("]:{} ", sshd.port),
        &format!("]:{} ", link.addr().port()),
    );
    std::fs::write(sshd.known_hosts(), known + &through_link).expect("known_hosts");

    let devnet = devnet_for_ssh(FAR_NODES);
    let names: Vec<String> = (1..=FAR_NODES).map(|i| format!("far{i}")).collect();
    let fleet = devnet.dir.join("far-fleet.toml");
    let text = ssh_fleet(&sshd, &devnet, &names).replacen(
        &format!("\nport = {}\n", sshd.port),
        &format!("\nport = {}\n", link.addr().port()),
        1,
    );
    std::fs::write(&fleet, text).expect("fleet");

    let out = timectl(&[
        "--fleet",
        &fleet.display().to_string(),
        "status",
        "--output",
        "json",
    ]);
    let report = json(&out);
    let listed = report["nodes"].as_array().expect("nodes");
    let unreachable: Vec<&Value> = listed.iter().filter(|n| n["reachable"] != true).collect();
    assert!(
        unreachable.is_empty(),
        "{} of {FAR_NODES} unreachable: {unreachable:#?}",
        unreachable.len()
    );
    assert_eq!(listed.len(), FAR_NODES);
}
