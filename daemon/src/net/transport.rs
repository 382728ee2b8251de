//! What the net layer needs from the network stack: accept and dial. Generic so the
//! same connection code runs over tokio TCP in production and over a simulated
//! network (turmoil) in deterministic tests.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// A byte stream to one peer.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

/// The accepting side: yields inbound connections and the peer's address.
pub trait Listener: Send + 'static {
    type Stream: Stream;
    /// Waits for the next inbound connection.
    fn accept(&mut self) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send;

    /// Turns `stream` away at once, without a task or a wait: sends `farewell`
    /// (a `Disconnect` frame) if the socket takes it right now, and closes.
    fn refuse(stream: Self::Stream, farewell: &[u8]) {
        let _ = farewell;
        drop(stream);
    }
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

    fn refuse(stream: TcpStream, farewell: &[u8]) {
        // Correctness: a socket closed with unread bytes is reset, and the
        // dialer would lose the reason; a handshake already here is read first.
        let mut unread = [0u8; 4096];
        let _ = stream.try_read(&mut unread);
        let _ = stream.try_write(farewell);
    }
}

/// Tokio TCP dialer, dialing from the address the node listens on when that is
/// one address: peers then see a link come from the address they know it by,
/// which is what serves a known masternode's handshake first (`pending.rs`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpDialer {
    from: Option<IpAddr>,
}

impl TcpDialer {
    /// Dials from `listen`'s address, or from whatever the routing picks when it
    /// is the unspecified address.
    pub fn from_listen(listen: SocketAddr) -> Self {
        TcpDialer {
            from: Some(listen.ip()).filter(|ip| !ip.is_unspecified()),
        }
    }
}

impl Dialer for TcpDialer {
    type Stream = TcpStream;
    async fn dial(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = match self.from {
            Some(ip) if ip.is_ipv4() == addr.is_ipv4() => {
                let socket = if ip.is_ipv4() {
                    TcpSocket::new_v4()?
                } else {
                    TcpSocket::new_v6()?
                };
                socket.bind(SocketAddr::new(ip, 0))?;
                socket.connect(addr).await?
            }
            _ => TcpStream::connect(addr).await?,
        };
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}
