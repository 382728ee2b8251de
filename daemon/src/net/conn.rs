//! A handshaken link: registration with the manager, then the message loop
//! (keepalive, outgoing queue, application messages) until either end closes it.
//! Every close it initiates sends `Disconnect {reason}` and waits for the peer's
//! close, so the peer reads a reason, never a reset.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::{DisconnectReason, Handshake, Message, NodeId};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::{info, warn};

use super::close::{close_with, linger};
use super::codec::CodecError;
use super::core::Core;
use super::counters::bump;
use super::event::{NetEvent, PeerSnapshot};
use super::handshake::Conn;
use super::manager::{Candidate, Closer, Manager, Registration};
use super::transport::Stream;
use crate::constants::PEER_QUEUE;

/// How a link ended, which tells a dialer what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkEnd {
    /// Another link to the same node won the collision rule (here or at the peer):
    /// the node is reachable through it, so no backoff and no redial while it lives.
    Duplicate,
    /// This node is shutting down.
    Shutdown,
    /// The peer left, the link broke, or it misbehaved: redial.
    Lost,
}

/// Timings of the keepalive.
#[derive(Clone, Copy, Debug)]
struct Keepalive {
    interval: Duration,
    timeout: Duration,
}

/// The word for a direction in log lines and fields.
pub fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

fn log_duplicate(mgr: &Manager, direction: Direction, addr: SocketAddr, peer: NodeId) {
    bump(&mgr.counters.duplicates_rejected);
    let dir = direction_word(direction);
    match direction {
        Direction::Inbound => info!(peer = %peer, direction = dir, reason = "duplicate",
            "Rejecting duplicate inbound from {addr} after handshake"),
        Direction::Outbound => info!(peer = %peer, direction = dir, reason = "duplicate",
            "Rejecting duplicate outbound to {addr} after handshake"),
    }
}

