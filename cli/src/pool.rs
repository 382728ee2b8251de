//! One connection per node for the whole process: the SSH master is opened on
//! first use, shared by every later command, stream and port forward to that
//! node, reopened when found dead, and closed once at exit; the node's RPC
//! tunnel likewise. A dashboard polling every second or a check sampling over a
//! window pays the SSH handshake (about 300 ms a node) once, not on every poll.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use timecoin_shared::fleet::{Node, RpcAccess, RpcAuth};

use crate::notice::Notices;
use crate::remote::{ConnectOptions, Remote, RemoteError};
use crate::rpc_client::{RpcClient, RpcError};

/// The connections of every node this process talks to. Cheap to clone: clones
/// share the connections.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    options: ConnectOptions,
    /// Where the RPC clients send what the operator must be told.
    notices: Notices,
    /// Keyed by node name. The outer lock is held only to find a slot.
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    /// Connections opened so far, reopenings included.
    opened: AtomicUsize,
    /// Each node's tip as this process first saw it, by node name.
    tips: Mutex<HashMap<String, Tip>>,
}

/// A tip and when this process first saw it.
#[derive(Debug)]
struct Tip {
    height: u64,
    hash: Option<String>,
    first_seen: SystemTime,
}

/// One node's connection and RPC client. The lock is held while connecting, so
/// callers racing for one node wait for a single master instead of opening two.
#[derive(Debug, Default)]
struct Slot {
    held: tokio::sync::Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    remote: Option<Arc<Remote>>,
    /// Tied to `remote`: dropped with it, since its tunnel runs over it.
    rpc: Option<Arc<RpcClient>>,
}

/// Whether the node's RPC needs its connection: a tunnel runs over it, a
/// cookie file is read over it.
fn rpc_goes_through_remote(node: &Node) -> bool {
    node.rpc == RpcAccess::Tunnel || matches!(node.rpc_auth, Some(RpcAuth::Cookie { .. }))
}

impl Pool {
    /// An empty pool; nothing is opened until asked for.
    pub fn new(options: ConnectOptions) -> Pool {
        Pool::with_notices(options, Notices::default())
    }

