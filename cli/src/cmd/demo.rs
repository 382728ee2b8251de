//! `timectl demo`: a 4-node devnet in a temporary directory with the dashboard on
//! it, and keys to stop, kill and restart nodes; everything torn down on quit,
//! Ctrl-C or error.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::causes::render;
use crate::constants::DEMO_MAX_NODES;
use crate::tui::DemoAction;
use crate::tui::demo::{DemoDevnet, DemoError, DemoPlan};
use crate::tui::runtime::Control;
use crate::{Code, Ctx, Error, cmd, fleet};

/// Try the fleet tools on a local devnet: the dashboard, with keys to break it.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  timectl demo                          4 nodes, a block every 2s
  timectl demo --nodes 6 --block-interval 1s

Select a node and press x to kill it: its row turns red, the checklist fails,
and r brings it back. s stops it cleanly. q quits and removes the devnet.

Exit codes: 0 quit, 1 the devnet or the terminal failed, 2 bad input.")]
pub(crate) struct Args {
    /// How many daemons.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub nodes: usize,
    /// Time between block rounds.
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub block_interval: String,
    /// How often each node is probed.
    #[arg(long, default_value = "1s", value_parser = crate::flags::interval, value_name = "DURATION")]
    pub interval: Duration,
    /// The timed executable [default: next to timectl, else on PATH].
    #[arg(long, value_name = "PATH")]
    pub timed: Option<PathBuf>,
}

/// Runs `demo`.
///
/// # Errors
/// Bad arguments, the devnet would not start, or the terminal failed.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    if args.nodes == 0 || args.nodes > DEMO_MAX_NODES {
        return Err(Error::bad_input(format!(
            "--nodes must be 1 to {DEMO_MAX_NODES}"
        )));
    }
    let plan = DemoPlan {
        nodes: args.nodes,
        block_interval: args.block_interval.clone(),
        timed: args.timed.clone(),
    };
    let failed = |e: DemoError| Error::failed(render(&e));
    let devnet = DemoDevnet::up(&plan).await.map_err(failed)?;
    let shown = async {
        let fleet = fleet::load_file(devnet.fleet_file())?;
        let dir = devnet.dir().to_owned();
        let control: Control = Arc::new(move |node: String, action: DemoAction| {
            let dir = dir.clone();
            Box::pin(async move { DemoDevnet::act(&dir, &node, action).await })
        });
        let nodes = fleet.nodes.clone();
        cmd::tui::watch(ctx, &fleet, nodes, args.interval, Some(control)).await
    }
    .await;
    // The devnet goes whatever happened to the dashboard.
    let down = devnet.down().await.map_err(failed);
    let code = shown?;
    down?;
    Ok(code)
}
