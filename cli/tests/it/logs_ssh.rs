//! `timectl logs` over real SSH against a real journald fed by a real `timed`:
//! lines show live and classified; killing the SSH master mid-stream shows a lost
//! marker, then the stream resumes after the last cursor, and the cursors seen
//! are exactly a contiguous run of the journal's own (no gap, no replay).
//! Then the text view: badges, colour only when asked, NO_COLOR honoured.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::ssh_masters;
use crate::support::timectl::Running;
use crate::support::timed::spec;
use serde_json::Value;
use testkit::journald::Journald;
use testkit::net::random_ip;
use testkit::sshd::Sshd;
use testkit::timed::Timed;

/// Bound on every wait: the daemons mesh and log within a second or two, SSH
/// reconnects within the follower's backoff; this only bounds a failure.
const DEADLINE: Duration = Duration::from_secs(60);

/// The control socket of the SSH master serving `port`, from its `-S` argument.
fn master_control_socket(port: u16) -> Option<String> {
    let master = ssh_masters(port).into_iter().next()?;
    master
        .args
        .windows(2)
        .find(|w| w[0] == "-S")
        .map(|w| w[1].clone())
}

fn records(objects: &[Value]) -> Vec<&Value> {
    objects.iter().filter(|o| o.get("line").is_some()).collect()
}

/// The journal's own view: cursor and message of every `timed` entry.
fn journal_truth(journal: &Journald) -> Vec<(String, String)> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(journal.journalctl("timed"))
        .output()
        .expect("journalctl");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("journalctl json");
            (
                v["__CURSOR"].as_str().unwrap().to_owned(),
                v["MESSAGE"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_stream_survives_a_dead_master_without_gap_or_replay() {
    let journal = Journald::start();
    let sshd = Sshd::start();
    let (mut spec_a, mut spec_b) = (spec(random_ip()), spec(random_ip()));
    spec_a.peers = vec![spec_b.p2p];
    spec_b.peers = vec![spec_a.p2p];
    let _a = Timed::start(spec_a, journal.stdout_stream("timed"));
    let b = Timed::start(spec_b, Stdio::null());

    let logs = format!("{} -f", journal.journalctl("timed"));
    let fleet = sshd.dir().join("fleet.toml");
    std::fs::write(
        &fleet,
        sshd.fleet_toml(&["alpha"], &format!("commands = {{ logs = {logs:?} }}")),
    )
    .unwrap();

    let tail = Running::start(&fleet, &["logs", "-f", "--output", "json"]);
    testkit::wait_until("a classified handshake from alpha", DEADLINE, || async {
        let objs = tail.snapshot();
        records(&objs)
            .iter()
            .any(|o| {
                o["node"] == "alpha"
                    && o["kinds"].as_array().is_some_and(|k| {
                        k.iter()
                            .any(|k| k == "handshake_completed" || k == "handshake_accepted")
                    })
            })
            .then_some(())
    })
    .await;

    // Kill the SSH master under the stream, and peer b, so alpha logs its
    // failed redials while the stream is down and after.
    let socket = testkit::wait_until("the ssh master", DEADLINE, || async {
        master_control_socket(sshd.port)
    })
    .await;
    let before = records(&tail.snapshot()).len();
    let status = Command::new("ssh")
        .arg("-S")
        .arg(&socket)
        .args(["-O", "exit", "unused"])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "ssh -O exit: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let (spec_b, b_data) = b.kill();

    let after_resume = |kinds: &'static [&'static str]| {
        let tail = &tail;
        move || async move {
            let objs = tail.snapshot();
            let resumed_at = objs.iter().position(|o| o["marker"] == "resumed")?;
            objs[resumed_at..]
                .iter()
                .any(|o| {
                    o["kinds"]
                        .as_array()
                        .is_some_and(|k| k.iter().any(|k| kinds.iter().any(|w| k == w)))
                })
                .then_some(())
        }
    };
    testkit::wait_until(
        "lost, resumed, then a failed redial of b",
        DEADLINE,
        after_resume(&["connect_failed"]),
    )
    .await;
    let _b = Timed::start_in(spec_b, Stdio::null(), b_data);
    let handshakes = &["handshake_completed", "handshake_accepted"];
    testkit::wait_until(
        "b back: a handshake after the resume",
        DEADLINE,
        after_resume(handshakes),
    )
    .await;
    let objs = tail.snapshot();

    let markers: Vec<&Value> = objs.iter().filter(|o| o.get("marker").is_some()).collect();
    assert_eq!(markers[0]["marker"], "lost", "{markers:#?}");
    assert_eq!(markers[1]["marker"], "resumed", "{markers:#?}");
    assert_eq!(markers[1]["how"], "after_cursor", "{markers:#?}");
    let lost_at = objs.iter().position(|o| o["marker"] == "lost").unwrap();
    assert!(
        lost_at >= before,
        "the lost marker comes after the lines seen before the kill"
    );

    // Every line seen is the journal's, once, in order, with no hole: the seen
    // cursors are a contiguous run of the journal's cursors.
    let seen: Vec<(String, String)> = records(&objs)
        .iter()
        .map(|o| {
            (
                o["cursor"].as_str().unwrap().to_owned(),
                o["line"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let truth = journal_truth(&journal);
    let start = truth
        .iter()
        .position(|t| t.0 == seen[0].0)
        .expect("first cursor is in the journal");
    assert!(
        truth.len() >= start + seen.len(),
        "journal shorter than what was seen"
    );
    assert_eq!(
        seen,
        truth[start..start + seen.len()],
        "seen lines are a contiguous run of the journal"
    );
    let resumed_cursor = markers[1]["after_cursor"].as_str().unwrap();
    let resumed_index = seen
        .iter()
        .position(|s| s.0 == resumed_cursor)
        .expect("resumed after a seen cursor");
    assert!(
        resumed_index + 1 < seen.len(),
        "lines came after the resume"
    );
    for o in records(&objs) {
        assert_eq!(o["node"], "alpha");
    }

    // The text view of the same journal: a finite window, badges, colour rules.
    let text = |color_env: (&str, &str)| {
        let out = Command::new(env!("CARGO_BIN_EXE_timectl"))
            .arg("--fleet")
            .arg(&fleet)
            .args([
                "logs",
                "--since",
                "10m",
                "--events",
                "handshake_completed,handshake_accepted,connected",
            ])
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env(color_env.0, color_env.1)
            .output()
            .expect("timectl logs");
        assert!(
            out.status.success(),
            "timectl logs: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = text(("NO_COLOR", "1"));
    assert!(!plain.contains('\x1b'), "NO_COLOR: no escapes\n{plain}");
    assert!(plain.lines().count() >= 2, "{plain}");
    for line in plain.lines() {
        assert!(
            line.contains(" alpha ") && line.contains("[handshake_")
                || line.contains("[connected]"),
            "{line}"
        );
    }
    let coloured = text(("CLICOLOR_FORCE", "1"));
    assert!(
        coloured.contains("\x1b["),
        "CLICOLOR_FORCE: coloured\n{coloured}"
    );
}
