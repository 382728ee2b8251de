//! The Noise handshake that opens a channel: two messages, each one length-
//! prefixed record (a big-endian `u16`, then the bytes), capped far below the
//! pre-handshake frame cap. The caller runs it under the handshake timeout.

use snow::{Builder, HandshakeState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::record::Secure;
use crate::constants::{CHANNEL_HANDSHAKE_CAP, NOISE_PATTERN, NOISE_PROLOGUE};
use crate::net::transport::Stream;

/// Why a channel could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error(
        "channel handshake message of {len} bytes, above the {CHANNEL_HANDSHAKE_CAP}-byte limit"
    )]
    TooLarge { len: usize },
    #[error("channel handshake failed: {0}")]
    Noise(#[from] snow::Error),
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

async fn receive<S: Stream>(stream: &mut S, hs: &mut HandshakeState) -> Result<(), ChannelError> {
    let mut head = [0u8; 2];
    stream.read_exact(&mut head).await?;
    let len = usize::from(u16::from_be_bytes(head));
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
