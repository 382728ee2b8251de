//! `timectl check` on fleets of upstream `time-masternode` nodes (the
//! recorded-answer stand-in of `support::upstream`: the upstream daemon cannot
//! run in CI). Their logs are files in upstream's `debug.log` format, stamped
//! inside the window. Production blocked on one node fails its item with that
//! node's line; the items the upstream API cannot support are `not_applicable`
//! with the reason, never passed and never unknown. Links are never judged
//! from upstream's registry, its missing minimum is the fleet file's, and a
//! journal that held nothing while the chain moved is unknown.

use std::io::Write as _;
use std::time::{Duration, SystemTime};

use crate::support::timectl::{evidence, item, json, timectl};
use crate::support::upstream::{
    Behaviour, UpstreamRpc, check_in_utc, debug_log_stamp, recorded_result, write_fleet,
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
    for id in [
        "no_backoff_spam",
        "clean_handshakes",
        "one_link_per_pair",
        "no_equivocations",
    ] {
        let it = item(&report, id);
        assert_eq!(it["status"], "not_applicable", "{it:#}");
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

/// A fleet file in `dir` of upstream nodes on `local` transport with
/// `min_masternodes = 3`: each node's name, RPC URL and logs command.
fn upstream_fleet(dir: &tempfile::TempDir, nodes: &[(&str, String, &str)]) -> String {
    let mut text = String::from(
        "[fleet]\nname = \"upstream\"\nmin_masternodes = 3\n\n\
         [defaults]\ntransport = \"local\"\napi = \"time-masternode\"\n",
    );
    for (name, rpc, logs) in nodes {
        text.push_str(&format!(
            "\n[[nodes]]\nname = \"{name}\"\nrpc = \"{rpc}\"\ncommands = {{ logs = \"{logs}\" }}\n"
        ));
    }
    write_fleet(dir, &text)
}

/// `timectl --fleet FLEET check --window 2s ARGS`.
fn check(fleet: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--fleet", fleet, "check", "--window", "2s"];
    all.extend_from_slice(args);
    timectl(&all)
}

/// Upstream keeps a replaced socket open and drops a restarted peer from its
/// registry while still connected to it: its `getpeerinfo` rows say nothing
/// about links. Here n4's registry forgot n2 while its `getnetworkinfo` still
/// counts three connections: no "one-sided link", and no pass either.
#[test]
fn registry_rows_are_never_judged_as_links() {
    let n2 = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let n4 = UpstreamRpc::start(Behaviour {
        node: "n4",
        forget: Some("10.2.0.1"),
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = upstream_fleet(
        &dir,
        &[
            ("n2", n2.url("http"), "true"),
            ("n4", n4.url("http"), "true"),
        ],
    );
    let junit = dir.path().join("report.xml");
    let junit_arg = junit.display().to_string();
    let out = check(&fleet, &["--output", "json", "--junit", &junit_arg]);
    let report = json(&out);
    let xml = std::fs::read_to_string(&junit).expect("junit report");
    assert!(
        xml.contains("<skipped message=\"n2: not judged: time-masternode&apos;s getpeerinfo"),
        "{xml}"
    );
    let links = item(&report, "one_link_per_pair");
    assert_eq!(links["status"], "not_applicable", "{links:#}");
    let text = evidence(links);
    assert!(!text.contains("lists none"), "{text}");
    let connections = recorded_result("n4-getnetworkinfo.json")["connections"].clone();
    assert!(
        text.contains(&format!(
            "n4: not judged: time-masternode's getpeerinfo lists its masternode registry, \
             not its connections, and getnetworkinfo only counts them ({connections} at the end probe)"
        )),
        "{text}"
    );
}

/// Upstream reports no minimum of masternodes. With 3 of 4 active and the
/// fleet file's `min_masternodes = 3`, blocks are still made: a warning.
#[test]
fn the_fleet_files_minimum_stands_in_for_the_one_upstream_does_not_report() {
    let n2 = UpstreamRpc::start(Behaviour {
        node: "n2",
        // Recorded at the end of the run: one masternode of four inactive.
        replace: Some(("masternodelist", "final-n2-masternodelist-all.json")),
        ..Behaviour::default()
    });
    let n4 = UpstreamRpc::start(Behaviour {
        node: "n4",
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    // Four masternodes in the fleet; n1 and n3 are not checked here.
    let absent = "http://127.0.0.1:9".to_owned();
    let fleet = upstream_fleet(
        &dir,
        &[
            ("n1", absent.clone(), "true"),
            ("n2", n2.url("http"), "true"),
            ("n3", absent, "true"),
            ("n4", n4.url("http"), "true"),
        ],
    );
    let report = json(&check(&fleet, &["--output", "json", "n2", "n4"]));
    let masternodes = item(&report, "masternodes_active");
    assert_eq!(masternodes["status"], "warn", "{masternodes:#}");
    let text = evidence(masternodes);
    assert!(
        text.contains("n2: 3,3,3 of 4 active (still at least the fleet file's minimum 3)"),
        "{text}"
    );
    assert!(text.contains("n4: 4,4,4 of 4 active"), "{text}");
}

/// A logs command that prints nothing (the wrong unit, say) while the node's
/// height rises: the log items are unknown with where to look, Nagios gives
/// `U` for the counts, and `timectl logs` warns instead of printing nothing.
#[test]
fn an_empty_journal_while_the_chain_moves_is_unknown_not_quiet() {
    let n2 = UpstreamRpc::start(Behaviour {
        node: "n2",
        advancing: true,
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = upstream_fleet(&dir, &[("n2", n2.url("http"), "true")]);
    let report_file = dir.path().join("report.json");
    let report_arg = report_file.display().to_string();
    let out = check(&fleet, &["--output", "nagios", "--json", &report_arg]);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_file).expect("report")).expect("json");
    let heights = evidence(item(&report, "heights_advancing"));
    assert!(
        heights.contains("3") && heights.contains("41"),
        "the chain moved: {heights}"
    );
    for id in ["no_resets", "production_running"] {
        let it = item(&report, id);
        assert_eq!(it["status"], "unknown", "{it:#}");
        let text = evidence(it);
        assert!(
            text.contains(
                "n2: its journal held nothing over the window while its height rose 3 to 41"
            ) && text.contains("the unit name")
                && text.contains("group systemd-journal")
                && text.contains("--namespace"),
            "{text}"
        );
    }
    let nagios = String::from_utf8_lossy(&out.stdout);
    assert!(nagios.contains("'n2_resets'=U;"), "{nagios}");
    assert!(nagios.contains("'n2_failed_connects'=U;"), "{nagios}");
    assert!(nagios.contains("'n2_equivocations'=U;"), "{nagios}");

    let out = timectl(&["--fleet", &fleet, "logs", "--since", "1m"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: n2: its logs command printed no line for the window (true)")
            && stderr.contains("the unit name"),
        "{stderr}"
    );
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
