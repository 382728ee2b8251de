//! `timectl check` on real devnets: a healthy fleet passes every item and its
//! reports are well formed (JSON contract, JUnit XML, a Nagios line under a
//! comma-decimal locale); stopped nodes, the incident's journal lines, an
//! unreachable RPC, a node from another commit and two pairs on different
//! chains each give the verdict and
//! the exit code they should, with evidence naming the node; `--watch` prints a
//! node going down and back.

use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use crate::support::timectl::{Devnet, MESH_TIMEOUT, evidence, item, json, timectl};
use serde_json::Value;
use testkit::wait_until_blocking as until_blocking;

/// The check window of these tests: a few block rounds at the devnets' 1 s
/// interval, short on a shared 2-core machine.
const WINDOW: &str = "4s";

/// The items, in checklist order (the JSON contract's ids).
const ITEMS: [&str; 10] = [
    "no_resets",
    "masternodes_active",
    "peers_stable",
    "production_running",
    "heights_advancing",
    "no_backoff_spam",
    "clean_handshakes",
    "one_link_per_pair",
    "same_commit",
    "same_chain",
];

/// A 4-node devnet whose every node sees all four masternodes and has made
/// a few blocks.
fn meshed_devnet() -> Devnet {
    let devnet = Devnet::up(&["--block-interval", "1s"]);
    let fleet = devnet.fleet_arg();
    until_blocking("a meshed devnet making blocks", MESH_TIMEOUT, || {
        let status = json(&timectl(&["--fleet", &fleet, "status", "--output", "json"]));
        let nodes = status["nodes"].as_array()?;
        nodes
            .iter()
            .all(|n| n["active_masternodes"] == 4 && n["block_height"].as_u64() >= Some(3))
            .then_some(())
    });
    devnet
}

/// The commit the test daemons were built from, as `timed --version` says it,
/// and whether that build had uncommitted changes (the commit item then warns).
/// Checks compare with it rather than the checkout's HEAD, which moves on while
/// a developer commits without rebuilding the daemon.
fn built_commit() -> (String, bool) {
    let out = Command::new(crate::support::timed::binary())
        .arg("--version")
        .output()
        .expect("timed --version");
    let text = String::from_utf8_lossy(&out.stdout);
    let commit = text
        .split("commit ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no commit in {text:?}"))
        .to_owned();
    let dirty = commit.ends_with("-dirty");
    (commit.trim_end_matches("-dirty").to_owned(), dirty)
}

/// `timectl --fleet FLEET check --window WINDOW --expect-commit BUILT ARGS`.
fn check(fleet: &str, args: &[&str]) -> Output {
    check_over(WINDOW, fleet, args)
}

/// `check` over another window than [`WINDOW`].
fn check_over(window: &str, fleet: &str, args: &[&str]) -> Output {
    let (commit, _) = built_commit();
    let mut all = vec![
        "--fleet",
        fleet,
        "check",
        "--window",
        window,
        "--expect-commit",
        &commit,
    ];
    all.extend_from_slice(args);
    timectl(&all)
}

