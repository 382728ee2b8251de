//! `timectl rollback`: nodes back to the binary and commit kept before the last
//! deploy, one at a time, each gated on the old commit.

use std::io::IsTerminal as _;
use std::time::Duration;

use crate::cli::OutputFormat;
use crate::cmd::deploy::{Renderer, confirm, explain_interrupt};
use crate::deploy::{Emit, Request, plan, report, run};
use crate::lock::Takeover;
use crate::{Code, Ctx, Error};

/// Return nodes to the version recorded before the last deploy.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl rollback --yes LW-London
  timectl rollback --yes                   # every node, one at a time

Exit codes: 4 rolled back; 2 bad input; 3 nothing changed (a lock, the quorum,
or nothing recorded); 5 needs a human (a rollback failed); 130 interrupted.")]
pub struct Args {
    /// Only these nodes (by name); the whole fleet when none given.
    #[arg(value_name = "NODES")]
    pub nodes: Vec<String>,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Take over deploy locks past their TTL (recorded on the node).
    #[arg(long, conflicts_with = "force_unlock")]
    pub steal_stale: bool,
    /// Break any deploy lock (recorded on the node).
    #[arg(long)]
    pub force_unlock: bool,
    /// How long a node has to pass its health gate on the old version.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "120s")]
    pub gate_timeout: Duration,
    /// Why: recorded in the lock and the audit log.
    #[arg(short, long, value_name = "MSG", default_value = "")]
    pub message: String,
    /// text or json (one event per line, then the summary).
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// Runs `rollback`.
///
/// # Errors
/// Bad input (exit code 2) or stdout closed.
pub async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    let nodes = ctx.select(&args.nodes)?;
    let request = Request {
        fleet: ctx.fleet()?.fleet.clone(),
        nodes,
        git_ref: None,
        allow_dirty: true,
        takeover: if args.force_unlock {
            Takeover::Force
        } else if args.steal_stale {
            Takeover::StealStale
        } else {
            Takeover::No
        },
        max_unavailable: Some(1),
        gate_timeout: args.gate_timeout,
        no_rollback: true,
        rollback_all: false,
        parallel: 1,
        message: args.message.clone(),
    };
    plan::validate(&request).map_err(|e| Error::bad_input(e.to_string()))?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::bad_input(
                "refusing to roll back without confirmation: pass --yes",
            ));
        }
        if !confirm(&format!("Roll back {} node(s)?", request.nodes.len()))? {
            return Ok(Code::new(report::code::UNTOUCHED));
        }
    }
    let (emit, events) = Emit::channel();
    let watcher = tokio::spawn(explain_interrupt(ctx.shutdown().clone()));
    let renderer = Renderer::start(args.output, events);
    let cancel = ctx.shutdown().token().clone();
    let report = run::rollback(request, ctx.pool(), emit, cancel).await;
    watcher.abort();
    renderer.finish(&report).await?;
    Ok(Code::new(report.outcome.code()))
}
