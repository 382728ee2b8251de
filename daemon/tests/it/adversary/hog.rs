//! A peer that hogs a node's memory (issue 13): linked under its own proven id,
//! it asks for blocks over and over and never reads its socket, so every answer
//! the node builds for it can only pile up on the node's side.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::SinkExt;
use timed::testing::wire::Message;
use tokio::task::JoinHandle;

use super::liar::Conn;

/// Pause between keep-alive writes once the request budget is spent: a write
/// that fails tells the reader that the node dropped it.
const PROBE_EVERY: Duration = Duration::from_millis(200);

/// A linked peer sending `get_blocks` and never reading. Dropping it closes the
/// socket.
pub(crate) struct SlowReader {
    sent: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl SlowReader {
    /// Asks `conn`'s node for blocks from height 1, one request every `every`
    /// (zero: all at once, so they are read before the first answer is built),
    /// at most `max` requests, then only pings; never reads a byte.
    pub(crate) fn start(mut conn: Conn, every: Duration, max: u64) -> SlowReader {
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        let task = tokio::spawn(async move {
            loop {
                let asked = counter.load(Ordering::Relaxed);
                let (msg, pause) = if asked < max {
                    let ask = Message::GetBlocks {
                        from: 1,
                        limit: u32::MAX,
                    };
                    (ask, every)
                } else {
                    (Message::Ping { nonce: asked }, PROBE_EVERY)
                };
                if conn.send(&msg).await.is_err() {
                    return;
                }
                counter.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(pause).await;
            }
        });
        SlowReader { sent, task }
    }

    /// Requests (and probes) written so far.
    pub(crate) fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Whether a write failed: the node has dropped this peer.
    pub(crate) fn is_dropped(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for SlowReader {
    fn drop(&mut self) {
        self.task.abort();
    }
}
