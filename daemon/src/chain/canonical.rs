//! Canonical JSON written while it is decoded: compact, object keys sorted by
//! their bytes, recursively. A transaction's id and a block's hash are taken
//! over this text, so two nodes agree on them whatever order the keys arrived in.
//!
//! The text is written straight from the decoder's events (a `DeserializeSeed`),
//! never through a `serde_json::Value`: a tree of small JSON values takes tens of
//! times its text in memory (`[[0],[0],...]`: about 50 bytes for every 4), the
//! text takes about what it weighs. Limits are checked as the text grows, so a
//! value over them is refused before the rest of it is read:
//! - its canonical text at most `limit` bytes,
//! - at most [`MAX_TX_DEPTH`] containers deep,
//! - no key twice in one object (which of two values would count is a guess two
//!   JSON libraries need not make alike),
//! - within a frame ([`within_frame`]), all its transactions' text together at
//!   most the frame's own length. Our encoders put canonical text on the wire,
//!   so an honest frame always passes; without this, numbers that canonical
//!   text spells longer (`1e15` becomes `1000000000000000.0`) would let a frame
//!   decode into almost four times its size.
//!
//! Memory while decoding one value: the text, plus, for each object still open,
//! a 32-byte index entry per key and the keys themselves, given back when the
//! object closes; with the limit that is a constant, not a multiple of a frame.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt::{self, Write as _};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::limits::MAX_TX_DEPTH;

thread_local! {
    /// Bytes of transaction text the frame being decoded on this thread may
    /// still produce; `None` outside a frame (a stored block, an RPC body).
    static FRAME_ROOM: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `decode` (one frame of `len` bytes, decoded on this thread) with at
/// most `len` bytes of transaction text to write.
pub(crate) fn within_frame<T>(len: usize, decode: impl FnOnce() -> T) -> T {
    let outer = FRAME_ROOM.replace(Some(len));
    let decoded = decode();
    FRAME_ROOM.set(outer);
    decoded
}

/// Writes one JSON value's canonical text at the end of `out`.
pub(crate) struct Canon<'a> {
    out: &'a mut String,
    /// Where the value being limited (a whole transaction) starts in `out`.
    start: usize,
    limit: usize,
    /// Containers open around this value.
    depth: usize,
    /// This value is a transaction, which must be an object.
    object_only: bool,
}

impl<'a> Canon<'a> {
    /// A seed writing one JSON object (a transaction) of at most `limit` bytes of
    /// canonical text at the end of `out`.
    pub(crate) fn object(out: &'a mut String, limit: usize) -> Self {
        Canon {
            start: out.len(),
            out,
            limit,
            depth: 0,
            object_only: true,
        }
    }

    fn child(&mut self) -> Canon<'_> {
        Canon {
            out: &mut *self.out,
            start: self.start,
            limit: self.limit,
            depth: self.depth + 1,
            object_only: false,
        }
    }

    fn within<E: de::Error>(&self) -> Result<(), E> {
        let size = self.out.len() - self.start;
        if size > self.limit {
            return Err(E::custom(format_args!(
                "transaction above the {}-byte limit",
                self.limit
            )));
        }
        if FRAME_ROOM.get().is_some_and(|room| size > room) {
            return Err(E::custom(
                "transactions spelled longer than the frame that carries them",
            ));
        }
        Ok(())
    }

    /// A whole transaction is written: what it took is no longer room.
    fn done(&self) {
        let size = self.out.len() - self.start;
        if let Some(room) = FRAME_ROOM.get() {
            FRAME_ROOM.set(Some(room.saturating_sub(size)));
        }
    }

    /// Appends the text of a scalar.
    fn scalar<E: de::Error>(self, text: fmt::Arguments<'_>) -> Result<(), E> {
        if self.object_only {
            return Err(E::custom("a transaction must be a JSON object"));
        }
        self.out
            .write_fmt(text)
            .map_err(|_| E::custom("cannot write canonical text"))?;
        self.within()
    }

    fn open<E: de::Error>(&self) -> Result<(), E> {
        if self.depth >= MAX_TX_DEPTH {
            return Err(E::custom(format_args!(
                "transaction nested deeper than {MAX_TX_DEPTH} levels"
            )));
        }
        Ok(())
    }
}

