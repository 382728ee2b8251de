//! `timectl rollback`: nodes back to the binary and commit kept before the last
//! deploy, one at a time, each gated on the old commit.

use std::time::Duration;

use crate::cmd::deploy::{RunFlags, declined, drive, go_ahead};
use crate::deploy::{Request, plan, run};
use crate::{Code, Ctx, Error};

/// Return nodes to the version recorded before the last deploy.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl rollback --yes LW-London
  timectl rollback --yes                   # every node, one at a time

Exit codes: 4 rolled back; 2 bad input; 3 nothing changed (a lock, the quorum,
or nothing recorded); 5 needs a human (a rollback failed); 130 interrupted.")]
pub(crate) struct Args {
    /// Only these nodes (by name); the whole fleet when none given.
    #[arg(value_name = "NODES")]
    pub(crate) nodes: Vec<String>,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(short = 'y', long)]
    pub(crate) yes: bool,
    #[command(flatten)]
    pub(crate) run: RunFlags,
    /// How long a node has to pass its health gate on the old version.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "120s")]
    pub(crate) gate_timeout: Duration,
}

/// Runs `rollback`.
///
/// # Errors
/// Bad input (exit code 2) or stdout closed.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    let nodes = ctx.select(&args.nodes)?;
    let request = Request {
        fleet: ctx.fleet()?.fleet.clone(),
        nodes,
        git_ref: None,
        allow_dirty: true,
        takeover: args.run.takeover(),
        max_unavailable: Some(1),
        gate_timeout: args.gate_timeout,
        no_rollback: true,
        rollback_all: false,
        parallel: 1,
        build_on: None,
        message: args.run.message.clone(),
    };
    plan::validate(&request).map_err(|e| Error::bad_input(e.to_string()))?;
    let question = format!("Roll back {} node(s)?", request.nodes.len());
    if !go_ahead(args.yes, "roll back", &question)? {
        return Ok(declined());
    }
    drive(ctx, &args.run, |emit, cancel| {
        run::rollback(request, ctx.pool(), emit, cancel)
    })
    .await
}
