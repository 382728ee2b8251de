//! `timectl lock`: taken atomically on every node, refused to a second taker with
//! the holder's name and message, stale only past its TTL and then taken over only
//! with `--steal-stale` (recorded on the node), broken only with `--force-unlock`.

use std::time::Duration;

use serde_json::Value;

use super::fixture::SshFleet;
use crate::support::timectl::{json, timectl};

fn lock_of<'a>(report: &'a Value, node: &str) -> &'a Value {
    report["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["node"] == node)
        .unwrap_or_else(|| panic!("no {node} in {report}"))
}

#[test]
fn a_maintenance_lock_refuses_a_second_taker_and_releases() {
    let fleet = SshFleet::start();
    let file = fleet.write_fleet("", |_| String::new());
    let base = ["--fleet", file.as_str(), "lock"];
    let run = |args: &[&str]| timectl(&[&base[..], args].concat());

    let status = run(&["status", "--output", "json"]);
    assert_eq!(status.status.code(), Some(0), "{status:?}");
    let report = json(&status);
    for node in ["n1", "n2", "n3", "n4"] {
        assert_eq!(lock_of(&report, node)["result"], "free", "{report}");
    }

    let taken = run(&["acquire", "-m", "disk swap", "n1", "n2"]);
    assert_eq!(taken.status.code(), Some(0), "{taken:?}");
    let report = json(&run(&["status", "--output", "json"]));
    let n1 = &lock_of(&report, "n1")["lock"];
    assert_eq!(n1["state"], "held", "{report}");
    assert_eq!(n1["holder"]["message"], "disk swap");
    assert_eq!(n1["holder"]["command"], "lock");
    assert_eq!(lock_of(&report, "n3")["result"], "free");

    // A second taker of n2 and n3 is refused on n2, and gets neither (all or none).
    let again = run(&["acquire", "-m", "other", "n2", "n3"]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(
        text.contains("n2") && text.contains("disk swap") && text.contains("pid"),
        "the refusal names the holder and its message: {text}"
    );
    let report = json(&run(&["status", "--output", "json"]));
    assert_eq!(lock_of(&report, "n3")["result"], "free", "{report}");

    let released = run(&["release", "n1", "n2"]);
    assert_eq!(released.status.code(), Some(0), "{released:?}");
    let report = json(&run(&["status", "--output", "json"]));
    assert_eq!(lock_of(&report, "n1")["result"], "free", "{report}");
    assert_eq!(lock_of(&report, "n2")["result"], "free", "{report}");
}

#[test]
fn a_stale_lock_is_taken_over_only_with_steal_stale_and_recorded() {
    let fleet = SshFleet::start();
    let file = fleet.write_fleet("", |_| String::new());
    let base = ["--fleet", file.as_str(), "lock"];
    let run = |args: &[&str]| timectl(&[&base[..], args].concat());

    let taken = run(&["acquire", "-m", "short", "--ttl", "1s", "n1"]);
    assert_eq!(taken.status.code(), Some(0), "{taken:?}");
    testkit::wait_until_blocking("the lock to go stale", Duration::from_secs(30), || {
        let report = json(&run(&["status", "--output", "json", "n1"]));
        let lock = &lock_of(&report, "n1")["lock"];
        (lock["age"].as_u64()? > lock["ttl"].as_u64()?).then_some(())
    });

    let refused = run(&["acquire", "-m", "mine now", "n1"]);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "stale but not stolen: {refused:?}"
    );
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("--steal-stale"),
        "{refused:?}"
    );

    let stolen = run(&["acquire", "-m", "mine now", "--steal-stale", "n1"]);
    assert_eq!(stolen.status.code(), Some(0), "{stolen:?}");
    let report = json(&run(&["status", "--output", "json", "n1"]));
    assert_eq!(
        lock_of(&report, "n1")["lock"]["holder"]["message"],
        "mine now"
    );
    let audit =
        std::fs::read_to_string(fleet.state_dir("n1").join("audit.jsonl")).expect("node audit log");
    assert!(
        audit.contains("lock_stolen") && audit.contains("short"),
        "the takeover and the old holder are recorded: {audit}"
    );
}

