//! The outbound side: one task per configured peer address keeps a link to it.
//!
//! - Genuine failures back off exponentially with jitter, capped low.
//! - Told `duplicate`, it counts no failure: the node is reachable through the other
//!   link, so it waits until that link ends, and redials at once if after a short
//!   grace it holds no link to that node at all.
//! - An address that turns out to be this node is never dialed again.
//! - The first attempt dials at once, and so does one after `duplicate`. A
//!   retry after a failure or a lost link, when the node at the address is known
//!   (configured as `ID@ADDR`, or learnt from an earlier handshake), first waits
//!   a bounded, jittered while for that node's own dial: a node that was away
//!   dials all its peers as it starts, and racing that dial costs a second
//!   handshake the collision rule throws away (half the handshakes of a cold
//!   start). No link by then, it dials.

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
use super::conn::establish;
use super::core::Core;
use super::counters::bump;
use super::handshake::{self, Frames, HandshakeError};
use super::link::LinkEnd;
use super::transport::Dialer;
use crate::constants::{DIAL_TIMEOUT, DIAL_YIELD, DUPLICATE_GRACE};
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
    // The node behind `addr`: the one the configuration expects there, else the
    // one a handshake has told us of.
    let mut known: Option<NodeId> = core.settings.expected_ids.get(&addr).copied();
    // Whether the next attempt first waits for the peer's own dial.
    let mut peer_dials_first = false;
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
        if let Some(node) = known
            && peer_dials_first
        {
            let wait = tokio::time::timeout(backoff.jittered(DIAL_YIELD), mgr.until_linked(&node));
            match unless_shutdown(core, wait).await {
                None => return,
                // Its dial landed: the loop now waits for that link to end.
                Some(Ok(())) => continue,
                Some(Err(_elapsed)) => {}
            }
        }
        // Every way to the next attempt but `duplicate` is a failure or a loss.
        peer_dials_first = true;
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
                        peer_dials_first = false;
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
) -> Result<(Frames<Secure<D::Stream>>, Handshake), DialError> {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use crate::net::inbox::Lanes;
    use ed25519_dalek::SigningKey;
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::identity::Identity;
    use crate::net::close::Closer;
    use crate::net::event::PeerSnapshot;
    use crate::net::manager::{Candidate, Manager, Registration};
    use crate::net::outbox::Outbox;
    use crate::net::settings::NetSettings;

    /// A peer that is not listening: every dial is refused, and counted.
    #[derive(Clone, Default)]
    struct Refusing(Arc<AtomicUsize>);

    impl Dialer for Refusing {
        type Stream = tokio::io::DuplexStream;
        async fn dial(&self, _addr: SocketAddr) -> std::io::Result<Self::Stream> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Err(std::io::ErrorKind::ConnectionRefused.into())
        }
    }

    const PEER: NodeId = NodeId([9; 32]);

    fn addr() -> SocketAddr {
        "127.0.0.9:24100".parse().expect("addr")
    }

    /// A node whose configuration names `expected` at [`addr`].
    fn core(expected: Option<NodeId>) -> Arc<Core> {
        let identity = Identity::from_signing_key(SigningKey::from_bytes(&[7; 32]));
        let mut settings = NetSettings::new("test", 24100);
        settings.peers = vec![addr()];
        settings
            .expected_ids
            .extend(expected.map(|id| (addr(), id)));
        let (lanes, _) = Lanes::new(16);
        let mgr = Manager::new(identity.node_id(), true, Vec::new(), 1, 0, lanes);
        Arc::new(Core::new(identity, mgr, settings, CancellationToken::new()))
    }

    /// `PEER`'s own dial, registered as the live inbound link.
    fn peer_dials_in(core: &Core) -> u64 {
        let candidate = Candidate {
            key: core.mgr.link_key(Direction::Inbound, PEER, 1),
            snapshot: PeerSnapshot::stub(PEER, Direction::Inbound, false),
            outbox: Arc::new(Outbox::new(1)),
            closer: Closer::child_of(&core.shutdown),
        };
        match core.mgr.register(candidate) {
            Registration::Live(conn_id) => conn_id,
            other => panic!("the peer's link was not registered: {other:?}"),
        }
    }

    fn start(core: &Arc<Core>, dialer: &Refusing) {
        let backoff = Backoff::new(
            core.settings.backoff_initial,
            core.settings.backoff_max,
            fastrand::Rng::with_seed(1),
        );
        tokio::spawn(dial_loop(addr(), dialer.clone(), core.clone(), backoff));
    }

    /// The peer was not up at our first dial; it dials us as it starts, and our
    /// retry, waiting for that, never dials: one handshake for the pair, not two.
    /// Once that link ends, the retry again waits for the peer's dial first.
    #[tokio::test(start_paused = true)]
    async fn a_retry_waits_for_the_known_peers_own_dial() {
        let core = core(Some(PEER));
        let dialer = Refusing::default();
        start(&core, &dialer);
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(
            dialer.0.load(Ordering::SeqCst),
            1,
            "the first attempt dials at once"
        );
        // Within the retry's wait (the backoff plus at least half the yield).
        tokio::time::sleep(core.settings.backoff_initial).await;
        let conn_id = peer_dials_in(&core);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(dialer.0.load(Ordering::SeqCst), 1, "no dial while linked");
        core.mgr.unregister(PEER, conn_id);
        tokio::time::sleep(core.settings.backoff_initial).await;
        let conn_id = peer_dials_in(&core);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(
            dialer.0.load(Ordering::SeqCst),
            1,
            "the peer redialed first"
        );
        core.mgr.unregister(PEER, conn_id);
        core.shutdown.cancel();
    }

    /// A peer that never dials (down, or not listing this node) is still dialed:
    /// each retry within its backoff plus [`DIAL_YIELD`].
    #[tokio::test(start_paused = true)]
    async fn a_peer_that_never_dials_is_retried_within_backoff_and_the_yield() {
        let core = core(Some(PEER));
        let dialer = Refusing::default();
        start(&core, &dialer);
        let per_retry = core.settings.backoff_max + DIAL_YIELD;
        tokio::time::sleep(per_retry * 5 + Duration::from_millis(1)).await;
        assert!(
            dialer.0.load(Ordering::SeqCst) >= 6,
            "{} dials in five retry periods",
            dialer.0.load(Ordering::SeqCst)
        );
        core.shutdown.cancel();
    }

    /// Without a known id there is nothing to wait for: retries follow the
    /// backoff alone (100 ms, then 200 ms, ... halved by jitter at most).
    #[tokio::test(start_paused = true)]
    async fn an_unknown_peer_is_retried_on_the_backoff_alone() {
        let core = core(None);
        let dialer = Refusing::default();
        start(&core, &dialer);
        tokio::time::sleep(Duration::from_millis(701)).await;
        assert!(dialer.0.load(Ordering::SeqCst) >= 4);
        core.shutdown.cancel();
    }
}
