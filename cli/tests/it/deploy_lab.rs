//! `timectl deploy` end to end on real systemd hosts (the fleet lab): four hosts
//! run `timed` under systemd from a clone of this repository one commit behind;
//! `timectl deploy --yes` from the controller namespace brings all four to HEAD
//! with a real `git pull`, `cargo build`, `systemctl restart` and `journalctl`.
//! Each node's RPC then reports HEAD, and no node logged `Skipping block
//! production` during the rollout at a 2 s block interval.
//!
//! The hosts share one cargo target directory (this one), so the daemon is
//! compiled once per commit, not once per host.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::lab::Lab;
use testkit::lab_timed;

use crate::deploy::git;

/// Where the repository and the shared target directory appear on each host.
const REPO: &str = "/srv/timecoin";
const ORIGIN: &str = "/srv/timecoin.git";
const TARGET: &str = "/srv/target";
/// The daemon's data dir (its key) and the network file every host shares.
const DATA: &str = "/var/lib/timed";
const NETWORK_FILE: &str = "/etc/timed-network.toml";
/// Building the daemon on a loaded 2-core machine, and the mesh forming.
const SLOW: Duration = Duration::from_secs(900);

fn ok(lab: &Lab, i: usize, script: &str) -> String {
    let out = lab.ssh(i, script);
    assert!(
        out.status.success(),
        "n{i}: {script}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn deploy_brings_four_systemd_hosts_to_head_without_stopping_block_production() {
    let started = Instant::now();
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let head = git(&workspace, &["rev-parse", "HEAD"]);
    let scratch = tempfile::Builder::new()
        .prefix("tctl-labrepo-")
        .tempdir()
        .expect("tempdir");
    let bare = scratch.path().join("timecoin.git");
    git(
        scratch.path(),
        &[
            "clone",
            "-q",
            "--bare",
            &workspace.display().to_string(),
            &bare.display().to_string(),
        ],
    );
    let branch = git(&workspace, &["rev-parse", "--abbrev-ref", "HEAD"]);
    let target_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // The compiler beside that cargo, named outright: the hosts get this
    // process's PATH and nothing else of its environment, so a rustup proxy
    // there misses what keeps it offline here and tries to fetch its channel.
    let rustc = Path::new(&cargo).with_file_name("rustc");
    let rustc = match rustc.is_file() {
        true => rustc.display().to_string(),
        false => "rustc".to_owned(),
    };
    let lab = Lab::up(4, &[(&bare, ORIGIN, false), (&target_dir, TARGET, true)]);

    // Into a target dir of its own under the shared one (the deploy fixtures'):
    // the other tests of this binary run `target/debug/timed` meanwhile, and must
    // never find it swapped for a build of another commit.
    let build = format!(
        "CARGO_TARGET_DIR={TARGET}/tmp/deploy-fixture-build RUSTC={rustc} {cargo} build -q -p timed --offline && \
         mkdir -p target/release && \
         cp {TARGET}/tmp/deploy-fixture-build/debug/timed target/release/timed.new && \
         mv -f target/release/timed.new target/release/timed"
    );
    // Clone on every host first, so the shared target dir sees no newer sources
    // after the first build and the others find it fresh.
    for i in 1..=4 {
        ok(
            &lab,
            i,
            &format!(
                "git clone -q -b {branch} {ORIGIN} {REPO} && cd {REPO} && git reset -q --hard HEAD~1"
            ),
        );
    }
    // Each host's key, made before anything starts, so one network file can
    // list all four as the masternodes.
    let ids: Vec<String> = (1..=4)
        .map(|i| {
            ok(&lab, i, &format!("cd {REPO} && {build}"));
            let id = ok(
                &lab,
                i,
                &format!("{REPO}/target/release/timed keygen --data-dir {DATA}"),
            );
            id.trim().to_owned()
        })
        .collect();
    let network = lab_timed::network_file("lab", &ids, 3, "2s");
    for i in 1..=4 {
        let unit = lab_timed::unit(&lab_timed::Daemon {
            binary: &format!("{REPO}/target/release/timed"),
            network_file: NETWORK_FILE,
            data_dir: DATA,
            ip: lab.ip(i),
            peers: (1..=4).filter(|j| *j != i).map(|j| lab.ip(j)).collect(),
            service: "",
        });
        ok(
            &lab,
            i,
            &format!(
                "cat > {NETWORK_FILE} <<'EOF'\n{network}EOF\n\
                 cat > /etc/systemd/system/timed.service <<'EOF'\n{unit}EOF\n\
                 systemctl daemon-reload && systemctl enable -q --now timed"
            ),
        );
    }

    let mut fleet = format!(
        "[fleet]\nname = \"lab\"\nmin_masternodes = 3\n\n[defaults]\nuser = \"root\"\nidentity = {:?}\nknown_hosts = {:?}\nrepo = \"{REPO}\"\n\n[defaults.commands]\nbuild = {}\nrestart = \"systemctl restart {{service}}\"\n",
        lab.key().display().to_string(),
        lab.known_hosts().display().to_string(),
        toml::Value::String(build.clone())
    );
    for i in 1..=4 {
        fleet.push_str(&format!(
            "\n[[nodes]]\nname = \"n{i}\"\nhost = \"{}\"\n",
            lab.ip(i)
        ));
    }
    let fleet_path = lab.dir().join("fleet.toml");
    std::fs::write(&fleet_path, fleet).expect("fleet");
    let timectl = |args: &[&str]| {
        lab.ctl(env!("CARGO_BIN_EXE_timectl"))
            .arg("--fleet")
            .arg(&fleet_path)
            .args(args)
            .env("TIMECTL_AUDIT_LOG", lab.dir().join("audit.jsonl"))
            .output()
            .expect("run timectl")
    };
    testkit::wait_until_blocking("four meshed hosts", SLOW, || {
        let report: Value =
            serde_json::from_slice(&timectl(&["status", "--output", "json"]).stdout).ok()?;
        report["nodes"]
            .as_array()?
            .iter()
            .all(|n| n["active_masternodes"] == 4)
            .then_some(())
    });
    let before = ok(&lab, 1, "date +%s").trim().to_owned();

    let deployed = timectl(&[
        "deploy",
        "--yes",
        "--output",
        "json",
        "--gate-timeout",
        "300s",
    ]);
    let stdout = String::from_utf8_lossy(&deployed.stdout);
    assert_eq!(
        deployed.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&deployed.stderr)
    );

    let report: Value =
        serde_json::from_slice(&timectl(&["status", "--output", "json"]).stdout).expect("status");
    for node in report["nodes"].as_array().expect("nodes") {
        let commit = node["commit"].as_str().unwrap_or("");
        assert!(
            !commit.is_empty() && head.starts_with(commit),
            "{} runs {commit}, HEAD is {head}",
            node["name"]
        );
    }
    for i in 1..=4 {
        let skipped = ok(
            &lab,
            i,
            &format!(
                "journalctl -u timed --since @{before} -o cat | grep -c 'Skipping block production' || true"
            ),
        );
        assert_eq!(
            skipped.trim(),
            "0",
            "n{i} skipped block production during the rollout"
        );
    }
    eprintln!(
        "lab deploy end to end: {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