#[test]
fn another_operators_lock_is_broken_only_with_force_unlock() {
    let fleet = SshFleet::start();
    let file = fleet.write_fleet("", |_| String::new());
    let base = ["--fleet", file.as_str(), "lock"];
    let run = |args: &[&str]| timectl(&[&base[..], args].concat());
    // A lock taken by someone else, as their timectl would write it.
    let lock = fleet.state_dir("n3").join("lock");
    std::fs::create_dir_all(&lock).expect("mkdir lock");
    std::fs::write(lock.join("ttl"), "600\n").expect("ttl");
    std::fs::write(
        lock.join("holder.json"),
        r#"{"user":"alice","host":"laptop","pid":7,"command":"deploy","since":1,"target":"abc","message":"hotfix","token":"t0"}"#,
    )
    .expect("holder");

    let refused = run(&["release", "n3"]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("alice@laptop"),
        "{refused:?}"
    );
    assert!(lock.exists(), "not released without --force-unlock");

    let broken = run(&["release", "--force-unlock", "n3"]);
    assert_eq!(broken.status.code(), Some(0), "{broken:?}");
    assert!(!lock.exists(), "the lock is gone");
    let audit =
        std::fs::read_to_string(fleet.state_dir("n3").join("audit.jsonl")).expect("node audit log");
    assert!(
        audit.contains("lock_forced") && audit.contains("alice"),
        "{audit}"
    );
}

#[test]
fn refs_and_flags_that_would_reach_a_shell_are_bad_input() {
    let fleet = SshFleet::start();
    let file = fleet.write_fleet("", |_| String::new());
    for bad in ["main;reboot", "$(id)", "-x", "a b"] {
        let flag = format!("--ref={bad}");
        let out = timectl(&["--fleet", &file, "deploy", "--yes", &flag]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--ref"),
            "{out:?}"
        );
    }
    let out = timectl(&[
        "--fleet",
        &file,
        "deploy",
        "--yes",
        "--max-unavailable",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // A builder outside the nodes being deployed would leave them unbuilt.
    let out = timectl(&[
        "--fleet",
        &file,
        "deploy",
        "--yes",
        "--build-on",
        "n2",
        "n1",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--build-on \"n2\""),
        "{out:?}"
    );
}

/// A release that fails on the node (its `rm` refuses, as on a read-only file
/// system) is an error, and the lock is still there: never "released".
#[test]
fn a_release_that_fails_on_the_node_is_reported_as_failed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir repo");
    super::git(&repo, &["init", "-q", "-b", "main"]);
    let fleet = dir.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        format!(
            "[fleet]\nname = \"ro\"\n\n[[nodes]]\nname = \"n1\"\ntransport = \"local\"\nrepo = {:?}\n",
            repo.display().to_string()
        ),
    )
    .expect("fleet file");
    // `rm` on this node fails as it does on a read-only file system.
    let shims = dir.path().join("bin");
    std::fs::create_dir_all(&shims).expect("mkdir bin");
    let rm = shims.join("rm");
    std::fs::write(
        &rm,
        "#!/bin/sh\necho \"rm: cannot remove '$2': Read-only file system\" >&2\nexit 1\n",
    )
    .expect("rm shim");
    std::fs::set_permissions(&rm, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let path = format!(
        "{}:{}",
        shims.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let fleet = fleet.display().to_string();
    let run = |args: &[&str], path: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_timectl"));
        cmd.args(["--fleet", fleet.as_str(), "lock"]).args(args);
        cmd.env("NO_COLOR", "1");
        if let Some(path) = path {
            cmd.env("PATH", path);
        }
        cmd.output().expect("run timectl")
    };

    let taken = run(&["acquire", "-m", "maintenance"], None);
    assert_eq!(taken.status.code(), Some(0), "{taken:?}");
    let released = run(&["release", "--output", "json"], Some(&path));
    assert_eq!(released.status.code(), Some(1), "{released:?}");
    let report = json(&released);
    let n1 = lock_of(&report, "n1");
    assert_eq!(n1["result"], "error", "{report}");
    assert!(
        n1["error"]
            .as_str()
            .is_some_and(|e| e.contains("Read-only file system")),
        "the node's reason is shown: {report}"
    );
    let report = json(&run(&["status", "--output", "json"], None));
    assert_eq!(lock_of(&report, "n1")["result"], "held", "{report}");
}
