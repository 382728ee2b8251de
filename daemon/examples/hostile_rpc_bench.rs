//! Benchmark for issue 13's store and mempool items, on real `timed` processes:
//!
//! 1. RPC latency while blocks are written: a one-masternode network produces a
//!    block every `--interval`, each with `--txs-per-block` transactions of 60 KB
//!    (34 fill a block), so every round commits and fsyncs that much; a probe times
//!    `GET /consensus_info` and `GET /health` back to back, first idle, then under
//!    that load. While a commit ran on an async worker under the chain lock, the
//!    probe waited for the disk.
//! 2. Resident memory under a mempool flood: a node that cannot produce (its
//!    network needs two masternodes) takes `--flood` transactions of 60 KB over RPC
//!    from four clients; its resident memory is read from `/proc` before and after.
//! 3. `/health` under a header siege (issue 22 item 4, goal under 1 s): one
//!    address opens `--siege` connections at once that never finish their
//!    headers, and `GET /health` on a fresh connection from another address is
//!    timed five times while they come; `--siege-rounds` rounds, each from a new
//!    address. A full accept queue drops SYNs, which shows as a second's wait.
//!
//! Both talk to the daemon over HTTP only, so the same bench measures any build:
//!
//! ```text
//! cargo build --release -p timed --example hostile_rpc_bench
//! target/release/examples/hostile_rpc_bench [--bin PATH] [--secs 10] [--flood 4000]
//!     [--siege 2000] [--siege-rounds 5]
//! ```
//!
//! Timing figures live here, not in tests: they depend on the machine and its disk.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, bail};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use serde_json::json;
use tempfile::TempDir;

#[path = "support/timed_bin.rs"]
mod timed_bin;

#[derive(Parser)]
struct Args {
    /// The `timed` binary [default: `timed` next to this example's directory].
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Block interval of the writing node.
    #[arg(long, default_value = "250ms", value_parser = humantime::parse_duration)]
    interval: Duration,
    /// Seconds of each latency phase (idle, then writing).
    #[arg(long, default_value_t = 10)]
    secs: u64,
    /// Transactions of 60 KB posted per block interval while writing (34 fill a
    /// block). Keep it at what the build sustains, so that every version compared
    /// writes the same blocks.
    #[arg(long, default_value_t = 10)]
    txs_per_block: u32,
    /// Transactions of 60 KB in the mempool flood.
    #[arg(long, default_value_t = 4000)]
    flood: usize,
    /// Connections of the header siege, all from one address.
    #[arg(long, default_value_t = 2000)]
    siege: usize,
    /// Rounds of the siege (five `/health` timings each).
    #[arg(long, default_value_t = 5)]
    siege_rounds: usize,
}

/// One `timed` process in its own data dir, killed on drop.
struct Daemon {
    child: Child,
    rpc: SocketAddr,
    _dir: TempDir,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Daemon {
    /// A masternode of a network listing it and `extra_keys` other ones, which
    /// needs `quorum` of them to produce.
    fn start(bin: &Path, interval: Duration, extra_keys: usize, quorum: usize) -> Result<Daemon> {
        let dir = tempfile::tempdir()?;
        let mut keys = vec![timed_bin::keygen(bin, &dir.path().join("data"))?];
        for k in 0..extra_keys {
            keys.push(timed_bin::keygen(
                bin,
                &dir.path().join(format!("other{k}")),
            )?);
        }
        let listed: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
        let network = dir.path().join("network.toml");
        std::fs::write(
            &network,
            format!(
                "name = \"bench\"\nmasternodes = [{}]\nmin_masternodes = {quorum}\nblock_interval = \"{}\"\ngenesis = \"{}\"\n",
                listed.join(", "),
                humantime::format_duration(interval),
                humantime::format_rfc3339_seconds(std::time::SystemTime::now()),
            ),
        )?;
        let ip = Ipv4Addr::new(
            127,
            fastrand::u8(1..=254),
            fastrand::u8(..),
            fastrand::u8(1..=254),
        );
        let port = |ip| -> Result<SocketAddr> { Ok(TcpListener::bind((ip, 0))?.local_addr()?) };
        let rpc = port(ip)?;
        let log = std::fs::File::create(dir.path().join("stdout.log"))?;
        let child = Command::new(bin)
            .arg("--network-file")
            .arg(&network)
            .args([
                "--listen",
                &port(ip)?.to_string(),
                "--rpc-bind",
                &rpc.to_string(),
            ])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--masternode")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        Ok(Daemon {
            child,
            rpc,
            _dir: dir,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.rpc)
    }

    async fn wait_up(&self, http: &reqwest::Client) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(self.url("/health")).send().await.is_err() {
            if Instant::now() > deadline {
                bail!("timed did not answer on {}", self.rpc);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    async fn height(&self, http: &reqwest::Client) -> u64 {
        match http.get(self.url("/consensus_info")).send().await {
            Ok(resp) => resp
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|v| v["block_height"].as_u64())
                .unwrap_or(0),
            Err(_) => 0,
        }
    }

    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    }
}

fn tx(client: usize, n: usize) -> serde_json::Value {
    json!({"client": client, "n": n, "pad": "x".repeat(60_000)})
}

/// Times `GET path` back to back until `stop`; the latencies in milliseconds.
async fn probe(http: reqwest::Client, url: String, stop: Arc<AtomicBool>) -> Vec<f64> {
    let mut samples = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let ok = http
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    samples
}

/// Prints one latency row, and records every sample as `figure`.
fn report(label: &str, figure: &str, mut ms: Vec<f64>) {
    testkit::figures::record(figure, "ms", &ms);
    if ms.is_empty() {
        println!("{label:<34} no answers");
        return;
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:<34} n={:<6} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms",
        ms.len(),
        at(0.5),
        at(0.99),
        ms[ms.len() - 1]
    );
}

