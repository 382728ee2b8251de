//! `timectl tui`: the live fleet dashboard on a terminal; without one (output
//! piped or redirected), the fleet's status and the live classified log as text.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use color_eyre::eyre::WrapErr as _;
use timecoin_shared::fleet::Node;
use timecoin_shared::snapshot::{ChainView, NodeSnapshot, PeerView, Reach};
use tokio_util::sync::CancellationToken;

use crate::cli::OutputFormat;
use crate::constants::STATUS_NODE_TIMEOUT;
use crate::logs::source::FleetSource;
use crate::remote::{ConnectOptions, Remote};
use crate::rpc_client::RpcClient;
use crate::tui::runtime::{self, Control, Prober, Session};
use crate::{cmd, exit, fleet};

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
pub struct Args {
    /// Only these nodes (by name); all when none given.
    #[arg(value_name = "NODES")]
    pub nodes: Vec<String>,
    /// How often each node is probed.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub interval: Duration,
}

/// Runs `tui`.
///
/// # Errors
/// No usable fleet file, an unknown node, or the terminal failed.
pub async fn run(
    fleet_path: Option<&Path>,
    options: &ConnectOptions,
    args: &Args,
) -> color_eyre::Result<u8> {
    let loaded = fleet::load(fleet_path)?;
    let nodes = cmd::status::select(&loaded.fleet, &args.nodes)?;
    let shutdown = CancellationToken::new();
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    watch(
        &loaded.fleet.name,
        nodes,
        options,
        args.interval,
        None,
        shutdown,
    )
    .await
}

/// The dashboard on a terminal, or status and log as text without one. Shared
/// with `demo`, which adds its `control`.
///
/// # Errors
/// The terminal failed, or stdout closed.
pub async fn watch(
    fleet: &str,
    nodes: Vec<Node>,
    options: &ConnectOptions,
    interval: Duration,
    control: Option<Control>,
    shutdown: CancellationToken,
) -> color_eyre::Result<u8> {
    let logs = Arc::new(FleetSource::new(nodes.clone(), options.clone()));
    let result = if std::io::stdout().is_terminal() {
        let session = Session {
            fleet: fleet.to_owned(),
            nodes,
            prober: Arc::new(RpcProber {
                options: options.clone(),
            }),
            logs: Arc::clone(&logs),
            poll_interval: interval,
            colour: std::env::var_os("NO_COLOR").is_none(),
            control,
        };
        runtime::run(session, shutdown)
            .await
            .wrap_err("running the dashboard")
    } else {
        as_text(nodes, options, Arc::clone(&logs), shutdown).await
    };
    if let Ok(logs) = Arc::try_unwrap(logs) {
        logs.close().await;
    }
    result.map(|()| exit::OK)
}

/// No terminal: the status table, again whenever a node's reachability changes,
/// and every node's log merged and classified, until `shutdown`.
async fn as_text(
    nodes: Vec<Node>,
    options: &ConnectOptions,
    logs: Arc<FleetSource>,
    shutdown: CancellationToken,
) -> color_eyre::Result<()> {
    let status = async {
        let mut shown: Option<Vec<bool>> = None;
        loop {
            let statuses = cmd::status::query_all(&nodes, options).await;
            let reachable: Vec<bool> = statuses.iter().map(|s| s.reachable).collect();
            if shown.as_ref() != Some(&reachable) {
                let mut out = anstream::stdout();
                write!(out, "{}", cmd::status::render(&statuses))?;
                out.flush()?;
                shown = Some(reachable);
            }
            tokio::time::sleep(STATUS_NODE_TIMEOUT / 4).await;
        }
    };
    let log_args = cmd::logs::Args {
        nodes: Vec::new(),
        follow: true,
        since: None,
        lines: None,
        events: Vec::new(),
        grep: None,
        output: OutputFormat::Text,
        summary: false,
        from_file: None,
    };
    let node_logs = nodes
        .iter()
        .map(|n| cmd::logs::NodeLogs {
            name: n.name.clone(),
            command: n.commands.logs.clone(),
        })
        .collect();
    tokio::select! {
        result = status => result,
        result = cmd::logs::run_nodes(&log_args, logs, node_logs) => result,
        () = shutdown.cancelled() => Ok(()),
    }
}

/// Probes a node over its transport and RPC.
struct RpcProber {
    options: ConnectOptions,
}

impl Prober for RpcProber {
    async fn probe(&self, node: &Node) -> NodeSnapshot {
        let at = SystemTime::now();
        let started = Instant::now();
        let gathered = tokio::time::timeout(STATUS_NODE_TIMEOUT, async {
            let remote = Remote::connect(node, &self.options)
                .await
                .map_err(|e| e.to_string())?;
            let rpc = RpcClient::open(node, &remote)
                .await
                .map_err(|e| e.to_string())?;
            let (info, peers) = tokio::join!(rpc.consensus_info(), rpc.peers());
            let info = info.map_err(|e| e.to_string())?;
            Ok::<_, String>((info, peers.ok()))
        })
        .await
        .unwrap_or_else(|_| Err(format!("{}: no answer in time", node.name)));
        let (reach, chain, peers) = match gathered {
            Ok((info, peers)) => (
                Reach::Reachable,
                ChainView {
                    block_height: Some(info.block_height),
                    tip_hash: Some(info.tip_hash),
                    active_masternodes: Some(info.active_masternodes),
                    min_masternodes: Some(info.min_masternodes),
                    connected_peers: Some(info.connected_peers),
                    pending_transactions: Some(info.pending_transactions),
                    finalized_transactions: Some(info.finalized_transactions),
                    node_id: Some(info.node_id.to_string()),
                    network: Some(info.network),
                    version: Some(info.version),
                    commit: Some(info.commit),
                    uptime_secs: Some(info.uptime_secs),
                    last_block_age_secs: info.last_block_age_secs,
                },
                peers.map(|peers| {
                    peers
                        .into_iter()
                        .map(|p| PeerView {
                            node_id: Some(p.node_id.to_string()),
                            addr: p.addr,
                            direction: Some(p.direction),
                            connected_secs: Some(p.connected_secs),
                            rtt_ms: p.rtt_ms,
                            block_height: Some(p.block_height),
                        })
                        .collect()
                }),
            ),
            Err(error) => (Reach::Unreachable { error }, ChainView::default(), None),
        };
        NodeSnapshot {
            node: node.name.clone(),
            at,
            took: started.elapsed(),
            reach,
            chain,
            peers,
            repo_head: None,
        }
    }
}
