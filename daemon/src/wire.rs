//! Everything a node can send on an established or establishing connection, as
//! one enum whose chain payloads are the chain's own types ([`Certified`], [`Tx`],
//! [`ConsensusMessage`]).
//!
//! A frame is decoded straight into these types, never through a generic JSON
//! tree, with every count and length checked as it is read (see `chain/tx.rs`,
//! `chain/canonical.rs` and the `bounded_*` helpers of the shared wire module):
//! a frame of 4 MiB shaped as `{"type":"blocks","blocks":[[0],[0],...]}` took
//! about 215 MB as JSON values and now fails at its first element.
//!
//! The constant: decoding a frame never holds more than twice its size plus
//! 256 KiB at any moment, and the message keeps no more (`tests/decode_memory.rs`
//! checks it on the worst frames we can build, under a counting allocator).
//!
//! serde's derive for internally tagged enums would first buffer the whole
//! message into a generic tree to find the tag wherever it is; [`Message::decode`]
//! instead reads the `type` tag and then the variant's fields in place. When
//! `type` is not the first key (an encoder that sorts keys), a first pass skips
//! values without keeping them until it finds the tag, and a second decodes.
//! Extending the vocabulary is a variant, its body struct, and an arm in `body`.

use std::fmt;

use serde::de::value::{CowStrDeserializer, MapAccessDeserializer};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use timecoin_shared::wire::{
    DisconnectReason, Handshake, MAX_FIELD_BYTES, NodeId, bounded_string, bounded_vec,
};

use crate::chain::canonical::{KeyText, within_frame};
use crate::chain::certified::Certified;
use crate::chain::limits::SYNC_BATCH_BLOCKS;
use crate::chain::tx::Tx;
use crate::consensus::messages::ConsensusMessage;

/// Most blocks in one `blocks` answer: what an honest node ever sends.
const MAX_BLOCKS: usize = SYNC_BATCH_BLOCKS as usize;

/// Everything a node can send.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    /// Ask for up to `limit` blocks starting at height `from`.
    GetBlocks {
        from: u64,
        limit: u32,
    },
    /// Answer to [`Message::GetBlocks`], in height order, each block with its
    /// certificate (a block without one is never taken).
    Blocks {
        blocks: Vec<Certified>,
    },
    /// A transaction, gossiped.
    Tx {
        tx: Tx,
    },
    /// A node's new best height, so peers know whom to sync from.
    Status {
        best_height: u64,
    },
    /// A consensus message: a signed proposal with its block, or a signed vote.
    /// Boxed: a proposal is the largest message by far.
    Consensus {
        message: Box<ConsensusMessage>,
    },
}

/// The wire message carrying a consensus message.
impl From<ConsensusMessage> for Message {
    fn from(message: ConsensusMessage) -> Message {
        Message::Consensus {
            message: Box::new(message),
        }
    }
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
            Message::GetBlocks { .. } => "get_blocks",
            Message::Blocks { .. } => "blocks",
            Message::Tx { .. } => "tx",
            Message::Status { .. } => "status",
            Message::Consensus { .. } => "consensus",
        }
    }

    /// The `kind` label of the metrics: the `type` tag, with a consensus
    /// message told apart as a `vote` or a `proposal` (a lane that drops
    /// votes stops consensus, one that drops status hints does not).
    pub fn metric_kind(&self) -> &'static str {
        match self {
            Message::Consensus { message } => match **message {
                ConsensusMessage::Vote { .. } => "vote",
                ConsensusMessage::Proposal { .. } => "proposal",
            },
            other => other.kind(),
        }
    }
}

/// The `type` tag's values.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Handshake,
    Ack,
    Disconnect,
    Proof,
    Ping,
    Pong,
    GetBlocks,
    Blocks,
    Tx,
    Status,
    Consensus,
}

#[derive(Deserialize)]
struct AckBody {
    #[serde(deserialize_with = "bounded_string::<MAX_FIELD_BYTES, _>")]
    message_type: String,
    node_id: NodeId,
}

#[derive(Deserialize)]
struct DisconnectBody {
    reason: DisconnectReason,
}

