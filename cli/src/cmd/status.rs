//! `timectl status`: one row per node (reachable, running commit vs repo HEAD,
//! height with the final height beside it and the consensus round, active
//! masternodes, peers, pending, finalized, last block age), from
//! one probe of each node at once; `--watch` probes again on an interval over the
//! same connections until Ctrl-C.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use timecoin_shared::checklist::same_commit;
use timecoin_shared::snapshot::{NodeSnapshot, Reach};

use crate::flags::OutputFormat;
use crate::notice::Notice;
use crate::probe;
use crate::table::{Cell, Table, short_commit, theme};
use crate::{Code, Ctx, Error};

/// A block older than this many block-less seconds is shown as a warning.
const STALE_BLOCK_SECS: u64 = 120;

/// Show every node's state: reachable, commit vs HEAD, height, masternodes, peers.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl status
  timectl status LW-London LW-Arizona
  timectl --fleet /tmp/devnet/fleet.toml status --output json
  timectl status --watch 5s

Exit codes: 0 every node answered, 1 a node did not, 2 bad input (flags, fleet
file, unknown node), 130 interrupted (Ctrl-C).")]
pub(crate) struct Args {
    /// Only these nodes (by name); all when none given.
    #[arg(value_name = "NODES")]
    pub nodes: Vec<String>,
    /// text (a table) or json (`{"nodes": [...]}`; with --watch, one object a line).
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
    /// Probe again every INTERVAL (e.g. 5s) over the same connections, until
    /// Ctrl-C; the exit code is that of the last round.
    #[arg(long, value_name = "INTERVAL", value_parser = crate::flags::interval)]
    pub watch: Option<Duration>,
}

/// One node's row, as `--output json` prints it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NodeStatus {
    pub name: String,
    pub reachable: bool,
    /// Something answered at the RPC, but not in the API the fleet file names.
    pub wrong_api: bool,
    /// Whether its id is a masternode of its network definition (`false`: it is
    /// never counted, never leads, never signs).
    pub in_network_definition: Option<bool>,
    /// Why the node is unreachable.
    pub error: Option<String>,
    pub block_height: Option<u64>,
    /// The highest block a quorum's commit certificate made final: never
    /// reverted, while blocks between it and `block_height` may still be.
    pub final_height: Option<u64>,
    /// The consensus round at the height after the final one; above 0 means
    /// rounds timed out there.
    pub consensus_round: Option<u32>,
    /// Conflicting signed messages of one masternode this node caught since
    /// it started (evidence of a faulty masternode or a stolen key).
    pub equivocations: Option<u64>,
    pub active_masternodes: Option<usize>,
    pub min_masternodes: Option<usize>,
    pub connected_peers: Option<usize>,
    pub pending_transactions: Option<usize>,
    pub finalized_transactions: Option<u64>,
    /// The commit the running daemon was built from.
    pub commit: Option<String>,
    /// `git rev-parse HEAD` in the node's repo.
    pub repo_head: Option<String>,
    /// Whether the running commit is the repo's HEAD.
    pub commit_matches_head: Option<bool>,
    pub last_block_age_secs: Option<u64>,
    pub node_id: Option<String>,
    pub version: Option<String>,
    /// How long the probe of this node took.
    pub probe_ms: u64,
}

