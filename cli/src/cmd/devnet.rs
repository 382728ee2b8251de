//! `timectl devnet up|status|down|restart`: N `timed` daemons on loopback, each
//! with its own address, ports and data dir, all masternodes, all meshed, recorded
//! in a directory with a `fleet.toml` that points the other commands at them.
//! The flags become the `devnet` engine's options; this file renders its results.

use std::io::Write as _;
use std::path::PathBuf;

use crate::devnet::{self, UpOptions};
use crate::flags::OutputFormat;
use crate::table::{Cell, Table, theme};
use crate::{Code, Ctx, Error};

/// Run a local fleet of timed daemons on loopback.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl devnet up --nodes 4 --dir /tmp/devnet --block-interval 2s
  timectl --fleet /tmp/devnet/fleet.toml status
  timectl devnet status --dir /tmp/devnet --output json
  timectl devnet restart --dir /tmp/devnet node2
  timectl devnet down --dir /tmp/devnet

Exit codes: 0 done, 1 failed (a daemon did not start or stop), 2 bad input.")]
pub(crate) struct Args {
    #[command(subcommand)]
    pub action: Action,
}

/// What to do with the devnet.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Action {
    /// Start N daemons that outlive this command; write DIR/fleet.toml.
    #[command(
        after_help = "Example:\n  timectl devnet up --nodes 4 --dir /tmp/devnet\n\n\
        Exit codes: 0 all up and answering, 1 a daemon did not start, 2 bad input \
        (flags, a devnet already running there)."
    )]
    Up(UpArgs),
    /// Show which recorded daemons still run.
    #[command(
        after_help = "Example:\n  timectl devnet status --dir /tmp/devnet --output json\n\n\
        Exit codes: 0 every daemon runs, 1 one does not, 2 no devnet there."
    )]
    Status(StatusArgs),
    /// Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone.
    #[command(after_help = "Example:\n  timectl devnet down --dir /tmp/devnet\n\n\
        Exit codes: 0 none runs any more, 1 one would not stop, 2 no devnet there.")]
    Down(DirArgs),
    /// Restart one daemon with the flags it was started with.
    #[command(
        after_help = "Example:\n  timectl devnet restart --dir /tmp/devnet node2\n\n\
        Exit codes: 0 restarted and answering, 1 it did not come back, 2 bad input \
        (no devnet there, no such node)."
    )]
    Restart(RestartArgs),
}

/// The devnet's directory.
#[derive(Debug, clap::Args)]
pub(crate) struct DirArgs {
    /// Directory holding devnet.json, fleet.toml and each node's data and log.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
}

/// `devnet up`.
#[derive(Debug, clap::Args)]
pub(crate) struct UpArgs {
    #[command(flatten)]
    pub dir: DirArgs,
    /// How many daemons.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub nodes: usize,
    /// Time between block rounds (e.g. 2s).
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub block_interval: String,
    /// Active masternodes needed to produce blocks [default: 3, or N if smaller].
    #[arg(long, value_name = "N")]
    pub min_masternodes: Option<usize>,
    /// Network name the daemons use.
    #[arg(long, default_value = "devnet", value_name = "NAME")]
    pub network: String,
    /// The timed executable [default: next to timectl, else on PATH].
    #[arg(long, value_name = "PATH")]
    pub timed: Option<PathBuf>,
}

/// `devnet status`.
#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    pub dir: DirArgs,
    /// text or json (`{"nodes": [{"name", "pid", "running", "p2p", "rpc"}]}`).
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// `devnet restart`.
#[derive(Debug, clap::Args)]
pub(crate) struct RestartArgs {
    #[command(flatten)]
    pub dir: DirArgs,
    /// The node to restart (node1, node2, ...).
    pub node: String,
}

/// Runs `devnet`.
///
/// # Errors
/// Bad arguments, a devnet already running, `timed` not found or not starting,
/// or processes that would not stop.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    match &args.action {
        Action::Up(up_args) => up(up_args).await,
        Action::Status(status_args) => status(ctx, status_args).await,
        Action::Down(dir) => down(&dir.dir).await,
        Action::Restart(restart_args) => restart(restart_args).await,
    }
}

async fn up(args: &UpArgs) -> Result<Code, Error> {
    let timectl = std::env::current_exe().map_err(|e| Error::io("locating timectl", e))?;
    let options = UpOptions {
        dir: args.dir.dir.clone(),
        nodes: args.nodes,
        block_interval: args.block_interval.clone(),
        min_masternodes: args.min_masternodes,
        network: args.network.clone(),
        timed: args.timed.clone(),
        timectl,
    };
    let up = devnet::up(&options).await?;
    writeln!(
        anstream::stdout(),
        "{} daemons up (network {}, min_masternodes {}).\n\
         fleet file: {}\n\
         network file: {}\n\
         try:  timectl --fleet {} status\n\
         stop: timectl devnet down --dir {}",
        up.nodes,
        up.network,
        up.min_masternodes,
        up.fleet_file.display(),
        up.network_file.display(),
        up.fleet_file.display(),
        up.dir.display()
    )?;
    Ok(Code::OK)
}

async fn status(ctx: &Ctx, args: &StatusArgs) -> Result<Code, Error> {
    #[derive(serde::Serialize)]
    struct Report<'a> {
        nodes: &'a [devnet::NodeStatus],
    }
    let nodes = devnet::status(&args.dir.dir).await?;
    let all_running = nodes.iter().all(|n| n.running);
    let mut out = ctx.output().stdout();
    match args.output {
        OutputFormat::Json => writeln!(
            out,
            "{}",
            // A struct of strings, numbers and addresses always serialises.
            serde_json::to_string_pretty(&Report { nodes: &nodes }).unwrap_or_default()
        )?,
        OutputFormat::Text => {
            let mut table = Table::new(&["NODE", "PID", "STATE", "P2P", "RPC", "LOG"]);
            for n in &nodes {
                table.push(vec![
                    Cell::plain(&n.name),
                    Cell::plain(n.pid.to_string()),
                    if n.running {
                        Cell::new("running", theme::GOOD)
                    } else {
                        Cell::new("stopped", theme::BAD)
                    },
                    Cell::plain(n.p2p.to_string()),
                    Cell::plain(n.rpc.to_string()),
                    Cell::plain(n.log.display().to_string()),
                ]);
            }
            write!(out, "{}", table.render())?;
        }
    }
    Ok(if all_running { Code::OK } else { Code::FAILED })
}

async fn down(dir: &std::path::Path) -> Result<Code, Error> {
    let down = devnet::down(dir).await?;
    writeln!(
        anstream::stdout(),
        "stopped {} of {} daemons; none of them runs any more",
        down.stopped,
        down.recorded
    )?;
    Ok(Code::OK)
}

async fn restart(args: &RestartArgs) -> Result<Code, Error> {
    let restarted = devnet::restart(&args.dir.dir, &args.node).await?;
    writeln!(
        anstream::stdout(),
        "{} restarted (pid {})",
        restarted.node,
        restarted.pid
    )?;
    Ok(Code::OK)
}
