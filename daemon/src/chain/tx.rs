//! Transactions as the chain holds them: each a JSON object kept as its
//! canonical text (see `canonical.rs`), decoded straight into that text from a
//! frame or a request body, never through a tree of JSON values.
//!
//! - [`Tx`]: one transaction (gossip, `POST /tx`, the mempool's picks).
//! - [`TxList`]: a block's transactions in one buffer with their end offsets, so
//!   a block of 2,000 `{}` costs about its wire size (2 bytes of text and a 4-byte
//!   offset for every 3 bytes on the wire), not an allocation per transaction.
//!
//! Both travel as the JSON they are (written verbatim into the frame).

use std::fmt;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::canonical::Canon;
use super::hash::Hash32;
use super::limits::{MAX_BLOCK_TXS, MAX_TX_BYTES};

/// Why a transaction is refused. Shown to RPC clients as a 4xx, or a 503 when full.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TxError {
    #[error("a transaction must be a JSON object")]
    NotAnObject,
    #[error("transaction is {size} bytes, above the {MAX_TX_BYTES}-byte limit")]
    TooLarge { size: usize },
    /// Nested too deep for a transaction.
    #[error("invalid transaction: {0}")]
    Malformed(String),
    #[error(
        "the mempool is full ({used} of its {limit} bytes are pending transactions); try again later"
    )]
    Full { used: usize, limit: usize },
}

/// One transaction: the canonical text of a JSON object of at most
/// [`MAX_TX_BYTES`].
#[derive(Clone, PartialEq, Eq)]
pub struct Tx(Box<str>);

/// A transaction borrowed from where it is held (a [`TxList`] or a [`Tx`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxRef<'a>(&'a str);

impl Tx {
    /// Checks a parsed JSON value (an RPC body) and takes its canonical text.
    ///
    /// # Errors
    /// Not an object, canonical text above [`MAX_TX_BYTES`], or nested too deep.
    pub fn from_value(value: &Value) -> Result<Tx, TxError> {
        if !value.is_object() {
            return Err(TxError::NotAnObject);
        }
        let mut text = String::new();
        Canon::object(&mut text, usize::MAX)
            .deserialize(value)
            .map_err(|e| TxError::Malformed(e.to_string()))?;
        if text.len() > MAX_TX_BYTES {
            return Err(TxError::TooLarge { size: text.len() });
        }
        Ok(Tx(text.into_boxed_str()))
    }

    /// A transaction from text this node made canonical itself (the mempool's).
    pub(crate) fn from_canonical(text: String) -> Tx {
        Tx(text.into_boxed_str())
    }

    pub fn as_ref(&self) -> TxRef<'_> {
        TxRef(&self.0)
    }

    /// Its id: the hash of its canonical text.
    pub fn id(&self) -> Hash32 {
        self.as_ref().id()
    }

    /// Bytes of its canonical text.
    pub fn size(&self) -> usize {
        self.0.len()
    }

    /// A copy of its canonical text, as the mempool keeps it.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.as_bytes().to_vec()
    }
}

impl<'a> TxRef<'a> {
    /// The hash of its canonical text.
    pub fn id(self) -> Hash32 {
        Hash32::of(self.0.as_bytes())
    }

    /// Bytes of its canonical text.
    pub fn size(self) -> usize {
        self.0.len()
    }

    /// Its canonical text.
    pub fn as_str(self) -> &'a str {
        self.0
    }

    #[cfg(any(test, feature = "testing", feature = "fuzzing"))]
    pub fn to_owned(self) -> Tx {
        Tx(self.0.into())
    }
}

impl fmt::Debug for Tx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tx({})", self.0)
    }
}

/// Writes canonical text into a frame as the JSON it is.
fn serialize_raw<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    let raw: &RawValue = serde_json::from_str(text).map_err(serde::ser::Error::custom)?;
    raw.serialize(s)
}

impl Serialize for Tx {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_raw(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for Tx {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Tx, D::Error> {
        let mut text = String::new();
        Canon::object(&mut text, MAX_TX_BYTES).deserialize(d)?;
        Ok(Tx(text.into_boxed_str()))
    }
}

/// A block's transactions: their canonical texts end to end, and where each ends.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TxList {
    text: String,
    ends: Vec<u32>,
}

impl TxList {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the block holds none (the testing surface's pair of `len`).
    #[cfg(any(test, feature = "testing"))]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The transactions in block order.
    pub fn iter(&self) -> impl Iterator<Item = TxRef<'_>> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .filter_map(|(start, end)| self.text.get(start as usize..end as usize).map(TxRef))
    }

