//! Resident-memory benchmark (issue 13): the memory of one real `timed` process
//! at idle with a few and with many peers, then under each attack of the issue,
//! as printed figures (a loaded machine moves them; tests assert the bounds).
//!
//! 1. Idle: the node under test plus N ordinary nodes that dial it (a star), for
//!    each N of `--peers`.
//! 2. Full blocks: its chain is filled with blocks of about 2 MiB through
//!    `POST /tx`, so every `get_blocks` answer is as large as it can be.
//! 3. Slow readers (`--readers`, x1 and x2 by default): linked outsiders that send `--requests` block
//!    requests at once and never read (`tests/adversary/hog.rs`); the peak
//!    during `--window`, then the memory once they are closed and dropped.
//! 4. Idle connections: `--squatters` linked outsiders, each from its own
//!    loopback address, that answer pings and say nothing; how many the node
//!    keeps, its memory, and how long a configured masternode started meanwhile
//!    takes to be linked.
//!
//! Run with `cargo build --release -p timed --bin timed --example hostile_net_bench`,
//! then `target/release/examples/hostile_net_bench --timed target/release/timed
//! --per-ip 64` (leave out `--per-ip` for a daemon older than the limit).

#[path = "../../tests/it/adversary/hog.rs"]
mod hog;
#[allow(dead_code)] // The bench links and hogs; the attack tests use the rest.
#[path = "../../tests/it/adversary/liar.rs"]
mod liar;

mod daemon;
#[allow(dead_code)] // Given its `timed` with --timed, this bench only makes keys.
#[path = "../support/timed_bin.rs"]
mod timed_bin;

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, bail};
use serde_json::json;
use timecoin_shared::wire::NodeId;
use timed::testing::Definition;

use crate::daemon::Daemon;
use crate::hog::SlowReader;
use crate::liar::{Linked, Target, handshaken, outsider};

#[derive(Parser, Debug)]
#[command(about = "Resident memory of a timed process at idle and under hostile peers")]
struct Args {
    /// The `timed` binary to run.
    #[arg(long)]
    timed: PathBuf,
    /// Peer counts to measure the idle node with, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "4,32")]
    peers: Vec<usize>,
    /// Full blocks to put in the chain before the slow readers come.
    #[arg(long, default_value_t = 6)]
    blocks: usize,
    /// Slow readers at once in each slow-reader attack, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    readers: Vec<usize>,
    /// How long each slow-reader attack lasts.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    window: Duration,
    /// Most `get_blocks` one slow reader sends (each answer can be megabytes:
    /// this keeps an unfixed node from eating the machine).
    #[arg(long, default_value_t = 600)]
    requests: u64,
    /// Idle linked outsiders opened in the slot attack.
    #[arg(long, default_value_t = 140)]
    squatters: usize,
    /// Passed as `--max-inbound-per-ip` to the node under test (a daemon that
    /// has the limit): on loopback every joiner dials from 127.0.0.1, so the
    /// idle measure with many peers needs more than the default per address.
    #[arg(long)]
    per_ip: Option<usize>,
}

/// Bytes of padding per transaction: under the 64 KiB transaction cap, so about
/// 32 fill a block's 2 MiB.
const TX_PAD: usize = 60_000;
/// Transactions that fill one block.
const TXS_PER_BLOCK: usize = 34;
/// Longest wait for any state the bench waits on.
const DEADLINE: Duration = Duration::from_secs(120);
/// Pause between two memory samples during an attack.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);
/// Time given to the node after an attack ends before its memory is read again.
const SETTLE: Duration = Duration::from_secs(5);

