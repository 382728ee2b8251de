//! What `check` runs on the nodes: only the end probe's repo HEAD is judged, so
//! `git rev-parse HEAD` runs once per node and window, not at every probe (a
//! remote command each, which at a hundred nodes behind one sshd kept the
//! window's probes waiting on sessions).

use std::process::Command;

use crate::support::timectl::{Devnet, item, json};

/// `check` on a devnet whose `git` (on the PATH its local transport's shells
/// get) records each call before running the real one: one HEAD read per node,
/// and the commit item still compares each node with its repo HEAD.
#[test]
fn check_reads_each_repo_head_once_per_window() {
    let devnet = Devnet::up(&["--block-interval", "1s"]);
    let real_git = Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .expect("sh");
    let real_git = String::from_utf8_lossy(&real_git.stdout).trim().to_owned();
    assert!(!real_git.is_empty(), "no git on PATH");
    let bin = devnet.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let calls = devnet.dir.join("git-calls");
    let wrapper = bin.join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{real_git}' \"$@\"\n",
            calls.display()
        ),
    )
    .expect("git wrapper");
    let mut permissions = std::fs::metadata(&wrapper).expect("wrapper").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&wrapper, permissions).expect("chmod");
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");

    let out = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(["--fleet", &devnet.fleet_arg(), "check", "--window", "2s"])
        .args(["--output", "json"])
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .expect("run timectl");
    let report = json(&out);
    let commit = item(&report, "same_commit");
    let evidence = crate::support::timectl::evidence(commit);
    for node in ["node1", "node2", "node3", "node4"] {
        assert!(
            evidence
                .lines()
                .any(|l| l.starts_with(&format!("{node}: ")) && l.contains("its repo HEAD")),
            "{node} compared with its repo HEAD: {commit:#}"
        );
    }
    let recorded = std::fs::read_to_string(&calls).unwrap_or_default();
    let reads = recorded
        .lines()
        .filter(|l| l.contains("rev-parse HEAD"))
        .count();
    assert_eq!(reads, 4, "one HEAD read per node: {recorded}");
}
