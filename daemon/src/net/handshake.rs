//! The handshake, both sides. The dialer sends its `Handshake` and awaits the `Ack`
//! (and then the acceptor's own `Handshake`, so it learns the same facts about the
//! acceptor: masternode, height, software). The acceptor validates the first frame,
//! and a valid handshake always gets its `Ack` before any rejection.
//!
//! Callers run each handshake in its own task under a timeout.

use futures_util::{SinkExt, StreamExt};
use timecoin_shared::wire::{self, DisconnectReason, Handshake, Message, NodeId};
use tokio_util::codec::Framed;

use super::codec::{CodecError, MessageCodec};
use super::transport::Stream;

/// A framed connection.
pub type Conn<S> = Framed<S, MessageCodec>;

/// Why a handshake did not complete.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error("handshake timed out")]
    Timeout(#[from] tokio::time::error::Elapsed),
    #[error("connection closed during handshake")]
    Closed,
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
    #[error("incompatible protocol version {0}")]
    IncompatibleVersion(u32),
    #[error("connected to ourselves")]
    SelfConnection,
    #[error("acknowledged as {acked} but introduced as {introduced}")]
    IdMismatch { acked: NodeId, introduced: NodeId },
}

impl HandshakeError {
    /// Whether the error is a reset by the peer (the incident's symptom).
    pub fn is_reset(&self) -> bool {
        matches!(self, HandshakeError::Codec(CodecError::Io(e))
            if e.kind() == std::io::ErrorKind::ConnectionReset)
    }
}

/// Whether a handshake from a peer may be accepted on `network`; the reason to send
/// in `Disconnect` otherwise.
pub fn validate(theirs: &Handshake, network: &str) -> Result<(), HandshakeError> {
    if theirs.network != network {
        return Err(HandshakeError::WrongNetwork(theirs.network.clone()));
    }
    if !wire::compatible(theirs.protocol_version) {
        return Err(HandshakeError::IncompatibleVersion(theirs.protocol_version));
    }
    Ok(())
}

async fn next<S: Stream>(conn: &mut Conn<S>) -> Result<Message, HandshakeError> {
    match conn.next().await {
        Some(Ok(msg)) => Ok(msg),
        Some(Err(e)) => Err(e.into()),
        None => Err(HandshakeError::Closed),
    }
}

/// Dialer side: sends `ours`, awaits the Ack and the acceptor's Handshake.
///
/// # Errors
/// `SelfConnection` when the Ack carries our own id; `Refused` when the acceptor
/// answers with `Disconnect`; I/O, codec and sequencing errors otherwise.
pub async fn outbound<S: Stream>(
    conn: &mut Conn<S>,
    ours: Handshake,
) -> Result<Handshake, HandshakeError> {
    let own_id = ours.node_id;
    conn.send(&Message::Handshake(ours)).await?;
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
    if acked == own_id {
        return Err(HandshakeError::SelfConnection);
    }
    match next(conn).await? {
        Message::Handshake(theirs) if theirs.node_id == acked => Ok(theirs),
        Message::Handshake(theirs) => Err(HandshakeError::IdMismatch {
            acked,
            introduced: theirs.node_id,
        }),
        Message::Disconnect { reason } => Err(HandshakeError::Refused(reason)),
        other => Err(HandshakeError::Unexpected {
            expected: "handshake",
            got: other.kind(),
        }),
    }
}

/// Acceptor side: awaits the first frame, validates it, and answers with Ack then
/// `ours`. Refusals are sent as `Disconnect {reason}` before returning the error.
///
/// # Errors
/// `Unexpected` when the first frame is not a Handshake (the caller logs `sent
/// message before handshake`); `WrongNetwork`, `IncompatibleVersion` and
/// `SelfConnection` after telling the dialer; I/O and codec errors otherwise.
pub async fn inbound<S: Stream>(
    conn: &mut Conn<S>,
    ours: Handshake,
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
    if let Err(e) = validate(&theirs, &ours.network) {
        let reason = match e {
            HandshakeError::WrongNetwork(_) => DisconnectReason::WrongNetwork,
            _ => DisconnectReason::IncompatibleVersion,
        };
        conn.send(&Message::Disconnect { reason }).await?;
        return Err(e);
    }
    let own_id = ours.node_id;
    conn.send(&Message::Ack {
        message_type: "handshake".into(),
        node_id: own_id,
    })
    .await?;
    if theirs.node_id == own_id {
        conn.send(&Message::Disconnect {
            reason: DisconnectReason::SelfConnection,
        })
        .await?;
        return Err(HandshakeError::SelfConnection);
    }
    conn.send(&Message::Handshake(ours)).await?;
    Ok(theirs)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn hello(id: u8, network: &str) -> Handshake {
        Handshake {
            network: network.into(),
            protocol_version: wire::PROTOCOL_VERSION,
            node_id: NodeId([id; 32]),
            listen_port: 1,
            masternode: true,
            best_height: 0,
            software: "test".into(),
            session: 1,
        }
    }

    fn pair() -> (Conn<tokio::io::DuplexStream>, Conn<tokio::io::DuplexStream>) {
        let (a, b) = tokio::io::duplex(1 << 16);
        (
            Framed::new(a, MessageCodec::default()),
            Framed::new(b, MessageCodec::default()),
        )
    }

    #[tokio::test]
    async fn both_sides_learn_each_other() {
        let (mut dialer, mut acceptor) = pair();
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, hello(1, "net")),
            inbound(&mut acceptor, hello(2, "net"))
        );
        assert_eq!(out.expect("dialer").node_id, NodeId([2; 32]));
        assert_eq!(inn.expect("acceptor").node_id, NodeId([1; 32]));
    }

    #[tokio::test]
    async fn wrong_network_is_refused_with_a_reason() {
        let (mut dialer, mut acceptor) = pair();
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, hello(1, "other")),
            inbound(&mut acceptor, hello(2, "net"))
        );
        assert!(matches!(inn, Err(HandshakeError::WrongNetwork(n)) if n == "other"));
        assert!(matches!(
            out,
            Err(HandshakeError::Refused(DisconnectReason::WrongNetwork))
        ));
    }

    #[tokio::test]
    async fn incompatible_version_is_refused() {
        let (mut dialer, mut acceptor) = pair();
        let mut old = hello(1, "net");
        old.protocol_version = wire::PROTOCOL_VERSION + 1;
        let (out, inn) = tokio::join!(
            outbound(&mut dialer, old),
            inbound(&mut acceptor, hello(2, "net"))
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
            outbound(&mut dialer, hello(1, "net")),
            inbound(&mut acceptor, hello(1, "net"))
        );
        assert!(matches!(out, Err(HandshakeError::SelfConnection)));
        assert!(matches!(inn, Err(HandshakeError::SelfConnection)));
    }

    #[tokio::test]
    async fn first_frame_must_be_a_handshake() {
        let (mut dialer, mut acceptor) = pair();
        dialer
            .send(&Message::Ping { nonce: 1 })
            .await
            .expect("send");
        let err = inbound(&mut acceptor, hello(2, "net"))
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
        let res = tokio::time::timeout(timeout, inbound(&mut acceptor, hello(2, "net"))).await;
        assert!(res.is_err(), "must time out");
        assert_eq!(started.elapsed(), timeout);
    }
}
