//! The handshake, both sides, with proof of identity:
//!
//! 1. The dialer sends its `Handshake` (with a fresh nonce).
//! 2. The acceptor checks network, version and network definition; a valid
//!    handshake always gets its `Ack` first, then the acceptor's own `Handshake`
//!    (its nonce) and its `Proof` (it signs the dialer's nonce, see [`auth`]).
//! 3. The dialer verifies that proof, then sends its own `Proof`.
//! 4. The acceptor verifies the dialer's proof.
//!
//! Only then does either end register the connection, so a peer that cannot
//! prove its `node_id` never displaces, and is never counted as, the real node.
//! A failed proof is answered with `Disconnect {auth_failed}`.
//!
//! It runs inside the connection's channel (`channel.rs`), whose Noise handshake
//! hash both proofs sign: a proof made in one channel verifies in no other.
//! Callers run each handshake in its own task under a timeout, which also
//! covers opening the channel.

use ed25519_dalek::SigningKey;
use futures_util::{SinkExt, StreamExt};
use timecoin_shared::wire::{self, DisconnectReason, Handshake, NodeId};
use tokio_util::codec::Framed;

use super::auth::{self, Role};
use super::channel::ChannelError;
use super::codec::{CodecError, MessageCodec};
use super::transport::Stream;
use crate::wire::Message;

/// A stream framed and coded as messages: what the handshake, the channel's
/// opening and a refusal's goodbye speak over (the link's own type is `Link`).
pub(crate) type Frames<S> = Framed<S, MessageCodec>;

/// Why a handshake did not complete.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HandshakeError {
    #[error("handshake timed out")]
    Timeout(#[from] tokio::time::error::Elapsed),
    #[error("connection closed during handshake")]
    Closed,
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error("peer refused the handshake: {0}")]
    Refused(DisconnectReason),
    #[error("expected {expected}, got {got}")]
    Unexpected {
        expected: &'static str,
        got: &'static str,
    },
    #[error("handshake for network `{0}`")]
    WrongNetwork(String),
    #[error("network definition {theirs} differs from ours ({ours})")]
    NetworkMismatch { theirs: String, ours: String },
    #[error("incompatible protocol version {0}")]
    IncompatibleVersion(u32),
    #[error("connected to ourselves")]
    SelfConnection,
    #[error("acknowledged as {acked} but introduced as {introduced}")]
    IdMismatch { acked: NodeId, introduced: NodeId },
    #[error("peer claiming {0} did not prove it holds that key")]
    AuthFailed(NodeId),
    #[error("node {got} answered where the configuration expects node {expected}")]
    UnexpectedId { expected: NodeId, got: NodeId },
    #[error("no randomness for a handshake nonce: {0}")]
    Random(getrandom::Error),
}

impl HandshakeError {
    /// Whether the error is a reset by the peer (the incident's symptom).
    pub(crate) fn is_reset(&self) -> bool {
        match self {
            HandshakeError::Codec(CodecError::Io(e)) => {
                e.kind() == std::io::ErrorKind::ConnectionReset
            }
            HandshakeError::Channel(e) => e.is_reset(),
            _ => false,
        }
    }

    /// The reason told to a peer whose handshake we refuse for this error, if any.
    fn refusal(&self) -> Option<DisconnectReason> {
        match self {
            HandshakeError::WrongNetwork(_) => Some(DisconnectReason::WrongNetwork),
            HandshakeError::IncompatibleVersion(_) => Some(DisconnectReason::IncompatibleVersion),
            HandshakeError::NetworkMismatch { .. } => Some(DisconnectReason::NetworkMismatch),
            _ => None,
        }
    }
}

/// Whether a handshake from a peer may be accepted by a node whose own handshake
/// is `ours`: same network name, compatible version, same network definition.
///
/// # Errors
/// The first mismatch, which names what differs.
pub(crate) fn validate(theirs: &Handshake, ours: &Handshake) -> Result<(), HandshakeError> {
    if theirs.network != ours.network {
        return Err(HandshakeError::WrongNetwork(theirs.network.clone()));
    }
    if !wire::compatible(theirs.protocol_version) {
        return Err(HandshakeError::IncompatibleVersion(theirs.protocol_version));
    }
    if theirs.network_hash != ours.network_hash {
        return Err(HandshakeError::NetworkMismatch {
            theirs: theirs.network_hash.clone(),
            ours: ours.network_hash.clone(),
        });
    }
    Ok(())
}

