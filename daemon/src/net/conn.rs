//! A handshaken link: admission and registration with the manager, then the
//! message loop (`link.rs`) until either end closes it. Every close it initiates
//! sends `Disconnect {reason}` and waits for the peer's close, so the peer reads
//! a reason, never a reset.

use std::net::SocketAddr;
use std::sync::Arc;

use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::{DisconnectReason, Handshake, NodeId};
use tokio::time::Instant;
use tracing::{info, warn};

use super::close::{close_with, linger};
use super::core::Core;
use super::counters::{EndedBy, bump};
use super::event::PeerSnapshot;
use super::handshake::Frames;
use super::inbound::LinkBudget;
use super::link::{Ending, Keepalive, Link, LinkEnd, direction_word};
use super::manager::{Candidate, Closer, Manager, Registration};
use super::outbox::Outbox;
use super::serve::Gate;
use super::slots::Refusal;
use super::transport::Stream;
use crate::constants::{INBOUND_LINK_BYTES, PEER_QUEUE_BYTES, SERVE_BURST_BYTES, SERVE_RATE_BYTES};
use crate::wire::Message;

fn log_duplicate(mgr: &Manager, direction: Direction, addr: SocketAddr, peer: NodeId) {
    bump(&mgr.counters.duplicates_rejected);
    let reason = DisconnectReason::Duplicate.as_str();
    mgr.counters.disconnects.bump((EndedBy::Us, reason));
    let dir = direction_word(direction);
    match direction {
        Direction::Inbound => info!(peer = %peer, direction = dir, reason = "duplicate",
            "Rejecting duplicate inbound from {addr} after handshake"),
        Direction::Outbound => info!(peer = %peer, direction = dir, reason = "duplicate",
            "Rejecting duplicate outbound to {addr} after handshake"),
    }
}

fn log_refused(mgr: &Manager, addr: SocketAddr, peer: NodeId, why: Refusal) {
    bump(&mgr.counters.inbound_refused);
    let reason = DisconnectReason::TooManyConnections.as_str();
    mgr.counters.disconnects.bump((EndedBy::Us, reason));
    let why = match why {
        Refusal::Full => "every stranger slot is taken",
        Refusal::PerIp => "its address holds the most links one address may",
    };
    warn!(peer = %peer, reason = "too_many_connections",
        "Refusing inbound from {addr} after handshake: {why}");
}