impl From<&NodeSnapshot> for NodeStatus {
    fn from(s: &NodeSnapshot) -> Self {
        let error = match &s.reach {
            Reach::Reachable => None,
            Reach::Unreachable { error } => Some(error.clone()),
            Reach::WrongApi { expected, detail } => {
                // The detail starts with the node's name; say it once.
                let detail = detail
                    .strip_prefix(s.node.as_str())
                    .and_then(|rest| rest.strip_prefix(": "))
                    .unwrap_or(detail);
                Some(format!(
                    "{}: reachable, wrong API (expected {expected}): {detail}",
                    s.node
                ))
            }
        };
        let c = &s.chain;
        let commit_matches_head = c
            .commit
            .as_ref()
            .zip(s.repo_head.as_ref())
            .map(|(commit, head)| same_commit(commit, head));
        NodeStatus {
            name: s.node.clone(),
            reachable: s.is_reachable(),
            wrong_api: matches!(s.reach, Reach::WrongApi { .. }),
            in_network_definition: c.listed_masternode,
            error,
            block_height: c.block_height,
            final_height: c.final_height,
            consensus_round: c.consensus_round,
            equivocations: c.equivocations,
            active_masternodes: c.active_masternodes,
            min_masternodes: c.min_masternodes,
            connected_peers: c.connected_peers,
            pending_transactions: c.pending_transactions,
            finalized_transactions: c.finalized_transactions,
            commit: c.commit.clone(),
            repo_head: s.repo_head.clone(),
            commit_matches_head,
            last_block_age_secs: c.last_block_age_secs,
            node_id: c.node_id.clone(),
            version: c.version.clone(),
            probe_ms: u64::try_from(s.took.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    fleet: &'a str,
    nodes: &'a [NodeStatus],
    /// What the operator must be told that is no node's state (a certificate
    /// trusted on first use while probing); absent when there is none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notices: Vec<Notice>,
}

/// Runs `status`.
///
/// # Errors
/// No usable fleet file, an unknown node name, or stdout closed.
pub(crate) async fn run(ctx: &Ctx, args: &Args) -> Result<Code, Error> {
    let fleet = &ctx.fleet()?.fleet.name;
    let nodes = ctx.select(&args.nodes)?;
    let mut out = ctx.output().stdout();
    loop {
        let snapshots = tokio::select! {
            snapshots = probe::probe_all(ctx.pool(), &nodes) => snapshots,
            () = ctx.shutdown().requested() => return Ok(Code::INTERRUPTED),
        };
        let rows: Vec<NodeStatus> = snapshots.iter().map(NodeStatus::from).collect();
        let report = Report {
            fleet,
            nodes: &rows,
            notices: ctx.unreported_notices(),
        };
        match (args.output, args.watch) {
            (OutputFormat::Json, None) => writeln!(out, "{}", pretty(&report))?,
            (OutputFormat::Json, Some(_)) => writeln!(out, "{}", compact(&report))?,
            (OutputFormat::Text, None) => write!(out, "{}", render(&rows))?,
            (OutputFormat::Text, Some(_)) => writeln!(out, "{}", render(&rows))?,
        }
        out.flush()?;
        // The table is for stdout; why a node did not answer is an error.
        if args.output == OutputFormat::Text {
            let mut err = ctx.output().wrap(std::io::stderr());
            write!(err, "{}", errors(&rows))?;
            err.flush()?;
        }
        let code = if rows.iter().all(|r| r.reachable) {
            Code::OK
        } else {
            Code::FAILED
        };
        let Some(every) = args.watch else {
            return Ok(code);
        };
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = ctx.shutdown().requested() => return Ok(code),
        }
    }
}

fn pretty(report: &Report<'_>) -> String {
    // A struct of strings, numbers and options always serialises.
    serde_json::to_string_pretty(report).unwrap_or_default()
}

fn compact(report: &Report<'_>) -> String {
    serde_json::to_string(report).unwrap_or_default()
}

/// The status table, then a line per node outside the network definition and
/// per node that caught a masternode equivocating.
pub(crate) fn render(statuses: &[NodeStatus]) -> String {
    let mut table = Table::new(&[
        "NODE",
        "STATE",
        "COMMIT",
        "HEAD",
        "HEIGHT",
        "FINAL",
        "ROUND",
        "MASTERNODES",
        "PEERS",
        "PENDING",
        "FINALIZED",
        "LAST BLOCK",
    ]);
    for s in statuses {
        // A node that answered but whose API cannot tell a value: "unknown";
        // a node that did not answer: "-".
        let gap = || {
            if s.reachable {
                Cell::new("unknown", theme::DIM)
            } else {
                Cell::missing()
            }
        };
        let number = |v: Option<u64>| v.map_or_else(gap, |v| Cell::plain(v.to_string()));
        let state = match (s.reachable, s.wrong_api) {
            (true, _) if s.in_network_definition == Some(false) => {
                Cell::new("up, unlisted", theme::WARN)
            }
            (true, _) => Cell::new("up", theme::GOOD),
            (false, true) => Cell::new("wrong api", theme::BAD),
            (false, false) => Cell::new("unreachable", theme::BAD),
        };
        let commit = match (&s.commit, s.commit_matches_head) {
            (Some(c), Some(true)) if !c.ends_with("-dirty") => {
                Cell::new(short_commit(c), theme::GOOD)
            }
            (Some(c), Some(_)) => Cell::new(short_commit(c), theme::WARN),
            (Some(c), None) => Cell::plain(short_commit(c)),
            (None, _) => gap(),
        };
        let head = s
            .repo_head
            .as_deref()
            .map_or_else(Cell::missing, |h| Cell::plain(short_commit(h)));
        let masternodes = match (s.active_masternodes, s.min_masternodes) {
            (Some(active), Some(min)) => Cell::new(
                format!("{active} (min {min})"),
                if active < min {
                    theme::BAD
                } else {
                    theme::GOOD
                },
            ),
            // The upstream API does not say its minimum.
            (Some(active), None) => Cell::plain(active.to_string()),
            (None, _) => gap(),
        };
        let age = match (s.reachable, s.last_block_age_secs) {
            (true, Some(secs)) => Cell::new(
                format!("{secs}s ago"),
                if secs > STALE_BLOCK_SECS {
                    theme::WARN
                } else {
                    theme::PLAIN
                },
            ),
            (true, None) if s.block_height == Some(0) => Cell::new("no blocks", theme::DIM),
            // An API that cannot tell the age: unknown, not "no blocks".
            (_, None) => gap(),
            (false, Some(_)) => Cell::missing(),
        };
        // Rounds past the first at one height mean proposals or votes that
        // did not come in time.
        let round = match s.consensus_round {
            Some(0) => Cell::plain("0"),
            Some(round) => Cell::new(round.to_string(), theme::WARN),
            None => gap(),
        };
        table.push(vec![
            Cell::plain(&s.name),
            state,
            commit,
            head,
            number(s.block_height),
            number(s.final_height),
            round,
            masternodes,
            number(s.connected_peers.map(|v| v as u64)),
            number(s.pending_transactions.map(|v| v as u64)),
            number(s.finalized_transactions),
            age,
        ]);
    }
    let mut text = table.render();
    for s in statuses {
        if s.reachable && s.in_network_definition == Some(false) {
            text.push_str(&format!(
                "{}{}: its id {} is not a masternode of the network definition: never counted, never a leader, never a signer{}\n",
                theme::WARN.render(),
                s.name,
                s.node_id.as_deref().unwrap_or("(unknown)"),
                theme::WARN.render_reset()
            ));
        }
        if let Some(caught) = s.equivocations.filter(|n| *n > 0) {
            text.push_str(&format!(
                "{}{}: caught {caught} masternode equivocation{} since it started: its journal's \
                 `Masternode ID equivocated` lines name the signer{}\n",
                theme::BAD.render(),
                s.name,
                if caught == 1 { "" } else { "s" },
                theme::BAD.render_reset()
            ));
        }
    }
    text
}

/// One line per node that did not answer, with the reason (for stderr).
fn errors(statuses: &[NodeStatus]) -> String {
    statuses
        .iter()
        .filter_map(|s| s.error.as_ref())
        .map(|error| {
            format!(
                "{}{error}{}\n",
                theme::BAD.render(),
                theme::BAD.render_reset()
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
