//! Closing a connection politely: say why (`Disconnect {reason}`), close our side,
//! and wait for the peer to close its side. The peer reads a reason, never a reset.

use futures_util::SinkExt;
use timecoin_shared::wire::{DisconnectReason, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::handshake::Conn;
use super::transport::Stream;
use crate::constants::CLOSE_LINGER;

/// Sends `Disconnect {reason}` and closes without provoking a reset.
pub(crate) async fn close_with<S: Stream>(mut conn: Conn<S>, reason: DisconnectReason) {
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
