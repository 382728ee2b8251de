//! The accept loop and the inbound side of every connection. Each socket first
//! needs a handshake slot (`pending.rs`: known addresses served first, each
//! unknown address a small share); one that gets none is sent
//! `Disconnect {too_many_connections}` (outside the channel: see
//! `channel::refusal`) and closed on the spot, with no task and no wait, so a
//! connect flood costs microseconds per socket. Each handshake
//! runs in its own task under the handshake timeout, so a slowloris never holds
//! a slot for long. Once the peer has proven who it is, the manager decides
//! whether it gets a link slot (`slots.rs`).

use std::net::SocketAddr;
use std::sync::Arc;

use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::DisconnectReason;
use tokio::time::Instant;
use tokio_util::codec::Framed;
use tracing::{info, warn};

use super::channel::{self, ChannelError};
use super::close::{close_with, linger};
use super::codec::{CodecError, MessageCodec};
use super::conn::establish;
use super::core::Core;
use super::counters::{EndedBy, bump};
use super::handshake::{self, HandshakeError};
use super::pending::{Pending, PendingLimits, PendingRefusal, PendingSlot};
use super::transport::{Listener, Stream};
use crate::constants::{ACCEPT_ERROR_PAUSE, REFUSAL_LOG_EVERY};
use crate::escape::escaped;

/// Accepts connections until shutdown.
pub(crate) async fn accept_loop<L: Listener>(mut listener: L, core: Arc<Core>) {
    let settings = &core.settings;
    let limits = PendingLimits {
        total: settings.max_inbound,
        reserved: settings.reserved_inbound,
        per_ip: settings.max_pending_per_ip,
    };
    let pending = Pending::new(limits, settings.peers.iter().map(SocketAddr::ip));
    let farewell = channel::refusal();
    let mut refusals = RefusalLog::default();
    loop {
        let accepted = tokio::select! {
            () = core.shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => match pending.take(addr.ip()) {
                Ok(slot) => {
                    core.tracker
                        .spawn(inbound(stream, addr, core.clone(), slot, pending.clone()));
                }
                Err(why) => {
                    // Correctness: no task and no wait: a flood of connects
                    // costs the accept loop microseconds each, never a slot.
                    L::refuse(stream, &farewell);
                    let counters = &core.mgr.counters;
                    bump(&counters.inbound_refused);
                    counters
                        .disconnects
                        .bump((EndedBy::Us, DisconnectReason::TooManyConnections.as_str()));
                    refusals.note(addr, why);
                }
            },
            Err(e) => {
                warn!("Accepting a connection failed: {e}");
                tokio::select! {
                    () = core.shutdown.cancelled() => return,
                    () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => {}
                }
            }
        }
    }
}

/// Refusals logged at most once per [`REFUSAL_LOG_EVERY`], with how many were
/// not, so a connect flood cannot fill the disk through the log.
#[derive(Default)]
struct RefusalLog {
    last: Option<Instant>,
    unlogged: u64,
}

impl RefusalLog {
    fn note(&mut self, addr: SocketAddr, why: PendingRefusal) {
        let now = Instant::now();
        if self.last.is_some_and(|last| now - last < REFUSAL_LOG_EVERY) {
            self.unlogged += 1;
            return;
        }
        self.last = Some(now);
        let unlogged = std::mem::take(&mut self.unlogged);
        warn!(
            reason = "too_many_connections",
            unlogged,
            "Refusing inbound from {addr}: {} ({unlogged} more refused since the last such line)",
            why.why()
        );
    }
}

/// One inbound connection: the channel and the handshake under the handshake
/// timeout, then the link.
async fn inbound<S: Stream>(
    stream: S,
    addr: SocketAddr,
    core: Arc<Core>,
    slot: PendingSlot,
    pending: Arc<Pending>,
) {
    let network = core.settings.network.clone();
    let deadline = Instant::now() + core.settings.handshake_timeout;
    // Correctness: not cut short by shutdown. The dialer reads nothing outside a
    // channel, so a shutdown is told inside one (below), never by a dropped socket
    // it would take for a failed handshake.
    let opened = tokio::time::timeout_at(deadline, channel::accept(stream))
        .await
        .map_err(HandshakeError::from)
        .and_then(|r| r.map_err(HandshakeError::from));
    let secure = match opened {
        Ok(secure) => secure,
        Err(e) => {
            log_refusal(&core, addr, &network, &e);
            return;
        }
    };
    let hash = secure.handshake_hash().to_vec();
    let mut conn = Framed::new(secure, MessageCodec::default());
    if core.shutdown.is_cancelled() {
        close_with(conn, DisconnectReason::ShuttingDown).await;
        return;
    }
    let handshake = tokio::time::timeout_at(deadline, async {
        let ours = core.hello(0)?;
        handshake::inbound(&mut conn, ours, core.identity.signing_key(), &hash).await
    });
    let outcome = tokio::select! {
        () = core.shutdown.cancelled() => None,
        result = handshake => Some(result.map_err(HandshakeError::from).and_then(|r| r)),
    };
    let Some(result) = outcome else {
        // Correctness: dropping the socket now could leave the dialer's handshake
        // unread, and the kernel would answer it with a reset; say why instead.
        close_with(conn, DisconnectReason::ShuttingDown).await;
        return;
    };
    let theirs = match result {
        Ok(theirs) => theirs,
        Err(e) => {
            log_refusal(&core, addr, &network, &e);
            // Correctness: a frame over the pre-handshake cap or not JSON is a
            // protocol error the dialer is told about, not a silent close.
            if matches!(
                e,
                HandshakeError::Unexpected { .. }
                    | HandshakeError::Random(_)
                    | HandshakeError::Codec(CodecError::TooLarge { .. } | CodecError::Json(_))
            ) {
                close_with(conn, DisconnectReason::ProtocolError).await;
            } else if !matches!(e, HandshakeError::Timeout(_)) {
                linger(conn.into_inner()).await;
            }
            return;
        }
    };
    // The handshake slot is free again: a live link is counted by the manager.
    drop(slot);
    if core.mgr.is_configured_masternode(&theirs.node_id) {
        pending.learn(addr.ip());
    }
    bump(&core.mgr.counters.handshakes_accepted);
    info!(peer = %theirs.node_id, direction = "inbound", network = %network,
        "Handshake accepted from {addr} (network: {network})");
    let session = theirs.session;
    establish(conn, &core, theirs, addr, Direction::Inbound, session).await;
}

