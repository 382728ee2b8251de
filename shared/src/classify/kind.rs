//! The event kinds a log line can carry, and a small set of them.
//!
//! Kinds are a contract: `timectl logs --events`, `--output json` and the
//! checklist use their snake_case names, so the names never change.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One thing that happened on a node, as its log says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An outbound TCP connection was established (`Connected to peer: ADDR`).
    Connected,
    /// Our handshake got its Ack (`Handshake completed with ADDR`).
    HandshakeCompleted,
    /// We acked a peer's handshake (`Handshake accepted from ADDR`).
    HandshakeAccepted,
    /// A second link to an already linked node was closed.
    DuplicateRejected,
    /// The Ack never came: the incident's signature.
    HandshakeAckFailed,
    /// The peer reset the TCP connection (`os error 104`).
    ConnectionReset,
    /// A dial failed; carries the attempt number when the line has one.
    ConnectFailed,
    /// Keepalive gave up on a peer.
    PingTimeout,
    /// A peer spoke before handshaking and was closed.
    PreHandshakeMessage,
    /// A block round was skipped for lack of masternodes; carries active and minimum.
    ProductionSkipped,
    /// A block round started.
    BlockRound,
    /// This node produced a block; carries the height when the line has one.
    BlockProduced,
    /// A link to a peer ended (closed, read error, session over). Churn, not
    /// trouble by itself: a reset among them is also `connection_reset`.
    Disconnected,
    /// A block entered this node's chain as final (by consensus, or by the
    /// producer's fallback after a consensus timeout); carries the height.
    BlockFinalized,
    /// The node is catching up from its peers.
    Syncing,
    /// The node saw no peers for long enough to call itself cut off.
    NetworkPartition,
    /// The node caught a masternode signing two conflicting proposals or votes
    /// for one height and round (`Masternode ID equivocated at height H round
    /// R`): the line names the signer.
    Equivocation,
}

impl EventKind {
    /// Every kind, in declaration order (which is also the order of badges and tables).
    pub const ALL: [EventKind; 17] = [
        EventKind::Connected,
        EventKind::HandshakeCompleted,
        EventKind::HandshakeAccepted,
        EventKind::DuplicateRejected,
        EventKind::HandshakeAckFailed,
        EventKind::ConnectionReset,
        EventKind::ConnectFailed,
        EventKind::PingTimeout,
        EventKind::PreHandshakeMessage,
        EventKind::ProductionSkipped,
        EventKind::BlockRound,
        EventKind::BlockProduced,
        EventKind::Disconnected,
        EventKind::BlockFinalized,
        EventKind::Syncing,
        EventKind::NetworkPartition,
        EventKind::Equivocation,
    ];

    /// The contract name, as serde writes it.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Connected => "connected",
            EventKind::HandshakeCompleted => "handshake_completed",
            EventKind::HandshakeAccepted => "handshake_accepted",
            EventKind::DuplicateRejected => "duplicate_rejected",
            EventKind::HandshakeAckFailed => "handshake_ack_failed",
            EventKind::ConnectionReset => "connection_reset",
            EventKind::ConnectFailed => "connect_failed",
            EventKind::PingTimeout => "ping_timeout",
            EventKind::PreHandshakeMessage => "pre_handshake_message",
            EventKind::ProductionSkipped => "production_skipped",
            EventKind::BlockRound => "block_round",
            EventKind::BlockProduced => "block_produced",
            EventKind::Disconnected => "disconnected",
            EventKind::BlockFinalized => "block_finalized",
            EventKind::Syncing => "syncing",
            EventKind::NetworkPartition => "network_partition",
            EventKind::Equivocation => "equivocation",
        }
    }

    /// Whether the kind means trouble (operators' eyes go there first).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            EventKind::HandshakeAckFailed
                | EventKind::ConnectionReset
                | EventKind::ConnectFailed
                | EventKind::PingTimeout
                | EventKind::PreHandshakeMessage
                | EventKind::ProductionSkipped
                | EventKind::NetworkPartition
                | EventKind::Equivocation
        )
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not an [`EventKind`]; lists the valid ones so the user can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event kind {given:?} (known: {known})")]
pub struct UnknownKind {
    pub given: String,
    pub known: String,
}

impl FromStr for EventKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().replace('-', "_");
        EventKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(&wanted))
            .ok_or_else(|| UnknownKind {
                given: s.to_owned(),
                known: EventKind::ALL.map(EventKind::name).join(", "),
            })
    }
}

/// The kinds of one line, without allocating: the classifier runs on every line
/// of a flood.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct KindSet(u32);

// Correctness: one bit per kind; a thirty-third kind needs a wider integer.
const _: () = assert!(EventKind::ALL.len() <= u32::BITS as usize);

impl KindSet {
    pub fn insert(&mut self, kind: EventKind) {
        self.0 |= kind.bit();
    }

    pub fn contains(self, kind: EventKind) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether any kind of `other` is in `self`.
    pub fn intersects(self, other: KindSet) -> bool {
        self.0 & other.0 != 0
    }

    /// The kinds in declaration order.
    pub fn iter(self) -> impl Iterator<Item = EventKind> {
        EventKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }
}

impl FromIterator<EventKind> for KindSet {
    fn from_iter<I: IntoIterator<Item = EventKind>>(iter: I) -> Self {
        let mut set = KindSet::default();
        for kind in iter {
            set.insert(kind);
        }
        set
    }
}

impl fmt::Debug for KindSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for KindSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for KindSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<EventKind>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde_and_parse_back() {
        for kind in EventKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            assert_eq!(kind.name().parse::<EventKind>(), Ok(kind));
        }
        assert!("handshake-completed".parse::<EventKind>().is_ok());
        let err = "reset".parse::<EventKind>().unwrap_err();
        assert!(err.to_string().contains("connection_reset"), "{err}");
    }

    #[test]
    fn set_serializes_in_declaration_order() {
        let set: KindSet = [EventKind::ConnectionReset, EventKind::ConnectFailed]
            .into_iter()
            .collect();
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"["connection_reset","connect_failed"]"#
        );
        assert_eq!(set.len(), 2);
    }
}
