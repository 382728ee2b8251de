//! Every limit and timing constant of the chain in one place, each with the reason
//! for its value, so a reviewer can weigh them together.

use std::time::Duration;

/// Largest transaction accepted, measured as its canonical JSON bytes. The RPC
/// contract promises "any JSON object up to 64 KiB".
pub(crate) const MAX_TX_BYTES: usize = 64 * 1024;

/// Deepest nesting of arrays and objects in a transaction, the transaction
/// itself counting as one. Checked while it is decoded; far below serde_json's
/// own limit of 128 for a whole message, so a transaction refused here is
/// refused alike in a frame and in an RPC body.
pub(crate) const MAX_TX_DEPTH: usize = 64;

/// Default bound of the mempool in bytes (configurable as `mempool_bytes`): sixteen
/// full blocks' worth of transactions ([`MAX_BLOCK_TX_BYTES`] each), so a backlog
/// of sixteen intervals drains without a loss, while a flood that reaches every
/// node (gossip carries it everywhere) adds at most this much to each node's
/// memory, well inside a node's 256 MiB budget. The old bound of 20,000
/// transactions let 64 KiB ones take 1.4 GB on every node.
pub(crate) const DEFAULT_MEMPOOL_BYTES: usize = 32 * 1024 * 1024;

/// How long a transaction stays pending before it is forgotten: a transaction
/// no block took in this long will not be taken (the pool holds sixteen blocks'
/// worth, two and a half minutes at the default interval), and a flood's
/// leftovers must not hold the pool for good. Its sender may submit it again.
pub(crate) const MEMPOOL_TTL: Duration = Duration::from_secs(30 * 60);

/// What one pending entry costs beyond its bytes: its slot in the id map (id,
/// sequence number, boxed slice), its slot in the arrival-order index and the
/// allocator's rounding, about 150 bytes on a 64-bit target, rounded up. Charging
/// it bounds the number of tiny transactions, not only their bytes.
pub(crate) const ENTRY_OVERHEAD: usize = 192;

/// Default rate, in canonical bytes per second, of transactions taken from one
/// peer's gossip (configurable as `tx_gossip_rate`); the rest are dropped. Blocks
/// take at most [`MAX_BLOCK_TX_BYTES`] per interval, 205 KiB/s at the default
/// 10 s interval: an honest peer cannot relay transactions for long faster than
/// the network includes them, and one peer cannot fill every node's pool at wire
/// speed.
pub(crate) const DEFAULT_TX_GOSSIP_RATE: u64 = 256 * 1024;

/// Bytes of transactions one peer may gossip at once before its rate applies:
/// one block's worth, so a burst of submissions relayed at once is not cut.
pub(crate) const TX_GOSSIP_BURST: u64 = MAX_BLOCK_TX_BYTES as u64;

/// Most peers whose gossip rate is remembered; far more than a node has links, so
/// only identities that come and go faster than links close can reset it.
pub(crate) const MAX_RATED_PEERS: usize = 4096;

/// Most transactions a block carries, and their total canonical bytes. Together
/// they keep a block well inside the wire's 4 MiB frame cap even with the header,
/// the hex signature and JSON escaping.
pub(crate) const MAX_BLOCK_TXS: usize = 2_000;
/// See [`MAX_BLOCK_TXS`].
pub(crate) const MAX_BLOCK_TX_BYTES: usize = 2 * 1024 * 1024;

/// Most blocks asked for in one `GetBlocks`: large enough that a fresh node syncs
/// thousands of blocks in a few round trips.
pub const SYNC_BATCH_BLOCKS: u32 = 512;

/// Most bytes of blocks put in one `Blocks` answer (at least one block is always
/// sent). Correctness: must stay under the wire's 4 MiB frame cap, or a full batch
/// would be refused as a protocol error and sync would stall.
pub(crate) const SYNC_BATCH_BYTES: usize = 3 * 1024 * 1024;

/// How far ahead of the local clock a block's timestamp may be. Servers kept by NTP
/// agree within tens of milliseconds; one second also tolerates an unsynced VM.
/// Correctness: every later block must be stamped after this one, so a block from
/// the future would freeze the chain's timestamps (and its rounds) until the clock
/// caught up; this bound limits that to one second.
pub(crate) const MAX_CLOCK_AHEAD_MS: u64 = 1_000;
