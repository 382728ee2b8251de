//! The accept loop and the inbound side of every connection. Every connection is
//! accepted; each handshake runs in its own task under the handshake timeout, holding
//! one of `max_inbound` permits, so a slowloris never holds a slot for long and a
//! flood is refused with `Disconnect {too_many_connections}` while live links stay.

use std::net::SocketAddr;
use std::sync::Arc;

use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::DisconnectReason;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::codec::Framed;
use tracing::{info, warn};

use super::close::{close_with, linger};
use super::codec::MessageCodec;
use super::conn::establish;
use super::core::Core;
use super::counters::bump;
use super::handshake::{self, HandshakeError};
use super::transport::{Listener, Stream};
use crate::constants::ACCEPT_ERROR_PAUSE;

/// Accepts connections until shutdown.
pub async fn accept_loop<L: Listener>(mut listener: L, core: Arc<Core>) {
    let permits = Arc::new(Semaphore::new(core.settings.max_inbound));
    loop {
        let accepted = tokio::select! {
            () = core.shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => match permits.clone().try_acquire_owned() {
                Ok(permit) => {
                    core.tracker
                        .spawn(inbound(stream, addr, core.clone(), permit));
                }
                Err(_) => {
                    bump(&core.mgr.counters.inbound_refused);
                    warn!(
                        reason = "too_many_connections",
                        "Refusing inbound from {addr}: {} connections already",
                        core.settings.max_inbound
                    );
                    let conn = Framed::new(stream, MessageCodec::default());
                    core.tracker
                        .spawn(close_with(conn, DisconnectReason::TooManyConnections));
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

/// One inbound connection: handshake under the timeout, then the link.
async fn inbound<S: Stream>(
    stream: S,
    addr: SocketAddr,
    core: Arc<Core>,
    _permit: OwnedSemaphorePermit,
) {
    let mut conn = Framed::new(stream, MessageCodec::default());
    let network = core.settings.network.clone();
    let handshake = tokio::time::timeout(core.settings.handshake_timeout, async {
        let ours = core.hello(0)?;
        handshake::inbound(&mut conn, ours, core.identity.signing_key()).await
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
            if matches!(
                e,
                HandshakeError::Unexpected { .. } | HandshakeError::Random(_)
            ) {
                close_with(conn, DisconnectReason::ProtocolError).await;
            } else if !matches!(e, HandshakeError::Timeout(_)) {
                linger(conn.into_inner()).await;
            }
            return;
        }
    };
    bump(&core.mgr.counters.handshakes_accepted);
    info!(peer = %theirs.node_id, direction = "inbound", network = %network,
        "Handshake accepted from {addr} (network: {network})");
    let session = theirs.session;
    establish(conn, &core, theirs, addr, Direction::Inbound, session).await;
}

fn log_refusal(core: &Core, addr: SocketAddr, network: &str, e: &HandshakeError) {
    let counters = &core.mgr.counters;
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
            "Rejecting handshake from {addr}: network {theirs}, ours is {network}"
        ),
        HandshakeError::NetworkMismatch { theirs, ours } => warn!(
            reason = "network_mismatch",
            "Rejecting handshake from {addr}: network definition {theirs}, ours is {ours} (not the same network file)"
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
        HandshakeError::Codec(codec) if !matches!(codec, super::codec::CodecError::Io(_)) => {
            bump(&counters.protocol_errors);
            warn!(
                reason = "protocol_error",
                "Protocol error from {addr} before handshake: {codec} - closing connection"
            );
        }
        other => info!("Connection from {addr} ended during handshake: {other}"),
    }
}
