//! A healthy devnet's verdicts and its reports in every format, and bad input.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::setup::{ITEMS, WINDOW, built_commit, check, healthy, meshed_devnet, stderr};
use crate::support::timectl::{json, timectl};

#[test]
fn a_healthy_devnet_passes_every_item_with_well_formed_reports() {
    let devnet = meshed_devnet();
    let fleet = devnet.fleet_arg();
    let junit_path = devnet.dir.join("report.xml");
    let json_path = devnet.dir.join("report.json");
    let started = std::time::Instant::now();
    let out = check(
        &fleet,
        &[
            "--output",
            "json",
            "--junit",
            &junit_path.display().to_string(),
            "--json",
            &json_path.display().to_string(),
        ],
    );
    let took = started.elapsed();
    let report = json(&out);
    let (code, verdict) = healthy();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{report:#}\n{}",
        stderr(&out)
    );
    assert!(
        took < Duration::from_secs(4 + 30),
        "a 4s check took {took:?}"
    );

    // The Contracts shape.
    assert_eq!(report["verdict"], verdict);
    let items = report["items"].as_array().expect("items");
    let ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(ids, ITEMS);
    for i in items {
        let want = if i["id"] == "same_commit" {
            verdict
        } else {
            "pass"
        };
        assert_eq!(i["status"], want, "{i:#}");
        assert!(i["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(i["evidence"].is_array());
    }
    // The file holds the same run.
    let from_file: Value =
        serde_json::from_slice(&std::fs::read(&json_path).expect("json file")).expect("json");
    assert_eq!(from_file, report);

    // JUnit: parsed as XML, counts matching, testcase names unique.
    let xml = std::fs::read_to_string(&junit_path).expect("junit file");
    let (suites, tests, failures, names) = junit_structure(&xml);
    assert_eq!(suites, 1, "{xml}");
    assert_eq!(tests, Some(ITEMS.len()), "{xml}");
    assert_eq!(failures, Some(0), "{xml}");
    assert_eq!(names.len(), ITEMS.len(), "{xml}");
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
}

/// Testsuite count, its `tests` and `failures`, and the testcase names.
fn junit_structure(xml: &str) -> (usize, Option<usize>, Option<usize>, Vec<String>) {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let number = |name: &str| {
        suites
            .first()
            .and_then(|s| s.attribute(name))
            .and_then(|v| v.parse().ok())
    };
    let names = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name").map(str::to_owned))
        .collect();
    (suites.len(), number("tests"), number("failures"), names)
}

#[test]
fn nagios_line_keeps_its_format_under_a_comma_decimal_locale() {
    let devnet = meshed_devnet();
    let (commit, _) = built_commit();
    let out = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(["--fleet", &devnet.fleet_arg(), "check", "--window", WINDOW])
        .args(["--expect-commit", &commit, "--output", "nagios"])
        .env("LC_ALL", "de_DE.UTF-8")
        .env("LC_NUMERIC", "de_DE.UTF-8")
        .output()
        .expect("run timectl");
    let text = String::from_utf8_lossy(&out.stdout);
    let (code, _) = healthy();
    assert_eq!(out.status.code(), Some(code), "{text}\n{}", stderr(&out));
    assert_eq!(text.lines().count(), 1, "{text}");
    let (head, perfdata) = text.trim_end().split_once(" | ").expect("perfdata");
    let state = if code == 0 { "OK" } else { "WARNING" };
    assert!(head.starts_with(&format!("TIMECTL {state} - ")), "{head}");
    let datum = regex::Regex::new(
        r"^'?[A-Za-z0-9_.-]+'?=(U|-?[0-9]+(\.[0-9]+)?)[a-zA-Z%]*(;(-?[0-9.]*)?){0,4}$",
    )
    .expect("regex");
    let data: Vec<&str> = perfdata.split(' ').collect();
    for d in &data {
        assert!(datum.is_match(d), "{d} in {perfdata}");
        assert!(!d.contains(','), "{d}");
    }
    for label in [
        "height_spread",
        "node1_height",
        "node4_peers",
        "node2_masternodes",
    ] {
        assert!(
            data.iter()
                .any(|d| d.trim_start_matches('\'').starts_with(label)),
            "{label} in {perfdata}"
        );
    }
}

#[test]
fn bad_input_exits_64_not_a_verdict_code() {
    let out = timectl(&["check", "--window", "soon"]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let out = timectl(&["--fleet", "/nonexistent/fleet.toml", "check"]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error:"), "{}", stderr(&out));
    let help = timectl(&["check", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("exits 64"));
}

/// Probes 10 s apart (a 20 s window) meet `timed`'s 10 s idle limit on a kept
/// connection: every node still answers every probe.
#[test]
fn a_20s_window_hears_from_every_node_at_every_probe() {
    let devnet = meshed_devnet();
    let out = super::setup::check_over("20s", &devnet.fleet_arg(), &["--output", "json"]);
    let report = json(&out);
    for item in report["items"].as_array().expect("items") {
        for line in item["evidence"].as_array().expect("evidence") {
            let line = line.as_str().unwrap_or_default();
            assert!(!line.contains("did not answer"), "{line}\n{report:#}");
        }
    }
}
