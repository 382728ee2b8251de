//! A TCP relay in front of one node's RPC that counts the `/metrics` answers
//! it passed on: a test learns that a probe has read a node's counters, and
//! acts only after that, with no sleep standing in for the probe.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The relay; dropping it stops accepting.
pub(super) struct MetricsTap {
    pub(super) addr: SocketAddr,
    answered: watch::Receiver<u64>,
    accept: JoinHandle<()>,
}

impl Drop for MetricsTap {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl MetricsTap {
    /// Relays a loopback port to `upstream`.
    pub(super) async fn start(upstream: SocketAddr) -> MetricsTap {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind tap");
        let addr = listener.local_addr().expect("tap address");
        let (count, answered) = watch::channel(0u64);
        let count = Arc::new(count);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                tokio::spawn(relay(client, server, count.clone()));
            }
        });
        MetricsTap {
            addr,
            answered,
            accept,
        }
    }

    /// Waits until `n` answers to `GET /metrics` have gone back to the client.
    pub(super) async fn answered(&mut self, n: u64) {
        self.answered
            .wait_for(|count| *count >= n)
            .await
            .expect("the tap runs while the test holds it");
    }
}

/// Copies both ways; once bytes of the answer to a `/metrics` request went
/// back, counts it. HTTP/1.1 without pipelining: the next bytes back after a
/// request are its answer, and the daemon chose the counter's value before it
/// sent the first of them.
async fn relay(client: TcpStream, server: TcpStream, count: Arc<watch::Sender<u64>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let asked = Arc::new(AtomicBool::new(false));
    let asking = asked.clone();
    let up = tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n @ 1..) = client_read.read(&mut buf).await {
            if buf[..n].starts_with(b"GET /metrics ") {
                asking.store(true, Ordering::SeqCst);
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n @ 1..) = server_read.read(&mut buf).await {
        if client_write.write_all(&buf[..n]).await.is_err() {
            break;
        }
        if asked.swap(false, Ordering::SeqCst) {
            count.send_modify(|c| *c += 1);
        }
    }
    up.abort();
}
