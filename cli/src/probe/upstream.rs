//! The upstream daemon's API (`api = "time-masternode"`): its JSON-RPC 2.0
//! methods, read into the same snapshot as ours. What its answers do not tell
//! stays unknown: the minimum of masternodes (not reported), how long a link
//! has been up (its `conntime` is when the peer registered, not when the link
//! came up), when its tip arrived (a block's `time` is when it was scheduled;
//! the probe measures the arrival, see `probe::probe_with`), and what an
//! optional call could not fetch.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};
use timecoin_shared::rpc::Direction;
use timecoin_shared::snapshot::{ChainView, PeerView};

use super::api::NodeApi;
use super::jsonrpc::call;
use crate::rpc_client::{RpcClient, RpcError};

/// The name of this API in the fleet file.
pub(crate) const NAME: &str = "time-masternode";

/// The code the upstream daemon answers `getblock` with for a height it has no
/// block at.
const BLOCK_NOT_FOUND: i64 = -5;

/// `time-masternode`'s JSON-RPC over one node's client.
#[derive(Debug)]
pub(crate) struct UpstreamApi {
    rpc: Arc<RpcClient>,
}

#[derive(Deserialize)]
struct BlockchainInfo {
    blocks: u64,
    bestblockhash: String,
    chain: String,
}

#[derive(Deserialize)]
struct Info {
    version: String,
    uptime: u64,
}

#[derive(Deserialize)]
struct NetworkInfo {
    connections: usize,
}

#[derive(Deserialize)]
struct MasternodeStatus {
    /// The node's own IP, as its peers list it.
    address: String,
    public_key: String,
    /// The running commit, short.
    git_hash: String,
}

#[derive(Deserialize)]
struct MasternodeList {
    masternodes: Vec<Masternode>,
}

#[derive(Deserialize)]
struct Masternode {
    address: String,
    pubkey: String,
    is_active: bool,
}

#[derive(Deserialize)]
struct MempoolInfo {
    pending: usize,
    finalized: u64,
}

#[derive(Deserialize)]
struct Block {
    hash: String,
}

/// One row of `getpeerinfo`: every registered masternode, the node included.
#[derive(Deserialize)]
struct Peer {
    addr: String,
    connected: bool,
    inbound: bool,
    height: u64,
    /// Seconds; `null` without a measurement.
    pingtime: Option<f64>,
}

impl UpstreamApi {
    /// The API over an open RPC client.
    pub(crate) fn new(rpc: Arc<RpcClient>) -> Self {
        UpstreamApi { rpc }
    }

    /// `masternodelist true`: every registered masternode, inactive ones too.
    async fn masternodes(&self) -> Result<Vec<Masternode>, RpcError> {
        let list: MasternodeList = call(&self.rpc, "masternodelist", &[json!(true)]).await?;
        Ok(list.masternodes)
    }

    /// The block at `height`; `None` when the node has none there.
    async fn block(&self, height: u64) -> Result<Option<Block>, RpcError> {
        match call(&self.rpc, "getblock", &[json!(height)]).await {
            Ok(block) => Ok(Some(block)),
            Err(RpcError::Call {
                code: BLOCK_NOT_FOUND,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn chain_view(&self) -> Result<ChainView, RpcError> {
        let rpc = &self.rpc;
        let (chain, info, network, status, masternodes, mempool) = tokio::join!(
            call::<BlockchainInfo>(rpc, "getblockchaininfo", &[]),
            call::<Info>(rpc, "getinfo", &[]),
            call::<NetworkInfo>(rpc, "getnetworkinfo", &[]),
            call::<MasternodeStatus>(rpc, "masternodestatus", &[]),
            self.masternodes(),
            call::<MempoolInfo>(rpc, "getmempoolinfo", &[]),
        );
        // The chain's answer first: it decides between wrong API and the rest.
        let chain = chain?;
        let (info, network, status, masternodes) = (info?, network?, status?, masternodes?);
        // Optional: a daemon without these still gives the rest, with these unknown.
        let mempool = mempool.ok();
        Ok(ChainView {
            block_height: Some(chain.blocks),
            tip_hash: Some(chain.bestblockhash),
            active_masternodes: Some(masternodes.iter().filter(|m| m.is_active).count()),
            min_masternodes: None,
            connected_peers: Some(network.connections),
            pending_transactions: mempool.as_ref().map(|m| m.pending),
            finalized_transactions: mempool.map(|m| m.finalized),
            node_id: Some(status.public_key),
            network: Some(chain.chain),
            version: Some(info.version),
            commit: Some(status.git_hash),
            uptime_secs: Some(info.uptime),
            last_block_age_secs: None,
            // Correctness: its RPC has no network definition to be listed in.
            listed_masternode: None,
            final_height: None,
            consensus_round: None,
            equivocations: None,
        })
    }

    async fn peer_views(&self) -> Result<Option<Vec<PeerView>>, RpcError> {
        let rpc = &self.rpc;
        let (peers, status, masternodes) = tokio::join!(
            call::<Vec<Peer>>(rpc, "getpeerinfo", &[]),
            call::<MasternodeStatus>(rpc, "masternodestatus", &[]),
            self.masternodes(),
        );
        let (peers, status, masternodes) = (peers?, status?, masternodes?);
        // Peers are named by IP; the registry maps an IP to its node's key.
        let keys: HashMap<String, String> = masternodes
            .into_iter()
            .map(|m| (m.address, m.pubkey))
            .collect();
        let views = peers
            .into_iter()
            .filter(|p| p.connected && p.addr != status.address)
            .map(|p| PeerView {
                node_id: keys.get(&p.addr).cloned(),
                direction: Some(if p.inbound {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                }),
                connected_secs: None,
                rtt_ms: p.pingtime.map(|secs| secs * 1000.0),
                block_height: Some(p.height),
                addr: p.addr,
            })
            .collect();
        Ok(Some(views))
    }
}

impl NodeApi for UpstreamApi {
    fn name(&self) -> &'static str {
        NAME
    }

    fn chain(&self) -> BoxFuture<'_, Result<ChainView, RpcError>> {
        self.chain_view().boxed()
    }

    fn peers(&self) -> BoxFuture<'_, Result<Option<Vec<PeerView>>, RpcError>> {
        self.peer_views().boxed()
    }

    fn block_hash(&self, height: u64) -> BoxFuture<'_, Result<Option<String>, RpcError>> {
        async move { Ok(self.block(height).await?.map(|block| block.hash)) }.boxed()
    }

    fn healthy(&self) -> BoxFuture<'_, Result<bool, RpcError>> {
        // It has no health call: answering about its chain is serving.
        async move {
            call::<Value>(&self.rpc, "getblockchaininfo", &[]).await?;
            Ok(true)
        }
        .boxed()
    }
}
