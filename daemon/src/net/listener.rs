//! The accept loop and the inbound side of every connection. Every connection is
//! accepted; each handshake runs in its own task under the handshake timeout, holding
//! one of `max_inbound` handshake permits, of which one address may hold the
//! strangers' share (`max_inbound - reserved_inbound`), so a slowloris never holds
//! a slot for long, one host cannot take every handshake slot, and a flood is
//! refused with
//! `Disconnect {too_many_connections}` while live links stay. Once the peer has
//! proven who it is, the manager decides whether it gets a link slot (`slots.rs`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::DisconnectReason;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Duration, Instant};
use tokio_util::codec::Framed;
use tracing::{info, warn};

use super::channel::{self, ChannelError};
use super::close::{close_with, linger};
use super::codec::{CodecError, MessageCodec};
use super::conn::establish;
use super::core::Core;
use super::counters::bump;
use super::handshake::{self, HandshakeError};
use super::transport::{Listener, Stream};
use crate::constants::ACCEPT_ERROR_PAUSE;

/// Handshakes in progress per IP address.
#[derive(Default)]
struct PerIp {
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// One handshake slot of an address, given back on drop.
struct IpSlot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn take(table: &Arc<PerIp>, ip: IpAddr, limit: usize) -> Option<IpSlot> {
        let mut counts = table
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = counts.entry(ip).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(IpSlot {
            table: table.clone(),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut counts = self
            .table
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// What an accepted connection holds while it handshakes.
struct HandshakeSlot {
    _permit: OwnedSemaphorePermit,
    _ip: IpSlot,
}

/// Accepts connections until shutdown.
pub(crate) async fn accept_loop<L: Listener>(mut listener: L, core: Arc<Core>) {
    let permits = Arc::new(Semaphore::new(core.settings.max_inbound));
    let per_ip = Arc::new(PerIp::default());
    loop {
        let accepted = tokio::select! {
            () = core.shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => {
                // Correctness: not `max_inbound_per_ip`: on loopback, and behind
                // NAT, every peer of a fleet may dial from one address, and which
                // of them are masternodes is known only after the handshake.
                let share = core
                    .settings
                    .max_inbound
                    .saturating_sub(core.settings.reserved_inbound);
                let ip_slot = PerIp::take(&per_ip, addr.ip(), share.max(1));
                let permit = permits.clone().try_acquire_owned().ok();
                match (permit, ip_slot) {
                    (Some(permit), Some(ip)) => {
                        let slot = HandshakeSlot {
                            _permit: permit,
                            _ip: ip,
                        };
                        core.tracker
                            .spawn(inbound(stream, addr, core.clone(), slot));
                    }
                    (permit, _) => {
                        bump(&core.mgr.counters.inbound_refused);
                        let why = if permit.is_some() {
                            "its address holds the strangers' share of handshakes".to_owned()
                        } else {
                            format!("{} handshakes already", core.settings.max_inbound)
                        };
                        warn!(
                            reason = "too_many_connections",
                            "Refusing inbound from {addr}: {why}"
                        );
                        core.tracker
                            .spawn(refuse(stream, core.settings.handshake_timeout));
                    }
                }
            }
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

/// Tells a connection over the limits why it is refused, in its channel (a
/// dialer reads nothing outside one).
async fn refuse<S: Stream>(stream: S, within: Duration) {
    if let Ok(Ok(secure)) = tokio::time::timeout(within, channel::accept(stream)).await {
        let conn = Framed::new(secure, MessageCodec::default());
        close_with(conn, DisconnectReason::TooManyConnections).await;
    }
}

/// One inbound connection: the channel and the handshake under the handshake
/// timeout, then the link.
async fn inbound<S: Stream>(stream: S, addr: SocketAddr, core: Arc<Core>, slot: HandshakeSlot) {
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
        HandshakeError::Channel(channel) if !matches!(channel, ChannelError::Io(_)) => {
            bump(&counters.protocol_errors);
            warn!(
                reason = "protocol_error",
                "Protocol error from {addr} before handshake: {channel} - closing connection"
            );
        }
        HandshakeError::Codec(codec) if !matches!(codec, CodecError::Io(_)) => {
            bump(&counters.protocol_errors);
            warn!(
                reason = "protocol_error",
                "Protocol error from {addr} before handshake: {codec} - closing connection"
            );
        }
        other => info!("Connection from {addr} ended during handshake: {other}"),
    }
}
