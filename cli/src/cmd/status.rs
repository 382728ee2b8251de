//! `timectl status`: one row per node (reachable, running commit vs repo HEAD,
//! height, active masternodes, peers, pending, finalized, last block age), nodes
//! queried at once, a dead node costing at most its timeout.

use std::io::Write as _;
use std::path::Path;

use color_eyre::eyre::WrapErr as _;
use serde::Serialize;
use timecoin_shared::fleet::{Fleet, Node};
use timecoin_shared::rpc::ConsensusInfo;

use crate::cli::OutputFormat;
use crate::constants::STATUS_NODE_TIMEOUT;
use crate::remote::{ConnectOptions, Remote, node_command};
use crate::rpc_client::RpcClient;
use crate::table::{Cell, Table, theme};
use crate::{BadInput, exit};

/// A block older than this many block-less seconds is shown as a warning.
const STALE_BLOCK_SECS: u64 = 120;

/// Show every node's state: reachable, commit vs HEAD, height, masternodes, peers.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  timectl status
  timectl status LW-London LW-Arizona
  timectl --fleet /tmp/devnet/fleet.toml status --output json

Exit code 0 when every node answered, 1 when one did not.")]
pub struct Args {
    /// Only these nodes (by name); all when none given.
    #[arg(value_name = "NODES")]
    pub nodes: Vec<String>,
    /// text (a table) or json (`{"nodes": [...]}`).
    #[arg(long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

/// One node's row, as `--output json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct NodeStatus {
    pub name: String,
    pub reachable: bool,
    /// Why the node is unreachable.
    pub error: Option<String>,
    pub block_height: Option<u64>,
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
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    fleet: &'a str,
    nodes: &'a [NodeStatus],
}

/// Runs `status`.
///
/// # Errors
/// No usable fleet file, an unknown node name, or stdout closed.
pub async fn run(
    fleet_path: Option<&Path>,
    options: &ConnectOptions,
    args: &Args,
) -> color_eyre::Result<u8> {
    let loaded = crate::fleet::load(fleet_path)?;
    let nodes = select(&loaded.fleet, &args.nodes)?;
    let statuses = query_all(&nodes, options).await;
    let mut out = anstream::stdout();
    match args.output {
        OutputFormat::Json => {
            let report = Report {
                fleet: &loaded.fleet.name,
                nodes: &statuses,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)
                .wrap_err("writing stdout")?;
        }
        OutputFormat::Text => {
            write!(out, "{}", render(&statuses)).wrap_err("writing stdout")?;
        }
    }
    Ok(if statuses.iter().all(|s| s.reachable) {
        exit::OK
    } else {
        exit::FAILED
    })
}

