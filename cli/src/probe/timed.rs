//! Our daemon's API (`api = "timed"`): its HTTP RPC, `GET /consensus_info`,
//! `/peers`, `/blocks/{height}` and `/health`, as the shared RPC types define,
//! and from `/metrics` the one counter no JSON answer carries (equivocations
//! caught).

use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use timecoin_shared::rpc::{ConsensusInfo, EQUIVOCATIONS_METRIC, Health, PeerInfo};
use timecoin_shared::snapshot::{ChainView, PeerView};

use super::api::NodeApi;
use crate::rpc_client::{RpcClient, RpcError};

/// The name of this API in the fleet file.
pub(crate) const NAME: &str = "timed";

/// Tries at a block's hash: the chain may grow between asking for the block
/// after it and asking for the tip, once in a while twice.
const BLOCK_HASH_ATTEMPTS: usize = 3;

/// `timed`'s RPC over one node's client.
#[derive(Debug)]
pub(crate) struct TimedApi {
    rpc: Arc<RpcClient>,
}

impl TimedApi {
    /// The API over an open RPC client.
    pub(crate) fn new(rpc: Arc<RpcClient>) -> Self {
        TimedApi { rpc }
    }

    async fn block_hash_at(&self, height: u64) -> Result<Option<String>, RpcError> {
        /// The one field of a block we need: blocks carry their parent's hash,
        /// not their own.
        #[derive(Deserialize)]
        struct Child {
            parent: String,
        }
        // The hash of block h is the parent named by block h + 1; for the tip,
        // which has no child yet, the tip hash the node reports. A block may
        // arrive between the two questions (the tip was h, then h + 1): block
        // h + 1 is there to ask again.
        for _ in 0..BLOCK_HASH_ATTEMPTS {
            match self
                .rpc
                .get::<Child>(&format!("/blocks/{}", height + 1))
                .await
            {
                Ok(child) => return Ok(Some(child.parent)),
                Err(RpcError::Status { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
            let info: ConsensusInfo = self.rpc.get("/consensus_info").await?;
            if info.block_height <= height {
                return Ok((info.block_height == height && height > 0).then_some(info.tip_hash));
            }
        }
        Ok(None)
    }
}

impl NodeApi for TimedApi {
    fn name(&self) -> &'static str {
        NAME
    }

    fn chain(&self) -> BoxFuture<'_, Result<ChainView, RpcError>> {
        async move {
            let info: ConsensusInfo = self.rpc.get("/consensus_info").await?;
            // A daemon that answered its state but not its metrics (an older
            // build, a failure between the two calls) leaves the count
            // unknown, not the node.
            let equivocations = match self.rpc.get_text("/metrics").await {
                Ok(text) => counter(&text, EQUIVOCATIONS_METRIC),
                Err(_) => None,
            };
            Ok(ChainView {
                equivocations,
                ..chain_view(info)
            })
        }
        .boxed()
    }

    fn peers(&self) -> BoxFuture<'_, Result<Option<Vec<PeerView>>, RpcError>> {
        async move {
            let peers: Vec<PeerInfo> = self.rpc.get("/peers").await?;
            Ok(Some(peers.into_iter().map(peer_view).collect()))
        }
        .boxed()
    }

    fn block_hash(&self, height: u64) -> BoxFuture<'_, Result<Option<String>, RpcError>> {
        self.block_hash_at(height).boxed()
    }

    fn healthy(&self) -> BoxFuture<'_, Result<bool, RpcError>> {
        async move {
            let health: Health = self.rpc.get("/health").await?;
            Ok(health.status == "ok")
        }
        .boxed()
    }
}

fn chain_view(info: ConsensusInfo) -> ChainView {
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
        listed_masternode: info.in_network_definition,
        final_height: info.final_height,
        consensus_round: info.consensus_round,
        equivocations: None,
    }
}

