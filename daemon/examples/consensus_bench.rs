//! Consensus benchmark on real `timed` processes on loopback (issue 21, "what
//! must be shown" 4): for a fleet of N masternodes at a block interval, the
//! final blocks per second and the time from a block's proposal to its
//! finality.
//!
//! The fleet's keys are made with `timed keygen` and listed in one network
//! file (quorum: more than two thirds), every node lists every other as a
//! peer, each on its own loopback address. Once every node is final at a
//! few blocks, a window of `--secs` is watched: blocks/s is the growth of
//! node 0's final height over it. A block's proposal time is its timestamp
//! (stamped by its proposer right before it signs the proposal); its final
//! time on a node is the timestamp of that node's `Finalized block at height
//! H` log line. Both come from this machine's one clock. Proposal-to-final is
//! given over every node and every block of the window.
//!
//! ```text
//! cargo build --release -p timed --example consensus_bench
//! target/release/examples/consensus_bench --nodes 4 --interval 100ms --secs 20
//! ```
//!
//! Timing figures live here, not in tests: they depend on the machine (say
//! its load average beside them).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use clap::Parser;
use color_eyre::eyre::{Result, bail};
use serde_json::Value;

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
    /// Masternodes in the fleet.
    #[arg(long, default_value_t = 4)]
    nodes: usize,
    /// Block interval of the fleet.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    interval: Duration,
    /// How long production is watched.
    #[arg(long, default_value_t = 20)]
    secs: u64,
    /// Longest wait for the fleet to mesh and finalize its first blocks.
    #[arg(long, default_value = "120s", value_parser = humantime::parse_duration)]
    warmup: Duration,
}

async fn get(http: &reqwest::Client, node: &Proc, path: &str) -> Option<Value> {
    let resp = http
        .get(format!("http://{}{path}", node.rpc))
        .send()
        .await
        .ok()?;
    resp.json().await.ok()
}

async fn final_height(http: &reqwest::Client, node: &Proc) -> Option<u64> {
    get(http, node, "/consensus_info").await?["final_height"].as_u64()
}

/// When each height became final on the node that wrote `log`, in Unix
/// milliseconds, from its `Finalized block at height H` lines.
fn finalized_at(log: &Path) -> Result<Vec<(u64, f64)>> {
    let text = std::fs::read_to_string(log)?;
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.split("Finalized block at height ").nth(1) else {
            continue;
        };
        let height = rest.split_whitespace().next().and_then(|h| h.parse().ok());
        let stamp = line
            .split_whitespace()
            .next()
            .and_then(|t| humantime::parse_rfc3339(t).ok());
        if let (Some(height), Some(stamp)) = (height, stamp) {
            let ms = stamp.duration_since(UNIX_EPOCH)?.as_secs_f64() * 1000.0;
            out.push((height, ms));
        }
    }
    Ok(out)
}

/// The value below which `q` of `sorted` lie.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

/// The fleet's sums of the series that say where messages went: dropped on
/// the way in (by lane, kind and cause), dropped at the consensus engine's
/// queue or at a peer's send queue, and signatures checked.
async fn fleet_counters(http: &reqwest::Client, fleet: &[Proc]) -> String {
    const SERIES: [&str; 4] = [
        "timed_inbox_dropped_total",
        "timed_consensus_dropped_total",
        "timed_signature_checks_total",
        "timed_dropped_total{what=\"frames\"}",
    ];
    let mut sums = std::collections::BTreeMap::<String, f64>::new();
    for node in fleet {
        let Ok(resp) = http
            .get(format!("http://{}/metrics", node.rpc))
            .send()
            .await
        else {
            continue;
        };
        let text = resp.text().await.unwrap_or_default();
        for line in text
            .lines()
            .filter(|l| SERIES.iter().any(|s| l.starts_with(s)))
        {
            if let Some((series, value)) = line.rsplit_once(' ')
                && let Ok(value) = value.parse::<f64>()
            {
                *sums.entry(series.to_owned()).or_default() += value;
            }
        }
    }
    sums.iter()
        .map(|(series, sum)| format!("  {series} {sum}\n"))
        .collect()
}

/// What one signature check (ed25519, strict, as a vote's) costs on this
/// machine now: the mean over a few thousand.
fn verify_cost() -> Duration {
    use ed25519_dalek::{Signer, SigningKey};
    const CHECKS: u32 = 4000;
    let key = SigningKey::from_bytes(&[7; 32]);
    let public = key.verifying_key();
    // About a vote's signed bytes: kind, height, round, value, validator, network.
    let bytes = [1u8; 120];
    let signature = key.sign(&bytes);
    let start = Instant::now();
    for _ in 0..CHECKS {
        let ok = public.verify_strict(std::hint::black_box(&bytes), &signature);
        std::hint::black_box(ok).ok();
    }
    start.elapsed() / CHECKS
}

