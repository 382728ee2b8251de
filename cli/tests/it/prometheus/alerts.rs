//! A real Prometheus, started on a loopback port with the shipped
//! configuration and rules (intervals cut to 1 s), scrapes a live devnet's
//! daemons (found through `timectl fleet sd`) and `timectl exporter`. Killing
//! a node fires the node-down alert and a checklist alert; restarting it
//! resolves both; Ctrl-C then stops the exporter cleanly.
//!
//! Bound: both alerts fire within 90 s of the kill. They wait 30 s (`for:`)
//! after the first failing scrape (1 s) or evaluation (a 2 s window), so on an
//! idle machine they fire about 35 s after the kill; the rest is margin for a
//! loaded CI machine. They resolve within 60 s of the restart (one scrape, one
//! healthy window, one rule evaluation).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::process::Guard;
use testkit::wait_until_blocking as until;

use super::tools::{binary, contrib, get};
use crate::check_devnet::setup::{built_commit, meshed_devnet};
use crate::support::timectl::timectl;

/// How long the alerts may take to fire after the kill (see the module doc).
const FIRING_BOUND: Duration = Duration::from_secs(90);
/// How long they may take to resolve after the restart.
const RESOLVED_BOUND: Duration = Duration::from_secs(60);
/// Bound on the exporter stopping after Ctrl-C (the evaluation under way is
/// dropped at its next step; about 1 s here).
const STOP_BOUND: Duration = Duration::from_secs(15);
/// Bound on Prometheus starting and every target answering a scrape.
const STARTUP_BOUND: Duration = Duration::from_secs(60);

#[test]
fn killing_a_node_fires_node_down_and_a_checklist_alert_and_restarting_it_resolves_them() {
    let devnet = meshed_devnet();
    let fleet = devnet.fleet_arg();
    let exporter_addr = SocketAddr::from(([127, 0, 0, 1], testkit::net::free_port()));
    let mut exporter = Guard(
        Command::new(env!("CARGO_BIN_EXE_timectl"))
            .args(["--fleet", &fleet, "exporter", "--window", "2s"])
            .args(["--listen", &exporter_addr.to_string()])
            .args(["--expect-commit", &built_commit().0])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start timectl exporter"),
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let config = configure(dir.path(), &fleet, exporter_addr);
    let web = SocketAddr::from(([127, 0, 0, 1], testkit::net::free_port()));
    let _prometheus = Guard(
        Command::new(binary("prometheus"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={web}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus"),
    );
    until("every target scraped and up", STARTUP_BOUND, || {
        let targets = api(web, "/api/v1/targets")?;
        let active = targets["data"]["activeTargets"].as_array()?;
        (active.len() == 5 && active.iter().all(|t| t["health"] == "up")).then_some(())
    });
    // The exporter's real output is what promtool accepts.
    let metrics = until("an evaluation served", STARTUP_BOUND, || {
        get(exporter_addr, "/metrics").filter(|m| m.contains("timecoin_check_verdict"))
    });
    promtool_accepts(&metrics);
    let before = firing(web);
    assert!(
        before
            .iter()
            .all(|(name, _)| name != "TimecoinNodeDown" && name != "TimecoinCheckFailing"),
        "alerts before any fault: {before:#?}"
    );

    devnet.kill(&["node4"]);
    let killed = Instant::now();
    until(
        "node-down and a checklist alert firing",
        FIRING_BOUND,
        || {
            let now = firing(web);
            let down = now
                .iter()
                .any(|(name, labels)| name == "TimecoinNodeDown" && labels["node"] == "node4");
            let check = now.iter().any(|(name, labels)| {
                name == "TimecoinCheckFailing" && labels["item"] == "peers_stable"
            });
            (down && check).then_some(())
        },
    );
    eprintln!(
        "alerts fired {:.1}s after the kill",
        killed.elapsed().as_secs_f64()
    );

    let restart = timectl(&["devnet", "restart", "--dir", &devnet.dir_arg(), "node4"]);
    assert!(
        restart.status.success(),
        "{}",
        String::from_utf8_lossy(&restart.stderr)
    );
    let restarted = Instant::now();
    until("the alerts resolved", RESOLVED_BOUND, || {
        let now = firing(web);
        now.iter()
            .all(|(name, _)| name != "TimecoinNodeDown" && name != "TimecoinCheckFailing")
            .then_some(())
    });
    eprintln!(
        "alerts resolved {:.1}s after the restart",
        restarted.elapsed().as_secs_f64()
    );

    // Ctrl-C stops the exporter cleanly: exit 130, the port closed.
    let pid = nix::unistd::Pid::from_raw(i32::try_from(exporter.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT");
    let status = until("the exporter to stop on Ctrl-C", STOP_BOUND, || {
        exporter.0.try_wait().ok().flatten()
    });
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(get(exporter_addr, "/metrics").is_none(), "still served");
}

/// Writes the shipped configuration and rules into `dir`, scraping every 1 s
/// and evaluating every 1 s, the exporter at `exporter`, the daemons from
/// `timectl fleet sd`; returns the configuration's path.
fn configure(dir: &Path, fleet: &str, exporter: SocketAddr) -> std::path::PathBuf {
    let shipped = std::fs::read_to_string(contrib().join("prometheus.yml")).expect("config");
    assert!(shipped.contains("127.0.0.1:9750") && shipped.contains("15s"));
    let config = shipped
        .replace("127.0.0.1:9750", &exporter.to_string())
        .replace("15s", "1s");
    std::fs::write(dir.join("prometheus.yml"), config).expect("write config");
    std::fs::copy(
        contrib().join("timecoin-rules.yml"),
        dir.join("timecoin-rules.yml"),
    )
    .expect("copy rules");
    std::fs::create_dir(dir.join("timecoin")).expect("mkdir");
    let sd = dir.join("timecoin/timed.json");
    let out = timectl(&[
        "--fleet",
        fleet,
        "fleet",
        "sd",
        "--write",
        &sd.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let groups: Value =
        serde_json::from_str(&std::fs::read_to_string(&sd).expect("sd file")).expect("JSON");
    assert_eq!(groups.as_array().map(Vec::len), Some(4), "{groups:#}");
    dir.join("prometheus.yml")
}

/// A Prometheus API answer, once it says success.
fn api(web: SocketAddr, path: &str) -> Option<Value> {
    let answer: Value = serde_json::from_str(&get(web, path)?).ok()?;
    (answer["status"] == "success").then_some(answer)
}

/// The firing alerts: name and labels.
fn firing(web: SocketAddr) -> Vec<(String, Value)> {
    let Some(answer) = api(web, "/api/v1/alerts") else {
        return Vec::new();
    };
    answer["data"]["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["state"] == "firing")
        .map(|a| {
            let labels = a["labels"].clone();
            (
                labels["alertname"].as_str().unwrap_or("").to_owned(),
                labels,
            )
        })
        .collect()
}

/// `promtool check metrics` reads `metrics` from stdin without a complaint.
pub(super) fn promtool_accepts(metrics: &str) {
    use std::io::Write as _;
    let mut child = Command::new(binary("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(metrics.as_bytes())
        .expect("feed promtool");
    let out = child.wait_with_output().expect("promtool");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics:\n{}{}\n--- the metrics:\n{metrics}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
