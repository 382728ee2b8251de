//! The phrase families of the upstream daemon's logs: a wording and whether a
//! line with it carries a kind. The vector files and the recording are checked
//! against them.

use timecoin_shared::classify::EventKind::{self, *};

/// A phrase family of the upstream daemon's logs (the README of the recording,
/// plus the wordings of its own source that mean the same) and whether a line
/// with it carries `kind`.
pub(crate) struct Family {
    pub(crate) phrase: &'static str,
    pub(crate) kind: EventKind,
    pub(crate) carries: bool,
}

const fn family(phrase: &'static str, kind: EventKind) -> Family {
    Family {
        phrase,
        kind,
        carries: true,
    }
}

pub(crate) const FAMILIES: &[Family] = &[
    // Production blocked.
    family(r"Peer gate: \d+/\d+ compatible peer", ProductionSkipped),
    family(
        r"CRITICAL: \d+ active / \d+ total masternodes",
        ProductionSkipped,
    ),
    family(
        r"FORK PREVENTION: .*refusing block production",
        ProductionSkipped,
    ),
    family(r"Insufficient masternodes \(\d+\)", ProductionSkipped),
    family(
        r"Insufficient masternodes for block production: \d+ active",
        ProductionSkipped,
    ),
    family(
        r"Only \d+ compatible peer\(s\) \(need \d+\)",
        ProductionSkipped,
    ),
    family(r"Block production blocked", ProductionSkipped),
    family(
        r"Minority chain detected .* pausing production",
        ProductionSkipped,
    ),
    family(r"Pausing production: \d+ blocks behind", ProductionSkipped),
    family(r"Production paused: fork resolution", ProductionSkipped),
    family(r"suspending block production", ProductionSkipped),
    family(r"blocking production until resolved", ProductionSkipped),
    family(r"syncing instead of producing", ProductionSkipped),
    family(
        r"syncing to majority chain before producing",
        ProductionSkipped,
    ),
    family(r"cannot start block production", ProductionSkipped),
    family(
        r"Cannot produce block - only \d+ registered",
        ProductionSkipped,
    ),
    family(
        r"Bootstrap: waiting for ≥\d+ masternodes before producing",
        ProductionSkipped,
    ),
    family(r"Failed to produce block: ", ProductionSkipped),
    // Its second line, one event with the CRITICAL count.
    Family {
        phrase: r"CRITICAL: Cannot produce blocks with",
        kind: ProductionSkipped,
        carries: false,
    },
    // Starting, giving up waiting, a block not due yet: production goes on.
    Family {
        phrase: r"Peer gate: waiting for|Peer gate timeout|Production paused: block \d+ scheduled",
        kind: ProductionSkipped,
        carries: false,
    },
    // The normal deferral to a better proposer.
    Family {
        phrase: r"Skipping block production for height \d+: peer proposal has better VRF score",
        kind: ProductionSkipped,
        carries: false,
    },
    // Duplicate resolution.
    family(
        r"Simultaneous connection with \S+ — yielding",
        DuplicateRejected,
    ),
    family(
        r"Replacing existing inbound slot for whitelisted peer",
        DuplicateRejected,
    ),
    family(
        r"Evicted writer for \S+ so superseded connection can tear down",
        DuplicateRejected,
    ),
    family(
        r"Outbound to \S+ superseded by newer session",
        DuplicateRejected,
    ),
    family(r"Rejecting inbound from \S+ — keeping", DuplicateRejected),
    family(
        r"Outbound to \S+ superseded before mark_connected",
        DuplicateRejected,
    ),
    family(r"Inbound session for \S+ superseded", DuplicateRejected),
    family(r"Replaced live writer for peer", DuplicateRejected),
    family(
        r"Dropping duplicate inbound from \S+ — ConnectionManager",
        DuplicateRejected,
    ),
    // Disconnects and resets.
    family(r"Connection from \S+ ended", Disconnected),
    family(r"os error 104", ConnectionReset),
    family(r"Error reading from ", Disconnected),
    family(r"Connection closed by \S+ ", Disconnected),
    family(
        r"Connection to \S+ ended (?:quickly|gracefully)",
        Disconnected,
    ),
    family(r"Reader channel closed for ", Disconnected),
    family(r"Peer \S+ reader channel closed", Disconnected),
    family(
        r"Peer \S+ disconnected (?:\(EOF\)|before handshake)",
        Disconnected,
    ),
    // The lines after a link's reason line: one event with it.
    Family {
        phrase: r"Unified message loop ended for |Peer \S+ disconnected$",
        kind: Disconnected,
        carries: false,
    },
    family(
        r"Disconnecting (?:non-whitelisted peer |peer )?\d",
        Disconnected,
    ),
    family(r"Genesis mismatch with whitelisted peer", Disconnected),
    family(r"Kicked zombie peer", Disconnected),
    family(r"Masternode \S+ marked inactive", Disconnected),
    family(r"tripped pre-channel gate — disconnecting", Disconnected),
    family(r"Pre-handshake timeout from ", Disconnected),
    family(
        r"Failed to send (?:initial ping|ping|handshake) to ",
        Disconnected,
    ),
    family(r"Oversized frame from masternode", Disconnected),
    family(r"Closing connection to \S+ \(banned", Disconnected),
    family(
        r"Broadcast to \S+ failed \(.*closing connection",
        Disconnected,
    ),
    family(
        r"Rejecting \S+ (?:-|—) (?:invalid magic|protocol version|running obsolete)",
        Disconnected,
    ),
    family(r"Rejected inbound connection from ", Disconnected),
    family(r"TLS handshake failed for ", Disconnected),
    family(r"TLS handshake failed with ", ConnectFailed),
    family(r"Connection to \S+ failed: ", ConnectFailed),
    family(r"missed pongs$|due to timeout", PingTimeout),
    // A whitelisted peer's missed pongs only warn; the link stays.
    Family {
        phrase: r"NOT disconnecting",
        kind: Disconnected,
        carries: false,
    },
    Family {
        phrase: r"Suppressing DISCONNECT",
        kind: Disconnected,
        carries: false,
    },
    // Rounds, blocks, sync, partition.
    family(r"Block \d+ VRF sortition", BlockRound),
    family(r"VRF selected as block proposer", BlockRound),
    family(r"Block \d+ produced: \d+ txs", BlockProduced),
    family(r"Block \d+ finalized via consensus!", BlockFinalized),
    family(r"Fallback: Adding block \d+", BlockFinalized),
    family(r"Syncing from peers: \d+ → \d+", Syncing),
    family(r"NETWORK PARTITION DETECTED", NetworkPartition),
    // Wordings it shares with the daemons we already read.
    family(r"Connected to peer: ", Connected),
    family(r"Handshake accepted from ", HandshakeAccepted),
    family(r"Received Ack from ", HandshakeCompleted),
    family(r"sent message before handshake", PreHandshakeMessage),
    family(r"Pre-handshake flood from ", PreHandshakeMessage),
    // A ban after handshake failures, and one failure at debug level: the
    // failures are counted by their own lines.
    Family {
        phrase: r"Handshake: (?:temp-banned|renewed)|Handshake failure #",
        kind: PreHandshakeMessage,
        carries: false,
    },
];
