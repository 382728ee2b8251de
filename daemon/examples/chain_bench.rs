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

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use color_eyre::eyre::{Result, bail};
use serde_json::{Value, json};
use tempfile::TempDir;

#[path = "support/fleet.rs"]
mod fleet;
#[path = "support/timed_bin.rs"]
mod timed_bin;

use fleet::{Proc, Spawn, free_addr, loopback, network_file, peers_of, spawn};

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
    let bin = timed_bin::locate(args.bin)?;
    let ip = loopback();
    let p2p: Vec<SocketAddr> = (0..4).map(|_| free_addr(ip)).collect::<Result<_>>()?;
    let dirs: Vec<TempDir> = (0..4)
        .map(|_| tempfile::tempdir())
        .collect::<Result<_, _>>()?;
    let ids: Vec<String> = dirs
        .iter()
        .map(|d| timed_bin::keygen(&bin, &d.path().join("data")))
        .collect::<Result<_>>()?;
    let shared = tempfile::tempdir()?;
    let network = network_file(shared.path(), &ids, args.interval, 3)?;
    let mut fleet = Vec::new();
    for (i, (addr, dir)) in p2p.iter().zip(dirs).enumerate() {
        let peers = peers_of(&ids, &p2p, Some(i));
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
    let interval = humantime::format_duration(args.interval);
    testkit::figures::record(
        &format!("chain.blocks_per_s.i{interval}"),
        "blocks/s",
        &[(h1 - h0) as f64 / secs],
    );
    testkit::figures::record(
        &format!("chain.final_tx_per_s.i{interval}"),
        "tx/s",
        &[(f1 - f0) as f64 / secs],
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
        peers: &peers_of(&ids, &p2p, None),
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
    testkit::figures::record(
        "chain.sync_blocks_per_s",
        "blocks/s",
        &[target as f64 / took],
    );
    Ok(())
}
