//! The handshake state machine against a peer that sends any bytes: the input's
//! first byte chooses our end (acceptor or dialer), the rest is everything the
//! peer sends before it closes its side. Our handshake, nonce and key are fixed,
//! so a peer's proof can be committed in the corpus and the fuzzer mutates from
//! a transcript that gets all the way through.
//!
//! A handshake that succeeds must have met every rule: the peer's handshake is
//! valid for ours and its id is not ours.

use std::cell::RefCell;

use ed25519_dalek::SigningKey;
use timecoin_shared::wire::{self, Handshake, NodeId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::Runtime;
use tokio_util::codec::{Encoder, Framed};

use crate::net::auth::{self, Role};
use crate::net::codec::MessageCodec;
use crate::net::handshake::{HandshakeError, inbound, outbound, validate};
use crate::wire::Message;

/// Bytes the in-memory link buffers each way: more than a handshake's replies,
/// so our end never waits on a peer that is still writing.
const LINK_BUFFER: usize = 256 * 1024;
/// Our key's seed; fixed, so the corpus can hold a peer's valid proof.
const OUR_KEY: [u8; 32] = [1; 32];
/// The honest peer's key in the seeds.
const PEER_KEY: [u8; 32] = [2; 32];
/// The channel hash both ends sign: the Hello exchange is fuzzed on its own,
/// the channel under it by the `channel` target.
const CHANNEL: &[u8] = &[5; 32];

thread_local! {
    /// One runtime per fuzzing thread: building one per input would dominate.
    static RUNTIME: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

/// Runs one handshake with our end chosen by `data[0]`, the peer sending the rest.
///
/// # Panics
/// When a handshake succeeds against a peer that broke a rule: a finding.
pub fn handshake(data: &[u8]) {
    let Some((&side, peer)) = data.split_first() else {
        return;
    };
    let accept = side & 1 == 0;
    let outcome = RUNTIME.with(|cell| {
        let mut cell = cell.borrow_mut();
        let runtime = cell.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a current-thread runtime")
        });
        runtime.block_on(run(accept, peer))
    });
    if let Ok(theirs) = outcome {
        let ours = ours();
        assert!(
            validate(&theirs, &ours).is_ok(),
            "an accepted peer is valid"
        );
        assert_ne!(theirs.node_id, ours.node_id, "no link to ourselves");
    }
}

async fn run(accept: bool, peer: &[u8]) -> Result<Handshake, HandshakeError> {
    let (ours_io, theirs_io) = tokio::io::duplex(LINK_BUFFER);
    let (mut their_reads, mut their_writes) = tokio::io::split(theirs_io);
    let send = async {
        // The link may close first (our end refused): what was not sent is moot.
        let _ = their_writes.write_all(peer).await;
        let _ = their_writes.shutdown().await;
    };
    let drain = async {
        let mut sink = Vec::new();
        let _ = their_reads.read_to_end(&mut sink).await;
    };
    let ours_end = async move {
        let mut conn = Framed::new(ours_io, MessageCodec::default());
        let key = SigningKey::from_bytes(&OUR_KEY);
        if accept {
            inbound(&mut conn, ours(), &key, CHANNEL).await
        } else {
            outbound(&mut conn, ours(), &key, CHANNEL, None).await
        }
        // `conn` drops here, closing our side, so `drain` ends.
    };
    let ((), (), outcome) = tokio::join!(send, drain, ours_end);
    outcome
}

/// Our handshake: fixed, so proofs over it can be precomputed.
pub(super) fn ours() -> Handshake {
    hello(&SigningKey::from_bytes(&OUR_KEY), 7, "11".repeat(32))
}

fn hello(key: &SigningKey, session: u64, nonce: String) -> Handshake {
    Handshake {
        network: "fuzz".into(),
        protocol_version: wire::PROTOCOL_VERSION,
        node_id: NodeId(key.verifying_key().to_bytes()),
        listen_port: 24100,
        masternode: true,
        best_height: 0,
        software: "timed/fuzz".into(),
        session,
        network_hash: "ab".repeat(32),
        nonce,
    }
}

/// Frames `messages` as the peer sends them.
fn frames(messages: &[Message]) -> Vec<u8> {
    let mut codec = MessageCodec::default();
    let mut out = bytes::BytesMut::new();
    for message in messages {
        codec.encode(message, &mut out).expect("seed encodes");
    }
    out.to_vec()
}

/// An honest peer's whole side of the handshake, for each of our ends, and a
/// few refusals.
pub fn handshake_seeds() -> Vec<Vec<u8>> {
    let key = SigningKey::from_bytes(&PEER_KEY);
    let ours = ours();
    // We accept: the peer dials, then proves itself over both handshakes.
    let dialer = hello(&key, 3, "22".repeat(32));
    let dialer_proof = auth::prove(&key, Role::Dialer, &dialer, &ours, CHANNEL);
    let as_acceptor = frames(&[
        Message::Handshake(dialer.clone()),
        Message::Proof {
            signature: dialer_proof,
        },
    ]);
    // We dial: the peer acks, introduces itself and proves itself.
    let acceptor = hello(&key, 0, "33".repeat(32));
    let acceptor_proof = auth::prove(&key, Role::Acceptor, &ours, &acceptor, CHANNEL);
    let as_dialer = frames(&[
        Message::Ack {
            message_type: "handshake".into(),
            node_id: acceptor.node_id,
        },
        Message::Handshake(acceptor.clone()),
        Message::Proof {
            signature: acceptor_proof,
        },
    ]);
    let wrong_network = Handshake {
        network: "other".into(),
        ..dialer
    };
    let refused = frames(&[Message::Disconnect {
        reason: wire::DisconnectReason::NetworkMismatch,
    }]);
    [
        (0, as_acceptor),
        (1, as_dialer),
        (0, frames(&[Message::Handshake(wrong_network)])),
        (1, refused),
        (0, frames(&[Message::Ping { nonce: 1 }])),
    ]
    .into_iter()
    .map(|(side, peer)| {
        let mut seed = vec![side];
        seed.extend_from_slice(&peer);
        seed
    })
    .collect()
}
