//! `timectl tui`: the live fleet dashboard on a terminal; without one (output
//! piped or redirected), the fleet's status and the live classified log as text.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Arc;
use std::time::Duration;

use timecoin_shared::fleet::{Fleet, Node};

use crate::cmd::logs::{self as logs_cmd, Shape};
use crate::cmd::status::{self, NodeStatus};
use crate::constants::LOGS_DEFAULT_LINES;
use crate::logs::source::FleetSource;
use crate::tui::runtime::{self, Control, Session};
use crate::{Code, Ctx, Error, logs, probe};

/// Watch the fleet live: nodes, links, the checklist and the classified log.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  timectl tui                                   every node of the fleet file
  timectl --fleet /tmp/devnet/fleet.toml tui node1 node2
  timectl tui --interval 5s                     a gentler poll for a far fleet

Keys: q quit, ? help, Tab pane, arrows or j/k move, Enter a node's page,
/ filter the log (text or a kind), n/N jump, Esc clear, p pause.
Without a terminal on stdout it prints the status and follows the log instead.

Exit codes: 0 quit, 1 the terminal or fleet failed, 2 bad input.")]
pub(crate) struct Args {
    /// Only these nodes (by name); all when none given.
    #[arg(value_name = "NODES")]
    pub nodes: Vec<String>,
    /// How often each node is probed.
    #[arg(long, default_value = "1s", value_parser = crate::flags::interval, value_name = "DURATION")]
    pub interval: Duration,
}

/// Runs `tui`.
///
/// # Errors
/// No usable fleet file, an unknown node, or the terminal failed.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    let fleet = ctx.fleet()?.fleet.clone();
    let nodes = ctx.select(&args.nodes)?;
    watch(ctx, &fleet, nodes, args.interval, None).await
}

/// The dashboard on a terminal, or status and log as text without one, until
/// the operator quits or Ctrl-C. Shared with `demo`, which adds its `control`.
///
/// # Errors
/// The terminal failed, or stdout closed.
pub(crate) async fn watch(
    ctx: &Ctx,
    fleet: &Fleet,
    nodes: Vec<Node>,
    interval: Duration,
    control: Option<Control>,
) -> Result<Code, Error> {
    let logs = Arc::new(FleetSource::new(nodes.clone(), ctx.pool().clone()));
    let shutdown = ctx.shutdown().token().clone();
    if std::io::stdout().is_terminal() {
        let session = Session {
            notices: ctx.take_notices(),
            fleet: fleet.name.clone(),
            nodes,
            prober: Arc::new(ctx.pool().clone()),
            logs,
            poll_interval: interval,
            colour: ctx.output().colour(),
            control,
            thresholds: fleet.check.clone(),
            fleet_size: fleet.nodes.len(),
            min_masternodes: fleet.min_masternodes,
        };
        runtime::run(session, shutdown)
            .await
            .map_err(|e| Error::io("drawing the dashboard", e))?;
    } else {
        ctx.print_notices();
        as_text(ctx, nodes, logs, interval).await?;
    }
    Ok(Code::OK)
}

/// No terminal: the status table (again whenever a node's reachability
/// changes) and every node's log merged and classified, until Ctrl-C.
async fn as_text(
    ctx: &Ctx,
    nodes: Vec<Node>,
    source: Arc<FleetSource>,
    interval: Duration,
) -> Result<(), Error> {
    let status = async {
        let mut shown: Option<Vec<bool>> = None;
        loop {
            let rows: Vec<NodeStatus> = probe::probe_all(ctx.pool(), &nodes)
                .await
                .iter()
                .map(NodeStatus::from)
                .collect();
            let reachable: Vec<bool> = rows.iter().map(|r| r.reachable).collect();
            if shown.as_ref() != Some(&reachable) {
                let mut out = ctx.output().stdout();
                write!(out, "{}", status::render(&rows))?;
                out.flush()?;
                shown = Some(reachable);
            }
            tokio::time::sleep(interval).await;
        }
    };
    // What `timectl logs -f` shows: every line, the last few first.
    let options = logs::Options {
        follow: true,
        lines: Some(LOGS_DEFAULT_LINES),
        ..logs::Options::default()
    };
    let node_logs = logs_cmd::node_logs(&nodes);
    let token = ctx.shutdown().token();
    let output = ctx.output();
    tokio::select! {
        result = status => result,
        result = logs_cmd::stream(output, Shape::Text, source, node_logs, &options, token) => result,
        () = token.cancelled() => Ok(()),
    }
}