/// Registers a handshaken link and runs it until it ends. `session` is the
/// dialer's session for this link (ours if outbound, the peer's if inbound).
pub(crate) async fn establish<S: Stream>(
    mut conn: Frames<S>,
    core: &Core,
    theirs: Handshake,
    addr: SocketAddr,
    direction: Direction,
    session: u64,
) -> LinkEnd {
    let mgr = &core.mgr;
    let closer = Closer::child_of(&core.shutdown);
    let keepalive = Keepalive {
        interval: core.settings.ping_interval,
        timeout: core.settings.ping_timeout,
    };
    conn.codec_mut().raise_cap();
    let outbox = Arc::new(Outbox::new(PEER_QUEUE_BYTES));
    let node = theirs.node_id;
    let masternode = mgr.is_configured_masternode(&node);
    let candidate = Candidate {
        key: mgr.link_key(direction, node, session),
        snapshot: PeerSnapshot {
            node_id: node,
            addr,
            direction,
            connected_since: Instant::now(),
            rtt: None,
            best_height: theirs.best_height,
            masternode,
            software: theirs.software,
        },
        outbox: outbox.clone(),
        closer: closer.clone(),
    };
    let conn_id = match mgr.register(candidate) {
        Registration::Live(id) => id,
        Registration::Duplicate => {
            // Probe the link that won: if it is a half-open leftover (the peer's
            // machine restarted), the write draws a reset and frees the slot now
            // instead of at the next keepalive timeout. A live peer just answers.
            mgr.send_to(&node, Message::Ping { nonce: 0 });
            log_duplicate(mgr, direction, addr, node);
            close_with(conn, DisconnectReason::Duplicate).await;
            return LinkEnd::Duplicate;
        }
        Registration::Refused(why) => {
            log_refused(mgr, addr, node, why);
            close_with(conn, DisconnectReason::TooManyConnections).await;
            return LinkEnd::Lost;
        }
    };
    let link = Link {
        mgr,
        node,
        addr,
        direction,
        conn_id,
        idle_timeout: (direction == Direction::Inbound && !masternode)
            .then_some(core.settings.idle_timeout),
        inbound: LinkBudget::new(
            if masternode {
                core.masternode_inbound.clone()
            } else {
                core.stranger_inbound.clone()
            },
            INBOUND_LINK_BYTES,
        ),
    };
    let serve = if masternode {
        &core.masternode_serve
    } else {
        &core.stranger_serve
    };
    let mut gate = Gate::new(serve.clone(), SERVE_RATE_BYTES, SERVE_BURST_BYTES);
    let end = link
        .run(&mut conn, &outbox, &mut gate, &closer, keepalive)
        .await;
    mgr.unregister(node, conn_id);
    // Correctness: frees what was queued for this peer now, not when the last
    // sender's clone goes.
    outbox.close();
    drop(gate);
    match end {
        Ending::Close(reason, link_end) => {
            if reason == DisconnectReason::Duplicate {
                log_duplicate(mgr, direction, addr, node);
            } else {
                mgr.counters
                    .disconnects
                    .bump((EndedBy::Us, reason.as_str()));
            }
            close_with(conn, reason).await;
            link_end
        }
        Ending::Quiet(link_end) => {
            // The peer already closed or said why; close our side without a word.
            linger(conn.into_inner()).await;
            link_end
        }
        Ending::Drop => LinkEnd::Lost,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use timecoin_shared::wire::PROTOCOL_VERSION;
    use tokio::io::DuplexStream;
    use tokio_util::codec::Framed;
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::identity::Identity;
    use crate::net::codec::MessageCodec;
    use crate::net::inbox::Lanes;
    use crate::net::settings::NetSettings;

    const PEER: NodeId = NodeId([2; 32]);

    fn core() -> Core {
        let mut settings = NetSettings::new("test", 1);
        settings.ping_interval = Duration::from_secs(1);
        settings.ping_timeout = Duration::from_secs(3);
        Core::new(
            Identity::from_signing_key(ed25519_dalek::SigningKey::from_bytes(&[1; 32])),
            Manager::new(NodeId([1; 32]), true, vec![PEER], 1, 0, Lanes::new(64).0),
            settings,
            CancellationToken::new(),
        )
    }

    fn theirs() -> Handshake {
        Handshake {
            network: "test".into(),
            protocol_version: PROTOCOL_VERSION,
            node_id: PEER,
            listen_port: 1,
            masternode: true,
            best_height: 0,
            software: "test".into(),
            session: 1,
            network_hash: String::new(),
            nonce: String::new(),
        }
    }

    fn pair() -> (Frames<DuplexStream>, Frames<DuplexStream>) {
        let (a, b) = tokio::io::duplex(1 << 16);
        (
            Framed::new(a, MessageCodec::default()),
            Framed::new(b, MessageCodec::default()),
        )
    }

    fn addr() -> SocketAddr {
        "127.0.0.1:9".parse().expect("addr")
    }

    #[tokio::test(start_paused = true)]
    async fn silent_peer_is_dropped_after_the_ping_timeout() {
        let core = core();
        let (ours, _silent) = pair();
        let started = Instant::now();
        let end = establish(ours, &core, theirs(), addr(), Direction::Outbound, 1).await;
        assert_eq!(end, LinkEnd::Lost);
        let took = started.elapsed();
        // First ping after one interval, found stale at the first tick past the timeout.
        assert!(
            took >= Duration::from_secs(4) && took <= Duration::from_secs(5),
            "{took:?}"
        );
        assert_eq!(core.mgr.counters.snapshot().ping_timeouts, 1);
        assert!(!core.mgr.is_linked(&PEER), "unregistered when it ends");
    }

    #[tokio::test(start_paused = true)]
    async fn answering_peer_stays_until_shutdown_and_hears_why() {
        let core = core();
        let (ours, mut peer) = pair();
        let answering = tokio::spawn(async move {
            while let Some(Ok(msg)) = peer.next().await {
                match msg {
                    Message::Ping { nonce } => {
                        peer.send(&Message::Pong { nonce }).await.expect("pong")
                    }
                    Message::Disconnect { reason } => return Some(reason),
                    _ => {}
                }
            }
            None
        });
        let link = establish(ours, &core, theirs(), addr(), Direction::Inbound, 1);
        let stop = async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            assert!(core.mgr.is_linked(&PEER), "still live after 30 s of pings");
            assert!(core.mgr.peers()[0].rtt.is_some(), "rtt measured");
            core.shutdown.cancel();
        };
        let (end, ()) = tokio::join!(link, stop);
        assert_eq!(end, LinkEnd::Shutdown);
        let said = answering.await.expect("peer task");
        assert_eq!(said, Some(DisconnectReason::ShuttingDown));
    }
}