/// A string as JSON writes it (quoted, escaped).
fn quoted<E: de::Error>(s: &str) -> Result<String, E> {
    serde_json::to_string(s).map_err(E::custom)
}

impl<'de> DeserializeSeed<'de> for Canon<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// A map key, borrowed from the frame when it holds no escape (the usual
/// case), so reading keys costs no allocation.
pub(crate) struct KeyText<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<KeyText<'de>, E> {
                Ok(KeyText(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText<'de>, E> {
                Ok(KeyText(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<KeyText<'de>, E> {
                Ok(KeyText(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// One key of an object being written: the key's own bytes (in the object's key
/// buffer) to sort by, and where its `"key":value` text sits in the output.
struct Entry {
    key: (usize, usize),
    text: (usize, usize),
}

impl<'de> Visitor<'de> for Canon<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.object_only {
            "a JSON object"
        } else {
            "a JSON value"
        })
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(format_args!("{v}"))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(format_args!("{v}"))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(format_args!("{v}"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // As a JSON value shows it: shortest round-trip form, `null` if not finite.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.scalar(format_args!("{n}")),
            None => self.scalar(format_args!("null")),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let text = quoted::<E>(v)?;
        self.scalar(format_args!("{text}"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(format_args!("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        if self.object_only {
            return Err(de::Error::custom("a transaction must be a JSON object"));
        }
        self.open::<A::Error>()?;
        self.out.push('[');
        let mut first = true;
        loop {
            if !first {
                self.out.push(',');
            }
            let mark = self.out.len();
            if seq.next_element_seed(self.child())?.is_none() {
                if !first {
                    // The comma written for an element that did not come.
                    self.out.truncate(mark - 1);
                }
                break;
            }
            first = false;
            self.within::<A::Error>()?;
        }
        self.out.push(']');
        self.within()
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.open::<A::Error>()?;
        let begin = self.out.len();
        let mut keys = String::new();
        let mut entries = Vec::new();
        while let Some(KeyText(key)) = map.next_key()? {
            let key_start = keys.len();
            keys.push_str(&key);
            let text_start = self.out.len();
            self.out.push_str(&quoted::<A::Error>(&key)?);
            self.out.push(':');
            map.next_value_seed(self.child())?;
            self.within::<A::Error>()?;
            entries.push(Entry {
                key: (key_start, keys.len()),
                text: (text_start, self.out.len()),
            });
        }
        let key_of = |e: &Entry| keys.get(e.key.0..e.key.1).unwrap_or_default();
        entries.sort_by(|a, b| key_of(a).as_bytes().cmp(key_of(b).as_bytes()));
        if let Some(pair) = entries.windows(2).find(|w| key_of(&w[0]) == key_of(&w[1])) {
            return Err(de::Error::custom(format_args!(
                "duplicate key {:?} in an object",
                key_of(&pair[0])
            )));
        }
        let mut sorted = String::with_capacity(self.out.len() - begin + entries.len() + 1);
        sorted.push('{');
        for (i, entry) in entries.iter().enumerate() {
            if i > 0 {
                sorted.push(',');
            }
            sorted.push_str(self.out.get(entry.text.0..entry.text.1).unwrap_or_default());
        }
        sorted.push('}');
        self.out.truncate(begin);
        self.out.push_str(&sorted);
        self.within()?;
        if self.object_only {
            self.done();
        }
        Ok(())
    }
}

/// The canonical text of a parsed JSON value, the way it was computed before the
/// decoder wrote it directly: the reference the tests and the fuzz targets check
/// [`Canon`] against.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn reference(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(reference).collect();
            format!("[{}]", inner.join(","))
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), reference(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        scalar => scalar.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::de::DeserializeSeed;
    use serde_json::Value;

    use super::*;

    fn canon(text: &str, limit: usize) -> Result<String, serde_json::Error> {
        let mut out = String::new();
        let mut de = serde_json::Deserializer::from_str(text);
        Canon::object(&mut out, limit).deserialize(&mut de)?;
        de.end()?;
        Ok(out)
    }

    #[test]
    fn keys_are_sorted_by_their_bytes_at_every_level() {
        let text = r#"{"b":1,"a":{"d":[1,"x",{"z":null,"y":true}],"c":null},"é":2,"Z":-3}"#;
        assert_eq!(
            canon(text, usize::MAX).expect("an object"),
            r#"{"Z":-3,"a":{"c":null,"d":[1,"x",{"y":true,"z":null}]},"b":1,"é":2}"#
        );
    }

    #[test]
    fn only_objects_within_the_limits_are_written() {
        for not_an_object in ["[1]", "\"x\"", "3", "null", "true"] {
            let err = canon(not_an_object, usize::MAX).expect_err(not_an_object);
            assert!(err.to_string().contains("must be a JSON object"), "{err}");
        }
        let edge = format!(r#"{{"p":"{}"}}"#, "x".repeat(100));
        assert_eq!(canon(&edge, edge.len()).expect("at the limit"), edge);
        let err = canon(&edge, edge.len() - 1).expect_err("over the limit");
        assert!(err.to_string().contains("byte limit"), "{err}");
        let deep = format!(
            "{{\"a\":{}{}}}",
            "[".repeat(MAX_TX_DEPTH - 1),
            "]".repeat(MAX_TX_DEPTH - 1)
        );
        canon(&deep, usize::MAX).expect("as deep as allowed");
        let deeper = format!(
            "{{\"a\":{}{}}}",
            "[".repeat(MAX_TX_DEPTH),
            "]".repeat(MAX_TX_DEPTH)
        );
        let err = canon(&deeper, usize::MAX).expect_err("too deep");
        assert!(err.to_string().contains("nested deeper"), "{err}");
        let err = canon(r#"{"a":1,"b":2,"a":3}"#, usize::MAX).expect_err("duplicate");
        assert!(err.to_string().contains("duplicate key \"a\""), "{err}");
    }

    #[test]
    fn a_frames_transactions_are_no_longer_than_the_frame() {
        let numbers = format!(r#"{{"a":[{}1e15]}}"#, "1e15,".repeat(99));
        let written = within_frame(numbers.len() * 4, || canon(&numbers, usize::MAX))
            .expect("room for four times the frame");
        assert_eq!(written.len(), r#"{"a":[]}"#.len() + 100 * 18 + 99);
        let err = within_frame(numbers.len(), || canon(&numbers, usize::MAX))
            .expect_err("spelled longer than the frame");
        assert!(err.to_string().contains("longer than the frame"), "{err}");
        // Each transaction written takes from the room the next one has.
        let small = r#"{"a":1}"#;
        within_frame(2 * small.len(), || {
            canon(small, usize::MAX).expect("first");
            canon(small, usize::MAX).expect("second");
            canon(small, usize::MAX).expect_err("no room for a third");
        });
        canon(&numbers, usize::MAX).expect("outside a frame, no such bound");
    }

    #[test]
    fn a_long_value_is_refused_before_it_is_all_read() {
        // The limit trips inside the array, so the text never grows past it by
        // more than the element being written.
        let huge = format!(r#"{{"a":[{}0]}}"#, "0,".repeat(100_000));
        let mut out = String::new();
        let mut de = serde_json::Deserializer::from_str(&huge);
        assert!(Canon::object(&mut out, 1_000).deserialize(&mut de).is_err());
        assert!(out.len() <= 1_002, "{}", out.len());
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::from),
            "[\\x00-\\x1f\"\\\\/a]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("\\PC{0,6}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The text written while decoding is exactly the text the parsed value
        /// gave, for any object, however its keys were ordered on the wire.
        #[test]
        fn decoding_writes_what_the_parsed_value_gives(
            fields in prop::collection::vec(("\\PC{0,6}", json()), 0..6),
        ) {
            let object: serde_json::Map<String, Value> = fields.into_iter().collect();
            let mut wire = String::from("{");
            for (i, (k, v)) in object.iter().rev().enumerate() {
                if i > 0 {
                    wire.push(',');
                }
                wire.push_str(&format!("{}:{}", Value::String(k.clone()), v));
            }
            wire.push('}');
            let value: Value = serde_json::from_str(&wire).expect("valid JSON");
            prop_assert_eq!(canon(&wire, usize::MAX).expect("an object"), reference(&value));
        }
    }
}
