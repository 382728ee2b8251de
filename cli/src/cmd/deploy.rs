//! `timectl deploy`: parse the flags, confirm, run the engine with Ctrl-C wired
//! to its cancellation, and render its events (progress on a terminal, plain
//! lines otherwise, or a JSON stream), then the summary and the audit record.

mod render;
mod session;

use std::time::Duration;

use crate::deploy::plan::{Build, Pull};
use crate::deploy::run::Preview;
use crate::deploy::{Request, plan, report, run};
use crate::remote::node_command;
use crate::{Code, Ctx, Error};

pub(crate) use session::{RunFlags, declined, drive, go_ahead};

const AFTER_HELP: &str = "Examples:
  timectl deploy --dry-run                 # the plan, the commands, the target commit
  timectl deploy --yes                     # the whole fleet, to its upstream branch
  timectl deploy --ref v1.4.2 LW-London    # one node, to a tag
  timectl deploy --yes --build-on LW-London # build there once, ship the binary
  timectl deploy --yes --output json | jq -c 'select(.event == \"gate\")'

Exit codes:
  0    deployed: every node runs the target and passed its gate
  2    bad input (flags, fleet file, a ref or node name that would reach a shell)
  3    nothing changed: preflight, a lock, staging or the quorum stopped it
  4    rolled back: a gate failed and the node went back to its old version
  5    needs a human: a node is in a state timectl could not vouch for
  130  interrupted (Ctrl-C): the step in flight was finished, no node left stopped";

/// Roll a new version out to the fleet, quorum-safe, gated on chain health.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct Args {
    /// Only these nodes (by name); the whole fleet when none given.
    #[arg(value_name = "NODES")]
    pub(crate) nodes: Vec<String>,
    /// Deploy this branch, tag or commit instead of pulling the checked-out branch.
    #[arg(long = "ref", value_name = "REF")]
    pub(crate) git_ref: Option<String>,
    /// Print the plan (nodes, batches, commands, target commit) and change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(short = 'y', long)]
    pub(crate) yes: bool,
    /// Deploy even when tracked files in a node's repo are modified.
    #[arg(long)]
    pub(crate) allow_dirty: bool,
    #[command(flatten)]
    pub(crate) run: RunFlags,
    /// At most this many nodes restarting at once (never more than the quorum allows).
    #[arg(long, value_name = "N")]
    pub(crate) max_unavailable: Option<usize>,
    /// How long a restarted node has to pass its health gate.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "120s")]
    pub(crate) gate_timeout: Duration,
    /// Leave a node that fails its gate on the new version.
    #[arg(long, conflicts_with = "rollback_all")]
    pub(crate) no_rollback: bool,
    /// When a gate fails, also roll back the nodes already deployed.
    #[arg(long)]
    pub(crate) rollback_all: bool,
    /// Nodes pulling and building at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub(crate) parallel: usize,
    /// Build only on this node, then copy its binary to the others (checksum
    /// verified on arrival): for fleets of identical hosts.
    #[arg(long, value_name = "NODE")]
    pub(crate) build_on: Option<String>,
}

/// Runs `deploy`.
///
/// # Errors
/// Bad input (exit code 2) or stdout closed.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    let nodes = ctx.select(&args.nodes)?;
    let request = Request {
        fleet: ctx.fleet()?.fleet.clone(),
        nodes,
        git_ref: args.git_ref.clone(),
        allow_dirty: args.allow_dirty,
        takeover: args.run.takeover(),
        max_unavailable: args.max_unavailable,
        gate_timeout: args.gate_timeout,
        no_rollback: args.no_rollback,
        rollback_all: args.rollback_all,
        parallel: args.parallel,
        build_on: args.build_on.clone(),
        message: args.run.message.clone(),
    };
    plan::validate(&request).map_err(|e| Error::bad_input(e.to_string()))?;
    if args.dry_run {
        return dry_run(ctx, &request).await;
    }
    let question = format!(
        "Deploy {} node(s) of fleet {:?} to {}?",
        request.nodes.len(),
        request.fleet.name,
        args.git_ref.as_deref().unwrap_or("their upstream branch")
    );
    if !go_ahead(args.yes, "deploy", &question)? {
        return Ok(declined());
    }
    session::drive(ctx, &args.run, |emit, cancel| {
        run::deploy(request, ctx.pool(), emit, cancel)
    })
    .await
}

/// Prints the engine's plan and each node's target commit; nothing on any node
/// changes.
async fn dry_run(ctx: &Ctx, request: &Request) -> Result<Code, Error> {
    use std::io::Write as _;
    let Preview { plan, targets } = run::preview(request, ctx.pool()).await;
    let mut out = anstream::stdout();
    let n = plan.fleet_size;
    let min = plan.min_masternodes;
    writeln!(
        out,
        "Plan for fleet {:?} ({n} nodes, min_masternodes {min}), {} to deploy; nothing is changed.",
        plan.fleet,
        plan.nodes.len()
    )?;
    match plan.batches(n) {
        Ok(batches) => {
            writeln!(
                out,
                "Restart batches if all {n} masternodes are live (preflight re-measures):"
            )?;
            for (i, batch) in batches.iter().enumerate() {
                writeln!(out, "  {}. {}", i + 1, batch.join(", "))?;
            }
        }
        Err(why) => writeln!(out, "No restarts possible: {why}")?,
    }
    for (steps, target) in plan.nodes.iter().zip(targets) {
        let node = &steps.node;
        writeln!(out, "\n{}:", node.name)?;
        match target {
            Ok(commit) => writeln!(out, "  target commit: {commit}")?,
            Err(e) => writeln!(out, "  target commit: unknown ({e})")?,
        }
        let shown = |template: &str| {
            node_command(node, template)
                .map_or_else(|e| format!("(invalid: {e})"), |c| c.to_string())
        };
        writeln!(
            out,
            "  lock:    mkdir <git dir>/timectl/lock (ttl {}s, heartbeat)",
            steps.lock_ttl.as_secs()
        )?;
        writeln!(
            out,
            "  keep:    copy {} to <git dir>/timectl/prev with its commit and sha256",
            steps.keep
        )?;
        let pull = match &steps.pull {
            Pull::Ref(r) => {
                format!("git fetch --tags origin && git checkout --detach <{r} resolved>")
            }
            Pull::Configured(template) => shown(template),
        };
        writeln!(out, "  pull:    {pull}")?;
        match &steps.build {
            Build::Shipped { from } => writeln!(
                out,
                "  build:   none; {} arrives from {from}, sha256 checked before it replaces the old one",
                steps.keep
            )?,
            Build::Here(template) => writeln!(out, "  build:   {}", shown(template))?,
        }
        writeln!(out, "  restart: {}", shown(&steps.restart))?;
        let checks: Vec<&str> = steps.gate.iter().map(|c| c.name()).collect();
        writeln!(
            out,
            "  gate:    {} via {}",
            checks.join(", "),
            shown(&steps.journal)
        )?;
    }
    Ok(Code::new(report::code::DEPLOYED))
}