/// Probes both endpoints for `secs`, with `load` posting transactions meanwhile
/// when set; returns how many transactions were posted and how many blocks the
/// node made in that time.
async fn latency_phase(
    label: &str,
    node: &Daemon,
    http: &reqwest::Client,
    (secs, interval, txs_per_block): (u64, Duration, u32),
    load: bool,
) -> (usize, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let start_height = node.height(http).await;
    let probes: Vec<_> = ["/consensus_info", "/health"]
        .into_iter()
        .map(|path| tokio::spawn(probe(http.clone(), node.url(path), stop.clone())))
        .collect();
    // Paced, so that every build compared writes the same blocks.
    let loader = load.then(|| {
        let (http, url, stop) = (http.clone(), node.url("/tx"), stop.clone());
        tokio::spawn(async move {
            let mut pace = tokio::time::interval(interval / txs_per_block);
            pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                pace.tick().await;
                let _ = http.post(&url).json(&tx(0, n)).send().await;
                n += 1;
            }
            n
        })
    });
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    for (path, probe) in ["/consensus_info", "/health"].into_iter().zip(probes) {
        report(
            &format!("{label} GET {path}"),
            &format!("rpc.{label}.{}", path.trim_start_matches('/')),
            probe.await.unwrap_or_default(),
        );
    }
    let posted = match loader {
        Some(loader) => loader.await.unwrap_or(0),
        None => 0,
    };
    (posted, node.height(http).await.saturating_sub(start_height))
}

async fn flood(bin: &Path, http: &reqwest::Client, count: usize) -> Result<()> {
    let node = Daemon::start(bin, Duration::from_secs(10), 1, 2)?;
    node.wait_up(http).await?;
    let before = node.rss_mib();
    let started = Instant::now();
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (http, url) = (http.clone(), node.url("/tx"));
            tokio::spawn(async move {
                let (mut ok, mut full) = (0usize, 0usize);
                for n in (c..count).step_by(4) {
                    match http.post(&url).json(&tx(c, n)).send().await {
                        Ok(r) if r.status().is_success() => ok += 1,
                        Ok(r) if r.status().as_u16() == 503 => full += 1,
                        _ => {}
                    }
                }
                (ok, full)
            })
        })
        .collect();
    let (mut ok, mut full) = (0, 0);
    for client in clients {
        let (o, f) = client.await?;
        ok += o;
        full += f;
    }
    println!(
        "flood of {count} x 60 KB over RPC in {:.1} s: {ok} accepted, {full} refused with 503; resident {before:.1} MiB -> {:.1} MiB",
        started.elapsed().as_secs_f64(),
        node.rss_mib()
    );
    testkit::figures::record("rpc.flood_rss", "MiB", &[node.rss_mib()]);
    Ok(())
}

async fn siege(bin: &Path, http: &reqwest::Client, count: usize, rounds: usize) -> Result<()> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).wrap_err("getrlimit")?;
    let want = count as u64 + 256;
    if soft < want {
        if hard < want {
            bail!("the siege holds {count} sockets; the hard descriptor limit is {hard}");
        }
        setrlimit(Resource::RLIMIT_NOFILE, want, hard).wrap_err("setrlimit")?;
    }
    let node = Daemon::start(bin, Duration::from_secs(10), 1, 2)?;
    node.wait_up(http).await?;
    let (mut ms, mut unanswered) = (Vec::new(), 0);
    for _ in 0..rounds {
        let from = SocketAddr::new(IpAddr::V4(testkit::net::random_ip()), 0);
        let opened = Arc::new(AtomicUsize::new(0));
        let mut siege = tokio::task::JoinSet::new();
        for _ in 0..count {
            let (rpc, opened) = (node.rpc, opened.clone());
            siege.spawn(async move {
                let stream = testkit::siege::half_sent(rpc, from, Duration::from_secs(5)).await;
                opened.fetch_add(usize::from(stream.is_some()), Ordering::Relaxed);
                stream
            });
        }
        // Asked while they come, once more are open than the node serves at once.
        let deadline = Instant::now() + Duration::from_secs(10);
        while opened.load(Ordering::Relaxed) < 300 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for _ in 0..5 {
            match testkit::siege::fresh_get(node.rpc, "/health", Duration::from_secs(2)).await {
                Some(took) => ms.push(took.as_secs_f64() * 1000.0),
                None => unanswered += 1,
            }
        }
        // Dropped at the end of the round: the node sees every one close.
        let held = siege.join_all().await;
        drop(held);
    }
    report(
        &format!("siege of {count}: GET /health"),
        "rpc.siege.health",
        ms,
    );
    testkit::figures::record("rpc.siege.unanswered", "count", &[unanswered as f64]);
    println!(
        "siege: {unanswered} of {} asked got no answer within 2 s",
        rounds * 5
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    color_eyre::install()?;
    let args = Args::parse();
    let bin = timed_bin::locate(args.bin)?;
    println!("timed: {}", bin.display());
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()?;

    let node = Daemon::start(&bin, args.interval, 0, 1)?;
    node.wait_up(&http).await?;
    let phase = (args.secs, args.interval, args.txs_per_block.max(1));
    latency_phase("idle", &node, &http, phase, false).await;
    let (posted, blocks) = latency_phase("writing", &node, &http, phase, true).await;
    println!(
        "writing: {posted} transactions of 60 KB posted, {blocks} blocks committed in {} s",
        args.secs
    );
    drop(node);

    flood(&bin, &http, args.flood).await?;
    siege(&bin, &http, args.siege, args.siege_rounds).await
}
