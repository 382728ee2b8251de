//! Every timeout, limit and default of the daemon in one place, each with the reason
//! for its value. Timing knobs that tests shrink are only defaults here; the live
//! values come from the config (see `config.rs`).

use std::time::Duration;

/// Largest frame accepted before the handshake. A handshake is a few hundred
/// bytes; a stranger who has not said who it is gets no more buffer than this.
pub const PRE_HANDSHAKE_FRAME_CAP: usize = 64 * 1024;

/// Largest frame accepted from a handshaken peer. Room for a batch of blocks in a
/// `blocks` answer; anything larger is a protocol error (log and close, never
/// allocated: the codec checks the length prefix before reserving).
pub(crate) const FRAME_CAP: usize = 4 * 1024 * 1024;

/// The Noise protocol of the peer channel: ephemeral keys on both ends (NN),
/// X25519, ChaCha20-Poly1305, BLAKE2s. No static keys: who is at the other end
/// is proven by the identity proofs, which sign this handshake's hash.
pub(crate) const NOISE_PATTERN: &str = "Noise_NN_25519_ChaChaPoly_BLAKE2s";

/// Mixed into the Noise handshake, so a channel opened for anything else (or by
/// another protocol version) never matches ours.
pub(crate) const NOISE_PROLOGUE: &[u8] = b"timecoin p2p channel v3";

/// Largest Noise handshake message accepted. NN's are 32 and 48 bytes; a
/// stranger who has not even opened a channel gets no more buffer than this.
pub(crate) const CHANNEL_HANDSHAKE_CAP: usize = 256;

/// Plaintext bytes of one channel record: a Noise message is at most 65535
/// bytes, 16 of them the tag. Frames up to [`FRAME_CAP`] span many records.
pub(crate) const RECORD_PLAINTEXT: usize = 65535 - 16;

/// Capacity a channel buffer keeps once drained: a small frame's worth, so an
/// idle link does not pin the 64 KiB a large frame made it grow to.
pub(crate) const CHANNEL_BUFFER_KEEP: usize = 16 * 1024;

/// Default time a new connection has to complete its handshake, the channel's
/// Noise handshake included. Loopback and intercontinental links both finish in
/// well under a second; a peer that takes longer is broken or a slowloris and
/// must not hold an inbound slot.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Default keepalive interval. Frequent enough that a dead link is noticed within
/// seconds, rare enough to be free (a ping is ~30 bytes).
pub(crate) const PING_INTERVAL: Duration = Duration::from_secs(5);

/// Default time an unanswered ping may stay outstanding before the link is closed
/// (`Ping timeout from ADDR`). Three intervals tolerates a hiccup without letting a
/// half-open link linger for long.
pub(crate) const PING_TIMEOUT: Duration = Duration::from_secs(15);

/// Default first retry delay after a genuine dial failure. Short, because the
/// common failure is a peer that is restarting right now.
pub(crate) const BACKOFF_INITIAL: Duration = Duration::from_millis(100);

/// Default cap of the retry delay. Low on purpose: the incident's 10/20/40/80 s
/// ladder kept nodes apart for minutes; with this cap a restarted peer is redialed
/// within about two seconds, and a handful of peers dialing a dead one every two
/// seconds costs nothing.
pub(crate) const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// How long a dialer told `duplicate` waits before checking that it really holds a
/// live link to that node. Long enough for the winning link's registration (already
/// in flight on both ends) to land, short enough that a lost winner is replaced fast.
pub(crate) const DUPLICATE_GRACE: Duration = Duration::from_millis(500);

/// Longest wait of a dialer's retry for the peer's own dial before dialing
/// itself, when the id at the address is known. A peer that was away (the reason
/// for the retry) dials every peer the moment it starts, so waiting for that dial
/// instead of racing it saves a second handshake (an ephemeral key exchange and
/// two identity proofs) per pair that the collision rule would throw away: half
/// the handshakes of a fleet's cold start. Long enough for that dial's handshake
/// on a loaded machine (64 nodes starting on two cores queue theirs for about a
/// second; 500 ms saved only a tenth of the duplicates there); as short as
/// [`BACKOFF_MAX`], so a peer that never dials (it does not list this node, or
/// its dial fails) is still dialed every few seconds. Jittered down to half, so
/// two ends that both wait do not dial in lockstep.
pub(crate) const DIAL_YIELD: Duration = Duration::from_secs(2);

