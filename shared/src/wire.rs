//! The P2P vocabulary both sides of a fleet agree on: node ids, the handshake,
//! the reasons a link is closed, the protocol version.
//!
//! On the socket each message is one frame: a big-endian `u32` length, then the
//! message as JSON, tagged by `type` (`{"type":"ping","nonce":7}`). The message
//! enum itself, whose chain payloads are the chain's own types, and framing live
//! in the daemon; strings read here are bounded while they are decoded
//! ([`bounded_string`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Protocol version spoken by this build. A peer whose version differs in the
/// major part (see [`compatible`]) is refused with [`DisconnectReason::IncompatibleVersion`].
/// Version 2 added the network definition hash, the challenge nonce and the `Proof` message;
/// version 3 runs every frame in an encrypted channel whose Noise handshake hash the proofs sign.
pub const PROTOCOL_VERSION: u32 = 3;

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
/// the dialer sends it, the acceptor answers with an `Ack`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handshake {
    /// Network name (`mainnet`, `testnet`, a devnet's name). Different networks never mesh.
    #[serde(deserialize_with = "bounded_string::<MAX_FIELD_BYTES, _>")]
    pub network: String,
    pub protocol_version: u32,
    pub node_id: NodeId,
    /// The port this node accepts P2P connections on, so the acceptor can learn a
    /// dialable address for it (the source port of an inbound socket is ephemeral).
    pub listen_port: u16,
    pub masternode: bool,
    pub best_height: u64,
    /// `timed/VERSION (COMMIT)`: lets operators see which build a peer runs.
    #[serde(deserialize_with = "bounded_string::<MAX_FIELD_BYTES, _>")]
    pub software: String,
    /// The dialer's number for this connection attempt, rising with every dial and
    /// across restarts (seeded from the wall clock at start). When two links between
    /// the same pair were dialed by the same node, both ends keep the higher session:
    /// arrival order differs between the ends, this number does not.
    pub session: u64,
    /// Hex SHA-256 of the sender's network definition (name, masternode keys,
    /// `min_masternodes`, block interval, genesis). Nodes with different
    /// definitions never mesh.
    #[serde(deserialize_with = "bounded_string::<MAX_FIELD_BYTES, _>")]
    pub network_hash: String,
    /// A fresh random challenge (hex): the other end proves its `node_id` by
    /// signing it, bound to both handshakes, in the daemon's `Proof` message.
    #[serde(deserialize_with = "bounded_string::<MAX_FIELD_BYTES, _>")]
    pub nonce: String,
}

/// Why a connection is being closed, sent in a `Disconnect` message before the close
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
    /// The peer sent blocks whose commit certificate does not hold: it lied
    /// about what a quorum signed.
    BadCertificate,
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
            DisconnectReason::BadCertificate => "bad_certificate",
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest string field of a handshake (network name, software, hex hashes and
/// nonces): far above any honest value, and refused before it is copied.
pub const MAX_FIELD_BYTES: usize = 256;

/// Deserializes a string of at most `MAX` bytes, refusing a longer one before
/// it is copied (`#[serde(deserialize_with = "bounded_string::<N, _>")]`).
///
/// # Errors
/// Not a string, or longer than `MAX` bytes.
pub fn bounded_string<'de, const MAX: usize, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<String, D::Error> {
    struct Bounded<const MAX: usize>;
    impl<const MAX: usize> serde::de::Visitor<'_> for Bounded<MAX> {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a string of at most {MAX} bytes")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            if v.len() > MAX {
                return Err(E::custom(format_args!(
                    "a string of {} bytes where at most {MAX} are allowed",
                    v.len()
                )));
            }
            Ok(v.to_owned())
        }
    }
    d.deserialize_str(Bounded::<MAX>)
}

/// Deserializes a sequence of at most `MAX` items, refusing the next one before
/// it is decoded: a count limit checked while decoding, not after.
///
/// # Errors
/// Not a sequence, an item that does not decode, or more than `MAX` items.
pub fn bounded_vec<'de, const MAX: usize, T, D>(d: D) -> Result<Vec<T>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    struct Bounded<const MAX: usize, T>(std::marker::PhantomData<T>);
    impl<'de, const MAX: usize, T: Deserialize<'de>> serde::de::Visitor<'de> for Bounded<MAX, T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a sequence of at most {MAX} items")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                if items.len() == MAX {
                    return Err(serde::de::Error::custom(format_args!(
                        "more than {MAX} items in a sequence"
                    )));
                }
                items.push(item);
            }
            Ok(items)
        }
    }
    d.deserialize_seq(Bounded::<MAX, T>(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(b: u8) -> NodeId {
        NodeId([b; 32])
    }

    fn hello() -> Handshake {
        Handshake {
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
        }
    }

    #[test]
    fn handshake_round_trips_with_hex_node_id() {
        let json = serde_json::to_string(&hello()).expect("serialize");
        assert!(json.contains(&"ab".repeat(32)), "{json}");
        let back: Handshake = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, hello());
    }

    #[test]
    fn a_handshake_string_over_its_bound_is_refused() {
        let mut long = hello();
        long.software = "x".repeat(MAX_FIELD_BYTES);
        let json = serde_json::to_string(&long).expect("serialize");
        assert_eq!(
            serde_json::from_str::<Handshake>(&json).ok(),
            Some(long.clone())
        );
        long.software.push('x');
        let json = serde_json::to_string(&long).expect("serialize");
        let err = serde_json::from_str::<Handshake>(&json).expect_err("too long");
        assert!(err.to_string().contains("at most 256 are allowed"), "{err}");
    }

    #[test]
    fn a_sequence_over_its_bound_is_refused() {
        #[derive(Debug, Deserialize)]
        struct Three {
            #[serde(deserialize_with = "bounded_vec::<3, _, _>")]
            items: Vec<u8>,
        }
        let ok: Three = serde_json::from_str(r#"{"items":[1,2,3]}"#).expect("three");
        assert_eq!(ok.items, [1, 2, 3]);
        let err = serde_json::from_str::<Three>(r#"{"items":[1,2,3,4]}"#).expect_err("four");
        assert!(err.to_string().contains("more than 3 items"), "{err}");
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
}