    /// The canonical text of the list as a JSON array, for a block's hash.
    pub(crate) fn write_canonical(&self, out: &mut String) {
        out.push('[');
        for (i, tx) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(tx.as_str());
        }
        out.push(']');
    }

    /// Marks the end of the transaction just written to `text`.
    fn close_one<E: de::Error>(&mut self) -> Result<(), E> {
        let end =
            u32::try_from(self.text.len()).map_err(|_| E::custom("transactions above 4 GiB"))?;
        self.ends.push(end);
        Ok(())
    }
}

impl FromIterator<Tx> for TxList {
    fn from_iter<I: IntoIterator<Item = Tx>>(txs: I) -> Self {
        let mut list = TxList::default();
        for tx in txs {
            list.text.push_str(&tx.0);
            // A block's transactions are bounded far below 4 GiB (`MAX_BLOCK_TX_BYTES`).
            if list.close_one::<de::value::Error>().is_err() {
                list.text
                    .truncate(list.ends.last().map_or(0, |&e| e as usize));
                break;
            }
        }
        list
    }
}

impl fmt::Debug for TxList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(TxRef::as_str))
            .finish()
    }
}

impl Serialize for TxList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for tx in self.iter() {
            seq.serialize_element(&Raw(tx.as_str()))?;
        }
        seq.end()
    }
}

/// Canonical text serialized as the JSON it is.
struct Raw<'a>(&'a str);

impl Serialize for Raw<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_raw(self.0, s)
    }
}

impl<'de> Deserialize<'de> for TxList {
    /// Each transaction is written into the list's one buffer as it is read;
    /// the count is checked before each one.
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<TxList, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = TxList;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an array of at most {MAX_BLOCK_TXS} transactions")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TxList, A::Error> {
                let mut list = TxList::default();
                loop {
                    let seed = Canon::object(&mut list.text, MAX_TX_BYTES);
                    if seq.next_element_seed(seed)?.is_none() {
                        break;
                    }
                    list.close_one::<A::Error>()?;
                    if list.len() > MAX_BLOCK_TXS {
                        return Err(de::Error::custom(format_args!(
                            "more than {MAX_BLOCK_TXS} transactions in a block"
                        )));
                    }
                }
                list.text.shrink_to_fit();
                list.ends.shrink_to_fit();
                Ok(list)
            }
        }
        d.deserialize_seq(ListVisitor)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn tx(value: Value) -> Tx {
        Tx::from_value(&value).expect("a transaction")
    }

    #[test]
    fn a_list_round_trips_and_keeps_each_transactions_id() {
        let txs = [
            tx(json!({"b": 1, "a": [1, 2]})),
            tx(json!({})),
            tx(json!({"x": "é"})),
        ];
        let list: TxList = txs.iter().cloned().collect();
        let ids: Vec<Hash32> = list.iter().map(TxRef::id).collect();
        assert_eq!(ids, txs.iter().map(Tx::id).collect::<Vec<_>>());
        let text = serde_json::to_string(&list).expect("serialize");
        assert_eq!(text, r#"[{"a":[1,2],"b":1},{},{"x":"é"}]"#);
        let back: TxList = serde_json::from_str(&text).expect("deserialize");
        assert_eq!(back, list);
        let mut canonical = String::new();
        list.write_canonical(&mut canonical);
        assert_eq!(canonical, text);
    }

    #[test]
    fn a_list_over_the_count_is_refused_while_decoding() {
        let full = format!("[{}{{}}]", "{},".repeat(MAX_BLOCK_TXS - 1));
        let list: TxList = serde_json::from_str(&full).expect("at the limit");
        assert_eq!(list.len(), MAX_BLOCK_TXS);
        let over = format!("[{}{{}}]", "{},".repeat(MAX_BLOCK_TXS));
        let err = serde_json::from_str::<TxList>(&over).expect_err("over the limit");
        assert!(err.to_string().contains("more than"), "{err}");
    }

    #[test]
    fn from_value_names_what_is_wrong() {
        assert_eq!(Tx::from_value(&json!([1])), Err(TxError::NotAnObject));
        let big = json!({"pad": "x".repeat(MAX_TX_BYTES)});
        assert!(matches!(
            Tx::from_value(&big),
            Err(TxError::TooLarge { .. })
        ));
        let edge = json!({"p": "x".repeat(MAX_TX_BYTES - 8)});
        assert_eq!(Tx::from_value(&edge).map(|t| t.size()), Ok(MAX_TX_BYTES));
    }
}
