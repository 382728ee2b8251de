//! The net layer's listener and dialer over turmoil's simulated TCP, with every
//! open stream recorded in a [`StreamBook`].
//!
//! The book is how the invariant sees sockets rather than maps: a link the
//! connection manager dropped from its table but whose socket a task still
//! holds shows up as an open stream with no link, and fails the check. A stream
//! leaves the book when it is dropped, which is also when turmoil closes it.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use timed::testing::net::{Dialer, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use turmoil::net::{TcpListener, TcpStream};

/// The streams one node's process holds open, as `(local, remote)`.
#[derive(Clone, Default)]
pub(crate) struct StreamBook {
    open: Arc<Mutex<BTreeMap<u64, (SocketAddr, SocketAddr)>>>,
    next: Arc<AtomicU64>,
}

impl StreamBook {
    /// Every stream open right now.
    pub(crate) fn open_streams(&self) -> Vec<(SocketAddr, SocketAddr)> {
        lock(&self.open).values().copied().collect()
    }

    fn track(&self, stream: TcpStream) -> io::Result<Tracked> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let ends = (stream.local_addr()?, stream.peer_addr()?);
        lock(&self.open).insert(id, ends);
        Ok(Tracked {
            stream,
            id,
            book: self.clone(),
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere in the test already fails it; the map itself is intact.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A simulated stream that leaves its [`StreamBook`] when dropped.
pub(crate) struct Tracked {
    stream: TcpStream,
    id: u64,
    book: StreamBook,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        lock(&self.book.open).remove(&self.id);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A bound simulated listener whose accepted streams go into the node's book.
pub(crate) struct SimListener {
    pub(crate) listener: TcpListener,
    pub(crate) book: StreamBook,
}

impl Listener for SimListener {
    type Stream = Tracked;

    async fn accept(&mut self) -> io::Result<(Tracked, SocketAddr)> {
        let (stream, addr) = self.listener.accept().await?;
        Ok((self.book.track(stream)?, addr))
    }
}

/// Dials over the simulated network; dialed streams go into the node's book.
#[derive(Clone)]
pub(crate) struct SimDialer {
    pub(crate) book: StreamBook,
}

impl Dialer for SimDialer {
    type Stream = Tracked;

    async fn dial(&self, addr: SocketAddr) -> io::Result<Tracked> {
        let stream = TcpStream::connect(addr).await?;
        self.book.track(stream)
    }
}
