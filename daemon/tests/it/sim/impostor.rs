//! The impostor of an impostor seed: a host that knows the network file (it is no
//! secret) but holds none of the network's keys, and dials honest nodes claiming
//! to be one of them with the highest session there is. Believed, it would win the
//! collision rule and take the real node's link; the authenticated handshake must
//! refuse it before anything is registered, so the mesh of the honest nodes
//! converges exactly as without it.
//!
//! It speaks the wire protocol honestly except for the lie: it answers the
//! target's challenge with a proof made by its own key, then reads until the
//! target says why it refuses and closes its side, as a well-behaved client would.

use std::net::SocketAddr;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use futures_util::{SinkExt, StreamExt};
use timecoin_shared::wire::{Handshake, NodeId, PROTOCOL_VERSION};
use timed::testing::net::auth::{self, Role};
use timed::testing::net::channel;
use timed::testing::wire::Message;
use turmoil::net::TcpStream;

use super::knobs;
use super::node::P2P_PORT;
use super::plan::Impersonation;

/// Longest an attempt is kept open: beyond the target's handshake timeout and
/// close linger, so the target always ends it first.
const GIVE_UP: Duration = Duration::from_secs(3);

/// What the impostor knows: where to knock, whom to claim, the network's hash.
#[derive(Clone)]
pub(crate) struct ImpostorSpec {
    pub(crate) attempts: Vec<Impersonation>,
    pub(crate) listen: Vec<SocketAddr>,
    pub(crate) ids: Vec<NodeId>,
    pub(crate) network_hash: String,
    pub(crate) seed: u64,
}

/// The host software: each attempt at its time, each on its own task.
pub(crate) async fn software(spec: ImpostorSpec) -> turmoil::Result {
    let start = tokio::time::Instant::now();
    let key = SigningKey::from_bytes(&[0x1d; 32]);
    let mut tasks = Vec::new();
    for (n, attempt) in spec.attempts.iter().enumerate() {
        tokio::time::sleep_until(start + attempt.at).await;
        let lie = Handshake {
            network: knobs::NETWORK.into(),
            protocol_version: PROTOCOL_VERSION,
            node_id: spec.ids[attempt.claims],
            listen_port: P2P_PORT,
            masternode: true,
            best_height: u64::MAX,
            software: "impostor".into(),
            session: u64::MAX - n as u64,
            network_hash: spec.network_hash.clone(),
            nonce: format!("{:064x}", spec.seed ^ n as u64),
        };
        let addr = spec.listen[attempt.target];
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let _ = tokio::time::timeout(GIVE_UP, impersonate(addr, lie, &key)).await;
        }));
    }
    for task in tasks {
        task.await?;
    }
    Ok(())
}

/// One connection: the lie, a proof by the wrong key, then read to the end.
async fn impersonate(addr: SocketAddr, lie: Handshake, key: &SigningKey) {
    // The target may be down right now (a storm): nothing to do then.
    let Ok(stream) = TcpStream::connect(addr).await else {
        return;
    };
    let Ok(mut conn) = channel::connect(stream).await else {
        return;
    };
    if conn.send(&Message::Handshake(lie.clone())).await.is_err() {
        return;
    }
    let mut theirs = None;
    while let Some(Ok(msg)) = conn.next().await {
        match msg {
            Message::Handshake(hs) => theirs = Some(hs),
            Message::Proof { .. } => {
                let Some(acceptor) = &theirs else { return };
                let bound = conn.get_ref().handshake_hash();
                let signature = auth::prove(key, Role::Dialer, &lie, acceptor, bound);
                if conn.send(&Message::Proof { signature }).await.is_err() {
                    return;
                }
            }
            Message::Disconnect { .. } => return,
            _ => {}
        }
    }
}
