//! The small words of the protocol: heights, rounds, the ids of values and
//! validators, the network definition's hash, and the two kinds of vote.
//!
//! The 32-byte ids travel as lower-case hex in JSON, as the daemon's block hashes
//! and node ids already do, so an operator can grep one id across logs and RPC.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A position in the chain: consensus runs one instance per height.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Height(pub u64);

impl Height {
    /// The height after this one (saturating: `u64::MAX` blocks never come).
    pub fn next(self) -> Height {
        Height(self.0.saturating_add(1))
    }
}

/// An attempt at deciding one height; a round that fails gives way to the next.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Round(pub u32);

impl Round {
    /// The round after this one (saturating).
    pub fn next(self) -> Round {
        Round(self.0.saturating_add(1))
    }
}

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Round {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Declares a 32-byte id that prints and travels as 64 lower-case hex digits.
macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; 32]);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // The first 8 digits tell ids apart in a failing test's output.
                write!(f, concat!(stringify!($name), "({})"), hex::encode(&self.0[..4]))
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&hex::encode(self.0))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text.as_bytes(), &mut bytes).map_err(|_| {
                    serde::de::Error::custom(concat!(
                        stringify!($name),
                        " must be 64 hex digits"
                    ))
                })?;
                Ok($name(bytes))
            }
        }
    };
}

hex_id!(
    /// The id of a proposed value: the proposed block's 32-byte hash. Consensus
    /// agrees on ids; the engine holds the blocks they name.
    ValueId
);

hex_id!(
    /// A validator: a configured masternode's ed25519 public key.
    ValidatorId
);

hex_id!(
    /// The hash of the network definition every node shares. It is inside every
    /// signed message, so a vote signed for one network never counts in another.
    DefinitionHash
);

/// The two votes of a round: a prevote says "this value may be decided", a
/// precommit says "decide it"; a quorum of precommits decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteKind {
    /// The first vote of a round (Algorithm 1's PREVOTE).
    Prevote,
    /// The second vote of a round (Algorithm 1's PRECOMMIT).
    Precommit,
}

/// A value together with the round it was seen in: a lock, a valid value, a
/// decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundValue {
    /// The round in which a quorum prevoted (or precommitted) the value.
    pub round: Round,
    /// The value.
    pub value: ValueId,
}
