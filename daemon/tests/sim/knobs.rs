//! Every timing of the simulation in one place, each with why it has its value.
//!
//! The net layer's timings are shrunk from production (seconds to hundreds of
//! milliseconds) so that a seed covers dead links, timeouts and backoff in a few
//! simulated seconds. The backoff keeps its production values: the claim "a
//! restarted peer is back within about two seconds" is what is under test.

use std::time::Duration;

use timecoin_shared::wire::NodeId;
use timed::definition::Definition;

/// Network name every simulated node announces.
pub(crate) const NETWORK: &str = "sim";

/// The network definition of a run: every honest node is a masternode. Only the
/// P2P layer runs here, so the interval and genesis are never used; they are
/// part of the hash all nodes must share, nothing more.
pub(crate) fn definition(mut masternodes: Vec<NodeId>) -> Definition {
    masternodes.sort();
    Definition {
        name: NETWORK.into(),
        min_masternodes: 1,
        masternodes,
        block_interval: Duration::from_secs(1),
        genesis_ms: 0,
    }
}

/// Impostor connections in an impostor seed start within this window: while the
/// mesh forms and the storm plays, when a stolen link would do most harm.
pub(crate) const IMPOSTOR_WINDOW: Duration = Duration::from_secs(3);

/// After an impostor's last attempt, when its sockets are surely gone: its
/// handshake ends at once (refused) or at the handshake timeout, then the close
/// lingers at most a second.
pub(crate) const IMPOSTOR_GONE_AFTER: Duration =
    Duration::from_millis(HANDSHAKE_TIMEOUT.as_millis() as u64 + 1000 + 200);

/// Simulated time per step. Two milliseconds still resolve the latencies the
/// plans draw (0..80 ms) and the shortest timer (10 ms observations); the cost
/// of a seed is proportional to its steps, and 1 ms made 2000 seeds three times
/// slower without finding anything 2 ms missed.
pub(crate) const TICK: Duration = Duration::from_millis(2);

/// The nodes' handshake timeout: ten times the worst latency of a plan, so only
/// a held or cut path makes a handshake time out.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_millis(800);
/// The nodes' ping interval: short, so links stalled by a partition are found
/// within the run.
pub(crate) const PING_INTERVAL: Duration = Duration::from_millis(300);
/// The nodes' ping timeout: three intervals, as in production.
pub(crate) const PING_TIMEOUT: Duration = Duration::from_millis(900);

/// How often the driver reads every node's handle while it waits for the mesh.
pub(crate) const OBSERVE_EVERY: Duration = Duration::from_millis(10);

/// From the moment the network is healed and every node runs, how long until
/// every pair that wants a link must hold exactly one. The worst path: a link a
/// partition stalled is found dead by keepalive (interval + timeout), the
/// redial waits out the longest backoff (2 s cap, +jitter), a dial left hanging
/// by a held SYN hits the dial timeout (5 s), the handshake takes its latency,
/// and a dialer told `duplicate` re-checks after its grace (0.5 s). Exceeding it
/// means a node waits on a peer forever, or close to it.
pub(crate) const CONVERGE_WITHIN: Duration = Duration::from_secs(12);

/// After the heal, how long before the counters must stop rising: leftovers of
/// the storm (stalled links closed by keepalive, handshakes that were held) may
/// end in resets or ACK failures until then. Keepalive's detection time plus a
/// handshake timeout plus a close linger (1 s) plus a margin of two worst
/// latencies.
pub(crate) const STORM_ECHO: Duration = Duration::from_millis(
    (PING_INTERVAL.as_millis() + PING_TIMEOUT.as_millis() + HANDSHAKE_TIMEOUT.as_millis()) as u64
        + 1000
        + 200,
);

/// How long the mesh must hold still to count as settled: it passes the check
/// at every observation, keeps every link (same socket, same direction), and no
/// node makes, takes or fails a single connection. Longer than the backoff cap
/// (2 s), so a dial loop that would fire again is caught inside the window,
/// and than the ping timeout, so a link that only looks alive is found out.
pub(crate) const STABLE_FOR: Duration = Duration::from_millis(2500);
