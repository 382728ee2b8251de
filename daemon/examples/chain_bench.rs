//! Chain benchmark on real `timed` processes on loopback: the blocks/s and
//! transactions/s a four-node fleet sustains at a short block interval under a
//! steady load of `POST /tx` (rounds honour the interval, so blocks/s is at most
//! one per interval), then how fast a fresh node with an empty data dir syncs the
//! whole chain (blocks/s). The fleet's keys are made with `timed keygen` and
//! listed in a network file, as an operator would.
//!
//! ```text
//! cargo build --release -p timed
//! cargo run --release -p timed --example chain_bench -- [--interval 100ms] [--secs 30]
//! ```
//!
//! Timing figures live here, not in tests: they depend on the machine.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use color_eyre::eyre::{Result, bail, eyre};
use serde_json::{Value, json};
use tempfile::TempDir;

#[derive(Parser)]
struct Args {
    /// The `timed` binary [default: `timed` next to this example's directory].
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Block interval of the fleet.
    #[arg(long, default_value = "100ms", value_parser = humantime::parse_duration)]
    interval: Duration,
    /// How long the fleet runs under transaction load.
    #[arg(long, default_value_t = 30)]
    secs: u64,
    /// Concurrent clients posting transactions.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Chain height to reach before a fresh node syncs it.
    #[arg(long, default_value_t = 1000)]
    sync_height: u64,
}

/// One `timed` process, killed on drop.
struct Proc {
    child: Child,
    rpc: SocketAddr,
    _dir: TempDir,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr(ip: Ipv4Addr) -> Result<SocketAddr> {
    Ok(TcpListener::bind((ip, 0))?.local_addr()?)
}

/// A data dir with a fresh key, made by `timed keygen`; returns the node id.
fn keygen(bin: &Path, dir: &TempDir) -> Result<String> {
    let out = Command::new(bin)
        .arg("keygen")
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()?;
    if !out.status.success() {
        bail!(
            "timed keygen failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

/// The network file of the fleet: the four keys, quorum three, genesis now.
fn network_file(dir: &Path, ids: &[String], interval: Duration) -> Result<PathBuf> {
    let keys: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    let path = dir.join("network.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"bench\"\nmasternodes = [{}]\nmin_masternodes = 3\nblock_interval = \"{}\"\ngenesis = \"{}\"\n",
            keys.join(", "),
            humantime::format_duration(interval),
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()),
        ),
    )?;
    Ok(path)
}

struct Spawn<'a> {
    bin: &'a Path,
    network: &'a Path,
    p2p: SocketAddr,
    rpc: SocketAddr,
    peers: &'a [SocketAddr],
    masternode: bool,
}

fn spawn(how: Spawn<'_>, dir: TempDir) -> Result<Proc> {
    let log = std::fs::File::create(dir.path().join("stdout.log"))?;
    let mut cmd = Command::new(how.bin);
    cmd.arg("--network-file")
        .arg(how.network)
        .arg("--listen")
        .arg(how.p2p.to_string())
        .arg("--rpc-bind")
        .arg(how.rpc.to_string())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--backoff-initial", "50ms", "--backoff-max", "500ms"])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    if how.masternode {
        cmd.arg("--masternode");
    }
    for peer in how.peers {
        cmd.arg("--peer").arg(peer.to_string());
    }
    Ok(Proc {
        child: cmd.spawn()?,
        rpc: how.rpc,
        _dir: dir,
    })
}

async fn info(http: &reqwest::Client, node: &Proc) -> Option<Value> {
    let resp = http
        .get(format!("http://{}/consensus_info", node.rpc))
        .send()
        .await
        .ok()?;
    resp.json().await.ok()
}

async fn figure(http: &reqwest::Client, node: &Proc, key: &str) -> u64 {
    info(http, node)
        .await
        .and_then(|v| v[key].as_u64())
        .unwrap_or(0)
}

