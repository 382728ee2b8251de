//! The message loop of one registered link: keepalive, the byte-bounded outgoing
//! queue, block requests through the serving gate, idle eviction of strangers,
//! and application messages handed to the chain, until either end closes it.
//!
//! Every write has the send timeout (the ping timeout): a peer that does not
//! read is dropped after it, and everything queued for it is freed.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use timecoin_shared::rpc::Direction;
use timecoin_shared::wire::{DisconnectReason, NodeId};
use tokio::time::{Instant, MissedTickBehavior};
use tracing::{info, warn};

use super::channel;
use super::codec::{CodecError, encode_payload, write_frame};
use super::counters::{EndedBy, bump};
use super::handshake::Frames;
use super::inbound::LinkBudget;
use super::manager::{Closer, Manager};
use super::outbox::Outbox;
use super::serve::Gate;
use super::transport::Stream;
use crate::constants::{ANSWER_TIMEOUT, READ_BUFFER_KEEP};
use crate::escape::escaped;
use crate::wire::Message;

/// How a link ended, which tells a dialer what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkEnd {
    /// Another link to the same node won the collision rule (here or at the peer):
    /// the node is reachable through it, so no backoff and no redial while it lives.
    Duplicate,
    /// This node is shutting down.
    Shutdown,
    /// The peer left, the link broke, or it misbehaved: redial.
    Lost,
}

/// The word for a direction in log lines and fields.
pub(crate) fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

/// How often a link reports that it is active to the manager (which picks the
/// longest-idle stranger to evict): often enough to rank squatters, rarely
/// enough that a chatty peer does not take the manager's lock per message.
const TOUCH_EVERY: Duration = Duration::from_secs(1);

/// How the message loop ended: with a reason to tell the peer, quietly (the peer
/// said goodbye or closed), or by dropping a socket that no longer works.
pub(super) enum Ending {
    Close(DisconnectReason, LinkEnd),
    Quiet(LinkEnd),
    Drop,
}

/// Timings of the keepalive; the timeout is also the send timeout.
#[derive(Clone, Copy, Debug)]
pub(super) struct Keepalive {
    pub(super) interval: Duration,
    pub(super) timeout: Duration,
}

/// What the loop needs besides the socket.
pub(super) struct Link<'a> {
    pub(super) mgr: &'a Manager,
    pub(super) node: NodeId,
    pub(super) addr: SocketAddr,
    pub(super) direction: Direction,
    pub(super) conn_id: u64,
    /// Evicted after this long without an application message (inbound
    /// strangers only).
    pub(super) idle_timeout: Option<Duration>,
    /// Bytes of this peer's messages that may wait for the chain.
    pub(super) inbound: LinkBudget,
}

/// State the loop keeps between messages.
struct Activity {
    outstanding_ping: Option<(u64, Instant)>,
    last_active: Instant,
    last_touch: Instant,
}