    /// An empty pool whose connections send their notices to `notices`.
    pub(crate) fn with_notices(options: ConnectOptions, notices: Notices) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                options,
                notices,
                ..Inner::default()
            }),
        }
    }

    fn slot(&self, node: &Node) -> Arc<Slot> {
        let mut slots = self
            .inner
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(node.name.clone()).or_default())
    }

    /// The node's connection: the open one while it is alive, else a new one
    /// (for `ssh`, a new master).
    ///
    /// # Errors
    /// The node cannot be reached (see [`Remote::connect`]).
    ///
    /// # Cancel safety
    /// Cancel safe: a connection being made when cancelled is dropped, and the
    /// next call makes another.
    pub async fn remote(&self, node: &Node) -> Result<Arc<Remote>, RemoteError> {
        let slot = self.slot(node);
        let mut held = slot.held.lock().await;
        self.live_remote(node, &mut held).await
    }

    async fn live_remote(&self, node: &Node, held: &mut Held) -> Result<Arc<Remote>, RemoteError> {
        if let Some(remote) = &held.remote {
            if remote.check().await.is_ok() {
                return Ok(Arc::clone(remote));
            }
            held.rpc = None;
            if let Some(dead) = held.remote.take() {
                close(dead).await;
            }
        }
        let remote = Arc::new(Remote::connect(node, &self.inner.options).await?);
        self.inner.opened.fetch_add(1, Ordering::Relaxed);
        held.remote = Some(Arc::clone(&remote));
        Ok(remote)
    }

    /// The node's RPC client: for `rpc = "tunnel"` a port forward over the
    /// node's connection, kept open and reused while that connection lives; for
    /// a URL, no connection at all unless a cookie file must be read.
    ///
    /// # Errors
    /// The node cannot be reached, or the forward cannot be set up.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`Pool::remote`].
    pub async fn rpc(&self, node: &Node) -> Result<Arc<RpcClient>, RpcError> {
        let slot = self.slot(node);
        let mut held = slot.held.lock().await;
        let remote = if rpc_goes_through_remote(node) {
            Some(self.live_remote(node, &mut held).await?)
        } else {
            None
        };
        if let Some(rpc) = &held.rpc {
            return Ok(Arc::clone(rpc));
        }
        let rpc = RpcClient::open(node, remote.as_deref(), &self.inner.notices).await?;
        let rpc = Arc::new(rpc);
        held.rpc = Some(Arc::clone(&rpc));
        Ok(rpc)
    }

    /// Opens the node's connection now, unless one is open, when its RPC or
    /// its repo is reached through it (`repo`: whether the caller reads the
    /// repo), so that a caller can keep the wait for a turn to start an SSH
    /// master (a few start at once) out of a deadline meant for the node's
    /// answer. An open connection is not checked here: the calls that use it
    /// check it.
    ///
    /// # Errors
    /// The node cannot be reached (see [`Remote::connect`]).
    ///
    /// # Cancel safety
    /// Cancel safe, as [`Pool::remote`].
    pub(crate) async fn connect_for(&self, node: &Node, repo: bool) -> Result<(), RemoteError> {
        let needed = (repo && node.repo.is_some()) || rpc_goes_through_remote(node);
        if !needed {
            return Ok(());
        }
        let slot = self.slot(node);
        let mut held = slot.held.lock().await;
        if held.remote.is_none() {
            self.live_remote(node, &mut held).await?;
        }
        Ok(())
    }

    /// Forgets the node's RPC client (after it failed), so the next
    /// [`Pool::rpc`] opens a new tunnel.
    pub async fn drop_rpc(&self, node: &Node) {
        self.slot(node).held.lock().await.rpc = None;
    }

    /// Seconds since the node's tip (`height`, `hash`, seen `at`) arrived, as far
    /// as this process saw it: `None` the first time (it may have come any time
    /// before), then the time since the probe that first saw this tip. For a
    /// daemon that tells when a block was scheduled but not when it arrived.
    pub(crate) fn tip_age(
        &self,
        node: &Node,
        (height, hash): (u64, Option<&str>),
        at: SystemTime,
    ) -> Option<u64> {
        let mut tips = self
            .inner
            .tips
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let new = || Tip {
            height,
            hash: hash.map(str::to_owned),
            first_seen: at,
        };
        match tips.get_mut(&node.name) {
            None => {
                tips.insert(node.name.clone(), new());
                None
            }
            Some(tip) if tip.height == height && tip.hash.as_deref() == hash => Some(
                at.duration_since(tip.first_seen)
                    .map_or(0, |age| age.as_secs()),
            ),
            Some(tip) => {
                *tip = new();
                Some(0)
            }
        }
    }

    /// How many connections this pool has opened (reopenings count again).
    pub fn opened(&self) -> usize {
        self.inner.opened.load(Ordering::Relaxed)
    }

    /// Closes every connection, all at once (stops the SSH masters now rather
    /// than at their idle timeout). Streams still running on them end as lost. The pool stays
    /// usable: a later call opens anew.
    pub async fn close(&self) {
        let slots: Vec<Arc<Slot>> = self
            .inner
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, slot)| slot)
            .collect();
        // All at once: one after another, a hundred masters took seconds
        // (each waits for its master's answer) at the end of every command.
        futures_util::future::join_all(slots.into_iter().map(|slot| async move {
            let mut held = slot.held.lock().await;
            held.rpc = None;
            if let Some(remote) = held.remote.take() {
                close(remote).await;
            }
        }))
        .await;
    }
}

/// Closes a connection whoever else still holds it.
async fn close(remote: Arc<Remote>) {
    let _ = remote.close().await;
}