#[tokio::main]
async fn main() -> Result<()> {
    color_eyre::install()?;
    let args = Args::parse();
    let dir = tempfile::tempdir().wrap_err("make a temporary directory")?;
    let net = Network::new(&args.timed, dir.path())?;
    let extra: Vec<String> = args
        .per_ip
        .map(|n| vec!["--max-inbound-per-ip".to_owned(), n.to_string()])
        .unwrap_or_default();
    let node = net.start_node(&args.timed, 0, &extra)?;
    wait("the node's RPC", || async {
        node.consensus().await.is_some()
    })
    .await?;
    println!("timed: {}", args.timed.display());
    println!("{:<40} {:>10}", "scenario", "RSS MiB");
    row("fresh node, no peers", "memory.fresh", node.rss_mib()?);

    for &n in &args.peers {
        let joiners = net.start_joiners(&args.timed, &node, n)?;
        wait(&format!("{n} peers"), || async {
            node.consensus()
                .await
                .is_some_and(|c| c.connected_peers >= n)
        })
        .await?;
        tokio::time::sleep(SETTLE).await;
        row(
            &format!("idle, {n} peers"),
            &format!("memory.idle.p{n}"),
            node.rss_mib()?,
        );
        drop(joiners);
        wait("the joiners gone", || async {
            node.consensus()
                .await
                .is_some_and(|c| c.connected_peers == 0)
        })
        .await?;
    }

    // A quorum of the network file's two masternodes is both: the other signs
    // while the chain is filled, and is gone before the attacks.
    let other = net.start(
        &args.timed,
        &net.dir.join("mn1"),
        &["--peer".to_owned(), node.p2p.to_string()],
    )?;
    fill(&node, args.blocks).await?;
    drop(other);
    wait("the other masternode gone", || async {
        node.consensus()
            .await
            .is_some_and(|c| c.connected_peers == 0)
    })
    .await?;
    row(
        &format!("{} full blocks, no peers", args.blocks),
        "memory.full_blocks",
        node.rss_mib()?,
    );

    let target = net.target(&node);
    for &readers in &args.readers {
        let (peak, after) = slow_readers(&node, &target, readers, &args).await?;
        row(
            &format!("slow readers x{readers}: peak"),
            &format!("memory.slow_readers.x{readers}.peak"),
            peak,
        );
        row(
            &format!("slow readers x{readers}: after they are dropped"),
            &format!("memory.slow_readers.x{readers}.after"),
            after,
        );
    }

    squatters(&args, &net, &node, &target).await?;
    Ok(())
}

/// Prints one memory row, and records it as `figure`.
fn row(name: &str, figure: &str, mib: f64) {
    println!("{name:<40} {mib:>10.1}");
    testkit::figures::record(figure, "MiB", &[mib]);
}

/// The network the bench runs: the node under test and one more masternode
/// listed in one network file. Blocks are final with both signatures, so the
/// other runs while the chain is filled, and again in the slot attack.
struct Network {
    dir: PathBuf,
    file: PathBuf,
}

impl Network {
    fn new(timed: &Path, dir: &Path) -> Result<Network> {
        let ids = [0, 1]
            .iter()
            .map(|i| {
                let node_dir = dir.join(format!("mn{i}"));
                std::fs::create_dir_all(&node_dir).wrap_err("make a node dir")?;
                let id = timed_bin::keygen(timed, &node_dir.join("data"))?;
                id.parse()
                    .map_err(|e| color_eyre::eyre::eyre!("timed keygen printed {id:?}: {e}"))
            })
            .collect::<Result<Vec<NodeId>>>()?;
        let keys: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
        let genesis = humantime::format_rfc3339_seconds(std::time::SystemTime::now());
        let file = dir.join("network.toml");
        std::fs::write(
            &file,
            format!(
                "name = \"bench\"\nmasternodes = [{}]\nmin_masternodes = 1\nblock_interval = \"1s\"\ngenesis = \"{genesis}\"\n",
                keys.join(", ")
            ),
        )
        .wrap_err("write the network file")?;
        Ok(Network {
            dir: dir.to_owned(),
            file,
        })
    }

    /// Starts masternode `i` of the network file with `extra` flags.
    fn start_node(&self, timed: &Path, i: usize, extra: &[String]) -> Result<Daemon> {
        self.start(timed, &self.dir.join(format!("mn{i}")), extra)
    }

    fn start(&self, timed: &Path, dir: &Path, extra: &[String]) -> Result<Daemon> {
        let mut args = vec![
            "--network-file".to_owned(),
            self.file.display().to_string(),
            "--masternode".to_owned(),
        ];
        args.extend_from_slice(extra);
        Daemon::start(timed, IpAddr::V4(fresh_ip()), dir, &args)
    }

    /// `n` ordinary nodes that each dial `node`.
    fn start_joiners(&self, timed: &Path, node: &Daemon, n: usize) -> Result<Vec<Daemon>> {
        (0..n)
            .map(|_| {
                let dir = self.dir.join(format!("joiner-{}", fastrand::u64(..)));
                std::fs::create_dir_all(&dir).wrap_err("make a joiner dir")?;
                self.start(timed, &dir, &["--peer".to_owned(), node.p2p.to_string()])
            })
            .collect()
    }