#[derive(Deserialize)]
struct ProofBody {
    #[serde(deserialize_with = "bounded_string::<MAX_FIELD_BYTES, _>")]
    signature: String,
}

#[derive(Deserialize)]
struct NonceBody {
    nonce: u64,
}

#[derive(Deserialize)]
struct GetBlocksBody {
    from: u64,
    limit: u32,
}

#[derive(Deserialize)]
struct BlocksBody {
    #[serde(deserialize_with = "bounded_vec::<MAX_BLOCKS, _, _>")]
    blocks: Vec<Certified>,
}

#[derive(Deserialize)]
struct TxBody {
    tx: Tx,
}

#[derive(Deserialize)]
struct StatusBody {
    best_height: u64,
}

#[derive(Deserialize)]
struct ConsensusBody {
    message: Box<ConsensusMessage>,
}

/// What the first pass over a frame found: the whole message, when `type` came
/// first, or only its kind, when other keys came before it.
enum Peeked {
    Whole(Message),
    Kind(Kind),
}

/// A key compared without being copied.
struct IsTag(bool);

impl<'de> Deserialize<'de> for IsTag {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<IsTag, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = IsTag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IsTag, E> {
                Ok(IsTag(v == "type"))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// The fields of a message of `kind`, read from `d` (whose `type` key, if still
/// there, is skipped like any key a body does not know).
fn body<'de, D: de::Deserializer<'de>>(kind: Kind, d: D) -> Result<Message, D::Error> {
    Ok(match kind {
        Kind::Handshake => Message::Handshake(Handshake::deserialize(d)?),
        Kind::Ack => {
            let b = AckBody::deserialize(d)?;
            Message::Ack {
                message_type: b.message_type,
                node_id: b.node_id,
            }
        }
        Kind::Disconnect => Message::Disconnect {
            reason: DisconnectBody::deserialize(d)?.reason,
        },
        Kind::Proof => Message::Proof {
            signature: ProofBody::deserialize(d)?.signature,
        },
        Kind::Ping => Message::Ping {
            nonce: NonceBody::deserialize(d)?.nonce,
        },
        Kind::Pong => Message::Pong {
            nonce: NonceBody::deserialize(d)?.nonce,
        },
        Kind::GetBlocks => {
            let b = GetBlocksBody::deserialize(d)?;
            Message::GetBlocks {
                from: b.from,
                limit: b.limit,
            }
        }
        Kind::Blocks => Message::Blocks {
            blocks: BlocksBody::deserialize(d)?.blocks,
        },
        Kind::Tx => Message::Tx {
            tx: TxBody::deserialize(d)?.tx,
        },
        Kind::Status => Message::Status {
            best_height: StatusBody::deserialize(d)?.best_height,
        },
        Kind::Consensus => Message::Consensus {
            message: ConsensusBody::deserialize(d)?.message,
        },
    })
}

/// The first pass: with `type` first (as every encoder of [`Message`] writes
/// it), the rest of the map is decoded in place; otherwise the values are
/// skipped (never kept) until `type` is found.
struct Peek;

impl<'de> Visitor<'de> for Peek {
    type Value = Peeked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message: an object with a `type`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Peeked, A::Error> {
        let mut first = true;
        while let Some(IsTag(tag)) = map.next_key()? {
            if !tag {
                map.next_value::<de::IgnoredAny>()?;
                first = false;
                continue;
            }
            let kind: Kind = map.next_value()?;
            if first {
                let rest = Tags { map, allowed: 0 };
                return body(kind, MapAccessDeserializer::new(rest)).map(Peeked::Whole);
            }
            while let Some(IsTag(tag)) = map.next_key()? {
                if tag {
                    return Err(de::Error::duplicate_field("type"));
                }
                map.next_value::<de::IgnoredAny>()?;
            }
            return Ok(Peeked::Kind(kind));
        }
        Err(de::Error::missing_field("type"))
    }
}

/// The second pass, for a message of a kind the first found late.
struct Late(Kind);

impl<'de> Visitor<'de> for Late {
    type Value = Message;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Message, A::Error> {
        body(self.0, MapAccessDeserializer::new(Tags { map, allowed: 1 }))
    }
}

/// A message's remaining keys, with at most `allowed` more `type` keys: a
/// second tag is refused, not left to whichever reader looks first.
struct Tags<A> {
    map: A,
    allowed: usize,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Tags<A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(KeyText(key)) = self.map.next_key()? else {
            return Ok(None);
        };
        if key == "type" {
            if self.allowed == 0 {
                return Err(de::Error::duplicate_field("type"));
            }
            self.allowed -= 1;
        }
        seed.deserialize(CowStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

impl Message {
    /// Decodes one frame's JSON, whatever the order of its keys.
    ///
    /// # Errors
    /// Not JSON, not a message, or a payload over one of its limits.
    pub fn decode(json: &[u8]) -> Result<Message, serde_json::Error> {
        within_frame(json.len(), || Self::decode_frame(json))
    }

    fn decode_frame(json: &[u8]) -> Result<Message, serde_json::Error> {
        // Only text is JSON. serde_json skips an ignored field's string without
        // checking its bytes, so without this a frame with invalid UTF-8 in a
        // field nobody reads would decode (found by fuzzing a consensus vote).
        let json = std::str::from_utf8(json).map_err(|e| {
            <serde_json::Error as de::Error>::custom(format_args!("a frame that is not UTF-8: {e}"))
        })?;
        let mut de = serde_json::Deserializer::from_str(json);
        let message = match de::Deserializer::deserialize_map(&mut de, Peek)? {
            Peeked::Whole(message) => message,
            Peeked::Kind(kind) => {
                // Correctness: the frame is read twice only when `type` came late;
                // the first pass kept nothing.
                let mut again = serde_json::Deserializer::from_str(json);
                let message = de::Deserializer::deserialize_map(&mut again, Late(kind))?;
                again.end()?;
                message
            }
        };
        de.end()?;
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use timecoin_shared::wire::PROTOCOL_VERSION;

    use crate::chain::block::Block;

    use super::*;

    fn decode(text: &str) -> Result<Message, serde_json::Error> {
        Message::decode(text.as_bytes())
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
        assert_eq!(decode(&ping).expect("decode"), Message::Ping { nonce: 7 });
    }

    #[test]
    fn handshake_round_trips() {
        let hs = Message::Handshake(Handshake {
            network: "devnet".into(),
            protocol_version: PROTOCOL_VERSION,
            node_id: NodeId([0xab; 32]),
            listen_port: 24100,
            masternode: true,
            best_height: 12,
            software: "timed/0.1.0 (abc)".into(),
            session: 1,
            network_hash: "cd".repeat(32),
            nonce: "ef".repeat(32),
        });
        let json = serde_json::to_string(&hs).expect("serialize");
        assert_eq!(decode(&json).expect("deserialize"), hs);
    }

    #[test]
    fn unknown_types_and_bad_frames_are_errors_not_panics() {
        assert!(decode(r#"{"type":"launch_missiles"}"#).is_err());
        assert!(decode("[1,2,3]").is_err());
        assert!(decode("{}").is_err());
        assert!(decode(r#"{"type":"ping","nonce":7} trailing"#).is_err());
        assert!(decode(r#"{"type":"ping","nonce":7,"nonce":8}"#).is_err());
        for twice in [
            r#"{"nonce":7,"type":"ping","type":"pong"}"#,
            r#"{"type":"ping","nonce":7,"type":"pong"}"#,
            r#"{"type":"ping","type":"ping","nonce":7}"#,
        ] {
            let err = decode(twice).expect_err(twice);
            assert!(err.to_string().contains("duplicate field `type`"), "{err}");
        }
        // Fields it does not know are skipped without being kept.
        assert_eq!(
            decode(r#"{"type":"ping","nonce":7,"later":[[0],[0]]}"#).expect("decode"),
            Message::Ping { nonce: 7 }
        );
    }

    #[test]
    fn the_tag_may_come_anywhere() {
        let sorted = serde_json::json!({"type": "status", "best_height": 4}).to_string();
        assert!(sorted.starts_with(r#"{"best_height""#), "{sorted}");
        assert_eq!(
            decode(&sorted).expect("decode"),
            Message::Status { best_height: 4 }
        );
        let err = decode(r#"{"best_height":[[0],[0]],"type":"status"}"#).expect_err("mistyped");
        assert!(err.to_string().contains("invalid type"), "{err}");
    }

    #[test]
    fn consensus_messages_and_certified_entries_decode_in_either_shape() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let block = Block::sign(&key, 1, crate::chain::hash::Hash32::ZERO, 10, 0, Vec::new());
        let (zero, sig) = ("00".repeat(32), "ab".repeat(64));
        let vote = serde_json::json!({"vote": {"kind": "precommit", "height": 1, "round": 0,
            "value": zero, "validator": zero}, "signature": sig});
        let texts = [
            serde_json::json!({"type": "consensus", "message": {"kind": "vote", "vote": vote}}),
            serde_json::json!({"type": "consensus", "message": {"kind": "proposal",
                "block": block, "proposal": {"proposal": {"height": 1, "round": 0,
                "value": zero, "pol_round": null, "proposer": zero}, "signature": sig}}}),
            serde_json::json!({"type": "blocks", "blocks": [{"block": block, "certificate":
                {"height": 1, "round": 0, "value": zero, "precommits": [vote]}}]}),
        ];
        let decoded: Vec<Message> = texts
            .iter()
            .map(|text| decode(&text.to_string()).expect("decodes"))
            .collect();
        let [vote, proposal, blocks] = &decoded[..] else {
            panic!("three seeds");
        };
        let kinds: Vec<&str> = decoded[..2]
            .iter()
            .map(|m| match m {
                Message::Consensus { message } => match **message {
                    ConsensusMessage::Vote { .. } => "vote",
                    ConsensusMessage::Proposal { .. } => "proposal",
                },
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["vote", "proposal"]);
        let Message::Blocks { blocks } = blocks else {
            panic!("{blocks:?}");
        };
        assert_eq!(
            blocks[0].certificate.as_ref().map(|c| c.precommits.len()),
            Some(1)
        );
        for message in &decoded {
            let text = serde_json::to_vec(message).expect("encode");
            assert_eq!(&Message::decode(&text).expect("re-decode"), message);
        }
        // A bare block is an entry without a certificate.
        let bare = serde_json::to_value(&blocks[0].block).expect("block");
        let text = serde_json::json!({"type": "blocks", "blocks": [bare]}).to_string();
        let Message::Blocks { blocks: bare } = decode(&text).expect("bare") else {
            panic!("not blocks");
        };
        assert_eq!(bare[0].certificate, None);
        // A proposal without its block, a vote with one, an unknown field.
        let mut wrong = serde_json::to_value(proposal).expect("proposal");
        let block = wrong["message"]
            .as_object_mut()
            .and_then(|m| m.remove("block"))
            .expect("block");
        let err = decode(&wrong.to_string()).expect_err("no block");
        assert!(
            err.to_string().contains("exactly `proposal` and `block`"),
            "{err}"
        );
        let mut vote_with_block = serde_json::to_value(vote).expect("vote");
        vote_with_block["message"]["block"] = block;
        let err = decode(&vote_with_block.to_string()).expect_err("a block on a vote");
        assert!(err.to_string().contains("exactly `vote`"), "{err}");
        let mut extra = serde_json::to_value(vote).expect("vote");
        extra["message"]["later"] = serde_json::json!(1);
        assert!(decode(&extra.to_string()).is_err());
    }

    #[test]
    fn the_worst_shapes_fail_at_their_first_element() {
        let err = decode(r#"{"type":"blocks","blocks":[[0],[0]]}"#).expect_err("not blocks");
        assert!(err.to_string().contains("a block, or an object"), "{err}");
        assert_eq!(
            err.column(),
            27,
            "at the first element, before it is read: {err}"
        );
        let err = decode(r#"{"type":"tx","tx":[0]}"#).expect_err("not an object");
        assert!(err.to_string().contains("JSON object"), "{err}");
    }
}
