//! `timectl status` on a fleet of two upstream `time-masternode` nodes: the
//! table shows their heights and running commits, and what the upstream API
//! does not tell as `unknown`. The nodes are the recorded-answer stand-in
//! (`support::upstream`), because the upstream daemon cannot run in CI; one is
//! reached over plain HTTP, the other over TLS with a pinned certificate and
//! Basic auth.

use crate::support::timectl::{json, timectl};
use crate::support::upstream::{
    Behaviour, PASSWORD, USER, UpstreamRpc, first_use_fleet, recorded_result, write_fleet,
};

#[test]
fn status_shows_heights_and_commits_of_upstream_nodes() {
    let n2 = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let n4 = UpstreamRpc::start(Behaviour {
        node: "n4",
        auth: true,
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = write_fleet(
        &dir,
        &format!(
            "[fleet]\nname = \"upstream\"\n\n[defaults]\ntransport = \"local\"\napi = \"time-masternode\"\n\n\
             [[nodes]]\nname = \"n2\"\nrpc = \"{}\"\n\n\
             [[nodes]]\nname = \"n4\"\nrpc = \"{}\"\nrpc_fingerprint = \"{}\"\n\
             rpc_user = \"{USER}\"\nrpc_password = \"{PASSWORD}\"\n",
            n2.url("http"),
            n4.url("https"),
            n4.fingerprint
        ),
    );

    let out = timectl(&["--fleet", &fleet, "status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for n in ["n2", "n4"] {
        let height = recorded_result(&format!("{n}-getblockchaininfo.json"))["blocks"]
            .as_u64()
            .expect("blocks");
        let row = text
            .lines()
            .find(|line| line.starts_with(n))
            .unwrap_or_else(|| panic!("no row for {n}:\n{text}"));
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells.get(1), Some(&"up"), "{row}");
        assert_eq!(cells.get(2), Some(&"c9c90017"), "{row}");
        assert!(cells.contains(&height.to_string().as_str()), "{row}");
        // Pending, finalized and the last block's age are not in the recorded
        // answers: unknown, never 0 or "no blocks".
        assert!(row.contains("unknown"), "{row}");
        assert!(!row.contains("no blocks"), "{row}");
    }

    let out = timectl(&["--fleet", &fleet, "status", "--output", "json"]);
    let report = json(&out);
    let nodes = report["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 2);
    for (node, (n, height)) in nodes.iter().zip([("n2", 22), ("n4", 23)]) {
        assert_eq!(node["name"], n);
        assert_eq!(node["reachable"], true);
        assert_eq!(node["block_height"], height);
        assert_eq!(node["commit"], "c9c90017");
        assert_eq!(node["version"], "1.5.9");
        assert!(node["pending_transactions"].is_null(), "{node}");
        assert!(node["min_masternodes"].is_null(), "{node}");
    }
}

#[test]
fn an_upstream_node_named_as_ours_shows_as_reachable_with_the_wrong_api() {
    let n2 = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = write_fleet(
        &dir,
        &format!(
            "[fleet]\nname = \"mixed\"\n[[nodes]]\nname = \"n2\"\ntransport = \"local\"\nrpc = \"{}\"\n",
            n2.url("http")
        ),
    );
    let out = timectl(&["--fleet", &fleet, "status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("wrong api"), "{text}");
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(
        errors.contains("n2: reachable, wrong API (expected timed)"),
        "the reason, on stderr: {errors}"
    );
}

/// A daemon that is gone behind its tunnel (the forward accepts, then closes):
/// the table shows the node unreachable, and stderr says there was no answer
/// from its RPC, where, and nothing about HTTP internals.
#[test]
fn a_dead_daemon_is_no_answer_from_its_rpc_on_stderr() {
    let forward = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = forward.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in forward.incoming().flatten() {
            drop(stream);
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = write_fleet(
        &dir,
        &format!(
            "[fleet]\nname = \"upstream\"\n\n[defaults]\ntransport = \"local\"\napi = \"time-masternode\"\n\n\
             [[nodes]]\nname = \"n1\"\nrpc = \"tunnel\"\nrpc_host = \"127.0.0.1\"\nrpc_port = {port}\n"
        ),
    );
    let out = timectl(&["--fleet", &fleet, "status"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let table = String::from_utf8_lossy(&out.stdout);
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("n1") && l.contains("unreachable")),
        "{table}"
    );
    assert!(!table.contains("n1: "), "the reason is on stderr: {table}");
    let expected = format!("n1: no answer from the daemon's RPC at 127.0.0.1:{port} (tunnel): ");
    assert!(errors.contains(&expected), "{errors}");
    assert!(
        !errors.contains("message completed") && !errors.contains(")/"),
        "{errors}"
    );
}

/// A certificate trusted on first use by a command that prints: one `warning:`
/// line on stderr with the fingerprint and the trust file, and the same notice
/// as a field of the JSON report; the next run, holding to the recorded
/// certificate, says nothing.
#[test]
fn a_certificate_trusted_on_first_use_is_one_warning_line_on_stderr() {
    let n2 = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let (fleet, pin) = first_use_fleet(&dir, &n2);
    let out = timectl(&["--fleet", &fleet, "status", "--output", "json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json(&out)["nodes"][0]["reachable"], true);
    let errors = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = errors
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    let colons: Vec<String> = n2
        .fingerprint
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect();
    let expected = format!(
        "warning: trusting the RPC certificate with SHA-256 {} on first use; recorded in {}",
        colons.join(":"),
        pin.display()
    );
    assert_eq!(warnings, [expected.as_str()], "{errors}");
    let report = json(&out);
    assert_eq!(
        report["notices"],
        serde_json::json!([{
            "notice": "trusted_on_first_use",
            "node": "n2",
            "fingerprint": colons.join(":"),
            "file": pin.display().to_string(),
        }]),
        "{report}"
    );

    let again = timectl(&["--fleet", &fleet, "status", "--output", "json"]);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert!(
        !String::from_utf8_lossy(&again.stderr).contains("warning:"),
        "{again:?}"
    );
    assert_eq!(json(&again).get("notices"), None, "{again:?}");
}
