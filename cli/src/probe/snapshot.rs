//! Probing nodes into [`NodeSnapshot`]s: one node under a deadline, or every
//! node at once. A probe never fails; what went wrong is in the snapshot.

use std::time::{Instant, SystemTime};

use timecoin_shared::fleet::{DaemonApi, Node};
use timecoin_shared::snapshot::{ChainView, NodeSnapshot, Reach};
use tokio::task::JoinSet;

use super::api;
use crate::constants::PROBE_TIMEOUT;
use crate::pool::Pool;
use crate::remote::node_command;
use crate::rpc_client::RpcError;

/// Whether a probe reads the node's repo HEAD, which runs `git` on the node, or
/// reuses one read before: the dashboard probes every second but reads the
/// HEAD only now and then.
#[derive(Clone, Debug)]
pub(crate) enum Head {
    Read,
    Known(Option<String>),
}

/// Probes one node; never fails: what went wrong is in the snapshot's
/// [`Reach`]. The node's connection is opened first, bounded by its own
/// connect timeouts (a dead host costs at most those); the probe proper (RPC,
/// repo HEAD) then has [`PROBE_TIMEOUT`]. Waiting for a turn to start an SSH
/// master is in neither: at a hundred nodes, or over slow links, the last
/// nodes' turns come after seconds of others' handshakes, and a node that was
/// only queued is not unreachable.
///
/// # Cancel safety
/// Cancel safe: the pool keeps no half-made connection.
pub async fn probe(pool: &Pool, node: &Node) -> NodeSnapshot {
    probe_with(pool, node, Head::Read).await
}

/// [`probe`], reading the repo HEAD or not as `head` says.
pub(crate) async fn probe_with(pool: &Pool, node: &Node, head: Head) -> NodeSnapshot {
    let at = SystemTime::now();
    let started = Instant::now();
    let reads_repo = matches!(head, Head::Read);
    let snapshot = match pool.connect_for(node, reads_repo).await {
        Err(e) => Gathered::failed(Reach::Unreachable {
            error: e.to_string(),
        }),
        Ok(()) => match tokio::time::timeout(PROBE_TIMEOUT, gather(pool, node, head)).await {
            Ok(gathered) => gathered,
            Err(_) => Gathered::failed(Reach::Unreachable {
                error: format!(
                    "{}: no answer within {}s",
                    node.name,
                    PROBE_TIMEOUT.as_secs()
                ),
            }),
        },
    };
    if !matches!(snapshot.reach, Reach::Reachable) {
        // The tunnel may be what broke: the next probe opens a new one.
        pool.drop_rpc(node).await;
    }
    let mut chain = snapshot.chain;
    // Upstream tells when its tip was scheduled, not when it arrived (a chain
    // catching up to its schedule has year-old tips arriving every second):
    // the age is when this process saw the tip arrive.
    if node.api == DaemonApi::TimeMasternode
        && let Some(height) = chain.block_height
    {
        chain.last_block_age_secs = pool.tip_age(node, (height, chain.tip_hash.as_deref()), at);
    }
    NodeSnapshot {
        node: node.name.clone(),
        at,
        took: started.elapsed(),
        api: node.api,
        reach: snapshot.reach,
        chain,
        peers: snapshot.peers,
        repo_head: snapshot.repo_head,
    }
}

/// Probes every node at once; snapshots in the order given.
///
/// # Cancel safety
/// Cancel safe: dropping it aborts the probes.
pub async fn probe_all(pool: &Pool, nodes: &[Node]) -> Vec<NodeSnapshot> {
    probe_all_with(pool, nodes, &Head::Read).await
}

/// [`probe_all`], reading each repo HEAD or not as `head` says.
///
/// # Cancel safety
/// Cancel safe: dropping it aborts the probes.
pub(crate) async fn probe_all_with(pool: &Pool, nodes: &[Node], head: &Head) -> Vec<NodeSnapshot> {
    let mut tasks = JoinSet::new();
    for (index, node) in nodes.iter().cloned().enumerate() {
        let (pool, head) = (pool.clone(), head.clone());
        tasks.spawn(async move { (index, probe_with(&pool, &node, head).await) });
    }
    let mut snapshots: Vec<Option<NodeSnapshot>> = vec![None; nodes.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, snapshot)) = joined
            && let Some(slot) = snapshots.get_mut(index)
        {
            *slot = Some(snapshot);
        }
    }
    snapshots
        .into_iter()
        .zip(nodes)
        .map(|(snapshot, node)| {
            snapshot.unwrap_or_else(|| NodeSnapshot {
                node: node.name.clone(),
                at: SystemTime::now(),
                took: std::time::Duration::ZERO,
                api: node.api,
                reach: Reach::Unreachable {
                    error: format!("{}: the probe task failed", node.name),
                },
                chain: ChainView::default(),
                peers: None,
                repo_head: None,
            })
        })
        .collect()
}

/// A probe's findings before the timing is added.
struct Gathered {
    reach: Reach,
    chain: ChainView,
    peers: Option<Vec<timecoin_shared::snapshot::PeerView>>,
    repo_head: Option<String>,
}

impl Gathered {
    fn failed(reach: Reach) -> Gathered {
        Gathered {
            reach,
            chain: ChainView::default(),
            peers: None,
            repo_head: None,
        }
    }
}

async fn gather(pool: &Pool, node: &Node, head: Head) -> Gathered {
    let head = async {
        match head {
            Head::Read => repo_head(pool, node).await,
            Head::Known(head) => head,
        }
    };
    let views = async {
        let api = api(pool, node).await?;
        let (chain, peers) = tokio::join!(api.chain(), api.peers());
        Ok::<_, RpcError>((api.name(), chain, peers))
    };
    let (views, repo_head) = tokio::join!(views, head);
    let (name, chain, peers) = match views {
        Ok(views) => views,
        Err(e) => {
            return Gathered {
                repo_head,
                ..Gathered::failed(Reach::Unreachable {
                    error: e.to_string(),
                })
            };
        }
    };
    match chain {
        Ok(chain) => Gathered {
            reach: Reach::Reachable,
            chain,
            peers: peers.ok().flatten(),
            repo_head,
        },
        Err(e) if e.is_wrong_api() => Gathered {
            repo_head,
            ..Gathered::failed(Reach::WrongApi {
                expected: name.to_owned(),
                detail: e.to_string(),
            })
        },
        Err(e) => Gathered {
            repo_head,
            ..Gathered::failed(Reach::Unreachable {
                error: e.to_string(),
            })
        },
    }
}

/// `git rev-parse HEAD` in the node's repo; `None` without a repo or on failure.
async fn repo_head(pool: &Pool, node: &Node) -> Option<String> {
    node.repo.as_ref()?;
    let cmd = node_command(node, "git rev-parse HEAD").ok()?;
    let remote = pool.remote(node).await.ok()?;
    let out = remote.run(&cmd).await.ok()?;
    out.success().then(|| out.stdout.trim().to_string())
}
