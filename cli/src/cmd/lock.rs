//! `timectl lock status|acquire|release`: the deploy lock by hand, for a
//! maintenance window (a deploy started meanwhile is refused with its holder).

use std::io::Write as _;
use std::time::Duration;

use serde::Serialize;
use timecoin_shared::fleet::Node;

use crate::constants::{DEPLOY_NODE_TIMEOUT, MAINTENANCE_LOCK_TTL};
use crate::deploy::connected::{Connected, connect_all};
use crate::flags::OutputFormat;
use crate::lock::TakenBy;
use crate::lock::manual::Release;
use crate::lock::{self, Holder, LockError, LockState, Taken, Takeover};
use crate::remote::Remote;
use crate::table::{Cell, Table, theme};
use crate::{Code, Ctx, Error};

/// Show, take or release the deploy lock on nodes (maintenance windows).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl lock status
  timectl lock acquire -m \"disk swap on London\" LW-London
  timectl lock release LW-London
  timectl lock release --force-unlock LW-London     # someone else's lock

Exit codes: 0 done; 1 a node unreachable or a lock held by someone else;
2 bad input.")]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) action: Action,
}

/// What to do with the locks.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Action {
    /// Who holds the lock on each node, since when, and whether it is stale.
    #[command(after_help = "Exit codes: 0 shown; 1 a node unreachable; 2 bad input.")]
    Status(Common),
    /// Take the lock on every named node (all or none: on a refusal the ones
    /// taken are released again).
    #[command(
        after_help = "Exit codes: 0 taken on every node; 1 a node unreachable or \
                            its lock held by someone else (none taken); 2 bad input."
    )]
    Acquire(AcquireArgs),
    /// Release your own lock (or anyone's with --force-unlock, recorded on the node).
    #[command(
        after_help = "Exit codes: 0 released; 1 a node unreachable or its lock \
                            someone else's (give --force-unlock); 2 bad input."
    )]
    Release(ReleaseArgs),
}

/// Node selection and output.
#[derive(Debug, clap::Args)]
pub(crate) struct Common {
    /// Only these nodes (by name); all when none given.
    #[arg(value_name = "NODES")]
    pub(crate) nodes: Vec<String>,
    /// text (a table) or json.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) output: OutputFormat,
}

/// `lock acquire`.
#[derive(Debug, clap::Args)]
pub(crate) struct AcquireArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    /// Why: shown to anyone refused by this lock.
    #[arg(short, long, value_name = "MSG", default_value = "")]
    pub(crate) message: String,
    /// After this long others may take it over with --steal-stale (e.g. 2h)
    /// [default: 8h].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub(crate) ttl: Option<Duration>,
    /// Take over locks past their TTL.
    #[arg(long)]
    pub(crate) steal_stale: bool,
}

/// `lock release`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReleaseArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    /// Break locks held by anyone (recorded in the node's audit log).
    #[arg(long)]
    pub(crate) force_unlock: bool,
}

/// One node's answer.
#[derive(Debug, Serialize)]
struct Row {
    node: String,
    /// `free`, `held`, `acquired`, `released`, `refused` or `error`.
    result: String,
    lock: Option<LockState>,
    error: Option<String>,
}

/// Runs `lock`.
///
/// # Errors
/// No usable fleet file, an unknown node, or stdout closed.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    let common = match &args.action {
        Action::Status(c) => c,
        Action::Acquire(a) => &a.common,
        Action::Release(r) => &r.common,
    };
    let nodes = ctx.select(&common.nodes)?;
    if let Some(node) = nodes.iter().find(|n| n.repo.is_none()) {
        return Err(Error::bad_input(format!(
            "{}: no `repo` in the fleet file; the lock lives in the node's repo",
            node.name
        )));
    }
    let attempts = connect_all(ctx.pool(), &nodes, DEPLOY_NODE_TIMEOUT).await;
    let mut connected = Vec::new();
    let mut rows = Vec::new();
    for (node, result) in nodes.iter().zip(attempts) {
        match result {
            Ok(conn) => connected.push(conn),
            Err(e) => rows.push(Row {
                node: node.name.clone(),
                result: "error".into(),
                lock: None,
                error: Some(e.to_string()),
            }),
        }
    }
    let mut rows_ok = match &args.action {
        Action::Status(_) => status_all(&connected).await,
        Action::Acquire(a) => acquire_all(&connected, a).await,
        Action::Release(r) => release_all(&connected, r.force_unlock).await,
    };
    rows_ok.append(&mut rows);
    let order: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    rows_ok.sort_by_key(|r| order.iter().position(|n| *n == r.node));
    let failed = rows_ok
        .iter()
        .any(|r| r.result == "error" || r.result == "refused");
    print(&rows_ok, common.output)?;
    Ok(if failed { Code::FAILED } else { Code::OK })
}

