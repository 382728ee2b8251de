//! The command line of `cargo xtask chaos`, and its exit code: 0 when every
//! invariant held, 1 when one failed, 2 for bad input or a fleet that could not
//! be set up, 130 on Ctrl-C (after the hosts are down).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Parser;

use super::run::{Options, chaos};
use crate::command::target_dir;

/// Chaos on real systemd hosts: faults from a seeded schedule, invariants
/// checked throughout, a report at the end. Needs root, systemd-nspawn,
/// nftables, curl and libfaketime.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask chaos")]
struct Args {
    /// Lab hosts, each running timed under systemd.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(4..=8))]
    nodes: u8,
    /// How long faults are injected (the end checks come after).
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// The schedule's seed: the same seed repeats the same faults. Random when
    /// not given (and printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Where the report goes (default: chaos/seed-SEED in cargo's target
    /// directory).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

/// Runs `cargo xtask chaos ARGS` from the workspace at `root`.
pub(crate) fn main(root: &Path, args: &[String]) -> ExitCode {
    let args: Args = match crate::parse_args("chaos", args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    let out = match args.out {
        Some(out) => out,
        None => match target_dir(root) {
            Ok(target) => target.join(format!("chaos/seed-{seed}")),
            Err(e) => {
                eprintln!("chaos: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let options = Options {
        nodes: usize::from(args.nodes),
        duration: args.duration,
        seed,
        out,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            eprintln!("chaos: cannot watch for Ctrl-C: {e}");
            return ExitCode::from(2);
        }
    }
    match chaos(root, &options, stop) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("chaos: an invariant failed (seed {seed})");
            ExitCode::from(1)
        }
        Err(e) if e == "interrupted" => {
            eprintln!("chaos: interrupted; the hosts are down");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("chaos: {e} (seed {seed})");
            ExitCode::from(2)
        }
    }
}
