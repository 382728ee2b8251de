//! Every timeout and limit of `timectl` in one place, with the reason for its value.
//!
//! What stays beside its code, because it is about how things look or a wire
//! code rather than how long to wait or how much to hold:
//! - the dashboard's pacing and sizes: `tui/runtime/screen.rs` (`FRAME`,
//!   `DATA_FRAME`, `TICK`, `ROUND_WAIT`, `BATCH`), `tui/runtime/poll.rs`
//!   (`LOG_BACKLOG`, `HEAD_EVERY`), `tui/window.rs` (`MAX_PROBES`,
//!   `MAX_LINES`), `tui/logview.rs` (`LOG_RING`), `tui/node.rs`
//!   (`HEIGHT_HISTORY`, `RECENT_BLOCKS`), `tui/ui/links.rs` (`LABEL`, `CELL`),
//!   `tui/ui/checklist.rs` (`TITLE_MAX`);
//! - output: `cmd/deploy/render.rs` (`TICK`, the spinner), `cmd/status.rs`
//!   (`STALE_BLOCK_SECS`, when a block age shows as stale), `cmd/check.rs`
//!   (`WATCH_EVIDENCE_LINES`), `devnet/start.rs` (`LOG_TAIL`, log lines shown
//!   for a daemon that did not start), `check/journal.rs` (`SINCE_SLACK_SECS`);
//! - JSON-RPC error codes: `rpc_client/error.rs` (`METHOD_NOT_FOUND`),
//!   `probe/upstream.rs` (`BLOCK_NOT_FOUND`).

use std::time::Duration;

/// Establishing an SSH master: TCP connect plus key exchange and auth. Slow links
/// (the fleet spans continents) finish in well under this; a dead host costs no
/// more than this.
pub const SSH_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// SSH masters this process sets up at once (TCP connect, key exchange, auth);
/// the rest wait their turn. sshd refuses new handshakes at random once
/// `MaxStartups` are unauthenticated (its default `10:30:100`: 30 % of new ones
/// above 10), which a fleet behind one sshd (a jump host, the tests' loopback
/// sshd) reaches when a hundred masters start at once; eight stay below it with
/// room for another client. Eight at once still keeps two cores busy, and a
/// master that is up holds no permit, so a warm pool never waits.
pub(crate) const SSH_MASTER_STARTS: usize = 8;

/// Tries at starting a master that sshd closes before its banner (over its
/// `MaxStartups`, or too busy), and the pause before the second one (twice
/// that before the third, each stretched by up to as much again at random).
/// Any other failure is final at once.
pub(crate) const SSH_START_ATTEMPTS: usize = 3;
pub(crate) const SSH_START_BACKOFF: Duration = Duration::from_millis(200);

/// The soft limit on open files `timectl` lifts itself to when the hard limit
/// allows: room for thousands of SSH nodes, still a bound.
pub(crate) const OPEN_FILES: u64 = 65_536;

/// How long an SSH master may sit with no session before it exits on its own, so
/// no master outlives a crashed `timectl`. Long enough to span the gaps between
/// the polls of a dashboard.
pub(crate) const SSH_CONTROL_PERSIST_SECS: usize = 30;

/// Keepalive probe of an SSH master, so a vanished host ends a log stream in
/// seconds instead of at the TCP timeout.
pub(crate) const SSH_SERVER_ALIVE_INTERVAL: Duration = Duration::from_secs(5);

/// One RPC request, connect included. The RPC answers from memory in
/// milliseconds; a node that takes longer is treated as unhealthy.
pub(crate) const RPC_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an idle pooled RPC connection is kept for the next request.
/// Correctness: under the daemons' own idle limit (`timed` closes a keep-alive
/// connection after 10 s without a request, its header timeout). Above it, a
/// request sent as the daemon closes the connection dies with "connection
/// closed before message completed": `check` probes 10 s apart over a 20 s
/// window, so a third of a 64-node fleet "did not answer".
pub(crate) const RPC_POOL_IDLE: Duration = Duration::from_secs(5);

/// One probe of one node once its connection is open (forward, RPC, repo HEAD,
/// and a new master if the open one died meanwhile): with the connect bound
/// (twice [`SSH_CONNECT_TIMEOUT`]) before it, the most a dead node can cost
/// `status` or a dashboard poll, since nodes are probed at once. Above the
/// connect bound plus one RPC.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(12);

/// Lines buffered between a streaming command and its reader; a slow reader
/// pauses the remote command instead of growing memory.
pub(crate) const STREAM_BUFFER_LINES: usize = 1024;

/// A line longer than this is cut (a runaway log line must not exhaust memory).
pub(crate) const STREAM_MAX_LINE_BYTES: usize = 64 * 1024;

/// The tail of stderr kept from a streaming command to explain why it ended.
pub(crate) const STREAM_STDERR_TAIL_BYTES: usize = 4 * 1024;

/// `devnet down`: time a daemon gets to shut down cleanly after SIGTERM before
/// SIGKILL. The daemon drains its peers in well under a second.
pub(crate) const DEVNET_STOP_GRACE: Duration = Duration::from_secs(5);

/// `devnet down`: time after SIGKILL for the kernel to reap a daemon.
pub(crate) const DEVNET_KILL_WAIT: Duration = Duration::from_secs(2);

/// `devnet up`: most daemons in one devnet; they share one /24 of loopback
/// addresses.
pub(crate) const DEVNET_MAX_NODES: usize = 250;

/// `devnet up`: how long a daemon may take to answer its RPC after spawning.
pub(crate) const DEVNET_START_TIMEOUT: Duration = Duration::from_secs(15);

/// How often conditions with a deadline are polled.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(50);

// `timectl logs`.