/// The CPU the fleet's signature checks need per block: every node checks
/// every other's prevote and precommit and the proposal, once each if none
/// is sent twice; and the blocks per second the machine's cores could check
/// at most, if they did nothing else.
fn signature_budget(nodes: usize, cost: Duration) -> String {
    let per_node = 2 * (nodes - 1) + 1;
    let fleet = nodes * per_node;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let per_block = cost * fleet as u32;
    format!(
        "signature checks: {:.1} us each; {per_node} per node and {fleet} fleet-wide per block \
         = {:.1} ms of CPU per block; {cores} cores check at most {:.1} blocks/s",
        cost.as_secs_f64() * 1e6,
        per_block.as_secs_f64() * 1e3,
        cores as f64 / per_block.as_secs_f64(),
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

#[tokio::main]
async fn main() -> Result<()> {
    color_eyre::install()?;
    let args = Args::parse();
    if args.nodes < 1 {
        bail!("--nodes must be at least 1");
    }
    println!(
        "{} (load average {})",
        signature_budget(args.nodes, verify_cost()),
        load_average()
    );
    let bin = timed_bin::locate(args.bin)?;
    let scratch = tempfile::tempdir()?;
    let dirs: Vec<tempfile::TempDir> = (0..args.nodes)
        .map(|_| tempfile::tempdir_in(scratch.path()))
        .collect::<Result<_, _>>()?;
    let ids: Vec<String> = dirs
        .iter()
        .map(|d| timed_bin::keygen(&bin, &d.path().join("data")))
        .collect::<Result<_>>()?;
    // `min_masternodes` is the quorum: more than two thirds.
    let network = network_file(scratch.path(), &ids, args.interval, args.nodes * 2 / 3 + 1)?;
    let ips: Vec<_> = (0..args.nodes).map(|_| loopback()).collect();
    let p2p: Vec<SocketAddr> = ips.iter().map(|ip| free_addr(*ip)).collect::<Result<_>>()?;
    let mut fleet = Vec::new();
    for (i, dir) in dirs.into_iter().enumerate() {
        let peers = peers_of(&ids, &p2p, Some(i));
        let how = Spawn {
            bin: &bin,
            network: &network,
            p2p: p2p[i],
            rpc: free_addr(ips[i])?,
            peers: &peers,
            masternode: true,
        };
        fleet.push(spawn(how, dir)?);
    }
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()?;

    // Warm-up: every node final at a few blocks.
    let deadline = Instant::now() + args.warmup;
    loop {
        let mut lowest = u64::MAX;
        for node in &fleet {
            lowest = lowest.min(final_height(&http, node).await.unwrap_or(0));
        }
        if lowest >= 3 {
            break;
        }
        if Instant::now() > deadline {
            let mut at = std::collections::BTreeMap::<(u64, u64), usize>::new();
            for node in &fleet {
                if let Some(info) = get(&http, node, "/consensus_info").await {
                    let height = info["final_height"].as_u64().unwrap_or(0);
                    let round = info["consensus_round"].as_u64().unwrap_or(0);
                    *at.entry((height, round)).or_default() += 1;
                }
            }
            println!(
                "nodes by (final height, round): {at:?}; load average {}\nfleet counters:\n{}",
                load_average(),
                fleet_counters(&http, &fleet).await
            );
            bail!(
                "the fleet did not finalize 3 blocks within {:?}",
                args.warmup
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (h0, t0) = (
        final_height(&http, &fleet[0]).await.unwrap_or(0),
        Instant::now(),
    );
    tokio::time::sleep(Duration::from_secs(args.secs)).await;
    let (h1, secs) = (
        final_height(&http, &fleet[0]).await.unwrap_or(0),
        t0.elapsed().as_secs_f64(),
    );
    let load = load_average();

    // Proposal time of every block of the window, from node 0.
    let mut proposed = std::collections::HashMap::new();
    for height in h0 + 1..=h1 {
        if let Some(block) = get(&http, &fleet[0], &format!("/blocks/{height}")).await
            && let Some(stamp) = block["timestamp_ms"].as_u64()
        {
            proposed.insert(height, stamp as f64);
        }
    }
    let mut latencies = Vec::new();
    for node in &fleet {
        for (height, at) in finalized_at(&node.log)? {
            if let Some(stamp) = proposed.get(&height) {
                latencies.push(at - stamp);
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    let counters = fleet_counters(&http, &fleet).await;
    drop(fleet);
    println!(
        "{} masternodes, interval {}: {:.2} final blocks/s ({} blocks in {secs:.1} s); load average {load}",
        args.nodes,
        humantime::format_duration(args.interval),
        (h1 - h0) as f64 / secs,
        h1 - h0,
    );
    let key = format!(
        "n{}.i{}",
        args.nodes,
        humantime::format_duration(args.interval)
    );
    testkit::figures::record(
        &format!("consensus.blocks_per_s.{key}"),
        "blocks/s",
        &[(h1 - h0) as f64 / secs],
    );
    testkit::figures::record(&format!("consensus.final_latency.{key}"), "ms", &latencies);
    if latencies.is_empty() {
        println!("proposal to final: no block finalized in the window");
    } else {
        println!(
            "proposal to final over {} (node, block) pairs: median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
            latencies.len(),
            quantile(&latencies, 0.5),
            quantile(&latencies, 0.9),
            latencies.last().copied().unwrap_or(0.0),
        );
    }
    println!("fleet counters since start:\n{counters}");
    Ok(())
}
