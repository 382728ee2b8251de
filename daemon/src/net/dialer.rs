//! The outbound side: one task per configured peer address keeps a link to it.
//!
//! - Genuine failures back off exponentially with jitter, capped low.
//! - Told `duplicate`, it counts no failure: the node is reachable through the other
//!   link, so it waits until that link ends, and redials at once if after a short
//!   grace it holds no link to that node at all.
//! - An address that turns out to be this node is never dialed again.

use std::net::SocketAddr;
use std::sync::Arc;

use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::{DisconnectReason, Handshake, NodeId};
use tokio::time::Instant;
use tokio_util::codec::Framed;
use tracing::{info, warn};

use super::backoff::Backoff;
use super::channel::{self, ChannelError, Secure};
use super::close::close_with;
use super::codec::MessageCodec;
use super::conn::{LinkEnd, establish};
use super::core::Core;
use super::counters::bump;
use super::handshake::{self, Conn, HandshakeError};
use super::transport::Dialer;
use crate::constants::{DIAL_TIMEOUT, DUPLICATE_GRACE};
use crate::escape::escaped;

/// Why a dial did not produce a handshaken connection.
#[derive(Debug, thiserror::Error)]
enum DialError {
    #[error("connect timed out")]
    ConnectTimeout,
    #[error("{0}")]
    Connect(std::io::Error),
    #[error("handshake refused: {0}")]
    Refused(DisconnectReason),
    /// The acceptor could not prove the id it claimed: a liar at that address.
    #[error("{0}")]
    Auth(HandshakeError),
    #[error("Handshake ACK failed: {0}")]
    Ack(HandshakeError),
    #[error("connected to ourselves")]
    SelfConnection,
    #[error("shutting down")]
    Shutdown,
}

/// Keeps a link to `addr` until shutdown.
///
/// Correctness: only the waits are cut short by shutdown; a live link is left to
/// end by itself, so it still says `shutting_down` and closes without a reset.
pub(crate) async fn dial_loop<D: Dialer>(
    addr: SocketAddr,
    dialer: D,
    core: Arc<Core>,
    mut backoff: Backoff,
) {
    let core = &*core;
    let mgr = &core.mgr;
    // The node behind `addr`, once a handshake has told us.
    let mut known: Option<NodeId> = None;
    loop {
        if mgr.is_self(&addr) || core.shutdown.is_cancelled() {
            return;
        }
        if let Some(node) = known
            && mgr.is_linked(&node)
        {
            // Reachable through another link: wait for it to end, then redial after
            // the shortest delay (see below for why not zero).
            if unless_shutdown(core, mgr.until_unlinked(&node))
                .await
                .is_none()
            {
                return;
            }
            backoff.reset();
            pause(core, backoff.next_delay()).await;
            continue;
        }
        let session = mgr.next_session();
        match connect(&dialer, addr, core, session).await {
            Ok((conn, theirs)) => {
                known = Some(theirs.node_id);
                bump(&mgr.counters.handshakes_completed);
                info!(peer = %theirs.node_id, direction = "outbound", "Handshake completed with {addr}");
                let started = Instant::now();
                match establish(conn, core, theirs, addr, Direction::Outbound, session).await {
                    LinkEnd::Duplicate => {
                        backoff.reset();
                        pause(core, DUPLICATE_GRACE).await;
                    }
                    LinkEnd::Shutdown => return,
                    LinkEnd::Lost => {
                        // A link that lived a while was healthy: start over from the
                        // shortest delay. One that died young counts as a failure, so
                        // a peer that accepts and drops at once is not hammered.
                        // Correctness: even the shortest delay is not zero, so a peer
                        // that is exiting has closed its listener before we knock; a
                        // dial into a dying listener's backlog would be reset.
                        if started.elapsed() >= core.settings.backoff_max {
                            backoff.reset();
                        }
                        pause(core, backoff.next_delay()).await;
                    }
                }
            }
            Err(DialError::Shutdown) => return,
            Err(DialError::SelfConnection) => {
                mgr.mark_self(addr);
                info!(
                    reason = "self_connection",
                    "Connection to {addr} reached this node itself - not dialing it again"
                );
                return;
            }
            Err(e) => {
                bump(&mgr.counters.failed_dials);
                if let DialError::Ack(ack) = &e {
                    bump(&mgr.counters.ack_failures);
                    if ack.is_reset() {
                        bump(&mgr.counters.resets);
                    }
                }
                let delay = backoff.next_delay();
                let attempt = backoff.failures();
                warn!(
                    attempt,
                    retry_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "Connection to {addr} failed (attempt {attempt}): {}",
                    escaped(&e)
                );
                pause(core, delay).await;
            }
        }
    }
}