/// Time allowed to dial a TCP connection. A dial that hangs (filtered port) counts
/// as a genuine failure and backs off like a refused one.
pub(crate) const DIAL_TIMEOUT: Duration = Duration::from_secs(5);

/// Time allowed to write a `Disconnect` and wait for the other end to close its
/// side. Closing a socket with unread data makes the kernel send a reset, which is
/// exactly what operators must never see; waiting for the peer's close avoids it,
/// and this bound keeps a silent peer from holding the task.
pub(crate) const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// Default limit of inbound links, and of inbound handshakes in progress. A fleet
/// has tens of nodes; hundreds of sockets from strangers are a flood. Strangers
/// over their share are told `Disconnect {too_many_connections}`; a configured
/// masternode is always admitted, evicting a stranger when the node is full.
pub(crate) const MAX_INBOUND: usize = 128;

/// Default inbound slots strangers can never take, so the configured masternodes
/// (a fleet of tens, each dialing about half of the others) find room even while
/// strangers hold every slot they may.
pub(crate) const RESERVED_INBOUND: usize = 32;

/// Default inbound stranger links from one IP
/// address. A fleet runs one node per machine and a few behind one NAT at most;
/// one host opening 135 sockets (issue 13) took every slot.
pub(crate) const MAX_INBOUND_PER_IP: usize = 4;

/// Handshakes in progress from one unknown address (not a configured peer's,
/// nor one a masternode has proven itself from). A few honest nodes behind one
/// NAT redialing at once need a handful; a sixteenth of [`MAX_INBOUND`] means
/// a squatter needs a dozen addresses to take the strangers' share, and the
/// known addresses keep [`RESERVED_INBOUND`] slots whatever strangers do.
pub(crate) const MAX_PENDING_PER_IP: usize = 8;

/// At most one `Refusing inbound` line per this interval (the rest are counted
/// in the next line and in `/metrics`): a connect flood must not flood the log.
pub(crate) const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(1);

/// Default time an inbound stranger may send no application message before it is
/// evicted. Every node sends `status` each block round, so only a squatter stays
/// silent this long; ten minutes also covers the longest block intervals in use.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Bytes queued for one peer before more messages to it are dropped (a block
/// broadcast is re-announced by `status`, a sync answer re-asked). Room for two
/// of the largest frames; broadcasts are shared between the queues, so many slow
/// peers hold one copy of a block, not one each.
pub(crate) const PEER_QUEUE_BYTES: usize = 2 * FRAME_CAP;

/// Bytes of received messages one link may have waiting for the chain: two of
/// the largest frames. A peer sending faster than the chain handles its messages
/// loses the excess (a block is re-announced, a sync answer re-asked), not the
/// other peers their turn.
pub(crate) const INBOUND_LINK_BYTES: usize = 2 * FRAME_CAP;

/// Bytes of received messages every stranger link together may have waiting
/// for the chain, and as much again for the configured masternodes' links
/// (strangers never take theirs). With 128 inbound strangers each sending 4 MiB
/// frames this is what bounds memory: sixteen largest frames, 64 MiB, where a
/// count of 4096 queued events allowed 16 GiB.
pub(crate) const INBOUND_BYTES: usize = 16 * FRAME_CAP;

/// Bytes every block answer to strangers being built or waiting to be written
/// may take, node-wide, and as much again for answers to configured masternodes
/// (strangers never hold theirs): eight answers of the largest frame. An honest
/// node asks one peer at a time, and only while behind; more requests wait for
/// room instead of growing memory (issue 13: a queue of 1024 answers per peer
/// grew 3 GiB).
pub(crate) const SERVE_BUDGET_BYTES: usize = 8 * FRAME_CAP;

/// What one block answer reserves of [`SERVE_BUDGET_BYTES`] until it is written:
/// the largest frame, since its size is known only once built.
pub(crate) const ANSWER_RESERVE: u32 = FRAME_CAP as u32;

