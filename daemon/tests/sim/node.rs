//! One simulated `timed` node: the real P2P layer (`timed::net`) running as the
//! software of a turmoil host, over simulated TCP.
//!
//! The host's software binds the listener, starts the net layer with an injected
//! identity, a seeded RNG and a session counter taken from the simulated wall
//! clock (as production takes it from the real one), and publishes the handle in
//! a [`Slot`] the driver reads between simulation steps. A crash or restart
//! drops the whole software, sockets included; the restarted software publishes
//! a new handle under the same identity.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::Duration;

use timed::definition::Definition;
use timed::identity::Identity;
use timed::net::{NetSettings, Network};
use tokio_util::sync::CancellationToken;
use turmoil::net::TcpListener;

use crate::knobs;
use crate::transport::{SimDialer, SimListener, StreamBook};

/// Port every simulated node listens on (each host has its own address).
pub(crate) const P2P_PORT: u16 = 24100;

/// What the driver and the node's software share.
#[derive(Default)]
pub(crate) struct Slot {
    /// The running software's handle; `None` before it has started and while
    /// the node is down.
    pub(crate) handle: Option<Network>,
    /// Streams the node's current process holds open.
    pub(crate) book: StreamBook,
    /// The running software's shutdown token: cancelling it is SIGTERM.
    pub(crate) shutdown: Option<CancellationToken>,
    /// How many times the software has started: the first start waits for the
    /// plan's start delay, restarts do not.
    pub(crate) starts: u64,
}

/// Everything one node's software needs, fixed for the whole run.
#[derive(Clone)]
pub(crate) struct NodeSpec {
    pub(crate) seed: u64,
    pub(crate) identity: Identity,
    pub(crate) start_delay: Duration,
    /// Addresses of the peers it lists.
    pub(crate) peers: Vec<SocketAddr>,
    /// The network definition every simulated node shares (all honest nodes are
    /// its masternodes).
    pub(crate) definition: Definition,
}

/// The node's listen address as its peers dial it.
pub(crate) fn listen_addr(ip: IpAddr) -> SocketAddr {
    SocketAddr::new(ip, P2P_PORT)
}

/// The host software: run until the simulation drops it, or until its shutdown
/// token is cancelled and the net layer has closed every link.
///
/// # Errors
/// When the listener cannot be bound (a previous incarnation's listener still
/// bound would be a harness bug).
pub(crate) async fn software(spec: NodeSpec, slot: Rc<RefCell<Slot>>) -> turmoil::Result {
    let (starts, book) = {
        let mut s = slot.borrow_mut();
        s.starts += 1;
        s.handle = None;
        s.shutdown = None;
        (s.starts, s.book.clone())
    };
    if starts == 1 {
        tokio::time::sleep(spec.start_delay).await;
    }
    let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, P2P_PORT)).await?;
    let since_epoch = turmoil::since_epoch().ok_or("no simulated clock")?;
    let mut settings = NetSettings::for_definition(&spec.definition, P2P_PORT);
    settings.peers = spec.peers;
    settings.handshake_timeout = knobs::HANDSHAKE_TIMEOUT;
    settings.ping_interval = knobs::PING_INTERVAL;
    settings.ping_timeout = knobs::PING_TIMEOUT;
    // Each incarnation gets its own random choices, all derived from the seed.
    settings.rng_seed = spec.seed.rotate_left(17) ^ starts;
    settings.session_start = u64::try_from(since_epoch.as_micros()).unwrap_or(u64::MAX);
    let shutdown = CancellationToken::new();
    // Application events are not what this simulation checks: the receiver is
    // held undrained, and once its queue is full the layer drops and counts
    // new events without blocking any link.
    let (handle, _events) = timed::net::start(
        settings,
        &spec.identity,
        SimListener {
            listener,
            book: book.clone(),
        },
        SimDialer { book },
        shutdown.clone(),
    );
    {
        let mut s = slot.borrow_mut();
        s.handle = Some(handle.clone());
        s.shutdown = Some(shutdown.clone());
    }
    shutdown.cancelled().await;
    handle.closed().await;
    Ok(())
}
