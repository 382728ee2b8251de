//! The record layer: an open channel as a byte stream, so the length-delimited
//! frame codec runs over the decrypted bytes unchanged.
//!
//! Written bytes collect into one plaintext record of at most
//! [`RECORD_PLAINTEXT`] bytes, sealed when full or on flush (a frame and its
//! length prefix usually travel as one record); on the socket each record is a
//! big-endian `u16` length, then the Noise transport message (ciphertext and a
//! 16-byte tag). Frames up to the 4 MiB frame cap span many records. A record
//! that does not open (injected, replayed, reordered, spliced) is an
//! `InvalidData` error carrying [`Forged`]: the link ends, counted as an
//! authentication failure ([`is_forged`]).
//!
//! Buffers hold at most one record each way and are given back when drained
//! past [`CHANNEL_BUFFER_KEEP`], so an idle link pins no 64 KiB buffers.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BytesMut};
use snow::TransportState;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::constants::{CHANNEL_BUFFER_KEEP, RECORD_PLAINTEXT};

/// Bytes a record adds to its plaintext: the length prefix and the AEAD tag.
const RECORD_OVERHEAD: usize = 2 + 16;

/// Bytes asked of the socket at once.
const READ_CHUNK: usize = 16 * 1024;

/// A stream inside an open channel.
pub struct Secure<S> {
    inner: S,
    transport: TransportState,
    /// The Noise handshake hash: what the identity proofs sign.
    hash: Vec<u8>,
    /// Ciphertext read and not yet opened.
    sealed_in: BytesMut,
    /// Plaintext opened and not yet read.
    plain_in: BytesMut,
    /// Plaintext written and not yet sealed.
    plain_out: Vec<u8>,
    /// Sealed records not yet on the socket, and how much of them is.
    sealed_out: Vec<u8>,
    sent: usize,
}

fn invalid(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

/// A record that no honest sender on this channel made: it failed
/// authentication, so it was injected, replayed, reordered or spliced.
#[derive(Debug, thiserror::Error)]
#[error("a record failed authentication (injected, replayed or reordered)")]
pub(super) struct Forged;

/// Whether a read error is a [`Forged`] record.
pub(crate) fn is_forged(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Forged>())
}

/// Gives a drained buffer's memory back when it grew past the keep size.
fn release(buffer: &mut BytesMut) {
    if buffer.is_empty() && buffer.capacity() > CHANNEL_BUFFER_KEEP {
        *buffer = BytesMut::new();
    }
}

impl<S> Secure<S> {
    pub(super) fn new(inner: S, transport: TransportState, hash: Vec<u8>) -> Self {
        Secure {
            inner,
            transport,
            hash,
            sealed_in: BytesMut::new(),
            plain_in: BytesMut::new(),
            plain_out: Vec::new(),
            sealed_out: Vec::new(),
            sent: 0,
        }
    }

    /// The Noise handshake hash, the same at both ends of this channel and at
    /// no other channel's.
    pub fn handshake_hash(&self) -> &[u8] {
        &self.hash
    }

    /// Opens the first whole record of `sealed_in` into `plain_in`; false when
    /// no whole record is there yet.
    fn open_record(&mut self) -> io::Result<bool> {
        let Some(head) = self.sealed_in.get(..2) else {
            return Ok(false);
        };
        let len = usize::from(u16::from_be_bytes([head[0], head[1]]));
        if len < RECORD_OVERHEAD - 2 {
            // Correctness: no honest sender makes a record shorter than its tag.
            return Err(io::Error::new(io::ErrorKind::InvalidData, Forged));
        }
        let Some(sealed) = self.sealed_in.get(2..2 + len) else {
            return Ok(false);
        };
        self.plain_in.resize(len, 0);
        let opened = self
            .transport
            .read_message(sealed, &mut self.plain_in)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, Forged))?;
        self.plain_in.truncate(opened);
        self.sealed_in.advance(2 + len);
        release(&mut self.sealed_in);
        Ok(true)
    }

    /// Seals `plain_out` into one record in `sealed_out` (which is empty).
    fn seal(&mut self) -> io::Result<()> {
        let len = self.plain_out.len() + RECORD_OVERHEAD - 2;
        let head = u16::try_from(len).map_err(|_| invalid("a record over 64 KiB"))?;
        self.sealed_out.clear();
        self.sealed_out.extend_from_slice(&head.to_be_bytes());
        self.sealed_out.resize(2 + len, 0);
        let written = self
            .transport
            .write_message(&self.plain_out, &mut self.sealed_out[2..])
            .map_err(|_| invalid("a record could not be sealed"))?;
        self.sealed_out.truncate(2 + written);
        self.sent = 0;
        self.plain_out.clear();
        Ok(())
    }
}