/// Bytes of block answers one peer is served per second, after a first burst of
/// [`SERVE_BURST_BYTES`]. A node catching up gets about four full blocks, or
/// thousands of small ones, a second; a peer asking faster waits.
pub(crate) const SERVE_RATE_BYTES: u64 = 8 * 1024 * 1024;

/// See [`SERVE_RATE_BYTES`]: one largest frame at once after a pause.
pub(crate) const SERVE_BURST_BYTES: u64 = FRAME_CAP as u64;

/// Time after which a block request the chain has not answered (a store error,
/// or the request dropped from a full event queue) frees its reservation.
pub(crate) const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Read-buffer capacity a link keeps after a large frame. The codec grows the
/// buffer to the largest frame received (up to 4 MiB); kept per peer, that is
/// memory a peer could pin with a single frame.
pub(crate) const READ_BUFFER_KEEP: usize = 64 * 1024;

/// Messages buffered for the application in each lane (masternodes', strangers')
/// before new ones are dropped (and counted). The connection tasks must never
/// block on a slow consumer: that would stop their pings.
pub(crate) const EVENT_QUEUE: usize = 4096;

/// Pause after a failed `accept` (e.g. out of file descriptors) before trying again,
/// so the accept loop does not spin while the condition lasts.
pub(crate) const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// How long shutdown waits for connection tasks to send `Disconnect {shutting_down}`
/// and close before the process exits anyway.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Default time an RPC client has to send a request's headers, which is also how
/// long an idle keep-alive connection is kept. A local client or an SSH tunnel
/// sends its headers in one packet within milliseconds; ten seconds tolerates a
/// congested tunnel, while a client that sends half a header (a slowloris) holds
/// its connection slot no longer than this.
pub(crate) const RPC_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time an RPC request may take once its headers are in: reading a body
/// of at most 256 KiB, the handler and writing the answer. Every handler answers
/// from memory or one store read in milliseconds; thirty seconds covers a slow
/// tunnel, and a client that stops reading its answer loses its slot after it.
pub(crate) const RPC_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Default limit of RPC connections served at once; more wait in the kernel's
/// accept queue, costing the daemon no file descriptor. A dashboard, a deploy
/// and a check together poll with a handful; 256 leaves room for many operators
/// while, with the P2P limits, keeping the daemon far below the 1024 descriptors
/// a default soft limit allows.
pub(crate) const RPC_MAX_CONNECTIONS: usize = 256;

/// RPC connections one source address may hold at once (never more than
/// [`RPC_MAX_CONNECTIONS`] allows). A dashboard polls with a few, a deploy and a
/// check with a few more; an eighth of the total leaves the other seven eighths
/// to everyone else while one host holds 2000 half-sent requests (issue 22).
/// Connections over it are closed as soon as they are accepted.
pub(crate) const RPC_MAX_CONNECTIONS_PER_IP: usize = 32;

/// Connections the kernel queues for the RPC's accept loop. Deeper than the
/// 2000 half-sent requests one host opened at once in issue 22's siege: a full
/// queue drops every newcomer's SYN, and `/health` then waits the client's one
/// second SYN retransmission. Linux caps it at `net.core.somaxconn` (4096 by
/// default since 5.4); queued sockets cost kernel memory only, and the loop
/// closes the siege's at once (per-address limit).
pub(crate) const RPC_LISTEN_BACKLOG: u32 = 4096;

/// Default P2P listen address.
pub(crate) const DEFAULT_LISTEN: &str = "0.0.0.0:24100";

/// Default RPC address: loopback, so RPC is private unless an operator opts out.
pub(crate) const DEFAULT_RPC_BIND: &str = "127.0.0.1:8332";

/// Default network name.
pub(crate) const DEFAULT_NETWORK: &str = "mainnet";

/// Default data directory (the systemd unit's `StateDirectory`).
pub const DEFAULT_DATA_DIR: &str = "/var/lib/timed";

/// Default minimum of active masternodes for block production.
pub(crate) const DEFAULT_MIN_MASTERNODES: usize = 3;

/// Default block interval.
pub(crate) const DEFAULT_BLOCK_INTERVAL: Duration = Duration::from_secs(10);
