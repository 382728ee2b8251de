//! Closing a connection politely: say why (`Disconnect {reason}`), close our side,
//! and wait for the peer to close its side. The peer reads a reason, never a reset.
//! A [`Closer`] is how anyone else (the manager, shutdown) asks a link to do so.

use std::sync::{Arc, OnceLock};

use futures_util::SinkExt;
use timecoin_shared::wire::DisconnectReason;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::handshake::Frames;
use super::transport::Stream;
use crate::constants::CLOSE_LINGER;
use crate::wire::Message;

/// Sends `Disconnect {reason}` and closes without provoking a reset.
pub(crate) async fn close_with<S: Stream>(mut conn: Frames<S>, reason: DisconnectReason) {
    let said = tokio::time::timeout(CLOSE_LINGER, conn.send(&Message::Disconnect { reason })).await;
    if matches!(said, Ok(Ok(()))) {
        linger(conn.into_inner()).await;
    }
}

/// Closes our side, then reads until the peer closes too (or a bound passes).
/// Correctness: dropping a socket with unread bytes makes the kernel send a reset,
/// which the peer would log as `Connection reset by peer`; draining first avoids it.
pub(crate) async fn linger<S: Stream>(mut stream: S) {
    let drain = async {
        let _ = stream.shutdown().await;
        let mut buf = [0u8; 4096];
        while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
    };
    let _ = tokio::time::timeout(CLOSE_LINGER, drain).await;
}

/// Tells a link task to close, and why. Set once; the first reason wins.
#[derive(Debug)]
pub struct Closer {
    token: CancellationToken,
    reason: OnceLock<DisconnectReason>,
}

impl Closer {
    /// A closer that also fires when `parent` (the node's shutdown) is cancelled.
    pub fn child_of(parent: &CancellationToken) -> Arc<Self> {
        Arc::new(Closer {
            token: parent.child_token(),
            reason: OnceLock::new(),
        })
    }

    /// Asks the link to send `Disconnect {reason}` and close.
    pub fn close(&self, reason: DisconnectReason) {
        // Correctness: a second reason (e.g. shutdown after takeover) is ignored.
        let _ = self.reason.set(reason);
        self.token.cancel();
    }

    /// Resolves once the link must close.
    pub async fn closed(&self) {
        self.token.cancelled().await;
    }

    /// Why the link closes: the reason given, or shutdown (the parent's cancel).
    pub fn reason(&self) -> DisconnectReason {
        self.reason
            .get()
            .copied()
            .unwrap_or(DisconnectReason::ShuttingDown)
    }
}
