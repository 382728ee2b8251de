//! One `timectl` process opens one SSH master per node for its whole life: four
//! SSH nodes probed round after round (`status --watch`) cost exactly four
//! masters, reused by every probe and RPC tunnel, and Ctrl-C ends the run with
//! code 130 and no master, control socket or forward left behind.

use std::path::Path;
use std::time::Duration;

use testkit::sshd::Sshd;

use crate::support::ssh_masters;
use crate::support::timectl::{Devnet, MESH_TIMEOUT, Running};

/// Bound on one round of `status --watch` showing up: a probe costs well under
/// a second here; the margin is for a loaded CI machine.
const ROUND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `timectl` may take to stop after Ctrl-C: it cancels, drains and
/// closes its masters in milliseconds.
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn four_nodes_probed_twice_open_four_masters_and_leave_none() {
    let sshd = Sshd::start();
    let devnet = Devnet::up(&[]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let fleet = tmp.path().join("ssh-fleet.toml");
    std::fs::write(&fleet, devnet.ssh_fleet(&sshd)).expect("fleet");

    let mut run = Running::start(&fleet, &["status", "--watch", "1s", "--output", "json"]);
    // Two rounds in which all four answered through their tunnels.
    let rounds = testkit::wait_until_blocking("two rounds with 4 nodes up", MESH_TIMEOUT, || {
        let rounds = run.snapshot();
        let up = |round: &serde_json::Value| {
            round["nodes"].as_array().is_some_and(|nodes| {
                nodes.len() == 4 && nodes.iter().all(|n| n["reachable"] == true)
            })
        };
        (rounds.iter().filter(|r| up(r)).count() >= 2).then_some(rounds)
    });
    assert!(rounds.len() >= 2);
    let masters = ssh_masters(sshd.port);
    assert_eq!(
        masters.len(),
        4,
        "one master per node, however many rounds: {masters:#?}"
    );
    // A third round still reuses them.
    let seen = run.snapshot().len();
    testkit::wait_until_blocking("a third round", ROUND_TIMEOUT, || {
        (run.snapshot().len() > seen).then_some(())
    });
    let again = ssh_masters(sshd.port);
    assert_eq!(
        pids(&again),
        pids(&masters),
        "the same four masters serve every round"
    );

    let status = run.interrupt(EXIT_TIMEOUT);
    assert_eq!(status.code(), Some(130), "Ctrl-C exits with 130: {status}");
    // Correctness: `ssh -O exit` returns once the master agreed to go; give it
    // the moment it takes to exit.
    testkit::wait_until_blocking("the masters to exit", EXIT_TIMEOUT, || {
        ssh_masters(sshd.port).is_empty().then_some(())
    });
    for master in &masters {
        let socket = master
            .args
            .windows(2)
            .find(|w| w[0] == "-S")
            .map(|w| w[1].clone())
            .expect("-S");
        let dir = Path::new(&socket).parent().expect("socket dir");
        assert!(!dir.exists(), "{} left behind", dir.display());
    }
}

fn pids(processes: &[testkit::process::Process]) -> Vec<u32> {
    let mut pids: Vec<u32> = processes.iter().map(|p| p.pid).collect();
    pids.sort_unstable();
    pids
}
