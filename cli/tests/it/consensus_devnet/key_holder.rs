//! A client holding one masternode's key, as an attacker who stole it would:
//! it links to a node under an outsider id of its own (a vote counts by its
//! signature, whoever relays it) and sends two prevotes signed with the
//! masternode's key for different blocks at one height and round.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use timecoin_consensus::ValidatorId;
use timecoin_shared::wire::{Handshake, PROTOCOL_VERSION};
use timed::Identity;
use timed::testing::Definition;
use timed::testing::net::auth::{self, Role};
use timed::testing::net::channel;
use timed::testing::wire::{Message, conflicting_prevotes};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// Longest wait for each step of the handshake.
const STEP_WITHIN: Duration = Duration::from_secs(10);

/// A live link to the node the votes went to; dropping it closes the link.
pub(super) struct Sent {
    /// The masternode whose key signed, as the daemon's contract line names it.
    pub(super) offender: String,
    reader: JoinHandle<()>,
}

impl Drop for Sent {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Signs two conflicting prevotes with the key in `data_dir` for each of
/// `heights` (round 0) and sends them to the node at `p2p` of the network
/// defined in `network_file`.
///
/// # Panics
/// A file cannot be read or the node refuses the link.
pub(super) async fn equivocate(
    network_file: &Path,
    data_dir: &Path,
    p2p: SocketAddr,
    heights: std::ops::RangeInclusive<u64>,
) -> Sent {
    let definition = Definition::load(network_file).expect("network file");
    let key = Identity::load_or_create(data_dir).expect("the masternode's key");
    let stranger = Identity::generate().expect("a key of our own");

    let stream = TcpStream::connect(p2p).await.expect("dial the node");
    let mut conn = channel::connect(stream).await.expect("channel");
    let ours = Handshake {
        network: definition.name.clone(),
        protocol_version: PROTOCOL_VERSION,
        node_id: stranger.node_id(),
        listen_port: 1,
        masternode: false,
        best_height: 0,
        software: "key-holder/1".into(),
        session: fastrand::u64(1..u64::MAX / 2),
        network_hash: definition.hash_hex(),
        nonce: auth::fresh_nonce().expect("randomness"),
    };
    conn.send(&Message::Handshake(ours.clone()))
        .await
        .expect("send handshake");
    let mut theirs = None;
    loop {
        let next = tokio::time::timeout(STEP_WITHIN, conn.next()).await;
        match next {
            Ok(Some(Ok(Message::Handshake(hs)))) => theirs = Some(hs),
            Ok(Some(Ok(Message::Proof { .. }))) => break,
            Ok(Some(Ok(Message::Ack { .. }))) => {}
            other => panic!("the node did not take the handshake: {other:?}"),
        }
    }
    let acceptor = theirs.expect("the node's handshake before its proof");
    let bound = conn.get_ref().handshake_hash();
    let signature = auth::prove(
        stranger.signing_key(),
        Role::Dialer,
        &ours,
        &acceptor,
        bound,
    );
    conn.send(&Message::Proof { signature })
        .await
        .expect("send proof");

    for height in heights {
        for vote in conflicting_prevotes(&key, &definition, height).expect("masternodes") {
            conn.send(&vote).await.expect("send vote");
        }
    }
    // Keep reading, so the node's frames never back up while the test goes on.
    let reader = tokio::spawn(async move { while let Some(Ok(_)) = conn.next().await {} });
    Sent {
        offender: ValidatorId(key.node_id().0).to_string(),
        reader,
    }
}
