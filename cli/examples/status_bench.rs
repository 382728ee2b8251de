//! Measures `timectl status` across SSH nodes beside plain `ssh` to the same
//! nodes: a real sshd at 127.0.0.1-4 (the tests' harness), four real `timed`
//! daemons (a devnet), each node's RPC through an SSH tunnel.
//!
//! Build the binaries in the same profile first, then run:
//!
//! ```text
//! cargo build --release -p timectl -p timed
//! cargo run --release -p timectl --example status_bench [RUNS] [NODES]
//! ```
//!
//! Prints the first ("cold": fresh sshd, nothing cached) and the following
//! ("warm") runs of each command, and, when `hyperfine` is installed, its figures
//! for the same commands. Then the pool's effect: in one process, the first probe
//! of the nodes (opening a SSH master and tunnel each) beside the following
//! ones over the same connections, what `status --watch`, `check` and the
//! dashboard pay per round.
//!
//! With more than four NODES (the issue's 100), one sshd at its default
//! `MaxStartups` serves them all from 127.0.0.1-16, their RPCs the four
//! daemons' in turn; plain `ssh` to every host at once is left out (sshd at its
//! default refuses most of a hundred handshakes at once). The in-process rounds
//! then also report the most masters being set up at once, the masters
//! running, and the file descriptors this process holds.

#[path = "support/fleet.rs"]
mod fleet;
#[path = "support/timing.rs"]
mod timing;

use testkit::sshd;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use timing::{ms, summary};

/// Warm runs per command unless given.
const DEFAULT_RUNS: usize = 10;
/// Nodes unless given, and the devnet's least size.
const DAEMONS: usize = 4;
/// SSH nodes sharing one daemon at most: every tunnel reaches it from sshd's
/// 127.0.0.1, and a probe holds up to four RPC connections, so eight nodes stay
/// within a daemon's 32 connections from one address (at 100 nodes over four
/// daemons, a quarter of the probes were closed at that cap).
const NODES_PER_DAEMON: usize = 8;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let runs = args.next().flatten().unwrap_or(DEFAULT_RUNS);
    let count = args.next().flatten().unwrap_or(DAEMONS).max(1);
    let bins = fleet::binaries();
    let timectl = &bins.timectl;

    let wide = count > DAEMONS;
    let daemons = count.div_ceil(NODES_PER_DAEMON).max(DAEMONS);
    let sshd = fleet::sshd_for(count);
    let tmp = tempfile::tempdir().expect("tempdir");
    let devnet = fleet::Devnet::up(&bins, &tmp.path().join("devnet"), daemons, &[]);
    let fleet = tmp.path().join("fleet.toml");
    std::fs::write(&fleet, fleet::ssh_fleet(&sshd, &devnet, count)).expect("fleet");

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
        devnet.fleet().display()
    );
    let mut commands = vec![
        (
            format!("timectl status ({count} nodes, ssh + tunnel + rpc)"),
            "status",
            count,
            status.clone(),
        ),
        (
            format!("timectl status (the {daemons} daemons, local transport: no ssh)"),
            "status_local",
            daemons,
            local_status,
        ),
    ];
    if !wide {
        commands.push((
            "ssh true to 4 hosts in parallel, new connections".into(),
            "ssh_parallel",
            sshd::HOSTS.len(),
            parallel(""),
        ));
        commands.push((
            "ssh true to 4 hosts in parallel, reused masters".into(),
            "ssh_parallel_reused",
            sshd::HOSTS.len(),
            parallel(&mux),
        ));
    }
    println!("runs: 1 cold + {runs} warm each\n");
    for (what, figure, nodes, cmd) in &commands {
        let cold = time(cmd);
        let warm: Vec<Duration> = (0..runs).map(|_| time(cmd)).collect();
        // A new process opens new masters every run: each run is cold, and
        // "warm" is what one process pays per round (recorded below).
        testkit::figures::record(&format!("{figure}.cold.n{nodes}"), "ms", &[ms(cold)]);
        let again: Vec<f64> = warm.iter().copied().map(ms).collect();
        testkit::figures::record(&format!("{figure}.cli_again.n{nodes}"), "ms", &again);
        let (median, min, max) = summary(&warm);
        println!(
            "{what}\n  cold {:>7.1} ms   warm median {:>7.1} ms  (min {:.1}, max {:.1})",
            ms(cold),
            ms(median),
            ms(min),
            ms(max)
        );
    }
    println!();
    in_process(&fleet, runs, sshd.port);
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
        for (_, _, _, cmd) in &commands {
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
/// next `runs` reuse them. A thread samples the process table meanwhile for
/// the masters to sshd's `port` this process is still setting up (`ssh -M`
/// children not yet gone to the background).
fn in_process(fleet: &Path, runs: usize, port: u16) {
    let text = std::fs::read_to_string(fleet).expect("fleet");
    let nodes = timecoin_shared::fleet::parse(&text).expect("fleet").nodes;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = std::sync::Arc::clone(&sampling);
        std::thread::spawn(move || {
            let mut most = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                most = most.max(masters_starting(port));
                std::thread::sleep(Duration::from_millis(2));
            }
            most
        })
    };
    runtime.block_on(async {
        let pool = timectl::Pool::default();
        let round = || async {
            let started = Instant::now();
            let snapshots = timectl::probe_all(&pool, &nodes).await;
            let lost: Vec<_> = snapshots.iter().filter(|s| !s.is_reachable()).collect();
            assert!(lost.is_empty(), "{} unreachable: {lost:#?}", lost.len());
            started.elapsed()
        };
        let cold = round().await;
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
        let starting = sampler.join().expect("sampler");
        let mut warm = Vec::with_capacity(runs);
        for _ in 0..runs {
            warm.push(round().await);
        }
        let (median, min, max) = summary(&warm);
        let n = nodes.len();
        testkit::figures::record(&format!("status.pool_first.n{n}"), "ms", &[ms(cold)]);
        let rounds: Vec<f64> = warm.iter().copied().map(ms).collect();
        testkit::figures::record(&format!("status.warm.n{n}"), "ms", &rounds);
        let running = testkit::process::find(|p| {
            p.is("ssh") && p.args.iter().any(|a| a == "-M") && p.has_option("-p", &port.to_string())
        })
        .len();
        let fds = std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count);
        println!(
            "probe_all in one process ({} nodes, ssh + tunnel + rpc; {} masters opened)\n  \
             first {:>7.1} ms   then median {:>7.1} ms  (min {:.1}, max {:.1})\n  \
             at most {starting} masters being set up at once; {running} masters running, \
             {fds} file descriptors open here after the rounds",
            nodes.len(),
            pool.opened(),
            ms(cold),
            ms(median),
            ms(min),
            ms(max)
        );
        let closing = Instant::now();
        pool.close().await;
        println!("  closing them: {:.1} ms", ms(closing.elapsed()));
    });
}

/// `ssh -M` processes to `port` whose parent is this process: masters still
/// authenticating (once up, `-f` puts them in the background, parent gone).
fn masters_starting(port: u16) -> usize {
    let me = std::process::id();
    testkit::process::find(|p| {
        p.is("ssh")
            && p.args.iter().any(|a| a == "-M")
            && p.has_option("-p", &port.to_string())
            && parent(p.pid) == Some(me)
    })
    .len()
}

/// A process's parent id, from `/proc/PID/stat`.
fn parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn time(cmd: &str) -> Duration {
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stderr(Stdio::inherit())
        .output()
        .expect("run");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "failed ({}): {cmd}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    took
}
