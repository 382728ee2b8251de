//! `timectl check` on a fleet of two upstream `time-masternode` nodes (the
//! recorded-answer stand-in of `support::upstream`: the upstream daemon cannot
//! run in CI). Their logs are files in upstream's `debug.log` format, stamped
//! inside the window. Production blocked on one node fails its item with that
//! node's line; the items the upstream API cannot answer are `unknown` with the
//! reason, never passed.

use std::io::Write as _;
use std::time::{Duration, SystemTime};

use crate::support::timectl::{evidence, item, json, timectl};
use crate::support::upstream::{
    Behaviour, UpstreamRpc, check_in_utc, debug_log_stamp, write_fleet,
};

#[test]
fn an_upstream_fleet_gets_verdicts_and_honest_unknowns() {
    let nodes = ["n2", "n4"].map(|node| {
        UpstreamRpc::start(Behaviour {
            node,
            ..Behaviour::default()
        })
    });
    let dir = tempfile::tempdir().expect("tempdir");
    // Stamped ahead so the lines fall inside the window however late timectl
    // starts; upstream's debug.log has local-time stamps without a zone, and
    // the test runs timectl under UTC so they mean the same instant.
    let at = debug_log_stamp(SystemTime::now() + Duration::from_secs(10));
    let mut text = String::from(
        "[fleet]\nname = \"upstream\"\n\n[defaults]\ntransport = \"local\"\napi = \"time-masternode\"\n",
    );
    for (name, rpc) in ["n2", "n4"].iter().zip(&nodes) {
        let log = dir.path().join(format!("{name}.debug.log"));
        let mut file = std::fs::File::create(&log).expect("log file");
        writeln!(file, "{at} [up-{name}]  INFO Block 30 finalized").expect("write");
        if *name == "n2" {
            writeln!(
                file,
                "{at} [up-{name}]  WARN Block production blocked: only 1 peers agree (need 2 minimum)"
            )
            .expect("write");
        }
        text.push_str(&format!(
            "\n[[nodes]]\nname = \"{name}\"\nrpc = \"{}\"\ncommands = {{ logs = \"tail -n +1 -F {}\" }}\n",
            rpc.url("http"),
            log.display()
        ));
    }
    let fleet = write_fleet(&dir, &text);

    let out = check_in_utc(&fleet, "20s");
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}");
    assert_eq!(report["verdict"], "fail");

    let production = item(&report, "production_running");
    assert_eq!(production["status"], "fail", "{production:#}");
    let text = evidence(production);
    assert!(text.contains("n2: 1 production_skipped line"), "{text}");
    assert!(
        text.contains("only 1 peers agree (need 2 minimum)"),
        "{text}"
    );

    // What upstream does not log or answer is not judged, and says why.
    for id in ["no_backoff_spam", "clean_handshakes"] {
        let it = item(&report, id);
        assert_eq!(it["status"], "unknown", "{it:#}");
        let text = evidence(it);
        assert!(text.contains("not judged: time-masternode"), "{text}");
    }
    let commit = item(&report, "same_commit");
    assert_eq!(commit["status"], "unknown");
    assert!(evidence(commit).contains("give --expect-commit"));
    // The recorded nodes both run c9c90017: named, it passes.
    let again = json(&timectl(&[
        "--fleet",
        &fleet,
        "check",
        "--window",
        "1s",
        "--expect-commit",
        "c9c90017",
        "--output",
        "json",
    ]));
    let commit = item(&again, "same_commit");
    assert_eq!(commit["status"], "pass", "{commit:#}");
}

/// A line stamped after the window's end (the log kept growing while the
/// journals were read, or a clock ahead) is not judged with the window.
#[test]
fn a_line_stamped_after_the_window_is_not_in_it() {
    let n2 = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("n2.debug.log");
    let mut file = std::fs::File::create(&log).expect("log file");
    let inside = debug_log_stamp(SystemTime::now() + Duration::from_secs(1));
    let after = debug_log_stamp(SystemTime::now() + Duration::from_secs(3600));
    writeln!(
        file,
        "{inside} [up-n2]  INFO 🎲 Block 30 VRF sortition: score=ab"
    )
    .expect("write");
    writeln!(
        file,
        "{after} [up-n2] ERROR ❌ [Outbound] Error reading from 10.1.0.1: Connection reset by peer (os error 104)"
    )
    .expect("write");
    let fleet = write_fleet(
        &dir,
        &format!(
            "[fleet]\nname = \"upstream\"\n\n[defaults]\ntransport = \"local\"\napi = \"time-masternode\"\n\n\
             [[nodes]]\nname = \"n2\"\nrpc = \"{}\"\ncommands = {{ logs = \"tail -n +1 -F {}\" }}\n",
            n2.url("http"),
            log.display()
        ),
    );
    let out = check_in_utc(&fleet, "3s");
    let report = json(&out);
    let resets = item(&report, "no_resets");
    assert_eq!(resets["status"], "pass", "{resets:#}");
    let rounds = evidence(item(&report, "production_running"));
    assert!(rounds.contains("n2: 1 block rounds"), "{rounds}");
}

/// A chain catching up to its schedule: its tips were scheduled a year ago but
/// arrive every probe. The last block's age is when it arrived, never the
/// year, and a node first seen has no age yet (it may have arrived any time).
#[test]
fn a_chain_catching_up_shows_when_its_blocks_arrived() {
    let n2 = UpstreamRpc::start(Behaviour {
        node: "n2",
        catching_up: Some(std::sync::Arc::new(std::sync::atomic::AtomicU64::new(22))),
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = write_fleet(
        &dir,
        &format!(
            "[fleet]\nname = \"upstream\"\n\n[defaults]\ntransport = \"local\"\napi = \"time-masternode\"\n\n\
             [[nodes]]\nname = \"n2\"\nrpc = \"{}\"\ncommands = {{ logs = \"true\" }}\n",
            n2.url("http")
        ),
    );
    let status = json(&timectl(&["--fleet", &fleet, "status", "--output", "json"]));
    let node = &status["nodes"][0];
    assert!(node["block_height"].as_u64().is_some(), "{status:#}");
    assert!(node["last_block_age_secs"].is_null(), "{status:#}");

    let report = json(&timectl(&[
        "--fleet", &fleet, "check", "--window", "2s", "--output", "json",
    ]));
    let text = evidence(item(&report, "production_running"));
    let age: u64 = text
        .split("n2: last block ")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|secs| secs.parse().ok())
        .unwrap_or_else(|| panic!("no age in {text}"));
    assert!(age <= 2, "arrived within the window: {text}");
    assert!(!text.contains("stale"), "{text}");
}