/// Runs `fut` unless shutdown comes first (then `None`).
async fn unless_shutdown<F: Future>(core: &Core, fut: F) -> Option<F::Output> {
    core.shutdown.run_until_cancelled(fut).await
}

/// Sleeps, or returns early on shutdown (the loop then sees the shutdown).
async fn pause(core: &Core, delay: std::time::Duration) {
    unless_shutdown(core, tokio::time::sleep(delay)).await;
}

/// Dials, opens the channel and handshakes: the dial under its own timeout, the
/// channel and the handshake together under the handshake timeout. Shutdown cuts
/// the dial short; a handshake under way is closed with `Disconnect
/// {shutting_down}` rather than dropped, because the peer's unread answer would
/// make the kernel send a reset.
async fn connect<D: Dialer>(
    dialer: &D,
    addr: SocketAddr,
    core: &Core,
    session: u64,
) -> Result<(Conn<Secure<D::Stream>>, Handshake), DialError> {
    let dial = tokio::time::timeout(DIAL_TIMEOUT, dialer.dial(addr));
    let stream = unless_shutdown(core, dial)
        .await
        .ok_or(DialError::Shutdown)?
        .map_err(|_| DialError::ConnectTimeout)?
        .map_err(DialError::Connect)?;
    info!(direction = "outbound", "Connected to peer: {addr}");
    let deadline = Instant::now() + core.settings.handshake_timeout;
    let opening = tokio::time::timeout_at(deadline, channel::dial(stream));
    let secure = match unless_shutdown(core, opening).await {
        None => return Err(DialError::Shutdown),
        Some(Ok(Ok(secure))) => secure,
        Some(Ok(Err(ChannelError::Refused(reason)))) => return Err(DialError::Refused(reason)),
        Some(Ok(Err(e))) => return Err(DialError::Ack(e.into())),
        Some(Err(elapsed)) => return Err(DialError::Ack(elapsed.into())),
    };
    let hash = secure.handshake_hash().to_vec();
    let mut conn = Framed::new(secure, MessageCodec::default());
    let handshake = tokio::time::timeout_at(deadline, async {
        let ours = core.hello(session)?;
        let expected = core.settings.expected_ids.get(&addr).copied();
        handshake::outbound(
            &mut conn,
            ours,
            core.identity.signing_key(),
            &hash,
            expected,
        )
        .await
    });
    let Some(result) = unless_shutdown(core, handshake).await else {
        close_with(conn, DisconnectReason::ShuttingDown).await;
        return Err(DialError::Shutdown);
    };
    match result {
        Ok(Ok(theirs)) => Ok((conn, theirs)),
        Ok(Err(HandshakeError::SelfConnection)) => Err(DialError::SelfConnection),
        Ok(Err(HandshakeError::Refused(reason))) => Err(DialError::Refused(reason)),
        Ok(Err(e @ (HandshakeError::AuthFailed(_) | HandshakeError::UnexpectedId { .. }))) => {
            bump(&core.mgr.counters.auth_failures);
            Err(DialError::Auth(e))
        }
        Ok(Err(e)) => Err(DialError::Ack(e)),
        Err(elapsed) => Err(DialError::Ack(elapsed.into())),
    }
}
