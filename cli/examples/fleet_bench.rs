//! Measures `timectl status` and `timectl check` at fleet scale (issue 26): on
//! a devnet of N real daemons (local transport), the wall time of `status` and
//! how far `check --window W` runs past its window; with `--ssh M`, `check`
//! again over M SSH nodes behind one sshd, their RPCs and logs the devnet's
//! daemons' in turn. A check must end within its window plus 2 s: what it does
//! after the window (the end probe, every journal, the blocks compared, the
//! connections closed) is what an operator waits for.
//!
//! ```text
//! cargo build --release -p timectl -p timed
//! cargo run --release -p timectl --example fleet_bench -- --devnet 64 --ssh 100 --window 60s
//! ```
//!
//! Each check must end in a verdict (exit 0 to 3). The items it could not
//! judge (a node unreachable at a probe, a journal unread) are recorded beside
//! its overrun, as `check.unknown_items.LABEL`: a check that lost nodes did
//! less work than one that did not. The SSH fleet names more nodes than the
//! devnet has daemons when `--ssh` exceeds `--devnet`, so its peer items fail
//! by construction; its verdict is not the measure.

#[path = "support/fleet.rs"]
mod fleet;
#[path = "support/timing.rs"]
mod timing;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use clap::Parser;
use testkit::sshd::Sshd;

use timing::{ms, summary};

#[derive(Parser, Debug)]
#[command(about = "Wall time of timectl status and check at fleet scale")]
struct Args {
    /// Daemons of the devnet.
    #[arg(long, default_value_t = 4)]
    devnet: usize,
    /// Also check this many SSH nodes behind one sshd.
    #[arg(long)]
    ssh: Option<usize>,
    /// The window of each check.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    window: Duration,
    /// Runs of `status`.
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Runs of `check` on each fleet.
    #[arg(long, default_value_t = 1)]
    checks: usize,
}

fn main() {
    let args = Args::parse();
    assert!(
        args.devnet > 0 && args.runs > 0 && args.checks > 0,
        "--devnet, --runs and --checks must be at least 1"
    );
    let bins = fleet::binaries();
    let tmp = tempfile::tempdir().expect("tempdir");
    let devnet = fleet::Devnet::up(&bins, &tmp.path().join("devnet"), args.devnet, &[]);
    let n = args.devnet;

    let runs: Vec<Duration> = (0..args.runs)
        .map(|_| {
            let (took, out) = timectl(&bins.timectl, &devnet.fleet(), &["status"]);
            assert!(
                out.status.success(),
                "status on the devnet of {n}: {}",
                shown(&out)
            );
            took
        })
        .collect();
    report(&format!("timectl status, devnet of {n}"), &runs);
    testkit::figures::record(
        &format!("status.devnet.n{n}"),
        "ms",
        &runs.iter().copied().map(ms).collect::<Vec<_>>(),
    );

    overruns(&bins, &devnet.fleet(), &format!("devnet.n{n}"), &args);

    if let Some(count) = args.ssh {
        let sshd = fleet::sshd_for(count);
        let dir = tmp.path().join("ssh");
        std::fs::create_dir_all(&dir).expect("ssh dir");
        let fleet = judged_ssh_fleet(&sshd, &devnet, count, &dir);
        overruns(&bins, &fleet, &format!("ssh.n{count}"), &args);
    }
}

/// Writes `dir/fleet.toml`: [`fleet::ssh_fleet`] with what `check` reads on
/// each node as on a real fleet, over SSH: its log (`logs`), through a link
/// `dir/nK/timed.log` to its daemon's log file, and its repo HEAD, in the
/// devnet's checkout. Returns the file's path.
///
/// # Panics
/// A file or link cannot be written.
fn judged_ssh_fleet(sshd: &Sshd, devnet: &fleet::Devnet, count: usize, dir: &Path) -> PathBuf {
    let daemons = (1..=devnet.rpcs.len()).map(|k| devnet.dir.join(format!("node{k}")));
    for (i, daemon) in (1..=count).zip(daemons.cycle()) {
        let own = dir.join(format!("n{i}"));
        std::fs::create_dir_all(&own).expect("node dir");
        std::os::unix::fs::symlink(daemon.join("timed.log"), own.join("timed.log"))
            .expect("log link");
    }
    let mut text = fleet::ssh_fleet(sshd, devnet, count);
    let local = timecoin_shared::fleet::parse(
        &std::fs::read_to_string(devnet.fleet()).expect("devnet fleet file"),
    )
    .expect("devnet fleet file");
    if let Some(repo) = local.nodes.first().and_then(|n| n.repo.clone()) {
        text = text.replacen(
            "[defaults]\n",
            &format!("[defaults]\nrepo = {}\n", toml::Value::String(repo)),
            1,
        );
    }
    let logs = format!("tail -n +1 -F {}/{{node}}/timed.log", dir.display());
    write!(
        text,
        "\n[defaults.commands]\nlogs = {}\n",
        toml::Value::String(logs)
    )
    .expect("fmt");
    let path = dir.join("fleet.toml");
    std::fs::write(&path, text).expect("fleet file");
    path
}

/// Runs `check` `args.checks` times on `fleet` and records how long each ran
/// past its window as `check.overrun.LABEL`.
fn overruns(bins: &fleet::Binaries, fleet: &Path, label: &str, args: &Args) {
    let window = humantime::format_duration(args.window).to_string();
    let mut unknown = Vec::with_capacity(args.checks);
    let over: Vec<Duration> = (0..args.checks)
        .map(|_| {
            let (took, out) = timectl(
                &bins.timectl,
                fleet,
                &["check", "--window", &window, "--output", "json"],
            );
            assert!(
                matches!(out.status.code(), Some(0..=3)),
                "check ({label}) exited {:?}: {}",
                out.status.code(),
                shown(&out)
            );
            let report: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("check ({label}): not JSON ({e}): {}", shown(&out)));
            let items = report["items"].as_array().cloned().unwrap_or_default();
            let unjudged: Vec<&serde_json::Value> =
                items.iter().filter(|i| i["status"] == "unknown").collect();
            println!("check ({label}): {}", report["verdict"]);
            for item in &unjudged {
                println!("  unknown {}: {}", item["id"], item["evidence"][0]);
            }
            unknown.push(f64::from(u32::try_from(unjudged.len()).unwrap_or(u32::MAX)));
            took.saturating_sub(args.window)
        })
        .collect();
    testkit::figures::record(&format!("check.unknown_items.{label}"), "items", &unknown);
    report(
        &format!("timectl check --window {window} ({label}), past the window"),
        &over,
    );
    testkit::figures::record(
        &format!("check.overrun.{label}"),
        "ms",
        &over.iter().copied().map(ms).collect::<Vec<_>>(),
    );
}

/// Runs `timectl --fleet FLEET ARGS`: its wall time and output.
fn timectl(timectl: &Path, fleet: &Path, args: &[&str]) -> (Duration, Output) {
    let started = Instant::now();
    let out = Command::new(timectl)
        .arg("--fleet")
        .arg(fleet)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run timectl");
    (started.elapsed(), out)
}

/// Both streams of a run, for a failure's message.
fn shown(out: &Output) -> String {
    format!(
        "{}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn report(what: &str, runs: &[Duration]) {
    let (median, min, max) = summary(runs);
    println!(
        "{what}\n  median {:>8.1} ms  (min {:.1}, max {:.1}, {} runs)",
        ms(median),
        ms(min),
        ms(max),
        runs.len()
    );
}