/// The named nodes, or all.
///
/// # Errors
/// A name not in the fleet.
pub fn select(fleet: &Fleet, names: &[String]) -> Result<Vec<Node>, BadInput> {
    if names.is_empty() {
        return Ok(fleet.nodes.clone());
    }
    names
        .iter()
        .map(|name| {
            fleet.node(name).cloned().ok_or_else(|| {
                let known: Vec<&str> = fleet.nodes.iter().map(|n| n.name.as_str()).collect();
                BadInput(format!(
                    "no node {name:?} in the fleet (nodes: {})",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

/// Queries every node at once, each bounded by [`STATUS_NODE_TIMEOUT`]; results in
/// the order given.
pub async fn query_all(nodes: &[Node], options: &ConnectOptions) -> Vec<NodeStatus> {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, node) in nodes.iter().cloned().enumerate() {
        let options = options.clone();
        tasks.spawn(async move { (index, query_bounded(&node, &options).await) });
    }
    let mut results: Vec<Option<NodeStatus>> = vec![None; nodes.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, status)) = joined {
            results[index] = Some(status);
        }
    }
    results
        .into_iter()
        .zip(nodes)
        .map(|(status, node)| {
            status.unwrap_or_else(|| unreachable(node, "query task failed".into()))
        })
        .collect()
}

async fn query_bounded(node: &Node, options: &ConnectOptions) -> NodeStatus {
    match tokio::time::timeout(STATUS_NODE_TIMEOUT, query(node, options)).await {
        Ok(status) => status,
        Err(_) => unreachable(
            node,
            format!(
                "{}: no answer within {}s",
                node.name,
                STATUS_NODE_TIMEOUT.as_secs()
            ),
        ),
    }
}

async fn query(node: &Node, options: &ConnectOptions) -> NodeStatus {
    let remote = match Remote::connect(node, options).await {
        Ok(remote) => remote,
        Err(e) => return unreachable(node, e.to_string()),
    };
    let (info, head) = tokio::join!(consensus_info(node, &remote), repo_head(node, &remote));
    let _ = remote.close().await;
    match info {
        Ok(info) => reachable(node, info, head),
        Err(e) => NodeStatus {
            repo_head: head,
            ..unreachable(node, e)
        },
    }
}

async fn consensus_info(node: &Node, remote: &Remote) -> Result<ConsensusInfo, String> {
    let rpc = RpcClient::open(node, remote)
        .await
        .map_err(|e| e.to_string())?;
    rpc.consensus_info().await.map_err(|e| e.to_string())
}

/// `git rev-parse HEAD` in the node's repo; `None` without a repo or on failure.
async fn repo_head(node: &Node, remote: &Remote) -> Option<String> {
    node.repo.as_ref()?;
    let cmd = node_command(node, "git rev-parse HEAD").ok()?;
    let out = remote.run(&cmd).await.ok()?;
    out.success().then(|| out.stdout.trim().to_string())
}

fn reachable(node: &Node, info: ConsensusInfo, head: Option<String>) -> NodeStatus {
    let matches = head.as_ref().map(|head| same_commit(&info.commit, head));
    NodeStatus {
        name: node.name.clone(),
        reachable: true,
        error: None,
        block_height: Some(info.block_height),
        active_masternodes: Some(info.active_masternodes),
        min_masternodes: Some(info.min_masternodes),
        connected_peers: Some(info.connected_peers),
        pending_transactions: Some(info.pending_transactions),
        finalized_transactions: Some(info.finalized_transactions),
        commit: Some(info.commit),
        repo_head: head,
        commit_matches_head: matches,
        last_block_age_secs: info.last_block_age_secs,
        node_id: Some(info.node_id.to_string()),
        version: Some(info.version),
    }
}

fn unreachable(node: &Node, error: String) -> NodeStatus {
    NodeStatus {
        name: node.name.clone(),
        reachable: false,
        error: Some(error),
        block_height: None,
        active_masternodes: None,
        min_masternodes: None,
        connected_peers: None,
        pending_transactions: None,
        finalized_transactions: None,
        commit: None,
        repo_head: None,
        commit_matches_head: None,
        last_block_age_secs: None,
        node_id: None,
        version: None,
    }
}

/// Whether a daemon's short commit (maybe `-dirty`) names the repo's HEAD.
fn same_commit(running: &str, head: &str) -> bool {
    let running = running.trim_end_matches("-dirty");
    !running.is_empty() && running != "unknown" && head.starts_with(running)
}

/// A commit cut to 12 hex digits for the table, keeping a `-dirty` suffix: a binary
/// built from an uncommitted tree must never pass for the commit it started from.
fn short(commit: &str) -> String {
    let (hash, dirty) = match commit.strip_suffix("-dirty") {
        Some(hash) => (hash, "-dirty"),
        None => (commit, ""),
    };
    format!("{}{dirty}", hash.chars().take(12).collect::<String>())
}

/// The status table, then one line per unreachable node with the reason.
pub fn render(statuses: &[NodeStatus]) -> String {
    let mut table = Table::new(&[
        "NODE",
        "STATE",
        "COMMIT",
        "HEAD",
        "HEIGHT",
        "MASTERNODES",
        "PEERS",
        "PENDING",
        "FINALIZED",
        "LAST BLOCK",
    ]);
    let number = |v: Option<u64>| v.map_or_else(Cell::missing, |v| Cell::plain(v.to_string()));
    for s in statuses {
        let state = if s.reachable {
            Cell::new("up", theme::GOOD)
        } else {
            Cell::new("unreachable", theme::BAD)
        };
        let commit = match (&s.commit, s.commit_matches_head) {
            (Some(c), Some(true)) if !c.ends_with("-dirty") => Cell::new(short(c), theme::GOOD),
            (Some(c), Some(_)) => Cell::new(short(c), theme::WARN),
            (Some(c), None) => Cell::plain(short(c)),
            (None, _) => Cell::missing(),
        };
        let head = s
            .repo_head
            .as_deref()
            .map_or_else(Cell::missing, |h| Cell::plain(short(h)));
        let masternodes = match (s.active_masternodes, s.min_masternodes) {
            (Some(active), Some(min)) => Cell::new(
                format!("{active} (min {min})"),
                if active < min {
                    theme::BAD
                } else {
                    theme::GOOD
                },
            ),
            _ => Cell::missing(),
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
            (true, None) => Cell::new("no blocks", theme::DIM),
            (false, _) => Cell::missing(),
        };
        table.push(vec![
            Cell::plain(&s.name),
            state,
            commit,
            head,
            number(s.block_height),
            masternodes,
            number(s.connected_peers.map(|v| v as u64)),
            number(s.pending_transactions.map(|v| v as u64)),
            number(s.finalized_transactions),
            age,
        ]);
    }
    let mut text = table.render();
    for s in statuses {
        if let Some(error) = &s.error {
            text.push_str(&format!(
                "{}{}{}\n",
                theme::BAD.render(),
                error,
                theme::BAD.render_reset()
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keeps_the_dirty_mark() {
        assert_eq!(short("0123456789abcdef0123"), "0123456789ab");
        assert_eq!(short("0123456789ab-dirty"), "0123456789ab-dirty");
        assert_eq!(short("unknown"), "unknown");
    }

    #[test]
    fn short_commits_match_full_heads_dirty_or_not() {
        let head = "0123456789abcdef0123456789abcdef01234567";
        assert!(same_commit("0123456789ab", head));
        assert!(same_commit("0123456789ab-dirty", head));
        assert!(!same_commit("ffff56789ab", head));
        assert!(!same_commit("unknown", head));
        assert!(!same_commit("", head));
    }
}
