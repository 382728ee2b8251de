//! Framing: a big-endian `u32` length, then one JSON [`Message`]. Wraps tokio-util's
//! `LengthDelimitedCodec`, whose cap is checked on the length prefix before any
//! buffer is reserved, so an oversize frame is refused without being allocated.
//!
//! The cap starts at [`PRE_HANDSHAKE_FRAME_CAP`] and is raised to [`FRAME_CAP`]
//! once the handshake is done ([`MessageCodec::raise_cap`]).

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};

use crate::constants::{FRAME_CAP, PRE_HANDSHAKE_FRAME_CAP};
use crate::wire::Message;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("frame larger than the {cap}-byte limit")]
    TooLarge { cap: usize },
    #[error("invalid message: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Io(std::io::Error),
}

impl From<std::io::Error> for CodecError {
    fn from(e: std::io::Error) -> Self {
        CodecError::Io(e)
    }
}

/// Length-delimited JSON messages with a size cap.
#[derive(Debug)]
pub struct MessageCodec {
    frames: LengthDelimitedCodec,
    /// Length of the last frame decoded: what its message costs in memory, near
    /// enough, for the inbound budget.
    last_len: usize,
}

impl Default for MessageCodec {
    fn default() -> Self {
        Self::with_cap(PRE_HANDSHAKE_FRAME_CAP)
    }
}

impl MessageCodec {
    /// A codec refusing frames above `cap` bytes.
    pub fn with_cap(cap: usize) -> Self {
        let frames = LengthDelimitedCodec::builder()
            .big_endian()
            .length_field_type::<u32>()
            .max_frame_length(cap)
            .new_codec();
        MessageCodec {
            frames,
            last_len: 0,
        }
    }

    /// Length of the body of the last frame decoded.
    pub fn last_frame_len(&self) -> usize {
        self.last_len
    }

    /// Raises the cap for a handshaken peer.
    pub fn raise_cap(&mut self) {
        self.frames.set_max_frame_length(FRAME_CAP);
    }

    fn cap(&self) -> usize {
        self.frames.max_frame_length()
    }

    fn map_io(&self, e: std::io::Error) -> CodecError {
        let too_large = e
            .get_ref()
            .is_some_and(|inner| inner.is::<tokio_util::codec::LengthDelimitedCodecError>());
        if too_large {
            CodecError::TooLarge { cap: self.cap() }
        } else {
            CodecError::Io(e)
        }
    }
}

/// Encodes `msg` as a frame body for a handshaken peer: encoded once, it can be
/// queued for many peers and written with [`write_frame`].
///
/// # Errors
/// The message does not serialize, or is larger than [`FRAME_CAP`].
pub(crate) fn encode_payload(msg: &Message) -> Result<Bytes, CodecError> {
    let json = serde_json::to_vec(msg)?;
    if json.len() > FRAME_CAP {
        return Err(CodecError::TooLarge { cap: FRAME_CAP });
    }
    Ok(Bytes::from(json))
}

/// Writes one frame (length prefix, then `payload`) straight to `stream`, with
/// no copy into a write buffer that would keep the largest frame's capacity.
///
/// # Errors
/// The write fails.
pub(crate) async fn write_frame<W: AsyncWrite + Unpin>(
    stream: &mut W,
    payload: &[u8],
) -> Result<(), CodecError> {
    let len = u32::try_from(payload.len()).map_err(|_| CodecError::TooLarge { cap: FRAME_CAP })?;
    let head = len.to_be_bytes();
    let mut frame = (&head[..]).chain(payload);
    stream.write_all_buf(&mut frame).await?;
    stream.flush().await?;
    Ok(())
}

impl Decoder for MessageCodec {
    type Item = Message;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Message>, CodecError> {
        match self.frames.decode(src) {
            Ok(Some(frame)) => {
                self.last_len = frame.len();
                Ok(Some(Message::decode(&frame)?))
            }
            // An incomplete frame: read more.
            Ok(None) => Ok(None),
            Err(e) => Err(self.map_io(e)),
        }
    }
}

impl Encoder<&Message> for MessageCodec {
    type Error = CodecError;

    fn encode(&mut self, msg: &Message, dst: &mut BytesMut) -> Result<(), CodecError> {
        let json = serde_json::to_vec(msg)?;
        let cap = self.cap();
        if json.len() > cap {
            return Err(CodecError::TooLarge { cap });
        }
        self.frames
            .encode(Bytes::from(json), dst)
            .map_err(|e| self.map_io(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(msg: &Message) -> BytesMut {
        let mut buf = BytesMut::new();
        MessageCodec::default()
            .encode(msg, &mut buf)
            .expect("encode");
        buf
    }

    #[test]
    fn round_trip_with_big_endian_length() {
        let ping = Message::Ping { nonce: 7 };
        let mut buf = frame(&ping);
        let json = br#"{"type":"ping","nonce":7}"#;
        assert_eq!(&buf[..4], &(json.len() as u32).to_be_bytes());
        assert_eq!(&buf[4..], json);
        let got = MessageCodec::default().decode(&mut buf).expect("decode");
        assert_eq!(got, Some(ping));
        assert!(buf.is_empty());
    }

    #[test]
    fn incomplete_frame_means_read_more() {
        let whole = frame(&Message::Pong { nonce: 1 });
        let mut codec = MessageCodec::default();
        let mut buf = BytesMut::new();
        for (i, byte) in whole.iter().enumerate() {
            buf.extend_from_slice(&[*byte]);
            let got = codec.decode(&mut buf).expect("no error on a partial frame");
            assert_eq!(got.is_some(), i == whole.len() - 1, "byte {i}");
        }
    }

    #[test]
    fn oversize_length_is_rejected_without_allocating() {
        let mut buf = BytesMut::from(&u32::MAX.to_be_bytes()[..]);
        let before = buf.capacity();
        let err = MessageCodec::default()
            .decode(&mut buf)
            .expect_err("oversize");
        assert!(
            matches!(
                err,
                CodecError::TooLarge {
                    cap: PRE_HANDSHAKE_FRAME_CAP
                }
            ),
            "{err}"
        );
        assert_eq!(
            buf.capacity(),
            before,
            "nothing reserved for the claimed length"
        );
    }

    #[test]
    fn cap_rises_after_handshake() {
        let big = u32::try_from(PRE_HANDSHAKE_FRAME_CAP * 2).expect("fits");
        let mut head = BytesMut::from(&big.to_be_bytes()[..]);
        let mut codec = MessageCodec::default();
        assert!(codec.decode(&mut head.clone()).is_err());
        codec.raise_cap();
        assert_eq!(
            codec.decode(&mut head).expect("within the raised cap"),
            None
        );
    }

    #[test]
    fn oversize_outgoing_message_is_refused_and_nothing_is_written() {
        let proof = Message::Proof {
            signature: "x".repeat(PRE_HANDSHAKE_FRAME_CAP),
        };
        let mut buf = BytesMut::new();
        let err = MessageCodec::default()
            .encode(&proof, &mut buf)
            .expect_err("oversize");
        assert!(matches!(err, CodecError::TooLarge { .. }), "{err}");
        assert!(buf.is_empty());
    }

    #[test]
    fn invalid_json_is_an_error_not_a_panic() {
        let mut buf = BytesMut::from(&3u32.to_be_bytes()[..]);
        buf.extend_from_slice(b"{x]");
        let err = MessageCodec::default()
            .decode(&mut buf)
            .expect_err("bad json");
        assert!(matches!(err, CodecError::Json(_)), "{err}");
    }
}
