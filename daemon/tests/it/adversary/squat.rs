//! Strangers that squat a node's handshake slots (issue 22): from each of several
//! loopback source addresses they hold as many silent sockets as the node takes,
//! reopening each one as soon as the node closes it (handshake timeout or
//! refusal), while a flood of fresh connects from other addresses comes on top.
//! They never send a byte, so a slot they hold is a slot for the whole timeout.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpSocket;
use tokio::task::JoinHandle;

/// Pause before reopening a socket the node refused at once: keeps the retry
/// loop from burning the test machine's CPU while still retrying many times a
/// second per socket.
const RETRY_REFUSED: Duration = Duration::from_millis(100);

/// A socket the node closed within this was refused, not timed out.
const REFUSED_WITHIN: Duration = Duration::from_millis(200);

/// Squatting sockets and the connect flood, stopped on drop.
pub(crate) struct Squat {
    tasks: Vec<JoinHandle<()>>,
    /// Sockets the node closed within [`REFUSED_WITHIN`].
    refused: Arc<AtomicU64>,
}

/// Opens a socket to `target` from `from` and waits until the node closes it;
/// how long it stayed open (`None` if the connect failed).
async fn hold(target: SocketAddr, from: IpAddr) -> Option<Duration> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::new(from, 0)).ok()?;
    let mut stream = socket.connect(target).await.ok()?;
    let opened = tokio::time::Instant::now();
    let mut buf = [0u8; 256];
    while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
    Some(opened.elapsed())
}

impl Squat {
    /// `per_addr` silent sockets from each of `squatters` to every target, and
    /// `flood_per_sec` connects a second spread over `flooders`.
    pub(crate) fn start(
        targets: &[SocketAddr],
        squatters: &[IpAddr],
        per_addr: usize,
        flooders: &[IpAddr],
        flood_per_sec: u32,
    ) -> Squat {
        let refused = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for &target in targets {
            for &from in squatters {
                for _ in 0..per_addr {
                    let refused = refused.clone();
                    tasks.push(tokio::spawn(async move {
                        loop {
                            match hold(target, from).await {
                                Some(open) if open >= REFUSED_WITHIN => {}
                                _ => {
                                    refused.fetch_add(1, Ordering::Relaxed);
                                    tokio::time::sleep(RETRY_REFUSED).await;
                                }
                            }
                        }
                    }));
                }
            }
        }
        let (targets, flooders) = (targets.to_vec(), flooders.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(1) / flood_per_sec);
            for n in 0usize.. {
                ticks.tick().await;
                let target = targets[n % targets.len()];
                let from = flooders[n % flooders.len()];
                tokio::spawn(hold(target, from));
            }
        }));
        Squat { tasks, refused }
    }

    /// Sockets the node has refused so far.
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

impl Drop for Squat {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