async fn next<S: Stream>(conn: &mut Frames<S>) -> Result<Message, HandshakeError> {
    match conn.next().await {
        Some(Ok(msg)) => Ok(msg),
        Some(Err(e)) => Err(e.into()),
        None => Err(HandshakeError::Closed),
    }
}

/// The next frame, which must be a `Proof` (a `Disconnect` is a refusal).
async fn proof<S: Stream>(conn: &mut Frames<S>) -> Result<String, HandshakeError> {
    match next(conn).await? {
        Message::Proof { signature } => Ok(signature),
        Message::Disconnect { reason } => Err(HandshakeError::Refused(reason)),
        other => Err(HandshakeError::Unexpected {
            expected: "proof",
            got: other.kind(),
        }),
    }
}

/// Tells the peer why its proof is refused.
async fn refuse_proof<S: Stream>(conn: &mut Frames<S>, claimed: NodeId) -> HandshakeError {
    let reason = DisconnectReason::AuthFailed;
    if let Err(e) = conn.send(&Message::Disconnect { reason }).await {
        return e.into();
    }
    HandshakeError::AuthFailed(claimed)
}

/// Dialer side: sends `ours`, awaits the Ack, the acceptor's Handshake and its
/// proof, verifies it, checks that it is the node `expected` at this address
/// (when the configuration names one), then proves our own id.
///
/// # Errors
/// `SelfConnection` when the acceptor proves our own id; `AuthFailed` when its
/// proof does not verify, `UnexpectedId` when it proves another id than
/// expected (both after telling it, and before we prove ours); `Refused` when it
/// answers with `Disconnect`; I/O, codec and sequencing errors otherwise.
pub(crate) async fn outbound<S: Stream>(
    conn: &mut Frames<S>,
    ours: Handshake,
    key: &SigningKey,
    channel: &[u8],
    expected: Option<NodeId>,
) -> Result<Handshake, HandshakeError> {
    conn.send(&Message::Handshake(ours.clone())).await?;
    let acked = match next(conn).await? {
        Message::Ack { node_id, .. } => node_id,
        Message::Disconnect { reason } => return Err(HandshakeError::Refused(reason)),
        other => {
            return Err(HandshakeError::Unexpected {
                expected: "ack",
                got: other.kind(),
            });
        }
    };
    let theirs = match next(conn).await? {
        Message::Handshake(theirs) if theirs.node_id == acked => theirs,
        Message::Handshake(theirs) => {
            return Err(HandshakeError::IdMismatch {
                acked,
                introduced: theirs.node_id,
            });
        }
        Message::Disconnect { reason } => return Err(HandshakeError::Refused(reason)),
        other => {
            return Err(HandshakeError::Unexpected {
                expected: "handshake",
                got: other.kind(),
            });
        }
    };
    validate(&theirs, &ours)?;
    let signature = proof(conn).await?;
    if !auth::verify(&signature, Role::Acceptor, &ours, &theirs, channel) {
        return Err(refuse_proof(conn, theirs.node_id).await);
    }
    // Correctness: only a proof made with our own key makes this a self-connection,
    // so a liar claiming our id cannot get one of our peers' addresses struck off.
    if theirs.node_id == ours.node_id {
        return Err(HandshakeError::SelfConnection);
    }
    if let Some(expected) = expected
        && theirs.node_id != expected
    {
        let reason = DisconnectReason::AuthFailed;
        conn.send(&Message::Disconnect { reason }).await?;
        return Err(HandshakeError::UnexpectedId {
            expected,
            got: theirs.node_id,
        });
    }
    let signature = auth::prove(key, Role::Dialer, &ours, &theirs, channel);
    conn.send(&Message::Proof { signature }).await?;
    Ok(theirs)
}