/// How long a live line waits before printing, so lines from nodes whose streams
/// lag a little still print in time order. Above SSH's usual jitter on a fleet,
/// below what feels laggy when watching.
pub(crate) const LOGS_REORDER_HOLD: Duration = Duration::from_millis(300);

/// First wait before reconnecting a lost stream: a restarting node's sshd is
/// usually back within a second, a dead SSH master can be re-made at once.
pub(crate) const LOGS_RECONNECT_FIRST: Duration = Duration::from_millis(250);

/// Longest wait between reconnects: a rebooting node is picked up within this
/// after it is back, without hammering it while it is down.
pub(crate) const LOGS_RECONNECT_MAX: Duration = Duration::from_secs(5);

/// Reconnects of a finite window (`--since` without `-f`) before giving up on a
/// node; following retries forever.
pub(crate) const LOGS_WINDOW_RETRIES: u32 = 5;

/// Past lines shown before following when neither `--since` nor a cursor says
/// where to start (journalctl's own `-f` default).
pub(crate) const LOGS_DEFAULT_LINES: u32 = 10;

/// `logs --from-file`: bytes read at once. A saved day of a fleet's journals is
/// millions of lines; large reads keep the cost per read off each of them.
pub(crate) const LOGS_FILE_BUFFER: usize = 1 << 20;

/// Lines in flight between the node followers of `logs` and its printer: enough
/// for a burst, bounded so a flooding node waits instead of eating memory.
pub(crate) const LOGS_EVENT_QUEUE: usize = 4096;

// `timectl deploy`, `rollback` and `lock`.

/// A deploy's lock expires this long after its last heartbeat: a crashed
/// `timectl` frees the fleet for `--steal-stale` within minutes, while a live one
/// refreshes it many times over in that span.
pub(crate) const DEPLOY_LOCK_TTL: Duration = Duration::from_secs(120);

/// How often a running deploy refreshes its locks: several beats per TTL, so a
/// slow SSH round trip or two never lets a live lock go stale.
pub(crate) const DEPLOY_LOCK_HEARTBEAT: Duration = Duration::from_secs(20);

/// Default TTL of a maintenance lock (`timectl lock acquire`), which nothing
/// refreshes: a working day, after which others may `--steal-stale` it.
pub(crate) const MAINTENANCE_LOCK_TTL: Duration = Duration::from_secs(8 * 3600);

/// How long a watcher (the dashboard, the exporter) waits for one node's
/// lock: a node that does not answer is shown as unread, and holds up nothing
/// but its own next read.
pub(crate) const LOCK_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the dashboard reads each node's deploy lock: a lock changes hands
/// rarely and a deploy's phases last seconds to minutes, so every few seconds
/// shows them without a process on every node every second.
pub(crate) const TUI_LOCK_INTERVAL: Duration = Duration::from_secs(5);

/// Connecting to a node and asking it one thing (lock status, preflight): a dead
/// node costs the whole command no more than this, since nodes are asked at once.
pub(crate) const DEPLOY_NODE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long tracked tasks get to finish after a command returns. They only
/// cancel streams and close forwards, which takes milliseconds.
pub(crate) const SHUTDOWN_DRAIN: Duration = Duration::from_secs(3);

/// How often a gate polls the node: a few times per block at the shortest block
/// intervals we run (devnets, 500 ms), cheap for the RPC. Tried at 100 ms (the
/// other nodes asked only once the node's own checks passed): the next restart
/// then followed within a tenth of a second, and the four-host lab rollout
/// logged a skipped round once in CI, which it never had at 250 ms; why is not
/// established, so the gate keeps its pace.
pub(crate) const DEPLOY_GATE_POLL: Duration = Duration::from_millis(250);

/// The least time a rolled-back node gets to pass its gate: the old version is
/// known good, so a short `--gate-timeout` meant for the release must not fail it.
pub(crate) const DEPLOY_ROLLBACK_GATE_FLOOR: Duration = Duration::from_secs(60);

/// The most reading every journal may take once the window closed. A window's
/// worth of lines streams in well under a second; the margin covers a node
/// reconnected a few times (the logs engine's own retries) on a slow link.
pub(crate) const CHECK_JOURNAL_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Most nodes a demo starts: the matrix and the table stay readable on a laptop screen.
pub(crate) const DEMO_MAX_NODES: usize = 16;

/// Messages in flight to the event loop: pollers wait when it is this far behind.
pub(crate) const TUI_MSG_QUEUE: usize = 1024;

/// How long the pollers get, once the dashboard closes, to cancel their remote
/// log commands and wait for them; then they are dropped.
pub(crate) const TUI_DRAIN: Duration = Duration::from_secs(3);

/// Events in flight between the log followers and the dashboard; a flood waits
/// here instead of growing memory.
pub(crate) const TUI_LOG_QUEUE: usize = 1024;

/// How long the async runtime waits, once the command returned and its tracked
/// tasks drained, for what is left (a forward's last copy, a stream's end)
/// before it drops them: they hold no state worth more than the exit.
pub(crate) const RUNTIME_SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

/// What `timectl exporter`'s `/metrics` server holds for its clients. A scrape
/// is one small request on one kept-alive connection from each Prometheus
/// (two for a pair, a few more for a person with curl): 64 connections and 8
/// from one address leave room for all of them, while a stranger on a listen
/// address open to a network cannot hold more than that, nor hold any longer
/// than a header or a stuck write may take.
pub(crate) const EXPORTER_LIMITS: timecoin_http::Limits = timecoin_http::Limits {
    header_timeout: Duration::from_secs(10),
    write_timeout: Duration::from_secs(10),
    max_connections: 64,
    max_per_ip: 8,
};

/// Connections the kernel queues in front of the exporter's accept loop.
pub(crate) const EXPORTER_LISTEN_BACKLOG: u32 = 1024;