/// The exit code and status of a healthy run: pass, or warn for a daemon
/// built from a tree with uncommitted changes.
fn healthy() -> (i32, &'static str) {
    if built_commit().1 {
        (1, "warn")
    } else {
        (0, "pass")
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

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
fn an_unreachable_rpc_is_unknown_with_exit_3() {
    let devnet = meshed_devnet();
    let path = devnet.dir.join("fleet.toml");
    let text = std::fs::read_to_string(&path).expect("fleet file");
    // node3's RPC moves to a port where nothing listens; its daemon runs on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let mut blocks: Vec<String> = text.split("\n[[nodes]]").map(str::to_owned).collect();
    let node3 = blocks
        .iter_mut()
        .find(|b| b.contains("name = \"node3\""))
        .expect("node3");
    *node3 = node3
        .lines()
        .map(|l| {
            if l.starts_with("rpc_port") {
                format!("rpc_port = {port}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    std::fs::write(&path, blocks.join("\n[[nodes]]")).expect("write fleet");

    let out = check(&devnet.fleet_arg(), &["--output", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(3), "{report:#}\n{}", stderr(&out));
    assert_eq!(report["verdict"], "unknown");
    let masternodes = item(&report, "masternodes_active");
    assert_eq!(masternodes["status"], "unknown");
    assert!(
        evidence(masternodes).contains("node3: did not answer"),
        "{masternodes:#}"
    );
}

#[test]
fn the_incident_lines_in_a_journal_fail_resets_and_handshakes() {
    let devnet = meshed_devnet();
    // Stamped well ahead, so they fall inside the window that opens next even
    // when `timectl` is slow to start on a busy machine (10 s was seen); the
    // window outlasts the stamp.
    let at = humantime::format_rfc3339_micros(SystemTime::now() + Duration::from_secs(20));
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(devnet.dir.join("node2").join("timed.log"))
        .expect("node2 log");
    for attempt in 1..=4 {
        writeln!(
            log,
            "{at}  WARN timed::net: Connection to 165.232.154.150 failed (attempt {attempt}): Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)"
        )
        .expect("append");
    }
    drop(log);

    let out = check_over("30s", &devnet.fleet_arg(), &["--output", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}\n{}", stderr(&out));
    for id in ["no_resets", "clean_handshakes"] {
        let it = item(&report, id);
        assert_eq!(it["status"], "fail", "{it:#}");
        let text = evidence(it);
        assert!(text.contains("node2: 4 "), "{text}");
        assert!(
            text.contains("node2 log: ") && text.contains("Connection reset by peer"),
            "{text}"
        );
    }
    assert_eq!(item(&report, "masternodes_active")["status"], "pass");
}

/// One node restarted on a `timed` that reports another commit (built as the
/// deploy tests build theirs, with `TIMED_BUILD_COMMIT`).
#[test]
fn a_node_from_another_commit_fails_same_commit() {
    const OTHER: &str = "0dd0c0ffee00";
    let devnet = meshed_devnet();
    let bin = tempfile::tempdir().expect("tempdir");
    let other = crate::deploy::fleet::build_timed_at(OTHER, bin.path());
    // `devnet restart` starts the executable its record names.
    let state_path = devnet.dir.join("devnet.json");
    let mut state: Value =
        serde_json::from_slice(&std::fs::read(&state_path).expect("devnet.json")).expect("json");
    state["timed"] = Value::String(other.display().to_string());
    std::fs::write(
        &state_path,
        serde_json::to_vec_pretty(&state).expect("json"),
    )
    .expect("devnet.json");
    let restarted = timectl(&["devnet", "restart", "--dir", &devnet.dir_arg(), "node2"]);
    assert!(restarted.status.success(), "{}", stderr(&restarted));
    let fleet = devnet.fleet_arg();
    until_blocking("node2 back, on the other commit", MESH_TIMEOUT, || {
        let status = json(&timectl(&[
            "--fleet", &fleet, "status", "--output", "json", "node2",
        ]));
        (status["nodes"][0]["commit"] == OTHER).then_some(())
    });

    let out = check(&fleet, &["--output", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}\n{}", stderr(&out));
    let commit = item(&report, "same_commit");
    assert_eq!(commit["status"], "fail", "{commit:#}");
    let text = evidence(commit);
    assert!(text.contains(&format!("node2: runs {OTHER}")), "{text}");
}

/// Two 2-node devnets, each making its own chain from the same genesis, read
/// as one fleet: the second pair renamed `b1`, `b2`, its logs from its own dir.
#[test]
fn two_pairs_on_different_chains_fail_same_chain_and_links() {
    let pairs = [
        Devnet::up_sized(2, &["--block-interval", "1s"]),
        Devnet::up_sized(2, &["--block-interval", "1s"]),
    ];
    for pair in &pairs {
        let fleet = pair.fleet_arg();
        until_blocking("a pair making blocks", MESH_TIMEOUT, || {
            let status = json(&timectl(&["--fleet", &fleet, "status", "--output", "json"]));
            status["nodes"]
                .as_array()?
                .iter()
                .all(|n| n["block_height"].as_u64() >= Some(3))
                .then_some(())
        });
    }
    let first = std::fs::read_to_string(pairs[0].dir.join("fleet.toml")).expect("fleet A");
    let second = std::fs::read_to_string(pairs[1].dir.join("fleet.toml")).expect("fleet B");
    let mut joined = first;
    let b_nodes = &second[second.find("[[nodes]]").expect("B's nodes")..];
    for n in 1..=2 {
        let log = pairs[1].dir.join(format!("node{n}")).join("timed.log");
        let renamed = format!(
            "name = \"b{n}\"\ncommands = {{ logs = \"tail -n +1 -F {}\" }}",
            log.display()
        );
        joined.push('\n');
        let block = b_nodes
            .split("[[nodes]]")
            .nth(n)
            .expect("node block")
            .replace(&format!("name = \"node{n}\""), &renamed);
        joined.push_str("[[nodes]]");
        joined.push_str(&block);
    }
    let fleet = pairs[0].dir.join("joined.toml");
    std::fs::write(&fleet, joined).expect("joined fleet");

    let out = check(&fleet.display().to_string(), &["--output", "json"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}\n{}", stderr(&out));
    let chain = item(&report, "same_chain");
    assert_eq!(chain["status"], "fail", "{chain:#}");
    let text = evidence(chain);
    assert!(text.contains("fork at height"), "{text}");
    assert!(
        text.contains("node1, node2: block") && text.contains("b1, b2: block"),
        "{text}"
    );
    let links = item(&report, "one_link_per_pair");
    assert_eq!(links["status"], "fail", "{links:#}");
    assert!(
        evidence(links).contains("node1 and b1: no link"),
        "{links:#}"
    );
}

#[test]
fn two_stopped_nodes_fail_masternodes_production_and_heights() {
    let devnet = meshed_devnet();
    let status = json(&timectl(&[
        "devnet",
        "status",
        "--dir",
        &devnet.dir_arg(),
        "--output",
        "json",
    ]));
    for node in status["nodes"].as_array().expect("nodes") {
        if node["name"] == "node3" || node["name"] == "node4" {
            let pid = node["pid"].as_u64().expect("pid").to_string();
            let killed = Command::new("kill")
                .args(["-9", &pid])
                .status()
                .expect("kill");
            assert!(killed.success());
        }
    }
    let fleet = devnet.fleet_arg();
    until_blocking("the survivors to see two masternodes", MESH_TIMEOUT, || {
        let status = json(&timectl(&[
            "--fleet", &fleet, "status", "--output", "json", "node1", "node2",
        ]));
        status["nodes"]
            .as_array()?
            .iter()
            .all(|n| n["active_masternodes"] == 2)
            .then_some(())
    });

    let out = check(&fleet, &["--output", "json", "node1", "node2"]);
    let report = json(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}\n{}", stderr(&out));
    let masternodes = item(&report, "masternodes_active");
    assert_eq!(masternodes["status"], "fail", "{masternodes:#}");
    assert!(evidence(masternodes).contains("node1"), "{masternodes:#}");
    let production = item(&report, "production_running");
    assert_eq!(production["status"], "fail", "{production:#}");
    assert!(
        evidence(production).contains("production_skipped"),
        "{production:#}"
    );
    let heights = item(&report, "heights_advancing");
    assert_eq!(heights["status"], "fail", "{heights:#}");
    assert!(evidence(heights).contains("stuck"), "{heights:#}");
}

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

    let status = json(&timectl(&[
        "devnet",
        "status",
        "--dir",
        &devnet.dir_arg(),
        "--output",
        "json",
    ]));
    let pid = status["nodes"][3]["pid"].as_u64().expect("pid").to_string();
    assert!(
        Command::new("kill")
            .args(["-9", &pid])
            .status()
            .expect("kill")
            .success()
    );
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
