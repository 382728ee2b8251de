//! What an operator sees when something goes wrong: one `error:` line saying what
//! failed, the exit code for its kind, and never a backtrace (a mistake or a lost
//! node is not a bug). And what ssh is given: a host never passes for an option.

use std::process::Output;

use timectl::ConnectOptions;
use timectl::testing::Remote;

use crate::support::timectl::timectl;

/// Stderr of a run, checked to be an operator's error report: `error: ` first,
/// no backtrace or panic.
fn operator_error(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.starts_with("error: "), "{stderr}");
    for sign in [
        "Backtrace",
        "backtrace",
        "Location:",
        "panicked",
        "RUST_BACKTRACE",
    ] {
        assert!(!stderr.contains(sign), "{sign} in: {stderr}");
    }
    stderr
}

fn fleet_file(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("fleet.toml");
    std::fs::write(&path, text).expect("fleet");
    path.display().to_string()
}

#[test]
fn bad_input_exits_2_with_one_line_and_no_backtrace() {
    let out = timectl(&["--fleet", "/nonexistent/fleet.toml", "status"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = operator_error(&out);
    assert!(stderr.contains("/nonexistent/fleet.toml"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = fleet_file(
        &dir,
        "[fleet]\nname = \"f\"\n[[nodes]]\nname = \"a\"\ntransport = \"local\"\n",
    );
    for command in ["status", "logs"] {
        let out = timectl(&["--fleet", &fleet, command, "nope", "a", "gone"]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = operator_error(&out);
        assert_eq!(
            stderr.trim(),
            "error: no node named nope, gone in fleet \"f\" (nodes: a)",
            "{command}: one selection, one message"
        );
    }
}

#[test]
fn a_failed_log_stream_is_one_error_line_with_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = fleet_file(
        &dir,
        "[fleet]\nname = \"f\"\n[[nodes]]\nname = \"a\"\ntransport = \"local\"\n\
         commands = { logs = \"echo no such unit >&2; exit 4\" }\n",
    );
    let out = timectl(&["--fleet", &fleet, "logs", "--since", "1h"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = operator_error(&out);
    assert!(
        stderr.contains("log stream failed on 1 node(s): a: ")
            && stderr.contains("exit code 4")
            && stderr.contains("no such unit"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("no such unit").count(),
        1,
        "each cause once: {stderr}"
    );
}

#[test]
fn an_ssh_that_cannot_run_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = fleet_file(
        &dir,
        "[fleet]\nname = \"f\"\n[[nodes]]\nname = \"LW-A\"\nhost = \"127.0.0.1\"\n",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(["--fleet", &fleet, "status", "--output", "json"])
        .env("PATH", dir.path())
        .output()
        .expect("run timectl");
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let error = report["nodes"][0]["error"].as_str().expect("error");
    assert!(
        error.starts_with("LW-A: ") && error.contains("cannot run ssh"),
        "says what failed: {error}"
    );
}

#[tokio::test]
async fn a_host_that_looks_like_an_option_is_a_host_to_ssh() {
    // The fleet parser refuses such a host (see fleet_errors); a node built
    // another way still reaches ssh after `--`.
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    let mut fleet = timecoin_shared::fleet::parse(
        "[fleet]\nname = \"f\"\n[[nodes]]\nname = \"LW-Evil\"\nhost = \"h\"\n",
    )
    .expect("fleet");
    let node = &mut fleet.nodes[0];
    node.host = format!("-oProxyCommand=touch {}", marker.display());
    let err = Remote::connect(node, &ConnectOptions::default())
        .await
        .expect_err("no such host");
    let message = err.to_string();
    assert!(message.starts_with("LW-Evil: "), "{message}");
    assert!(
        message.contains("hostname") || message.contains("resolve"),
        "ssh took it for a host name: {message}"
    );
    assert!(!marker.exists(), "ssh ran the host as an option");
}

#[test]
fn an_exporter_address_in_use_exits_1_naming_it_and_an_unknown_node_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = fleet_file(
        &dir,
        "[fleet]\nname = \"f\"\n[[nodes]]\nname = \"a\"\ntransport = \"local\"\n",
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = timectl(&["--fleet", &fleet, "exporter", "--listen", &addr]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = operator_error(&out);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );

    let out = timectl(&["--fleet", &fleet, "exporter", "--listen", &addr, "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(operator_error(&out).contains("no node named nope"));
}
