//! What every `check` test starts from: a meshed devnet, the checklist's items
//! in order, and `check` run against the commit the daemons were built from.

use std::process::{Command, Output};

use crate::support::timectl::{Devnet, MESH_TIMEOUT, json, timectl};
use testkit::wait_until_blocking as until_blocking;

/// The check window of these tests: a few block rounds at the devnets' 1 s
/// interval, short on a shared 2-core machine.
pub(super) const WINDOW: &str = "4s";

/// The items, in checklist order (the JSON contract's ids).
pub(super) const ITEMS: [&str; 11] = [
    "no_resets",
    "masternodes_active",
    "peers_stable",
    "production_running",
    "heights_advancing",
    "no_backoff_spam",
    "clean_handshakes",
    "one_link_per_pair",
    "same_commit",
    "same_chain",
    "no_equivocations",
];

/// A 4-node devnet whose every node sees all four masternodes and has made
/// a few blocks.
pub(crate) fn meshed_devnet() -> Devnet {
    let devnet = Devnet::up(&["--block-interval", "1s"]);
    let fleet = devnet.fleet_arg();
    until_blocking("a meshed devnet making blocks", MESH_TIMEOUT, || {
        let status = json(&timectl(&["--fleet", &fleet, "status", "--output", "json"]));
        let nodes = status["nodes"].as_array()?;
        nodes
            .iter()
            .all(|n| n["active_masternodes"] == 4 && n["block_height"].as_u64() >= Some(3))
            .then_some(())
    });
    devnet
}

/// The commit the test daemons were built from, as `timed --version` says it,
/// and whether that build had uncommitted changes (the commit item then warns).
/// Checks compare with it rather than the checkout's HEAD, which moves on while
/// a developer commits without rebuilding the daemon.
pub(crate) fn built_commit() -> (String, bool) {
    let out = Command::new(crate::support::timed::binary())
        .arg("--version")
        .output()
        .expect("timed --version");
    let text = String::from_utf8_lossy(&out.stdout);
    let commit = text
        .split("commit ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no commit in {text:?}"))
        .to_owned();
    let dirty = commit.ends_with("-dirty");
    (commit.trim_end_matches("-dirty").to_owned(), dirty)
}

/// `timectl --fleet FLEET check --window WINDOW --expect-commit BUILT ARGS`.
pub(super) fn check(fleet: &str, args: &[&str]) -> Output {
    check_over(WINDOW, fleet, args)
}

/// `check` over another window than [`WINDOW`].
pub(super) fn check_over(window: &str, fleet: &str, args: &[&str]) -> Output {
    let (commit, _) = built_commit();
    let mut all = vec![
        "--fleet",
        fleet,
        "check",
        "--window",
        window,
        "--expect-commit",
        &commit,
    ];
    all.extend_from_slice(args);
    timectl(&all)
}

/// The exit code and status of a healthy run: pass, or warn for a daemon
/// built from a tree with uncommitted changes.
pub(super) fn healthy() -> (i32, &'static str) {
    if built_commit().1 {
        (1, "warn")
    } else {
        (0, "pass")
    }
}

pub(super) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
