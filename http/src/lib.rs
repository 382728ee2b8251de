//! An HTTP/1 accept loop in place of `axum::serve`, for the limits a hostile
//! client must meet (the daemon's RPC, issues 13 and 22, and `timectl
//! exporter`): at most `max_connections` connections are served at once (a
//! permit is taken *before* `accept`, so more wait in the kernel's queue and
//! cost no file descriptor), of which one source address may hold
//! `max_per_ip`: a connection over that is closed as soon as it is accepted,
//! so one host's siege neither fills the slots nor the kernel's queue in front
//! of everyone else's requests; a client must send its headers within
//! `header_timeout` (which also ends idle keep-alive connections); and a client
//! that stops reading its answer loses its connection once a write has been
//! stuck for `write_timeout` (see [`StallGuard`]). Half-sent headers, idle
//! sockets and unread answers therefore each hold a slot for a bounded time,
//! and honest requests keep being answered.
//!
//! The listening socket is made here too ([`bind`]), with a kernel queue as
//! deep as the caller asks: when that queue is full the kernel drops a
//! newcomer's SYN, and the client resends it only after a second, so an honest
//! request arriving during a flood would wait that second however fast the loop
//! drains the queue.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, warn};

/// Pause after a failed `accept` (e.g. out of file descriptors) before trying
/// again, so the loop does not spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The limits every connection is served under.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How long a client has to send a request's headers (also how long an
    /// idle keep-alive connection is kept).
    pub header_timeout: Duration,
    /// How long one write of an answer may stay stuck before the connection
    /// is dropped.
    pub write_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections one source address may hold at once.
    pub max_per_ip: usize,
}

/// Connections served per source address.
#[derive(Default)]
struct PerIp {
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection of an address, given back on drop.
struct IpSlot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn counts(&self) -> MutexGuard<'_, HashMap<IpAddr, usize>> {
        // Every statement leaves the map consistent; keep serving after a panic.
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A slot for `ip`, unless it holds `limit` already.
    fn take(table: &Arc<PerIp>, ip: IpAddr, limit: usize) -> Option<IpSlot> {
        let mut counts = table.counts();
        let count = counts.entry(ip).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(IpSlot {
            table: Arc::clone(table),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut counts = self.table.counts();
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// A listening socket on `addr`, its accept queue `backlog` deep (tokio's
/// `TcpListener::bind` asks for 1024, which a siege of 2000 connects from one
/// host overflows before the loop has accepted them; Linux caps it at
/// `net.core.somaxconn`).
///
/// # Errors
/// The socket cannot be made or bound (address in use, not local), or listen fails.
pub fn bind(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As `TcpListener::bind` does: a restarted node rebinds at once although
    // its last connections linger in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// Serves `router` on `listener` under `limits` until `shutdown` is cancelled;
/// then stops accepting, lets requests in progress finish, and returns once every
/// connection has closed.
///
/// # Errors
/// None today: accept errors (out of file descriptors) pause the loop and are
/// retried; the result type leaves room for fatal ones.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let per_ip = Arc::new(PerIp::default());
    let connections = TaskTracker::new();
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // The semaphore is never closed.
            },
        };
        let (stream, slot) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match PerIp::take(&per_ip, peer.ip(), limits.max_per_ip) {
                    Some(slot) => (stream, slot),
                    None => {
                        // Correctness: closed at once, no task: its permit
                        // comes back for the next connection in the queue.
                        drop(stream);
                        continue;
                    }
                },
                Err(e) => {
                    warn!("HTTP accept failed: {e}; pausing {ACCEPT_ERROR_PAUSE:?}");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        let router = router.clone();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            serve_connection(stream, router, limits, shutdown).await;
            drop((slot, permit));
        });
    }
    connections.close();
    connections.wait().await;
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    // Answers are small; do not hold them back waiting for more to send.
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(StallGuard::new(stream, limits.write_timeout));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(io, TowerToHyperService::new(router));
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        debug!("HTTP connection ended: {e}");
    }
}

/// A socket whose writes fail once one has been stuck for `limit`: a client that
/// never reads its answers cannot hold its connection (and its slot) forever.
/// Reads are not timed here; hyper's header timeout bounds the wait for a request.
struct StallGuard<T> {
    inner: T,
    limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<T> StallGuard<T> {
    fn new(inner: T, limit: Duration) -> Self {
        StallGuard {
            inner,
            limit,
            stalled: None,
        }
    }

    /// Passes a write-side poll through, and fails it once it has been pending
    /// for the limit.
    fn guard<R>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let limit = self.limit;
        let timer = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("the client read nothing for {limit:?}"),
        )))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for StallGuard<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for StallGuard<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.guard(cx, polled)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.guard(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.guard(cx, polled)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_write_nobody_reads_fails_after_the_limit() {
        // A pipe with a small buffer the other end never reads.
        let (ours, _theirs) = tokio::io::duplex(64);
        let mut guarded = StallGuard::new(ours, Duration::from_secs(5));
        let started = tokio::time::Instant::now();
        let err = guarded
            .write_all(&[0u8; 1024])
            .await
            .expect_err("the write must fail");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_that_progresses_is_never_cut() {
        let (ours, mut theirs) = tokio::io::duplex(64);
        let reader = tokio::spawn(async move {
            let mut sink = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut theirs, &mut sink)
                .await
                .map(|_| sink.len())
        });
        let mut guarded = StallGuard::new(ours, Duration::from_secs(5));
        guarded.write_all(&[1u8; 4096]).await.expect("written");
        guarded.shutdown().await.expect("closed");
        assert_eq!(reader.await.expect("join").expect("read"), 4096);
    }
}
