//! Measures `timectl status` across four SSH nodes beside plain `ssh` to the same
//! nodes: a real sshd at 127.0.0.1-4 (the tests' harness), four real `timed`
//! daemons (a devnet), each node's RPC through an SSH tunnel.
//!
//! Build the binaries in the same profile first, then run:
//!
//! ```text
//! cargo build --release -p timectl -p timed
//! cargo run --release -p timectl --example status_bench [RUNS]
//! ```
//!
//! Prints the first ("cold": fresh sshd, nothing cached) and the following
//! ("warm") runs of each command, and, when `hyperfine` is installed, its figures
//! for the same commands. Then the pool's effect: in one process, the first probe
//! of the four nodes (opening four SSH masters and tunnels) beside the following
//! ones over the same connections, what `status --watch`, `check` and the
//! dashboard pay per round.

use testkit::sshd;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Warm runs per command unless given.
const DEFAULT_RUNS: usize = 10;

fn main() {
    let runs = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_RUNS);
    let bin_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(Path::to_path_buf))
        .expect("target dir");
    let timectl = bin_dir.join("timectl");
    let timed = bin_dir.join("timed");
    for bin in [&timectl, &timed] {
        assert!(
            bin.is_file(),
            "{} missing: cargo build --release -p timectl -p timed",
            bin.display()
        );
    }

    let sshd = sshd::Sshd::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("devnet");
    let _down = testkit::devnet::up(&timectl, &dir, 4, &timed, &[]);
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("devnet.json")).expect("state"))
            .expect("state json");
    let nodes: Vec<(&str, std::net::SocketAddr)> = ["n1", "n2", "n3", "n4"]
        .into_iter()
        .zip(state["nodes"].as_array().expect("nodes"))
        .map(|(name, n)| (name, n["rpc"].as_str().expect("rpc").parse().expect("addr")))
        .collect();
    let fleet = tmp.path().join("fleet.toml");
    std::fs::write(&fleet, sshd.fleet_toml_with_rpc(&nodes)).expect("fleet");

    let status = format!(
        "{} --fleet {} status --output json",
        timectl.display(),
        fleet.display()
    );
    let ssh_one =
        |host: &str, extra: &str| format!("ssh {extra} {} true", sshd.ssh_args(host).join(" "));
    let parallel = |extra: &str| {
        let each: Vec<String> = sshd::HOSTS
            .iter()
            .map(|h| format!("{} &", ssh_one(h, extra)))
            .collect();
        format!("{} wait", each.join(" "))
    };
    let control = tmp.path().join("cm-%h-%p");
    let mux = format!(
        "-o ControlMaster=auto -o ControlPersist=60 -o ControlPath={}",
        control.display()
    );
    let local_status = format!(
        "{} --fleet {} status --output json",
        timectl.display(),
        dir.join("fleet.toml").display()
    );
    let commands = [
        (
            "timectl status (4 nodes, ssh + tunnel + rpc)",
            "status",
            status.clone(),
        ),
        (
            "timectl status (same daemons, local transport: no ssh)",
            "status_local",
            local_status,
        ),
        (
            "ssh true to 4 hosts in parallel, new connections",
            "ssh_parallel",
            parallel(""),
        ),
        (
            "ssh true to 4 hosts in parallel, reused masters",
            "ssh_parallel_reused",
            parallel(&mux),
        ),
    ];
    println!("runs: 1 cold + {runs} warm each\n");
    for (what, figure, cmd) in &commands {
        let cold = time(cmd);
        let warm: Vec<Duration> = (0..runs).map(|_| time(cmd)).collect();
        testkit::figures::record(&format!("{figure}.cold.n4"), "ms", &[ms(cold)]);
        let warm_ms: Vec<f64> = warm.iter().copied().map(ms).collect();
        testkit::figures::record(&format!("{figure}.warm.n4"), "ms", &warm_ms);
        let (mean, min, max) = summary(&warm);
        println!(
            "{what}\n  cold {:>7.1} ms   warm mean {:>7.1} ms  (min {:.1}, max {:.1})",
            ms(cold),
            ms(mean),
            ms(min),
            ms(max)
        );
    }
    println!();
    in_process(&fleet, runs);
    if Command::new("hyperfine").arg("--version").output().is_ok() {
        println!("\nhyperfine:");
        let mut hf = Command::new("hyperfine");
        hf.args([
            "--warmup",
            "2",
            "--runs",
            &runs.to_string(),
            "--style",
            "basic",
        ]);
        for (_, _, cmd) in &commands {
            hf.arg(cmd);
        }
        let _ = hf.status();
    }
    // Close the reused masters.
    for host in sshd::HOSTS {
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ssh {mux} -O exit {} 2>/dev/null",
                sshd.ssh_args(host).join(" ")
            ))
            .status();
    }
}

/// Probes the fleet in this process: the first round opens the connections, the
/// next `runs` reuse them.
fn in_process(fleet: &Path, runs: usize) {
    let text = std::fs::read_to_string(fleet).expect("fleet");
    let nodes = timecoin_shared::fleet::parse(&text).expect("fleet").nodes;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let pool = timectl::Pool::default();
        let round = || async {
            let started = Instant::now();
            let snapshots = timectl::probe_all(&pool, &nodes).await;
            assert!(snapshots.iter().all(|s| s.is_reachable()), "{snapshots:#?}");
            started.elapsed()
        };
        let cold = round().await;
        let mut warm = Vec::with_capacity(runs);
        for _ in 0..runs {
            warm.push(round().await);
        }
        let (mean, min, max) = summary(&warm);
        println!(
            "probe_all in one process (4 nodes, ssh + tunnel + rpc; {} masters opened)\n  \
             first {:>7.1} ms   then mean {:>7.1} ms  (min {:.1}, max {:.1})",
            pool.opened(),
            ms(cold),
            ms(mean),
            ms(min),
            ms(max)
        );
        pool.close().await;
    });
}

/// Mean, min and max of some timings.
fn summary(runs: &[Duration]) -> (Duration, Duration, Duration) {
    let n = u32::try_from(runs.len().max(1)).unwrap_or(1);
    let mean = runs.iter().sum::<Duration>() / n;
    let min = runs.iter().min().copied().unwrap_or_default();
    let max = runs.iter().max().copied().unwrap_or_default();
    (mean, min, max)
}

fn time(cmd: &str) -> Duration {
    let started = Instant::now();
    let status = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdout(Stdio::null())
        .status()
        .expect("run");
    assert!(status.success(), "failed: {cmd}");
    started.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