fn row(conn: &Connected, result: &str, lock: Option<LockState>) -> Row {
    Row {
        node: conn.node.name.clone(),
        result: result.into(),
        lock,
        error: None,
    }
}

fn failed_row(conn: &Connected, e: &LockError) -> Row {
    match e {
        LockError::Held { state, .. } => Row {
            error: Some(e.to_string()),
            ..row(conn, "refused", Some(state.clone()))
        },
        other => Row {
            error: Some(other.to_string()),
            ..row(conn, "error", None)
        },
    }
}

async fn status_all(connected: &[Connected]) -> Vec<Row> {
    let states = lock::manual::status_all(&pairs(connected)).await;
    connected
        .iter()
        .zip(states)
        .map(|(conn, state)| match state {
            Ok(LockState::Free) => row(conn, "free", Some(LockState::Free)),
            Ok(state) => row(conn, "held", Some(state)),
            Err(e) => failed_row(conn, &e),
        })
        .collect()
}

async fn acquire_all(connected: &[Connected], args: &AcquireArgs) -> Vec<Row> {
    let holder = Holder::here(TakenBy::Maintenance, None, args.message.clone());
    let takeover = if args.steal_stale {
        Takeover::StealStale
    } else {
        Takeover::No
    };
    let ttl = args.ttl.unwrap_or(MAINTENANCE_LOCK_TTL);
    let ignore = |_: (&str, lock::Progress<'_>)| {};
    let ends = lock::acquire_all(&pairs(connected), &holder, ttl, takeover, &ignore).await;
    connected
        .iter()
        .zip(ends)
        .map(|(conn, end)| match end {
            Taken::Held => row(conn, "acquired", None),
            Taken::GivenBack(Ok(())) => row(conn, "released", None),
            Taken::GivenBack(Err(e)) | Taken::Failed(e) => failed_row(conn, &e),
        })
        .collect()
}

async fn release_all(connected: &[Connected], force: bool) -> Vec<Row> {
    let me = Holder::here(TakenBy::Maintenance, None, "release".into());
    let ends = lock::manual::release_all(&pairs(connected), &me, force).await;
    connected
        .iter()
        .zip(ends)
        .map(|(conn, end)| match end {
            Ok(Release::WasFree) => row(conn, "free", Some(LockState::Free)),
            Ok(Release::Released(was)) => row(conn, "released", Some(was)),
            Err(e) => failed_row(conn, &e),
        })
        .collect()
}

/// Each connected node and its connection, as the lock engine takes them.
fn pairs(connected: &[Connected]) -> Vec<(&Node, &Remote)> {
    connected.iter().map(|l| (&l.node, &*l.remote)).collect()
}

fn print(rows: &[Row], output: OutputFormat) -> Result<(), Error> {
    let mut out = anstream::stdout();
    match output {
        OutputFormat::Json => {
            let report = serde_json::json!({ "nodes": rows });
            let text = serde_json::to_string_pretty(&report).map_err(std::io::Error::other)?;
            writeln!(out, "{text}")?;
        }
        OutputFormat::Text => {
            let mut table = Table::new(&["NODE", "RESULT", "LOCK"]);
            for r in rows {
                let style = match r.result.as_str() {
                    "error" | "refused" => theme::BAD,
                    "held" => theme::WARN,
                    _ => theme::GOOD,
                };
                let detail = match (&r.error, &r.lock) {
                    (Some(e), _) => e.clone(),
                    (None, Some(state)) => state.describe(),
                    (None, None) => String::new(),
                };
                table.push(vec![
                    Cell::plain(&r.node),
                    Cell::new(&r.result, style),
                    Cell::plain(detail),
                ]);
            }
            write!(out, "{}", table.render())?;
        }
    }
    Ok(())
}
