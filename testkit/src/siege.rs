//! A header siege on an HTTP server (issue 22: connections that never finish
//! their headers kept `/health` from answering): the siege's half-sent
//! connections and the probe that times a request through it, shared by the
//! daemon's and the exporter's siege tests (which assert the bound) and the
//! daemon's RPC benchmark (which reports the figure).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

/// A connection to `server` from `from` (port 0 for any) that sends half a
/// request's headers and never the rest; `None` if it did not connect within
/// `connect_within`. The server may close it at once: what it does is the test.
pub async fn half_sent(
    server: SocketAddr,
    from: SocketAddr,
    connect_within: Duration,
) -> Option<TcpStream> {
    let socket = if from.is_ipv4() {
        TcpSocket::new_v4().ok()?
    } else {
        TcpSocket::new_v6().ok()?
    };
    socket.bind(from).ok()?;
    let mut stream = tokio::time::timeout(connect_within, socket.connect(server))
        .await
        .ok()?
        .ok()?;
    let _ = stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await;
    Some(stream)
}

/// How long `GET path` takes on a fresh connection to `server` (a kept-alive
/// one would skip the accept queue a siege fills), if it answers 200 within
/// `limit`.
pub async fn fresh_get(server: SocketAddr, path: &str, limit: Duration) -> Option<Duration> {
    let asked = Instant::now();
    let answer = async {
        let mut stream = TcpStream::connect(server).await.ok()?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.ok()?;
        (&head == b"HTTP/1.1 200").then(|| asked.elapsed())
    };
    tokio::time::timeout(limit, answer).await.ok().flatten()
}

/// Whether the server has closed `stream` (EOF or an error) by `deadline`;
/// whatever it sends first is read and dropped.
pub async fn closed_by(stream: &mut TcpStream, deadline: Instant) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}