impl<S: AsyncWrite + Unpin> Secure<S> {
    /// Writes the sealed records out.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.sealed_out.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.sealed_out[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.sealed_out.clear();
        self.sent = 0;
        if self.sealed_out.capacity() > CHANNEL_BUFFER_KEEP {
            self.sealed_out = Vec::new();
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Secure<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.plain_in.is_empty() {
                let n = this.plain_in.len().min(buf.remaining());
                buf.put_slice(&this.plain_in[..n]);
                this.plain_in.advance(n);
                release(&mut this.plain_in);
                return Poll::Ready(Ok(()));
            }
            if this.open_record()? {
                continue;
            }
            let start = this.sealed_in.len();
            this.sealed_in.resize(start + READ_CHUNK, 0);
            let mut room = ReadBuf::new(&mut this.sealed_in[start..]);
            let polled = Pin::new(&mut this.inner).poll_read(cx, &mut room);
            let read = room.filled().len();
            this.sealed_in.truncate(start + read);
            ready!(polled)?;
            if read == 0 {
                if this.sealed_in.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Secure<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.plain_out.len() >= RECORD_PLAINTEXT {
            ready!(this.poll_drain(cx))?;
            this.seal()?;
        }
        let n = buf.len().min(RECORD_PLAINTEXT - this.plain_out.len());
        this.plain_out.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            ready!(this.poll_drain(cx))?;
            if this.plain_out.is_empty() {
                break;
            }
            this.seal()?;
        }
        if this.plain_out.capacity() > CHANNEL_BUFFER_KEEP {
            this.plain_out = Vec::new();
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush(cx))?;
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    use super::super::{accept, dial};
    use super::*;

    async fn pair() -> (Secure<DuplexStream>, Secure<DuplexStream>) {
        let (a, b) = tokio::io::duplex(1 << 16);
        let (a, b) = tokio::join!(dial(a), accept(b));
        (a.expect("dialer"), b.expect("acceptor"))
    }

    #[tokio::test]
    async fn both_ends_share_a_hash_and_carry_frames_larger_than_a_record() {
        let (mut a, mut b) = pair().await;
        assert_eq!(a.handshake_hash(), b.handshake_hash());
        assert_eq!(a.handshake_hash().len(), 32);
        let big: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
        let writer = async {
            a.write_all(&big).await.expect("write");
            a.flush().await.expect("flush");
            a.shutdown().await.expect("shutdown");
        };
        let mut got = Vec::new();
        let reader = b.read_to_end(&mut got);
        let ((), read) = tokio::join!(writer, reader);
        read.expect("read");
        assert_eq!(got, big);
    }

    #[tokio::test]
    async fn another_session_has_another_hash() {
        let (a, _) = pair().await;
        let (c, _) = pair().await;
        assert_ne!(a.handshake_hash(), c.handshake_hash());
    }

    /// What `from` writes for each of `messages` (one flush each): the records
    /// as they cross the wire, read off it before `to` sees them.
    async fn capture(
        from: &mut Secure<DuplexStream>,
        to: &mut Secure<DuplexStream>,
        messages: &[&[u8]],
    ) -> Vec<Vec<u8>> {
        let mut records = Vec::new();
        for message in messages {
            from.write_all(message).await.expect("write");
            from.flush().await.expect("flush");
            let mut head = [0u8; 2];
            to.inner.read_exact(&mut head).await.expect("head");
            let mut record = head.to_vec();
            record.resize(2 + usize::from(u16::from_be_bytes(head)), 0);
            to.inner.read_exact(&mut record[2..]).await.expect("body");
            records.push(record);
        }
        records
    }

    /// Puts `records` on the wire towards `to`, as if `from` had sent them,
    /// and reads what `to` makes of them.
    async fn deliver(
        from: &mut Secure<DuplexStream>,
        to: &mut Secure<DuplexStream>,
        records: &[&[u8]],
    ) -> io::Result<Vec<u8>> {
        for record in records {
            from.inner.write_all(record).await.expect("raw write");
        }
        from.inner.shutdown().await.expect("raw shutdown");
        let mut got = Vec::new();
        to.read_to_end(&mut got).await.map(|_| got)
    }

    #[tokio::test]
    async fn records_pass_once_in_order_and_unchanged_or_the_stream_ends() {
        let (mut a, mut b) = pair().await;
        let records = capture(&mut a, &mut b, &[b"one", b"two"]).await;
        let got = deliver(&mut a, &mut b, &[&records[0], &records[1]]).await;
        assert_eq!(got.expect("in order"), b"onetwo");

        let (mut a, mut b) = pair().await;
        let records = capture(&mut a, &mut b, &[b"one", b"two"]).await;
        let err = deliver(&mut a, &mut b, &[&records[1], &records[0]]).await;
        assert!(is_forged(&err.expect_err("reordered")), "reordered");

        let (mut a, mut b) = pair().await;
        let records = capture(&mut a, &mut b, &[b"one"]).await;
        let err = deliver(&mut a, &mut b, &[&records[0], &records[0]]).await;
        assert!(is_forged(&err.expect_err("replayed")), "replayed");

        let (mut a, mut b) = pair().await;
        let mut records = capture(&mut a, &mut b, &[b"one"]).await;
        let last = records[0].len() - 1;
        records[0][last] ^= 1;
        let err = deliver(&mut a, &mut b, &[&records[0]]).await;
        assert!(is_forged(&err.expect_err("changed")), "changed");

        // A record from another session (a splice) does not open either.
        let (mut a, mut b) = pair().await;
        let (mut c, mut d) = pair().await;
        let foreign = capture(&mut c, &mut d, &[b"one"]).await;
        let err = deliver(&mut a, &mut b, &[&foreign[0]]).await;
        assert!(is_forged(&err.expect_err("spliced")), "spliced");

        // Cut short: the stream ends mid-record.
        let (mut a, mut b) = pair().await;
        let records = capture(&mut a, &mut b, &[b"one"]).await;
        let err = deliver(&mut a, &mut b, &[&records[0][..5]]).await;
        assert_eq!(err.expect_err("cut").kind(), io::ErrorKind::UnexpectedEof);
    }
}
