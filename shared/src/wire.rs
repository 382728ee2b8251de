//! P2P messages: what one node may say to another.
//!
//! On the socket each message is one frame: a big-endian `u32` length, then the
//! message as JSON, tagged by `type` (`{"type":"ping","nonce":7}`). Framing and the
//! frame-size cap live in the daemon's codec; this module is only the vocabulary.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Protocol version spoken by this build. A peer whose version differs in the
/// major part (see [`compatible`]) is refused with [`DisconnectReason::IncompatibleVersion`].
/// Version 2 added the network definition hash, the challenge nonce and [`Message::Proof`].
pub const PROTOCOL_VERSION: u32 = 2;

/// Whether a peer announcing `theirs` can talk to us. Versions are compatible
/// when equal for now; the function exists so the rule has one home.
pub fn compatible(theirs: u32) -> bool {
    theirs == PROTOCOL_VERSION
}

/// A node's identity: its ed25519 public key. Ordered by its bytes, which is the
/// same order as its lower-case hex form, so both ends of a link compare ids alike.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub [u8; 32]);

impl NodeId {
    /// The first 8 hex digits: enough to tell nodes apart in a log line.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.short())
    }
}

/// Why a string is not a [`NodeId`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("node id must be 64 hex digits")]
pub struct ParseNodeIdError;

impl FromStr for NodeId {
    type Err = ParseNodeIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| ParseNodeIdError)?;
        Ok(NodeId(bytes))
    }
}

impl Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The first message on every connection, in both directions' first exchange:
/// the dialer sends it, the acceptor answers with [`Message::Ack`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handshake {
    /// Network name (`mainnet`, `testnet`, a devnet's name). Different networks never mesh.
    pub network: String,
    pub protocol_version: u32,
    pub node_id: NodeId,
    /// The port this node accepts P2P connections on, so the acceptor can learn a
    /// dialable address for it (the source port of an inbound socket is ephemeral).
    pub listen_port: u16,
    pub masternode: bool,
    pub best_height: u64,
    /// `timed/VERSION (COMMIT)`: lets operators see which build a peer runs.
    pub software: String,
    /// The dialer's number for this connection attempt, rising with every dial and
    /// across restarts (seeded from the wall clock at start). When two links between
    /// the same pair were dialed by the same node, both ends keep the higher session:
    /// arrival order differs between the ends, this number does not.
    pub session: u64,
    /// Hex SHA-256 of the sender's network definition (name, masternode keys,
    /// `min_masternodes`, block interval, genesis). Nodes with different
    /// definitions never mesh.
    pub network_hash: String,
    /// A fresh random challenge (hex): the other end proves its `node_id` by
    /// signing it, bound to both handshakes, in [`Message::Proof`].
    pub nonce: String,
}

/// Why a connection is being closed, sent in [`Message::Disconnect`] before the close
/// so the other end never has to guess from a reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisconnectReason {
    /// Another live link to the same node won the collision rule.
    Duplicate,
    WrongNetwork,
    IncompatibleVersion,
    /// The dialer reached its own listener.
    SelfConnection,
    TooManyConnections,
    ProtocolError,
    ShuttingDown,
    /// Same network name, but a different network definition (masternode keys,
    /// interval, genesis...): the two nodes do not share one network file.
    NetworkMismatch,
    /// The peer's proof of its `node_id` did not verify.
    AuthFailed,
    /// A stranger closed to make room for a configured masternode, or for
    /// sending nothing for too long.
    Evicted,
}