impl Link<'_> {
    pub(super) async fn run<S: Stream>(
        &self,
        conn: &mut Frames<S>,
        outbox: &Outbox,
        gate: &mut Gate,
        closer: &Closer,
        keepalive: Keepalive,
    ) -> Ending {
        let mut rng = self.mgr.fork_rng();
        let mut ticks =
            tokio::time::interval_at(Instant::now() + keepalive.interval, keepalive.interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let now = Instant::now();
        let mut activity = Activity {
            outstanding_ping: None,
            last_active: now,
            last_touch: now,
        };
        loop {
            tokio::select! {
                () = closer.closed() => {
                    let reason = closer.reason();
                    // Correctness: only the node's shutdown stops a dialer; a
                    // link closed for what its peer did is lost (redialed with
                    // backoff if we dialed it).
                    let end = match reason {
                        DisconnectReason::Duplicate => LinkEnd::Duplicate,
                        DisconnectReason::ShuttingDown => LinkEnd::Shutdown,
                        _ => LinkEnd::Lost,
                    };
                    return Ending::Close(reason, end);
                }
                frame = conn.next() => match frame {
                    Some(Ok(msg)) => {
                        shrink_read_buffer(conn);
                        if let Some(ending) = self.on_message(conn, msg, &mut activity, gate, keepalive).await {
                            return ending;
                        }
                    }
                    Some(Err(e)) => return self.on_read_error(e),
                    None => {
                        self.ended(EndedBy::Peer, "closed");
                        info!(peer = %self.node, direction = direction_word(self.direction),
                            "Peer {} closed the connection", self.addr);
                        return Ending::Quiet(LinkEnd::Lost);
                    }
                },
                frame = outbox.pop() => {
                    if let Err(ending) = self.write(conn, &frame.payload, keepalive.timeout).await {
                        return ending;
                    }
                    if frame.answer {
                        gate.answered(frame.payload.len());
                    }
                }
                Some(permit) = gate.turn(), if gate.has_turn_pending() => {
                    if let Some((request, bytes)) = gate.start(permit) {
                        outbox.expect_answer(true);
                        self.hand_over(request, bytes);
                    }
                }
                _ = ticks.tick() => {
                    if gate.expire(ANSWER_TIMEOUT) {
                        outbox.expect_answer(false);
                    }
                    if let Some(ending) = self.on_tick(conn, &mut activity, &mut rng, keepalive).await {
                        return ending;
                    }
                }
            }
        }
    }

    /// The keepalive and the idle check.
    async fn on_tick<S: Stream>(
        &self,
        conn: &mut Frames<S>,
        activity: &mut Activity,
        rng: &mut fastrand::Rng,
        keepalive: Keepalive,
    ) -> Option<Ending> {
        if let Some(idle) = self.idle_timeout
            && activity.last_active.elapsed() >= idle
        {
            bump(&self.mgr.counters.evictions);
            info!(peer = %self.node, reason = "evicted",
                "Evicting idle peer {}: no message in {idle:?}", self.addr);
            return Some(Ending::Close(DisconnectReason::Evicted, LinkEnd::Lost));
        }
        if let Some((_, sent)) = activity.outstanding_ping {
            if sent.elapsed() >= keepalive.timeout {
                bump(&self.mgr.counters.ping_timeouts);
                self.ended(EndedBy::Us, "ping_timeout");
                warn!(peer = %self.node, direction = direction_word(self.direction),
                    "Ping timeout from {}", self.addr);
                return Some(Ending::Drop);
            }
            return None;
        }
        let nonce = rng.u64(..);
        activity.outstanding_ping = Some((nonce, Instant::now()));
        self.send(conn, &Message::Ping { nonce }, keepalive.timeout)
            .await
            .err()
    }

    /// Encodes and writes one control message.
    async fn send<S: Stream>(
        &self,
        conn: &mut Frames<S>,
        msg: &Message,
        limit: Duration,
    ) -> Result<(), Ending> {
        match encode_payload(msg) {
            Ok(payload) => self.write(conn, &payload, limit).await,
            Err(e) => {
                warn!(peer = %self.node, kind = msg.kind(), "Not sending {} to {}: {e}", msg.kind(), self.addr);
                Ok(())
            }
        }
    }

    /// Writes one frame within the send timeout.
    async fn write<S: Stream>(
        &self,
        conn: &mut Frames<S>,
        payload: &[u8],
        limit: Duration,
    ) -> Result<(), Ending> {
        match tokio::time::timeout(limit, write_frame(conn.get_mut(), payload)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.on_read_error(e)),
            Err(_) => {
                bump(&self.mgr.counters.send_timeouts);
                self.ended(EndedBy::Us, "send_timeout");
                warn!(peer = %self.node, "Sending to {} timed out - closing connection", self.addr);
                Err(Ending::Drop)
            }
        }
    }

    fn on_read_error(&self, e: CodecError) -> Ending {
        let dir = direction_word(self.direction);
        match e {
            CodecError::Io(io) if channel::is_forged(&io) => {
                bump(&self.mgr.counters.auth_failures);
                self.ended(EndedBy::Us, "auth_failed");
                warn!(peer = %self.node, direction = dir, reason = "auth_failed",
                    "Connection to {} lost: {io} - closing connection", self.addr);
                Ending::Drop
            }
            CodecError::Io(io) => {
                if io.kind() == std::io::ErrorKind::ConnectionReset {
                    bump(&self.mgr.counters.resets);
                    self.ended(EndedBy::Peer, "reset");
                } else {
                    self.ended(EndedBy::Peer, "lost");
                }
                warn!(peer = %self.node, direction = dir, "Connection to {} lost: {io}", self.addr);
                Ending::Drop
            }
            protocol => {
                bump(&self.mgr.counters.protocol_errors);
                bump(&self.mgr.counters.decode_failures);
                warn!(peer = %self.node, direction = dir, reason = "protocol_error",
                    "Protocol error from {}: {} - closing connection", self.addr, escaped(&protocol));
                Ending::Close(DisconnectReason::ProtocolError, LinkEnd::Lost)
            }
        }
    }

    /// Handles one message; `Some` ends the link.
    async fn on_message<S: Stream>(
        &self,
        conn: &mut Frames<S>,
        msg: Message,
        activity: &mut Activity,
        gate: &mut Gate,
        keepalive: Keepalive,
    ) -> Option<Ending> {
        match msg {
            Message::Ping { nonce } => self
                .send(conn, &Message::Pong { nonce }, keepalive.timeout)
                .await
                .err(),
            Message::Pong { nonce } => {
                if let Some((expected, sent)) = activity.outstanding_ping
                    && expected == nonce
                {
                    activity.outstanding_ping = None;
                    let rtt = sent.elapsed();
                    self.mgr
                        .update(self.node, self.conn_id, |p| p.rtt = Some(rtt));
                }
                None
            }
            Message::Disconnect { reason } => {
                self.ended(EndedBy::Peer, reason.as_str());
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
                self.active(activity);
                let bytes = conn.codec().last_frame_len();
                match app {
                    Message::GetBlocks { .. } => gate.request(app, bytes),
                    Message::Status { best_height } => {
                        self.mgr
                            .update(self.node, self.conn_id, |p| p.best_height = best_height);
                        self.hand_over(app, bytes);
                    }
                    _ => self.hand_over(app, bytes),
                }
                None
            }
        }
    }

    /// Hands a message (`bytes` long on the wire) to the chain if the inbound
    /// budget has room for it, else drops it.
    fn hand_over(&self, message: Message, bytes: usize) {
        match self.inbound.take(bytes) {
            Some(held) => self.mgr.deliver(self.node, message, held),
            None => self.mgr.count_inbox_drop(
                self.mgr.is_configured_masternode(&self.node),
                message.metric_kind(),
                "bytes",
            ),
        }
    }

    /// Counts the link's end (`/metrics`: `timed_disconnects_total`).
    fn ended(&self, by: EndedBy, reason: &'static str) {
        self.mgr.counters.disconnects.bump((by, reason));
    }

    /// Notes an application message (what keeps a stranger from being idle).
    fn active(&self, activity: &mut Activity) {
        let now = Instant::now();
        activity.last_active = now;
        if now.duration_since(activity.last_touch) >= TOUCH_EVERY {
            activity.last_touch = now;
            self.mgr.touch(self.node, self.conn_id, now);
        }
    }
}

/// Gives back the read buffer's capacity after a large frame, so a peer cannot
/// pin megabytes with one frame.
fn shrink_read_buffer<S: Stream>(conn: &mut Frames<S>) {
    let buffer = conn.read_buffer_mut();
    if buffer.is_empty() && buffer.capacity() > READ_BUFFER_KEEP {
        *buffer = bytes::BytesMut::new();
    }
}
