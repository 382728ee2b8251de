//! One devnet masternode's key signs two conflicting prevotes, sent to node1
//! while a check's window is open (after its start probe read node1's
//! counters, through a tap on node1's RPC): the check fails
//! `no_equivocations` naming node1, with exit code 2, and quotes node1's
//! contract line naming the masternode; `status` says node1 caught it.

use std::time::Duration;

use testkit::wait::wait_until;

use super::key_holder::equivocate;
use super::metrics_tap::MetricsTap;
use crate::support::timectl::{Devnet, MESH_TIMEOUT, evidence, item, timectl};

/// The check's window: long enough that the votes land between its start
/// and end probes on a loaded machine.
const WINDOW: &str = "10s";

/// Bound on the check's run: the window, journals and block look-ups.
const CHECK_WITHIN: Duration = Duration::from_secs(90);

/// node1's final height, once it is at least `at_least`.
async fn final_height(rpc: std::net::SocketAddr, at_least: u64) -> Option<u64> {
    let info: serde_json::Value = reqwest::get(format!("http://{rpc}/consensus_info"))
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    info["final_height"].as_u64().filter(|f| *f >= at_least)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_masternode_signing_conflicting_votes_fails_the_check_naming_the_node() {
    let devnet = tokio::task::spawn_blocking(|| Devnet::up(&["--block-interval", "1s"]))
        .await
        .expect("devnet up");
    let (rpc, p2p) = (devnet.rpc_addrs()[0], devnet.p2p_addrs()[0]);
    wait_until("node1 finalizing", MESH_TIMEOUT, || final_height(rpc, 2)).await;

    // The fleet as the devnet wrote it, node1's RPC reached through the tap.
    let mut tap = MetricsTap::start(rpc).await;
    let fleet_text = std::fs::read_to_string(devnet.dir.join("fleet.toml")).expect("fleet file");
    let node1 = "name = \"node1\"\n";
    assert!(fleet_text.contains(node1), "{fleet_text}");
    let tapped = fleet_text.replace(node1, &format!("{node1}rpc = \"http://{}\"\n", tap.addr));
    let fleet = devnet.dir.join("fleet-tapped.toml");
    std::fs::write(&fleet, tapped).expect("write fleet file");

    let check = tokio::process::Command::new(env!("CARGO_BIN_EXE_timectl"))
        .arg("--fleet")
        .arg(&fleet)
        .args(["check", "--window", WINDOW, "--output", "json"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start check");
    tokio::time::timeout(CHECK_WITHIN, tap.answered(1))
        .await
        .expect("the check's start probe read node1's metrics");

    let now = final_height(rpc, 0).await.expect("node1's final height");
    let sent = equivocate(
        &devnet.dir.join("network.toml"),
        &devnet.dir.join("node2").join("data"),
        p2p,
        now + 1..=now + 2,
    )
    .await;

    let out = tokio::time::timeout(CHECK_WITHIN, check.wait_with_output())
        .await
        .expect("check ends")
        .expect("check ran");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let log =
        std::fs::read_to_string(devnet.dir.join("node1").join("timed.log")).unwrap_or_default();
    let caught = item(&report, "no_equivocations");
    assert_eq!(caught["status"], "fail", "{caught:#}\n{log}");
    assert_eq!(report["verdict"], "fail");
    assert_eq!(out.status.code(), Some(2), "{report:#}");
    let lines = evidence(caught);
    assert!(
        lines
            .lines()
            .any(|l| l.starts_with("node1: caught ") && l.contains(" in the window")),
        "{lines}"
    );
    let contract = format!("Masternode {} equivocated at height", sent.offender);
    assert!(log.contains(&contract), "no {contract:?} in node1's log");
    // The window's journal names the signer under the count.
    assert!(
        lines
            .lines()
            .any(|l| l.starts_with("node1 log: ") && l.contains(&contract)),
        "{lines}"
    );

    // `status` shows the evidence under its table, naming node1.
    let fleet_arg = fleet.display().to_string();
    let status = tokio::task::spawn_blocking(move || timectl(&["--fleet", &fleet_arg, "status"]))
        .await
        .expect("status");
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains("node1: caught ") && text.contains("masternode equivocation"),
        "{text}"
    );
    drop(sent);
}
