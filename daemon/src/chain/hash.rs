//! The 32-byte digests (block hashes, tx ids), taken over canonical text (see
//! `canonical.rs`): two nodes derive the same hash from the same JSON whatever
//! order its object keys arrived in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A SHA-256 digest: a block's hash or a transaction's id. Hex on the wire and in RPC.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    /// The parent hash of the first block, and the tip hash of an empty chain.
    pub const ZERO: Hash32 = Hash32([0; 32]);

    /// Hash of arbitrary bytes.
    pub fn of(bytes: &[u8]) -> Hash32 {
        Hash32(Sha256::digest(bytes).into())
    }

    /// The first 8 hex digits, enough to tell blocks apart in a log line.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32({})", self.short())
    }
}

/// Why a string is not a [`Hash32`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("hash must be 64 hex digits")]
pub struct ParseHashError;

impl FromStr for Hash32 {
    type Err = ParseHashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| ParseHashError)?;
        Ok(Hash32(bytes))
    }
}

impl Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_round_trips_through_hex() {
        let h = Hash32::of(b"timecoin");
        let text = h.to_string();
        assert_eq!(text.parse::<Hash32>(), Ok(h));
        assert_eq!("xyz".parse::<Hash32>(), Err(ParseHashError));
    }
}
