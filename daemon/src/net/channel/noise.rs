//! The Noise handshake that opens a channel: two messages, each one length-
//! prefixed record (a big-endian `u16`, then the bytes), capped far below the
//! pre-handshake frame cap. The caller runs it under the handshake timeout.
//!
//! An acceptor with no handshake slot left answers the opening with a
//! [`refusal`] instead of its half: a zero length (no Noise message is empty),
//! then a plain `Disconnect {too_many_connections}` frame, written by the accept
//! loop with no task and no key exchange. It is not authenticated, and need not
//! be: what a forger achieves with it (the dialer backs off and redials) it
//! achieves by dropping the connection. So no other reason is taken there.

use bytes::{Bytes, BytesMut};
use snow::{Builder, HandshakeState};
use timecoin_shared::wire::DisconnectReason;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::Encoder;

use super::record::Secure;
use crate::constants::{CHANNEL_HANDSHAKE_CAP, NOISE_PATTERN, NOISE_PROLOGUE};
use crate::net::codec::MessageCodec;
use crate::net::transport::Stream;
use crate::wire::Message;

/// Why a channel could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error(
        "channel handshake message of {len} bytes, above the {CHANNEL_HANDSHAKE_CAP}-byte limit"
    )]
    TooLarge { len: usize },
    #[error("channel handshake failed: {0}")]
    Noise(#[from] snow::Error),
    #[error("peer refused the connection: {0}")]
    Refused(DisconnectReason),
    #[error("an answer outside the channel that is not a too_many_connections refusal")]
    BadRefusal,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ChannelError {
    /// Whether the peer reset the connection (the incident's symptom).
    pub(crate) fn is_reset(&self) -> bool {
        matches!(self, ChannelError::Io(e) if e.kind() == std::io::ErrorKind::ConnectionReset)
    }
}

fn builder() -> Result<Builder<'static>, snow::Error> {
    Builder::new(NOISE_PATTERN.parse()?).prologue(NOISE_PROLOGUE)
}

async fn send<S: Stream>(stream: &mut S, hs: &mut HandshakeState) -> Result<(), ChannelError> {
    let mut message = [0u8; CHANNEL_HANDSHAKE_CAP];
    let len = hs.write_message(&[], &mut message)?;
    // Correctness: `len` fits the cap, which fits a u16.
    let head = u16::try_from(len).map_err(|_| ChannelError::TooLarge { len })?;
    stream.write_all(&head.to_be_bytes()).await?;
    stream.write_all(&message[..len]).await?;
    stream.flush().await?;
    Ok(())
}

/// What a refused dialer is sent in place of the acceptor's half of the
/// opening: a zero length, then the `Disconnect {too_many_connections}` frame.
pub(crate) fn refusal() -> Bytes {
    let mut out = BytesMut::from(&[0u8, 0][..]);
    let reason = DisconnectReason::TooManyConnections;
    // Correctness: a Disconnect is a few dozen bytes, far under the frame cap.
    let _ = MessageCodec::default().encode(&Message::Disconnect { reason }, &mut out);
    out.freeze()
}

/// Reads the frame of a [`refusal`] after its zero length.
async fn refused<S: Stream>(stream: &mut S) -> ChannelError {
    let mut head = [0u8; 4];
    if let Err(e) = stream.read_exact(&mut head).await {
        return e.into();
    }
    let len = usize::try_from(u32::from_be_bytes(head)).unwrap_or(usize::MAX);
    if len > CHANNEL_HANDSHAKE_CAP {
        return ChannelError::TooLarge { len };
    }
    let mut frame = [0u8; CHANNEL_HANDSHAKE_CAP];
    if let Err(e) = stream.read_exact(&mut frame[..len]).await {
        return e.into();
    }
    match Message::decode(&frame[..len]) {
        Ok(Message::Disconnect {
            reason: reason @ DisconnectReason::TooManyConnections,
        }) => ChannelError::Refused(reason),
        _ => ChannelError::BadRefusal,
    }
}

async fn receive<S: Stream>(stream: &mut S, hs: &mut HandshakeState) -> Result<(), ChannelError> {
    let mut head = [0u8; 2];
    stream.read_exact(&mut head).await?;
    let len = usize::from(u16::from_be_bytes(head));
    if len == 0 && hs.is_initiator() {
        return Err(refused(stream).await);
    }
    if len > CHANNEL_HANDSHAKE_CAP {
        return Err(ChannelError::TooLarge { len });
    }
    let mut message = [0u8; CHANNEL_HANDSHAKE_CAP];
    stream.read_exact(&mut message[..len]).await?;
    let mut payload = [0u8; CHANNEL_HANDSHAKE_CAP];
    hs.read_message(&message[..len], &mut payload)?;
    Ok(())
}

fn finish<S: Stream>(stream: S, hs: HandshakeState) -> Result<Secure<S>, ChannelError> {
    let hash = hs.get_handshake_hash().to_vec();
    Ok(Secure::new(stream, hs.into_transport_mode()?, hash))
}

/// Opens a channel as the end that connected.
///
/// # Errors
/// I/O, a message over the cap, or one that is not the other half of ours.
pub async fn dial<S: Stream>(mut stream: S) -> Result<Secure<S>, ChannelError> {
    let mut hs = builder()?.build_initiator()?;
    send(&mut stream, &mut hs).await?;
    receive(&mut stream, &mut hs).await?;
    finish(stream, hs)
}

/// Opens a channel as the end that accepted.
///
/// # Errors
/// I/O, a message over the cap, or one that is not a Noise opening.
pub async fn accept<S: Stream>(mut stream: S) -> Result<Secure<S>, ChannelError> {
    let mut hs = builder()?.build_responder()?;
    receive(&mut stream, &mut hs).await?;
    send(&mut stream, &mut hs).await?;
    finish(stream, hs)
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// What our dialer makes of `answer` in place of the acceptor's half.
    async fn answered(answer: &[u8]) -> Result<(), ChannelError> {
        let (ours, mut theirs) = tokio::io::duplex(1 << 16);
        let mut opening = [0u8; 34];
        let stranger = async {
            theirs.read_exact(&mut opening).await.expect("the opening");
            theirs.write_all(answer).await.expect("answer");
            theirs.shutdown().await.expect("shutdown");
        };
        let ((), dialed) = tokio::join!(stranger, dial(ours));
        dialed.map(|_| ())
    }

    #[tokio::test]
    async fn a_refusal_reaches_the_dialer_and_only_too_many_connections_is_one() {
        let refused = answered(&refusal()).await;
        assert!(
            matches!(
                refused,
                Err(ChannelError::Refused(DisconnectReason::TooManyConnections))
            ),
            "{refused:?}"
        );
        // A forged `duplicate` (after which a dialer would not back off).
        let mut forged = vec![0, 0];
        let reason = DisconnectReason::Duplicate;
        let mut frame = BytesMut::new();
        MessageCodec::default()
            .encode(&Message::Disconnect { reason }, &mut frame)
            .expect("encode");
        forged.extend_from_slice(&frame);
        let err = answered(&forged).await;
        assert!(matches!(err, Err(ChannelError::BadRefusal)), "{err:?}");
        // A refusal frame over the cap is not read.
        let err = answered(&[0, 0, 0, 1, 0, 0]).await;
        assert!(
            matches!(err, Err(ChannelError::TooLarge { len: 65536 })),
            "{err:?}"
        );
    }
}