/// Acceptor side: awaits the first frame, validates it, answers with Ack, `ours`
/// and our proof, then verifies the dialer's proof. Refusals are sent as
/// `Disconnect {reason}` before returning the error.
///
/// # Errors
/// `Unexpected` when the first frame is not a Handshake (the caller logs `sent
/// message before handshake`); `WrongNetwork`, `NetworkMismatch`,
/// `IncompatibleVersion`, `SelfConnection` and `AuthFailed` after telling the
/// dialer; I/O and codec errors otherwise.
pub(crate) async fn inbound<S: Stream>(
    conn: &mut Frames<S>,
    ours: Handshake,
    key: &SigningKey,
    channel: &[u8],
) -> Result<Handshake, HandshakeError> {
    let theirs = match next(conn).await? {
        Message::Handshake(hs) => hs,
        other => {
            return Err(HandshakeError::Unexpected {
                expected: "handshake",
                got: other.kind(),
            });
        }
    };
    if let Err(e) = validate(&theirs, &ours) {
        if let Some(reason) = e.refusal() {
            conn.send(&Message::Disconnect { reason }).await?;
        }
        return Err(e);
    }
    let own_id = ours.node_id;
    conn.send(&Message::Ack {
        message_type: "handshake".into(),
        node_id: own_id,
    })
    .await?;
    let signature = auth::prove(key, Role::Acceptor, &theirs, &ours, channel);
    conn.send(&Message::Handshake(ours.clone())).await?;
    conn.send(&Message::Proof { signature }).await?;
    if theirs.node_id == own_id {
        conn.send(&Message::Disconnect {
            reason: DisconnectReason::SelfConnection,
        })
        .await?;
        return Err(HandshakeError::SelfConnection);
    }
    let signature = proof(conn).await?;
    if !auth::verify(&signature, Role::Dialer, &theirs, &ours, channel) {
        return Err(refuse_proof(conn, theirs.node_id).await);
    }
    Ok(theirs)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The channel both ends share in these tests.
    const CHANNEL: &[u8] = &[7; 32];

    /// A test key; leaked so it outlives the joined futures that borrow it.
    fn key(id: u8) -> &'static SigningKey {
        Box::leak(Box::new(SigningKey::from_bytes(&[id; 32])))
    }

    fn hello(id: u8, network: &str) -> Handshake {
        Handshake {
            network: network.into(),
            protocol_version: wire::PROTOCOL_VERSION,
            node_id: NodeId(key(id).verifying_key().to_bytes()),
            listen_port: 1,
            masternode: true,
            best_height: 0,
            software: "test".into(),
            session: 1,
            network_hash: "ab".repeat(32),
            nonce: auth::fresh_nonce().expect("randomness"),
        }
    }

    fn pair() -> (
        Frames<tokio::io::DuplexStream>,
        Frames<tokio::io::DuplexStream>,
    ) {
        let (a, b) = tokio::io::duplex(1 << 16);
        (
            Framed::new(a, MessageCodec::default()),
            Framed::new(b, MessageCodec::default()),
        )
    }

    #[tokio::test]
    async fn both_sides_learn_and_prove_each_other() {
        let (mut dialer, mut acceptor) = pair();
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, hello(1, "net"), key(1), CHANNEL, None),
            inbound(&mut acceptor, hello(2, "net"), key(2), CHANNEL)
        );
        assert_eq!(out.expect("dialer").node_id, hello(2, "net").node_id);
        assert_eq!(inn.expect("acceptor").node_id, hello(1, "net").node_id);
    }

    #[tokio::test]
    async fn wrong_network_is_refused_with_a_reason() {
        let (mut dialer, mut acceptor) = pair();
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, hello(1, "other"), key(1), CHANNEL, None),
            inbound(&mut acceptor, hello(2, "net"), key(2), CHANNEL)
        );
        assert!(matches!(inn, Err(HandshakeError::WrongNetwork(n)) if n == "other"));
        assert!(matches!(
            out,
            Err(HandshakeError::Refused(DisconnectReason::WrongNetwork))
        ));
    }

    #[tokio::test]
    async fn another_network_definition_is_refused_naming_it() {
        let (mut dialer, mut acceptor) = pair();
        let mut other = hello(1, "net");
        other.network_hash = "cd".repeat(32);
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, other, key(1), CHANNEL, None),
            inbound(&mut acceptor, hello(2, "net"), key(2), CHANNEL)
        );
        assert!(matches!(inn, Err(HandshakeError::NetworkMismatch { .. })));
        assert!(matches!(
            out,
            Err(HandshakeError::Refused(DisconnectReason::NetworkMismatch))
        ));
    }

    #[tokio::test]
    async fn incompatible_version_is_refused() {
        let (mut dialer, mut acceptor) = pair();
        let mut old = hello(1, "net");
        old.protocol_version = wire::PROTOCOL_VERSION + 1;
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, old, key(1), CHANNEL, None),
            inbound(&mut acceptor, hello(2, "net"), key(2), CHANNEL)
        );
        assert!(matches!(inn, Err(HandshakeError::IncompatibleVersion(_))));
        assert!(matches!(
            out,
            Err(HandshakeError::Refused(
                DisconnectReason::IncompatibleVersion
            ))
        ));
    }

    #[tokio::test]
    async fn self_connection_is_detected_on_both_sides_after_the_ack() {
        let (mut dialer, mut acceptor) = pair();
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, hello(1, "net"), key(1), CHANNEL, None),
            inbound(&mut acceptor, hello(1, "net"), key(1), CHANNEL)
        );
        assert!(matches!(out, Err(HandshakeError::SelfConnection)));
        assert!(matches!(inn, Err(HandshakeError::SelfConnection)));
    }

    #[tokio::test]
    async fn a_dialer_claiming_another_id_is_refused_after_its_ack() {
        let (mut dialer, mut acceptor) = pair();
        // Key 3 claims to be node 1.
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, hello(1, "net"), key(3), CHANNEL, None),
            inbound(&mut acceptor, hello(2, "net"), key(2), CHANNEL)
        );
        assert!(
            matches!(inn, Err(HandshakeError::AuthFailed(id)) if id == hello(1, "net").node_id)
        );
        // The liar completed its side; its next read is the refusal.
        assert!(out.is_ok());
        let said = dialer.next().await.expect("frame").expect("decodes");
        assert_eq!(
            said,
            Message::Disconnect {
                reason: DisconnectReason::AuthFailed
            }
        );
    }

    #[tokio::test]
    async fn an_acceptor_claiming_our_id_is_no_self_connection() {
        let (mut dialer, mut acceptor) = pair();
        // Key 3 answers as node 1, the dialer itself: a forged proof, not a self-link.
        let (out, _inn) = tokio::join!(
            outbound(&mut dialer, hello(1, "net"), key(1), CHANNEL, None),
            inbound(&mut acceptor, hello(1, "net"), key(3), CHANNEL)
        );
        assert!(matches!(out, Err(HandshakeError::AuthFailed(_))), "{out:?}");
    }

    /// What a relay that opened one channel to each end gets: two hashes, so
    /// the first proof to arrive fails, at the dialer.
    #[tokio::test]
    async fn proofs_made_in_another_channel_fail_at_both_ends() {
        let (mut dialer, mut acceptor) = pair();
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, hello(1, "net"), key(1), &[1; 32], None),
            inbound(&mut acceptor, hello(2, "net"), key(2), &[2; 32])
        );
        assert!(matches!(out, Err(HandshakeError::AuthFailed(_))), "{out:?}");
        assert!(
            matches!(
                inn,
                Err(HandshakeError::Refused(DisconnectReason::AuthFailed))
            ),
            "{inn:?}"
        );
    }

    #[tokio::test]
    async fn another_node_than_the_one_configured_is_refused_before_we_prove() {
        let (mut dialer, mut acceptor) = pair();
        let (out, inn) = tokio::join!(
            outbound(
                &mut dialer,
                hello(1, "net"),
                key(1),
                CHANNEL,
                Some(NodeId([9; 32]))
            ),
            inbound(&mut acceptor, hello(2, "net"), key(2), CHANNEL)
        );
        assert!(
            matches!(out, Err(HandshakeError::UnexpectedId { got, .. }) if got == hello(2, "net").node_id),
            "{out:?}"
        );
        assert!(
            matches!(
                inn,
                Err(HandshakeError::Refused(DisconnectReason::AuthFailed))
            ),
            "{inn:?}"
        );
        let (mut dialer, mut acceptor) = pair();
        let expected = Some(hello(2, "net").node_id);
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, hello(1, "net"), key(1), CHANNEL, expected),
            inbound(&mut acceptor, hello(2, "net"), key(2), CHANNEL)
        );
        assert!(out.is_ok() && inn.is_ok(), "{out:?} {inn:?}");
    }

    #[tokio::test]
    async fn first_frame_must_be_a_handshake() {
        let (mut dialer, mut acceptor) = pair();
        dialer
            .send(&Message::Ping { nonce: 1 })
            .await
            .expect("send");
        let err = inbound(&mut acceptor, hello(2, "net"), key(2), CHANNEL)
            .await
            .expect_err("refused");
        assert!(
            matches!(err, HandshakeError::Unexpected { got: "ping", .. }),
            "{err}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_dialer_times_out() {
        let (_silent, mut acceptor) = pair();
        let timeout = Duration::from_secs(5);
        let started = tokio::time::Instant::now();
        let res = tokio::time::timeout(
            timeout,
            inbound(&mut acceptor, hello(2, "net"), key(2), CHANNEL),
        )
        .await;
        assert!(res.is_err(), "must time out");
        assert_eq!(started.elapsed(), timeout);
    }
}