/// Polls until `check` holds on every node, or fails after `within`.
async fn wait_all(
    http: &reqwest::Client,
    nodes: &[Proc],
    within: Duration,
    check: impl Fn(&Value) -> bool,
) -> Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let mut ok = true;
        for node in nodes {
            ok &= info(http, node).await.is_some_and(|v| check(&v));
        }
        if ok {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("condition not reached within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    color_eyre::install()?;
    let args = Args::parse();
    let bin = match args.bin {
        Some(bin) => bin,
        None => std::env::current_exe()?
            .parent()
            .and_then(|examples| examples.parent())
            .map(|dir| dir.join("timed"))
            .ok_or_else(|| eyre!("cannot locate the timed binary; pass --bin"))?,
    };
    if !bin.exists() {
        bail!(
            "{} not found: run `cargo build --release -p timed` first or pass --bin",
            bin.display()
        );
    }
    let ip = Ipv4Addr::new(
        127,
        fastrand::u8(1..=254),
        fastrand::u8(..),
        fastrand::u8(1..=254),
    );
    let p2p: Vec<SocketAddr> = (0..4).map(|_| free_addr(ip)).collect::<Result<_>>()?;
    let dirs: Vec<TempDir> = (0..4)
        .map(|_| tempfile::tempdir())
        .collect::<Result<_, _>>()?;
    let ids: Vec<String> = dirs
        .iter()
        .map(|d| keygen(&bin, d))
        .collect::<Result<_>>()?;
    let shared = tempfile::tempdir()?;
    let network = network_file(shared.path(), &ids, args.interval)?;
    let mut fleet = Vec::new();
    for (i, (addr, dir)) in p2p.iter().zip(dirs).enumerate() {
        let peers: Vec<SocketAddr> = p2p
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, a)| *a)
            .collect();
        let how = Spawn {
            bin: &bin,
            network: &network,
            p2p: *addr,
            rpc: free_addr(ip)?,
            peers: &peers,
            masternode: true,
        };
        fleet.push(spawn(how, dir)?);
    }
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()?;
    wait_all(&http, &fleet, Duration::from_secs(30), |v| {
        v["active_masternodes"] == 4
    })
    .await?;
    println!(
        "fleet: 4 masternodes, block interval {}",
        humantime::format_duration(args.interval)
    );

    // Sustained production under load.
    let fleet = Arc::new(fleet);
    let (h0, f0, t0) = (
        figure(&http, &fleet[0], "block_height").await,
        figure(&http, &fleet[0], "finalized_transactions").await,
        Instant::now(),
    );
    let posted = Arc::new(AtomicU64::new(0));
    let stop = Instant::now() + Duration::from_secs(args.secs);
    let mut clients = Vec::new();
    for c in 0..args.clients {
        let (http, fleet, posted) = (http.clone(), fleet.clone(), posted.clone());
        clients.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < stop {
                let node = &fleet[(c + n as usize) % fleet.len()];
                let tx = json!({"client": c, "n": n, "to": "bench", "amount": 1});
                let ok = http
                    .post(format!("http://{}/tx", node.rpc))
                    .json(&tx)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    posted.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
        }));
    }
    for c in clients {
        c.await?;
    }
    let secs = t0.elapsed().as_secs_f64();
    let (h1, f1) = (
        figure(&http, &fleet[0], "block_height").await,
        figure(&http, &fleet[0], "finalized_transactions").await,
    );
    println!(
        "load {secs:.1} s: {:.2} blocks/s ({} blocks), {:.0} tx/s finalized ({} txs), {:.0} tx/s accepted by POST /tx",
        (h1 - h0) as f64 / secs,
        h1 - h0,
        (f1 - f0) as f64 / secs,
        f1 - f0,
        posted.load(Ordering::Relaxed) as f64 / secs
    );

    // A fresh node syncs the whole chain.
    let target = args.sync_height;
    wait_all(&http, &fleet[..1], Duration::from_secs(target * 2), |v| {
        v["block_height"].as_u64() >= Some(target)
    })
    .await?;
    let target = figure(&http, &fleet[0], "block_height").await;
    let start = Instant::now();
    let how = Spawn {
        bin: &bin,
        network: &network,
        p2p: free_addr(ip)?,
        rpc: free_addr(ip)?,
        peers: &p2p,
        masternode: false,
    };
    let fresh = spawn(how, tempfile::tempdir()?)?;
    let fresh = [fresh];
    wait_all(&http, &fresh, Duration::from_secs(120), |v| {
        v["block_height"].as_u64() >= Some(target)
    })
    .await?;
    let took = start.elapsed().as_secs_f64();
    println!(
        "fresh node synced {target} blocks in {took:.2} s from process start: {:.0} blocks/s",
        target as f64 / took
    );
    Ok(())
}
