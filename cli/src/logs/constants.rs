//! Timing and limits of `timectl logs`, in one place with the reason for each.

use std::time::Duration;

/// How long a live line waits before printing, so lines from nodes whose streams
/// lag a little still print in time order. Above SSH's usual jitter on a fleet,
/// below what feels laggy when watching.
pub const REORDER_HOLD: Duration = Duration::from_millis(300);

/// First wait before reconnecting a lost stream: a restarting node's sshd is
/// usually back within a second, a dead SSH master can be re-made at once.
pub const RECONNECT_FIRST: Duration = Duration::from_millis(250);

/// Longest wait between reconnects: a rebooting node is picked up within this
/// after it is back, without hammering it while it is down.
pub const RECONNECT_MAX: Duration = Duration::from_secs(5);

/// Reconnects of a finite window (`--since` without `-f`) before giving up on a
/// node; following retries forever.
pub const WINDOW_RETRIES: u32 = 5;

/// Past lines shown before following when neither `--since` nor a cursor says
/// where to start (journalctl's own `-f` default).
pub const DEFAULT_LINES: u32 = 10;

/// Words that make a log command follow (journalctl `-f`, tail `-f`/`-F`).
pub const FOLLOW_FLAGS: [&str; 3] = ["-f", "-F", "--follow"];
