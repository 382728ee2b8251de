//! `check --watch` printing a node going down and coming back.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::setup::{built_commit, healthy, meshed_devnet, stderr};
use crate::support::timectl::timectl;

#[test]
fn watch_prints_a_node_going_down_and_coming_back() {
    let devnet = meshed_devnet();
    let mut child = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args([
            "--fleet",
            &devnet.fleet_arg(),
            "check",
            "--watch",
            "--window",
            "3s",
        ])
        .args(["--expect-commit", &built_commit().0])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start check --watch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut next_matching = |what: &str, want: &dyn Fn(&str) -> bool| -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no line for {what}; seen: {seen:#?}"));
            seen.push(line.clone());
            if want(&line) {
                return line;
            }
        }
    };
    let first = next_matching("the first run", &|l| l.contains("watching 4 node(s)"));
    assert!(first.ends_with(&format!(": {}", healthy().1)), "{first}");

    devnet.kill(&["node4"]);
    let down = next_matching("an item going red", &|l| {
        l.contains("peers_stable") && l.contains("(was pass)")
    });
    assert!(down.contains("FAIL") || down.contains("UNKNOWN"), "{down}");
    let time = down.split_whitespace().next().expect("timestamp");
    assert!(humantime::parse_rfc3339(time).is_ok(), "{down}");

    let restart = timectl(&["devnet", "restart", "--dir", &devnet.dir_arg(), "node4"]);
    assert!(restart.status.success(), "{}", stderr(&restart));
    let back = next_matching("the item recovering", &|l| {
        l.contains("peers_stable") && l.contains("PASS")
    });
    assert!(back.contains("(was "), "{back}");
    let _ = child.kill();
    let _ = child.wait();
}
