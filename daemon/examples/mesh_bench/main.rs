//! Mesh benchmark (issue 2 item 6): how fast real `timed` processes on loopback
//! reach a full mesh, and how fast a restarted or killed node is back in it.
//!
//! For each cluster size it starts N daemons back to back, each listing all the
//! others, and times start-to-full-mesh (every node's `/consensus_info` reports
//! `connected_peers = N-1`). Then, on the running cluster, it stops one node with
//! SIGTERM and starts it again, then with SIGKILL, and times from the new
//! process's spawn to full mesh. Every measure is repeated; the table gives
//! min / median / max.
//!
//! Run with `cargo build --release -p timed && cargo run --release -p timed
//! --example mesh_bench -- [--sizes 4,8,16,32] [--reps 5]`. The daemon binary is
//! taken from `--timed PATH`, else from beside this example in the target dir.
//! Timing goals live here, not in tests: a loaded machine moves these figures.

mod cluster;
mod stats;
#[path = "../support/timed_bin.rs"]
mod timed_bin;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, bail};

use crate::cluster::{Cluster, Stop};
use crate::stats::Samples;

#[derive(Parser, Debug)]
#[command(about = "Time to full mesh and rejoin time of real timed processes on loopback")]
struct Args {
    /// The `timed` binary to run (default: the one built beside this example).
    #[arg(long)]
    timed: Option<PathBuf>,
    /// Cluster sizes to measure, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "4,8,16,32")]
    sizes: Vec<usize>,
    /// Repetitions of each measure.
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Longest wait for one full mesh before the run is reported as failed.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    deadline: Duration,
    /// Give each node its peers as bare addresses, not `ID@ADDR`: for builds of
    /// `timed` from before the dialer checked the id expected at an address.
    #[arg(long)]
    bare_peers: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    color_eyre::install()?;
    let args = Args::parse();
    let timed = timed_bin::locate(args.timed)?;
    if args.sizes.iter().any(|&n| n < 2) || args.reps == 0 {
        bail!("sizes must be at least 2 and reps at least 1");
    }
    println!("timed: {}", timed.display());
    println!(
        "{:>4}  {:<22} {:>9} {:>9} {:>9}",
        "N", "measure", "min", "median", "max"
    );
    for &n in &args.sizes {
        let measured = measure(&timed, n, args.reps, args.deadline, !args.bare_peers)
            .await
            .wrap_err_with(|| format!("cluster of {n}"))?;
        for (name, figure, samples) in [
            ("start to full mesh", "full_mesh", measured.mesh),
            ("rejoin after SIGTERM", "rejoin_term", measured.term),
            ("rejoin after SIGKILL", "rejoin_kill", measured.kill),
        ] {
            println!("{n:>4}  {name:<22} {samples}");
            samples.record(&format!("mesh.{figure}.n{n}"));
        }
        for ((name, metric), samples) in COUNTERS.iter().zip(measured.counts) {
            println!("{n:>4}  {name:<22} {samples}");
            samples.record(&format!("mesh.{metric}.n{n}"));
        }
    }
    Ok(())
}

/// Counters summed over every node once a cold start has meshed, with their
/// row labels: what the mesh cost in handshakes (each a channel opening plus two
/// identity proofs), how many of them the collision rule threw away, and how
/// many dials failed (mostly refused by a node not listening yet).
const COUNTERS: [(&str, &str); 3] = [
    ("handshakes (dialed)", "timed_handshakes_completed_total"),
    ("duplicates rejected", "timed_duplicates_rejected_total"),
    ("failed dials", "timed_failed_dials_total"),
];

/// What [`measure`] gathers for one cluster size.
struct Measured {
    mesh: Samples<Duration>,
    term: Samples<Duration>,
    kill: Samples<Duration>,
    /// One per [`COUNTERS`] entry.
    counts: Vec<Samples<u64>>,
}

/// Runs `reps` fresh clusters of `n`; on each, one cold start, then one
/// SIGTERM restart and one SIGKILL restart of a node (a different one each rep).
async fn measure(
    timed: &Path,
    n: usize,
    reps: usize,
    deadline: Duration,
    peer_ids: bool,
) -> Result<Measured> {
    let (mut mesh, mut term, mut kill) =
        (Samples::default(), Samples::default(), Samples::default());
    let mut counts: Vec<Samples<u64>> = COUNTERS.iter().map(|_| Samples::default()).collect();
    for rep in 0..reps {
        let mut cluster = Cluster::new(timed, n, peer_ids)?;
        let start = Instant::now();
        cluster.start_all()?;
        mesh.push(cluster.wait_full_mesh(start, deadline).await?);
        let sums = cluster
            .counter_sums(&COUNTERS.map(|(_, metric)| metric))
            .await;
        for (samples, sum) in counts.iter_mut().zip(sums) {
            samples.push(sum);
        }
        let victim = rep % cluster.len();
        for (how, samples) in [(Stop::Term, &mut term), (Stop::Kill, &mut kill)] {
            cluster.stop(victim, how)?;
            let start = Instant::now();
            cluster.start(victim)?;
            samples.push(
                cluster
                    .wait_full_mesh(start, deadline)
                    .await
                    .wrap_err_with(|| format!("rejoin of node{victim} after {how:?}"))?,
            );
        }
    }
    Ok(Measured {
        mesh,
        term,
        kill,
        counts,
    })
}
