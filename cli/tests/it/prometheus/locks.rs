//! `timectl exporter` on a devnet whose nodes are locked by other operators:
//! alice's maintenance lock (taken by `timectl lock acquire`) and bob's deploy
//! at a node's gate are metrics with their holder, command, commit and phase,
//! and the text is what `promtool check metrics` accepts.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use testkit::process::Guard;
use testkit::wait_until_blocking as until;

use super::alerts::promtool_accepts;
use super::tools::get;
use crate::support::locks::{BOB, fleet_with_own_repos, hold_as_deployer};
use crate::support::timectl::{Devnet, MESH_TIMEOUT};

#[test]
fn a_deploy_held_by_another_user_is_in_the_metrics_with_its_holder_commit_and_phase() {
    let devnet = Devnet::up(&[]);
    let fleet = fleet_with_own_repos(&devnet);
    let taken = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args([
            "--fleet",
            &fleet,
            "lock",
            "acquire",
            "-m",
            "disk swap",
            "node2",
        ])
        .env("USER", "alice")
        .output()
        .expect("run timectl");
    assert!(taken.status.success(), "{taken:?}");
    hold_as_deployer(&devnet.dir.join("repos/node3"), &BOB);

    let addr = SocketAddr::from(([127, 0, 0, 1], testkit::net::free_port()));
    let _exporter = Guard(
        Command::new(env!("CARGO_BIN_EXE_timectl"))
            .args(["--fleet", &fleet, "exporter", "--window", "2s"])
            .args(["--listen", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start timectl exporter"),
    );
    let metrics = until("an evaluation with the locks", MESH_TIMEOUT, || {
        get(addr, "/metrics").filter(|m| m.contains("timecoin_lock_held"))
    });
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    for line in [
        r#"timecoin_lock_held{node="node3",user="bob",host="ctl2",command="deploy",commit="9f1c2ab3d4e5"} 1"#,
        r#"timecoin_deploy_phase{node="node3",phase="gating"} 1"#,
        r#"timecoin_deploy_phase{node="node2",phase="gating"} 0"#,
        r#"timecoin_lock_held{node="node1"} 0"#,
        r#"timecoin_lock_stale{node="node3"} 0"#,
        &format!(
            r#"timecoin_lock_held{{node="node2",user="alice",host="{}",command="lock",commit=""}} 1"#,
            host.trim()
        ),
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in:\n{metrics}");
    }
    assert!(
        metrics.contains(r#"timecoin_lock_since_timestamp_seconds{node="node3"} "#),
        "{metrics}"
    );
    promtool_accepts(&metrics);
    // A lock given back is free in the next evaluation.
    let released = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(["--fleet", &fleet, "lock", "release", "node2"])
        .env("USER", "alice")
        .output()
        .expect("run timectl");
    assert!(released.status.success(), "{released:?}");
    until(
        "node2's lock free in the metrics",
        Duration::from_secs(30),
        || {
            get(addr, "/metrics").filter(|m| {
                m.lines()
                    .any(|l| l == r#"timecoin_lock_held{node="node2"} 0"#)
            })
        },
    );
}