/// The value of the unlabelled counter `name` in a Prometheus text body;
/// `None` when it is absent or not a whole count.
fn counter(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let mut fields = line.split_whitespace();
            (fields.next() == Some(name))
                .then(|| fields.next())
                .flatten()
        })
        .and_then(|value| value.parse::<f64>().ok())
        .filter(|value| value.is_finite() && *value >= 0.0 && value.fract() == 0.0)
        // A whole, non-negative, finite count below 2^53 converts exactly.
        .map(|value| value as u64)
}

fn peer_view(peer: PeerInfo) -> PeerView {
    PeerView {
        node_id: Some(peer.node_id.to_string()),
        addr: peer.addr,
        direction: Some(peer.direction),
        connected_secs: Some(peer.connected_secs),
        rtt_ms: peer.rtt_ms,
        block_height: Some(peer.block_height),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Json;
    use axum::extract::State;
    use axum::http::StatusCode;
    use axum::routing::get;
    use timecoin_shared::wire::NodeId;

    use super::*;
    use crate::notice::Notices;

    /// A node whose block 3 arrives between the probe's two questions: the
    /// first `GET /blocks/3` finds none, `/consensus_info` then says the tip
    /// is 3.
    async fn growing_node() -> TimedApi {
        async fn block(State(asked): State<Arc<AtomicUsize>>) -> (StatusCode, String) {
            if asked.fetch_add(1, Ordering::SeqCst) == 0 {
                (
                    StatusCode::NOT_FOUND,
                    r#"{"error":"no block at height 3"}"#.into(),
                )
            } else {
                (
                    StatusCode::OK,
                    format!(r#"{{"parent":"{}"}}"#, "b2".repeat(32)),
                )
            }
        }
        async fn info() -> Json<ConsensusInfo> {
            Json(ConsensusInfo {
                active_masternodes: 4,
                connected_peers: 3,
                pending_transactions: 0,
                finalized_transactions: 0,
                block_height: 3,
                tip_hash: "b3".repeat(32),
                node_id: NodeId([1; 32]),
                network: "devnet".into(),
                version: "0.1.0".into(),
                commit: "abc".into(),
                uptime_secs: 1,
                last_block_age_secs: Some(0),
                min_masternodes: 3,
                in_network_definition: Some(true),
                final_height: Some(3),
                consensus_round: Some(0),
            })
        }
        let app = axum::Router::new()
            .route("/blocks/3", get(block))
            .route("/consensus_info", get(info))
            .with_state(Arc::new(AtomicUsize::new(0)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let text = format!(
            "[fleet]\nname = \"t\"\n[[nodes]]\nname = \"n1\"\ntransport = \"local\"\nrpc = \"http://{addr}\"\n"
        );
        let node = crate::fleet::parse_named("fleet.toml", &text)
            .expect("fleet")
            .nodes
            .remove(0);
        let rpc = RpcClient::open(&node, None, &Notices::default())
            .await
            .expect("open");
        TimedApi::new(Arc::new(rpc))
    }

    #[tokio::test]
    async fn a_block_arriving_between_the_questions_is_asked_for_again() {
        let api = growing_node().await;
        // Before, the hash of block 2 was "unknown": no block 3 yet, and the
        // tip no longer 2.
        assert_eq!(
            api.block_hash_at(2).await.expect("answered"),
            Some("b2".repeat(32))
        );
    }

    #[test]
    fn a_counter_is_read_by_its_exact_name_and_only_as_a_count() {
        let body = "# HELP timed_equivocations_total Conflicting signed votes.\n\
                    # TYPE timed_equivocations_total counter\n\
                    timed_equivocations_total_extra 9\n\
                    timed_equivocations_total 2\n";
        assert_eq!(counter(body, "timed_equivocations_total"), Some(2));
        assert_eq!(counter(body, "timed_reorgs_total"), None);
        for bad in ["x -1", "x NaN", "x 1.5", "x +Inf", "x", "x abc"] {
            assert_eq!(counter(bad, "x"), None, "{bad}");
        }
        assert_eq!(counter("x 3e0", "x"), Some(3));
    }
}
