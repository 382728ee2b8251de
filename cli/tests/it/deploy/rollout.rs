//! `timectl deploy` end to end over SSH with real daemons: a good release reaches
//! every node; a build failure restarts none; a release that cannot join is
//! rolled back on its node only; locks refuse and are stolen only when stale;
//! Ctrl-C leaves every node running; a degraded fleet is not made worse.

use std::time::Duration;

use serde_json::Value;

use super::fleet::{DeployFleet, NODES, origin};
use crate::support::timectl::MESH_TIMEOUT;

fn summary(out: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["event"] == "summary")
        .unwrap_or_else(|| {
            panic!(
                "no summary in {text}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

/// Deploys the release `fleet` was started with (all four nodes on `old`
/// first), `--yes --output json` plus `extra`; fails the test unless it exits 0.
/// The run's output and its summary.
pub(super) fn deploy_ok(fleet: &DeployFleet, extra: &[&str]) -> (std::process::Output, Value) {
    assert!(fleet.all_run(&origin().old), "{:?}", fleet.running());
    let mut args = vec!["deploy", "--yes", "--output", "json"];
    args.extend_from_slice(extra);
    let out = fleet.timectl(&args);
    let report = summary(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out, report)
}

fn results(summary: &Value) -> Vec<String> {
    summary["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["result"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn all_locks_free(fleet: &DeployFleet) -> bool {
    let out = fleet.timectl(&["lock", "status", "--output", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("lock status json");
    report["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .all(|n| n["result"] == "free")
}

#[test]
fn a_good_release_reaches_every_node_gated_and_audited() {
    let o = origin();
    let fleet = DeployFleet::start(&o.new);
    let (out, report) = deploy_ok(&fleet, &["-m", "release 2"]);
    assert_eq!(report["outcome"], "deployed");
    assert_eq!(report["target"], o.new.as_str());
    assert_eq!(results(&report), vec!["deployed"; 4]);
    let running = fleet.running();
    assert!(
        running.iter().all(|c| o.new.starts_with(c.as_str())),
        "every node runs the release: {running:?}"
    );
    // Every gate passed on the chain's word, with its evidence in the stream.
    let gates = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("\"event\":\"gate\"") && l.contains("\"passed\":true"))
        .count();
    assert_eq!(gates, 4);
    assert!(all_locks_free(&fleet), "locks released");
    let local = std::fs::read_to_string(&fleet.audit).expect("local audit");
    assert!(
        local.contains("\"outcome\":\"deployed\"")
            && local.contains("release 2")
            && local.contains(&o.new),
        "{local}"
    );
    for node in NODES {
        let on_node = std::fs::read_to_string(
            fleet
                .ssh
                .dir
                .path()
                .join(node)
                .join("repo/.git/timectl/audit.jsonl"),
        )
        .expect("node audit");
        assert!(on_node.contains(&o.new), "{on_node}");
    }
}

/// Each node's lock as its commands found it, one holder per line, in the
/// order the deploy ran them: the build, the restart and the gate's journal
/// read each append the lock they run under to `phases.jsonl` beside the repo.
fn record_the_lock_in_each_step(fleet: &DeployFleet) {
    let text = std::fs::read_to_string(&fleet.fleet).expect("fleet file");
    let mut file: toml::Value = toml::from_str(&text).expect("fleet TOML");
    let commands = file
        .get_mut("defaults")
        .and_then(|d| d.get_mut("commands"))
        .and_then(toml::Value::as_table_mut)
        .expect("[defaults.commands]");
    for step in ["build", "restart", "logs"] {
        let command = commands[step].as_str().expect("command").to_owned();
        commands.insert(
            step.into(),
            format!("cat .git/timectl/lock/holder.json >> ../phases.jsonl; {command}").into(),
        );
    }
    std::fs::write(&fleet.fleet, toml::to_string(&file).expect("TOML")).expect("write fleet");
}

#[test]
fn each_nodes_phase_is_recorded_in_its_lock_as_the_deploy_proceeds() {
    let o = origin();
    let fleet = DeployFleet::start(&o.new);
    record_the_lock_in_each_step(&fleet);
    let (_, report) = deploy_ok(&fleet, &["-m", "phases"]);
    assert_eq!(report["outcome"], "deployed");
    for node in NODES {
        let path = fleet.ssh.dir.path().join(node).join("phases.jsonl");
        let text = std::fs::read_to_string(&path).expect("phases recorded");
        let mut phases: Vec<String> = Vec::new();
        for line in text.lines() {
            let holder: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{node}: a holder line {line:?}: {e}"));
            assert_eq!(holder["message"], "phases", "{node}: {line}");
            let Some(phase) = holder["phase"].as_str() else {
                continue;
            };
            // The commit is known once every node pulled: after staging.
            let target = if phase == "staging" {
                Value::Null
            } else {
                Value::from(o.new.as_str())
            };
            assert_eq!(holder["target"], target, "{node}: {line}");
            if phases.last().is_none_or(|p| p != phase) {
                phases.push(phase.to_owned());
            }
        }
        assert_eq!(
            phases,
            ["staging", "restarting", "gating"],
            "{node}'s lock as its build, restart and gate saw it:\n{text}"
        );
    }
    assert!(all_locks_free(&fleet), "locks released");
}

#[test]
fn a_build_failure_on_one_node_restarts_none() {
    let o = origin();
    let fleet = DeployFleet::start_with(&o.new, |node| {
        if node == "node3" {
            "[nodes.commands]\nbuild = \"sh build.sh && echo 'error: linking failed' && exit 101\""
                .into()
        } else {
            String::new()
        }
    });
    let pids = fleet.pids();
    let out = fleet.timectl(&["deploy", "--yes", "--output", "json"]);
    let report = summary(&out);
    assert_eq!(out.status.code(), Some(3), "nothing changed: {report}");
    assert_eq!(report["outcome"], "untouched");
    assert!(
        report["reason"].as_str().unwrap_or("").contains("node3"),
        "{report}"
    );
    assert_eq!(fleet.pids(), pids, "no daemon restarted");
    for node in NODES {
        assert_eq!(fleet.head(node), o.old, "{node} is back on the old commit");
    }
    assert!(fleet.all_run(&o.old));
    assert!(all_locks_free(&fleet));
}

#[test]
fn a_release_that_cannot_join_is_rolled_back_on_its_node_only() {
    let o = origin();
    let fleet = DeployFleet::start(&o.bad);
    let pids = fleet.pids();
    let out = fleet.timectl(&[
        "deploy",
        "--yes",
        "--output",
        "json",
        "--gate-timeout",
        "15s",
    ]);
    let report = summary(&out);
    assert_eq!(
        out.status.code(),
        Some(4),
        "rolled back: {report}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        results(&report),
        vec!["rolled_back", "untouched", "untouched", "untouched"]
    );
    let evidence = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.contains("\"event\":\"gate\"") && l.contains("\"passed\":false"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no failed gate in {}", String::from_utf8_lossy(&out.stdout)));
    assert!(
        evidence.contains("masternodes") && evidence.contains("want 4"),
        "{evidence}"
    );
    assert_eq!(&fleet.pids()[1..], &pids[1..], "only node1 restarted");
    for node in NODES {
        assert_eq!(fleet.head(node), o.old, "{node} is on the old commit");
    }
    fleet.wait_meshed();
    assert!(fleet.all_run(&o.old), "{:?}", fleet.running());
    assert!(all_locks_free(&fleet));
}

#[test]
fn a_held_lock_refuses_and_a_stale_one_is_stolen_only_when_asked() {
    let o = origin();
    let fleet = DeployFleet::start(&o.new);
    let pids = fleet.pids();
    let taken = fleet.timectl(&["lock", "acquire", "-m", "disk swap", "--ttl", "1s", "node2"]);
    assert_eq!(taken.status.code(), Some(0), "{taken:?}");
    let out = fleet.timectl(&["deploy", "--yes", "--output", "json"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("node2: locked") && text.contains("disk swap") && text.contains("pid"),
        "{text}"
    );
    assert_eq!(fleet.pids(), pids, "nothing restarted");
    // The other nodes' locks, taken while node2's was refused, are given back.
    let out = fleet.timectl(&["lock", "status", "--output", "json"]);
    let locks: Value = serde_json::from_slice(&out.stdout).expect("lock status json");
    let free: Vec<bool> = locks["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["result"] == "free")
        .collect();
    assert_eq!(free, [true, false, true, true], "{locks}");

    testkit::wait_until_blocking("the lock to go stale", Duration::from_secs(30), || {
        let out = fleet.timectl(&["lock", "status", "--output", "json", "node2"]);
        let report: Value = serde_json::from_slice(&out.stdout).ok()?;
        let lock = &report["nodes"][0]["lock"];
        (lock["age"].as_u64()? > lock["ttl"].as_u64()?).then_some(())
    });
    let out = fleet.timectl(&["deploy", "--yes", "--output", "json", "--steal-stale"]);
    let report = summary(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("took over from"),
        "the takeover is shown"
    );
}

#[test]
fn a_degraded_fleet_is_not_made_worse() {
    let o = origin();
    let fleet = DeployFleet::start(&o.new);
    let pids = fleet.pids();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(pids[3]).expect("pid")),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill node4");
    testkit::wait_until_blocking("node1 to see node4 gone", MESH_TIMEOUT, || {
        let report: Value = serde_json::from_slice(
            &fleet
                .timectl(&["status", "--output", "json", "node1"])
                .stdout,
        )
        .ok()?;
        (report["nodes"][0]["active_masternodes"] == 3).then_some(())
    });
    let out = fleet.timectl(&[
        "deploy", "--yes", "--output", "json", "node1", "node2", "node3",
    ]);
    let report = summary(&out);
    assert_eq!(out.status.code(), Some(3), "{report}");
    assert!(
        report["reason"]
            .as_str()
            .unwrap_or("")
            .contains("at its minimum"),
        "{report}"
    );
    assert_eq!(&fleet.pids()[..3], &pids[..3], "no live node restarted");
    for node in ["node1", "node2", "node3"] {
        assert_eq!(fleet.head(node), o.old, "{node} files restored");
    }
}

#[test]
fn ctrl_c_during_a_gate_leaves_every_node_running_and_the_locks_released() {
    use std::io::BufRead as _;
    let o = origin();
    let fleet = DeployFleet::start(&o.new);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args([
            "--fleet",
            &fleet.fleet,
            "deploy",
            "--yes",
            "--output",
            "json",
        ])
        .env("TIMECTL_AUDIT_LOG", &fleet.audit)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start deploy");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("read");
        let gating = line.contains("\"step\":\"gate\"") && line.contains("\"event\":\"started\"");
        seen.push(line);
        if gating {
            break;
        }
    }
    assert!(
        seen.last().is_some_and(|l| l.contains("gate")),
        "no gate began: {seen:?}"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid")),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = testkit::wait_until_blocking("deploy to end after Ctrl-C", MESH_TIMEOUT, || {
        child.try_wait().ok().flatten()
    });
    assert_eq!(status.code(), Some(130), "{rest:?}");
    let summary: Value = rest
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["event"] == "summary")
        .expect("a summary after Ctrl-C");
    assert_eq!(summary["outcome"], "interrupted");
    // The node in its gate finished it; the rest never restarted.
    assert_eq!(
        results(&summary),
        vec!["deployed", "untouched", "untouched", "untouched"]
    );
    assert!(
        fleet.pids().iter().all(|p| *p != 0),
        "every daemon runs: {:?}",
        fleet.pids()
    );
    fleet.wait_meshed();
    assert!(all_locks_free(&fleet));
    for node in &NODES[1..] {
        assert_eq!(fleet.head(node), o.old, "{node} files restored");
    }
}

#[test]
fn dry_run_shows_the_plan_and_touches_nothing() {
    let o = origin();
    let fleet = DeployFleet::start(&o.new);
    let pids = fleet.pids();
    let out = fleet.timectl(&["deploy", "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("target commit: {}", o.new)),
        "{text}"
    );
    assert!(
        text.contains("1. node1") && text.contains("4. node4"),
        "one at a time: {text}"
    );
    assert!(
        text.contains("sh build.sh") && text.contains("devnet restart"),
        "{text}"
    );
    assert_eq!(fleet.pids(), pids);
    assert_eq!(fleet.head("node1"), o.old);
    assert!(all_locks_free(&fleet));
    // Without a terminal and without --yes it refuses.
    let out = fleet.timectl(&["deploy"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
}