    fn target(&self, node: &Daemon) -> Target {
        let def = Definition::load(&self.file).unwrap_or_else(|e| panic!("network file: {e}"));
        Target {
            addr: node.p2p,
            network: def.name.clone(),
            network_hash: def.hash_hex(),
        }
    }
}

/// Fills `blocks` blocks with transactions of [`TX_PAD`] bytes.
async fn fill(node: &Daemon, blocks: usize) -> Result<()> {
    let start = node.consensus().await.map_or(0, |c| c.block_height);
    let pad = "x".repeat(TX_PAD);
    for i in 0..blocks * TXS_PER_BLOCK {
        let tx = json!({ "pad": pad, "n": i, "salt": fastrand::u64(..) });
        if !node.submit(&tx).await {
            bail!("the node refused transaction {i}");
        }
    }
    wait("the transactions in blocks", || async {
        node.consensus()
            .await
            .is_some_and(|c| c.pending_transactions == 0 && c.block_height >= start + blocks as u64)
    })
    .await
}

/// Runs `readers` slow readers for the window; the peak memory, and the memory
/// once they are closed and the node has dropped them.
async fn slow_readers(
    node: &Daemon,
    target: &Target,
    readers: usize,
    args: &Args,
) -> Result<(f64, f64)> {
    let mut hogs = Vec::new();
    for _ in 0..readers {
        let conn = match handshaken(target, &outsider(), None).await {
            Ok(conn) => conn,
            Err(refused) => bail!("slow reader refused: {refused:?}"),
        };
        hogs.push(SlowReader::start(conn, Duration::ZERO, args.requests));
    }
    let started = Instant::now();
    let mut peak = node.rss_mib()?;
    while started.elapsed() < args.window {
        peak = peak.max(node.rss_mib()?);
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
    let dropped = hogs.iter().filter(|h| h.is_dropped()).count();
    let sent: u64 = hogs.iter().map(SlowReader::sent).sum();
    println!(
        "  ({readers} slow readers sent {sent} frames; {dropped} dropped by the node within the window)"
    );
    drop(hogs);
    wait("the slow readers gone", || async {
        node.consensus()
            .await
            .is_some_and(|c| c.connected_peers == 0)
    })
    .await?;
    tokio::time::sleep(SETTLE).await;
    Ok((peak, node.rss_mib()?))
}

/// Fills the node's inbound slots with idle linked outsiders, each from its own
/// loopback address, then starts the other masternode and times its link.
async fn squatters(args: &Args, net: &Network, node: &Daemon, target: &Target) -> Result<()> {
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..args.squatters {
        match Linked::connect_from(target, &outsider(), IpAddr::V4(fresh_ip())).await {
            Ok(linked) => held.push(linked),
            Err(_) => refused += 1,
        }
    }
    let kept = node.consensus().await.map_or(0, |c| c.connected_peers);
    println!(
        "  ({} squatters: {} linked, {refused} refused at once; the node reports {kept} peers)",
        args.squatters,
        held.len()
    );
    row(
        "idle connections filling slots",
        "memory.squatters",
        node.rss_mib()?,
    );
    let started = Instant::now();
    let other = net.start(
        &args.timed,
        &net.dir.join("mn1"),
        &["--peer".to_owned(), node.p2p.to_string()],
    )?;
    let linked = wait_for(Duration::from_secs(30), || async {
        node.peers()
            .await
            .is_some_and(|peers| peers.iter().any(|p| p.masternode))
    })
    .await;
    match linked {
        true => {
            let took = started.elapsed().as_secs_f64();
            println!(
                "{:<40} {took:>10.1}",
                "masternode linked despite squatters (s)"
            );
            testkit::figures::record("memory.squatters.masternode_link", "s", &[took]);
        }
        false => println!(
            "{:<40} {:>10}",
            "masternode linked despite squatters (s)", "never (30 s)"
        ),
    }
    drop(other);
    drop(held);
    Ok(())
}

/// A fresh random address in 127.0.0.0/8.
fn fresh_ip() -> Ipv4Addr {
    Ipv4Addr::new(
        127,
        fastrand::u8(1..=254),
        fastrand::u8(..),
        fastrand::u8(1..=254),
    )
}

async fn wait<F, Fut>(what: &str, condition: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    if wait_for(DEADLINE, condition).await {
        Ok(())
    } else {
        bail!("gave up waiting for {what} after {DEADLINE:?}")
    }
}

async fn wait_for<F, Fut>(within: Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}
