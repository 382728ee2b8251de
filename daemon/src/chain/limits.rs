//! Every limit and timing constant of the chain in one place, each with the reason
//! for its value, so a reviewer can weigh them together.

/// Blocks this deep under the tip are final and are never reverted.
///
/// Correctness: finality here is by depth, not by votes. A competing branch only
/// appears when two leaders of one height race (a round fell over while the slow
/// leader still produced) or when nodes' views of the active set differ (a single
/// cut link makes two overlapping "quorums"); with message delays under one
/// interval these resolve within a few rounds. The chain simulation with cut
/// links found a depth of 3 too shallow (two nodes finalized different blocks);
/// 6 holds over every simulated seed while keeping finality, and so finalized
/// transaction counts, six intervals behind the tip.
pub const FINALITY_DEPTH: u64 = 6;

/// Largest transaction accepted, measured as its canonical JSON bytes. The RPC
/// contract promises "any JSON object up to 64 KiB".
pub const MAX_TX_BYTES: usize = 64 * 1024;

/// Most transactions held pending at once: a flood of submissions must not grow
/// memory without bound while production is stalled.
pub const MAX_MEMPOOL_TXS: usize = 20_000;

/// Most transactions a block carries, and their total canonical bytes. Together
/// they keep a block well inside the wire's 4 MiB frame cap even with the header,
/// the hex signature and JSON escaping.
pub const MAX_BLOCK_TXS: usize = 2_000;
/// See [`MAX_BLOCK_TXS`].
pub const MAX_BLOCK_TX_BYTES: usize = 2 * 1024 * 1024;

/// Most blocks asked for in one `GetBlocks`: large enough that a fresh node syncs
/// thousands of blocks in a few round trips.
pub const SYNC_BATCH_BLOCKS: u32 = 512;

/// Most bytes of blocks put in one `Blocks` answer (at least one block is always
/// sent). Correctness: must stay under the wire's 4 MiB frame cap, or a full batch
/// would be refused as a protocol error and sync would stall.
pub const SYNC_BATCH_BYTES: usize = 3 * 1024 * 1024;

/// How far ahead of the local clock a block's timestamp may be. Servers kept by NTP
/// agree within tens of milliseconds; one second also tolerates an unsynced VM.
/// Correctness: every later block must be stamped after this one, so a block from
/// the future would freeze the chain's timestamps (and its rounds) until the clock
/// caught up; this bound limits that to one second.
pub const MAX_CLOCK_AHEAD_MS: u64 = 1_000;
