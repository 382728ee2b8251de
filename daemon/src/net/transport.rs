//! What the net layer needs from the network stack: accept and dial. Generic so the
//! same connection code runs over tokio TCP in production and over a simulated
//! network (turmoil) in deterministic tests.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

/// A byte stream to one peer.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

/// The accepting side: yields inbound connections and the peer's address.
pub trait Listener: Send + 'static {
    type Stream: Stream;
    /// Waits for the next inbound connection.
    fn accept(&mut self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send;
}

/// The dialing side: opens a connection to an address.
pub trait Dialer: Clone + Send + Sync + 'static {
    type Stream: Stream;
    /// Opens a connection to `addr`; no timeout of its own (the caller adds one).
    fn dial(&self, addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send;
}

/// Tokio TCP listener.
pub struct TcpAcceptor(pub TcpListener);

impl Listener for TcpAcceptor {
    type Stream = TcpStream;
    async fn accept(&mut self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.0.accept().await?;
        // Small frames (pings, acks) must not wait for Nagle.
        stream.set_nodelay(true)?;
        Ok((stream, addr))
    }
}

/// Tokio TCP dialer.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpDialer;

impl Dialer for TcpDialer {
    type Stream = TcpStream;
    async fn dial(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}