/// Who ended a handshake that failed with `e`, and why (the log line's `reason`).
fn ended(e: &HandshakeError) -> (EndedBy, &'static str) {
    match e {
        HandshakeError::Unexpected { .. } | HandshakeError::Random(_) => {
            (EndedBy::Us, "protocol_error")
        }
        HandshakeError::Codec(CodecError::Io(io)) if channel::is_forged(io) => {
            (EndedBy::Us, "auth_failed")
        }
        HandshakeError::Codec(CodecError::Io(_)) if e.is_reset() => (EndedBy::Peer, "reset"),
        HandshakeError::Codec(CodecError::Io(_)) | HandshakeError::Closed => {
            (EndedBy::Peer, "closed")
        }
        HandshakeError::Codec(_) => (EndedBy::Us, "protocol_error"),
        HandshakeError::Channel(ChannelError::Io(_)) if e.is_reset() => (EndedBy::Peer, "reset"),
        HandshakeError::Channel(ChannelError::Io(_)) => (EndedBy::Peer, "closed"),
        HandshakeError::Channel(ChannelError::Refused(reason)) => (EndedBy::Peer, reason.as_str()),
        HandshakeError::Channel(_) => (EndedBy::Us, "protocol_error"),
        HandshakeError::WrongNetwork(_) => (EndedBy::Us, "wrong_network"),
        HandshakeError::NetworkMismatch { .. } => (EndedBy::Us, "network_mismatch"),
        HandshakeError::AuthFailed(_)
        | HandshakeError::IdMismatch { .. }
        | HandshakeError::UnexpectedId { .. } => (EndedBy::Us, "auth_failed"),
        HandshakeError::IncompatibleVersion(_) => (EndedBy::Us, "incompatible_version"),
        HandshakeError::SelfConnection => (EndedBy::Us, "self_connection"),
        HandshakeError::Timeout(_) => (EndedBy::Us, "handshake_timeout"),
        HandshakeError::Refused(reason) => (EndedBy::Peer, reason.as_str()),
    }
}

fn log_refusal(core: &Core, addr: SocketAddr, network: &str, e: &HandshakeError) {
    let counters = &core.mgr.counters;
    let (by, reason) = ended(e);
    counters.disconnects.bump((by, reason));
    match e {
        HandshakeError::Unexpected { got, .. } => {
            bump(&counters.protocol_errors);
            warn!(
                kind = got,
                reason = "protocol_error",
                "{addr} sent message before handshake - closing connection"
            );
        }
        HandshakeError::WrongNetwork(theirs) => warn!(
            reason = "wrong_network",
            "Rejecting handshake from {addr}: network {}, ours is {network}",
            escaped(theirs)
        ),
        HandshakeError::NetworkMismatch { theirs, ours } => warn!(
            reason = "network_mismatch",
            "Rejecting handshake from {addr}: network definition {}, ours is {ours} (not the same network file)",
            escaped(theirs)
        ),
        HandshakeError::AuthFailed(claimed) => {
            bump(&counters.auth_failures);
            warn!(
                claimed = %claimed,
                reason = "auth_failed",
                "Rejecting handshake from {addr}: it did not prove it holds the key of {claimed}"
            );
        }
        HandshakeError::IncompatibleVersion(v) => warn!(
            reason = "incompatible_version",
            "Rejecting handshake from {addr}: incompatible protocol version {v}"
        ),
        HandshakeError::SelfConnection => info!(
            reason = "self_connection",
            "Connection from {addr} is this node itself - closing connection"
        ),
        HandshakeError::Timeout(_) => {
            bump(&counters.handshake_timeouts);
            warn!(
                reason = "handshake_timeout",
                "Handshake from {addr} timed out - closing connection"
            );
        }
        HandshakeError::Codec(CodecError::Io(io)) if channel::is_forged(io) => {
            bump(&counters.auth_failures);
            warn!(
                reason = "auth_failed",
                "Rejecting handshake from {addr}: {io} - closing connection"
            );
        }
        HandshakeError::Channel(channel) if !matches!(channel, ChannelError::Io(_)) => {
            bump(&counters.protocol_errors);
            warn!(
                reason = "protocol_error",
                "Protocol error from {addr} before handshake: {channel} - closing connection"
            );
        }
        HandshakeError::Codec(codec) if !matches!(codec, CodecError::Io(_)) => {
            bump(&counters.protocol_errors);
            bump(&counters.decode_failures);
            warn!(
                reason = "protocol_error",
                "Protocol error from {addr} before handshake: {} - closing connection",
                escaped(codec)
            );
        }
        other => info!(
            "Connection from {addr} ended during handshake: {}",
            escaped(other)
        ),
    }
}