/// Registers a handshaken link and runs it until it ends. `session` is the
/// dialer's session for this link (ours if outbound, the peer's if inbound).
pub async fn establish<S: Stream>(
    mut conn: Conn<S>,
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
    let (sender, outbox) = mpsc::channel(PEER_QUEUE);
    let node = theirs.node_id;
    let candidate = Candidate {
        key: mgr.link_key(direction, node, session),
        snapshot: PeerSnapshot {
            node_id: node,
            addr,
            direction,
            connected_since: Instant::now(),
            rtt: None,
            best_height: theirs.best_height,
            masternode: mgr.is_configured_masternode(&node),
            software: theirs.software,
        },
        sender,
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
    };
    let link = Link {
        mgr,
        node,
        addr,
        direction,
        conn_id,
    };
    let end = link.run(&mut conn, outbox, &closer, keepalive).await;
    mgr.unregister(node, conn_id);
    match end {
        Ending::Close(reason, link_end) => {
            if reason == DisconnectReason::Duplicate {
                log_duplicate(mgr, direction, addr, node);
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

/// How the message loop ended: with a reason to tell the peer, quietly (the peer
/// said goodbye or closed), or by dropping a socket that no longer works.
enum Ending {
    Close(DisconnectReason, LinkEnd),
    Quiet(LinkEnd),
    Drop,
}

struct Link<'a> {
    mgr: &'a Manager,
    node: NodeId,
    addr: SocketAddr,
    direction: Direction,
    conn_id: u64,
}

impl Link<'_> {
    async fn run<S: Stream>(
        &self,
        conn: &mut Conn<S>,
        mut outbox: mpsc::Receiver<Message>,
        closer: &Closer,
        keepalive: Keepalive,
    ) -> Ending {
        let mut rng = self.mgr.fork_rng();
        let mut ticks =
            tokio::time::interval_at(Instant::now() + keepalive.interval, keepalive.interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut outstanding: Option<(u64, Instant)> = None;
        loop {
            tokio::select! {
                () = closer.closed() => {
                    let reason = closer.reason();
                    let end = if reason == DisconnectReason::Duplicate {
                        LinkEnd::Duplicate
                    } else {
                        LinkEnd::Shutdown
                    };
                    return Ending::Close(reason, end);
                }
                frame = conn.next() => match frame {
                    Some(Ok(msg)) => {
                        if let Some(ending) = self.on_message(conn, msg, &mut outstanding, keepalive).await {
                            return ending;
                        }
                    }
                    Some(Err(e)) => return self.on_read_error(e),
                    None => {
                        info!(peer = %self.node, direction = direction_word(self.direction),
                            "Peer {} closed the connection", self.addr);
                        return Ending::Quiet(LinkEnd::Lost);
                    }
                },
                Some(msg) = outbox.recv() => {
                    if let Err(ending) = self.send(conn, &msg, keepalive.timeout).await {
                        return ending;
                    }
                }
                _ = ticks.tick() => {
                    if let Some((_, sent)) = outstanding {
                        if sent.elapsed() >= keepalive.timeout {
                            bump(&self.mgr.counters.ping_timeouts);
                            warn!(peer = %self.node, direction = direction_word(self.direction),
                                "Ping timeout from {}", self.addr);
                            return Ending::Drop;
                        }
                    } else {
                        let nonce = rng.u64(..);
                        outstanding = Some((nonce, Instant::now()));
                        if let Err(ending) = self.send(conn, &Message::Ping { nonce }, keepalive.timeout).await {
                            return ending;
                        }
                    }
                }
            }
        }
    }

    async fn send<S: Stream>(
        &self,
        conn: &mut Conn<S>,
        msg: &Message,
        limit: Duration,
    ) -> Result<(), Ending> {
        match tokio::time::timeout(limit, conn.send(msg)).await {
            Ok(Ok(())) => Ok(()),
            // Our own message did not encode (too large for a frame): drop it, keep
            // the link; the peer did nothing wrong.
            Ok(Err(e @ (CodecError::TooLarge { .. } | CodecError::Json(_)))) => {
                warn!(peer = %self.node, kind = msg.kind(), "Not sending {} to {}: {e}", msg.kind(), self.addr);
                Ok(())
            }
            Ok(Err(e)) => Err(self.on_read_error(e)),
            Err(_) => {
                warn!(peer = %self.node, "Sending to {} timed out - closing connection", self.addr);
                Err(Ending::Drop)
            }
        }
    }

    fn on_read_error(&self, e: CodecError) -> Ending {
        let dir = direction_word(self.direction);
        match e {
            CodecError::Io(io) => {
                if io.kind() == std::io::ErrorKind::ConnectionReset {
                    bump(&self.mgr.counters.resets);
                }
                warn!(peer = %self.node, direction = dir, "Connection to {} lost: {io}", self.addr);
                Ending::Drop
            }
            protocol => {
                bump(&self.mgr.counters.protocol_errors);
                warn!(peer = %self.node, direction = dir, reason = "protocol_error",
                    "Protocol error from {}: {protocol} - closing connection", self.addr);
                Ending::Close(DisconnectReason::ProtocolError, LinkEnd::Lost)
            }
        }
    }

    /// Handles one message; `Some` ends the link.
    async fn on_message<S: Stream>(
        &self,
        conn: &mut Conn<S>,
        msg: Message,
        outstanding: &mut Option<(u64, Instant)>,
        keepalive: Keepalive,
    ) -> Option<Ending> {
        match msg {
            Message::Ping { nonce } => self
                .send(conn, &Message::Pong { nonce }, keepalive.timeout)
                .await
                .err(),
            Message::Pong { nonce } => {
                if let Some((expected, sent)) = *outstanding
                    && expected == nonce
                {
                    *outstanding = None;
                    let rtt = sent.elapsed();
                    self.mgr
                        .update(self.node, self.conn_id, |p| p.rtt = Some(rtt));
                }
                None
            }
            Message::Disconnect { reason } => {
                info!(peer = %self.node, direction = direction_word(self.direction), reason = %reason,
                    "Peer {} disconnected: {reason}", self.addr);
                let end = match reason {
                    DisconnectReason::Duplicate => LinkEnd::Duplicate,
                    _ => LinkEnd::Lost,
                };
                Some(Ending::Quiet(end))
            }
            Message::Handshake(_) | Message::Ack { .. } => {
                bump(&self.mgr.counters.protocol_errors);
                warn!(peer = %self.node, reason = "protocol_error",
                    "{} sent {} after handshake - closing connection", self.addr, msg.kind());
                Some(Ending::Close(
                    DisconnectReason::ProtocolError,
                    LinkEnd::Lost,
                ))
            }
            app => {
                if let Message::Status { best_height } = app {
                    self.mgr
                        .update(self.node, self.conn_id, |p| p.best_height = best_height);
                }
                self.mgr.emit(NetEvent::Message {
                    from: self.node,
                    message: app,
                });
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use timecoin_shared::wire::PROTOCOL_VERSION;
    use tokio::io::DuplexStream;
    use tokio_util::codec::Framed;
    use tokio_util::sync::CancellationToken;
    use tokio_util::task::TaskTracker;

    use super::*;
    use crate::identity::Identity;
    use crate::net::codec::MessageCodec;
    use crate::net::settings::NetSettings;

    const PEER: NodeId = NodeId([2; 32]);

    fn core() -> Core {
        let mut settings = NetSettings::new("test", 1);
        settings.ping_interval = Duration::from_secs(1);
        settings.ping_timeout = Duration::from_secs(3);
        Core {
            identity: Identity::from_signing_key(ed25519_dalek::SigningKey::from_bytes(&[1; 32])),
            mgr: Manager::new(NodeId([1; 32]), true, vec![PEER], 1, 0, mpsc::channel(64).0),
            settings,
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
        }
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

    fn pair() -> (Conn<DuplexStream>, Conn<DuplexStream>) {
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