impl DisconnectReason {
    /// The snake_case word used on the wire and in log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::Duplicate => "duplicate",
            DisconnectReason::WrongNetwork => "wrong_network",
            DisconnectReason::IncompatibleVersion => "incompatible_version",
            DisconnectReason::SelfConnection => "self_connection",
            DisconnectReason::TooManyConnections => "too_many_connections",
            DisconnectReason::ProtocolError => "protocol_error",
            DisconnectReason::ShuttingDown => "shutting_down",
            DisconnectReason::NetworkMismatch => "network_mismatch",
            DisconnectReason::AuthFailed => "auth_failed",
            DisconnectReason::Evicted => "evicted",
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a node can send on an established or establishing connection.
///
/// Chain messages (`block`, `get_blocks`, `blocks`, `tx`) carry their payloads as
/// opaque JSON values here so that this vocabulary does not pin the chain's types;
/// the daemon's chain module owns their shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    Handshake(Handshake),
    /// Answer to a Handshake. Always sent before any rejection of a valid handshake.
    Ack {
        /// The message type being acknowledged (`"handshake"`).
        message_type: String,
        node_id: NodeId,
    },
    Disconnect {
        reason: DisconnectReason,
    },
    /// Proof that the sender holds the key behind the `node_id` it announced: a hex
    /// ed25519 signature over the handshake transcript (both handshakes' network
    /// hash, both ids, the dialer's session, which end signs, and both nonces).
    /// Sent by each end once it has the other's handshake; no link is registered
    /// before the other end's proof has verified.
    Proof {
        signature: String,
    },
    Ping {
        nonce: u64,
    },
    Pong {
        nonce: u64,
    },
    /// A newly produced block, gossiped.
    Block {
        block: serde_json::Value,
    },
    /// Ask for up to `limit` blocks starting at height `from`.
    GetBlocks {
        from: u64,
        limit: u32,
    },
    /// Answer to [`Message::GetBlocks`], in height order.
    Blocks {
        blocks: Vec<serde_json::Value>,
    },
    /// A transaction, gossiped.
    Tx {
        tx: serde_json::Value,
    },
    /// A node's new best height, so peers know whom to sync from.
    Status {
        best_height: u64,
    },
    /// A consensus message (a signed proposal with its block, or a signed vote),
    /// as JSON whose shape the daemon's consensus module owns.
    Consensus {
        message: serde_json::Value,
    },
}

impl Message {
    /// The `type` tag, for log lines and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Handshake(_) => "handshake",
            Message::Ack { .. } => "ack",
            Message::Disconnect { .. } => "disconnect",
            Message::Proof { .. } => "proof",
            Message::Ping { .. } => "ping",
            Message::Pong { .. } => "pong",
            Message::Block { .. } => "block",
            Message::GetBlocks { .. } => "get_blocks",
            Message::Blocks { .. } => "blocks",
            Message::Tx { .. } => "tx",
            Message::Status { .. } => "status",
            Message::Consensus { .. } => "consensus",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(b: u8) -> NodeId {
        NodeId([b; 32])
    }

    #[test]
    fn messages_are_tagged_snake_case_json() {
        let ping = serde_json::to_string(&Message::Ping { nonce: 7 }).expect("serialize");
        assert_eq!(ping, r#"{"type":"ping","nonce":7}"#);
        let dis = serde_json::to_string(&Message::Disconnect {
            reason: DisconnectReason::Duplicate,
        })
        .expect("serialize");
        assert_eq!(dis, r#"{"type":"disconnect","reason":"duplicate"}"#);
    }

    #[test]
    fn handshake_round_trips_with_hex_node_id() {
        let hs = Message::Handshake(Handshake {
            network: "devnet".into(),
            protocol_version: PROTOCOL_VERSION,
            node_id: id(0xab),
            listen_port: 24100,
            masternode: true,
            best_height: 12,
            software: "timed/0.1.0 (abc)".into(),
            session: 1,
            network_hash: "cd".repeat(32),
            nonce: "ef".repeat(32),
        });
        let json = serde_json::to_string(&hs).expect("serialize");
        assert!(json.contains(&"ab".repeat(32)), "{json}");
        let back: Message = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, hs);
    }

    #[test]
    fn node_id_rejects_bad_hex() {
        assert_eq!("zz".parse::<NodeId>(), Err(ParseNodeIdError));
        assert_eq!("ab".repeat(31).parse::<NodeId>(), Err(ParseNodeIdError));
        let ok: NodeId = "0f".repeat(32).parse().expect("parse");
        assert_eq!(ok, id(0x0f));
    }

    #[test]
    fn node_id_order_matches_hex_order() {
        let mut ids = [id(3), id(0xf0), id(0x10)];
        let mut hexes: Vec<String> = ids.iter().map(ToString::to_string).collect();
        ids.sort();
        hexes.sort();
        let sorted: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(sorted, hexes);
    }

    #[test]
    fn unknown_message_type_is_an_error_not_a_panic() {
        assert!(serde_json::from_str::<Message>(r#"{"type":"launch_missiles"}"#).is_err());
        assert!(serde_json::from_str::<Message>("[1,2,3]").is_err());
    }
}
