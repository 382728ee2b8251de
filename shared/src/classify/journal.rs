//! One line of `journalctl -o json`: the daemon's message and the fields `timectl
//! logs` uses. Decoded here, beside the envelope, so every reader of a journal
//! (the CLI, the recorded-log tests) gets the same text from the same object.
//!
//! journald stores `MESSAGE` as a string when it is printable UTF-8, as an array
//! of byte values when it is not (the upstream daemon colours its stdout, so most
//! of its lines arrive that way, ANSI escapes included), and as null when it was
//! too large to keep.

use serde::Deserialize;
use serde_json::Value;

/// The fields of a journal object that `logs` reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalEntry {
    /// `MESSAGE` as text: bytes that are not UTF-8 are replaced, escapes kept
    /// (see [`strip_ansi`](super::strip_ansi)).
    pub message: String,
    /// `__CURSOR`: where to resume after this entry.
    pub cursor: Option<String>,
    /// `__REALTIME_TIMESTAMP`, microseconds since the epoch.
    pub realtime_us: Option<i64>,
    /// `_HOSTNAME` of the machine that logged it.
    pub hostname: Option<String>,
}

/// The object as journalctl writes it: every value a string, but `MESSAGE`.
#[derive(Deserialize)]
struct Object {
    #[serde(rename = "MESSAGE")]
    message: Value,
    #[serde(rename = "__CURSOR")]
    cursor: Option<String>,
    #[serde(rename = "__REALTIME_TIMESTAMP")]
    realtime: Option<String>,
    #[serde(rename = "_HOSTNAME")]
    hostname: Option<String>,
}

impl JournalEntry {
    /// Reads one line; `None` when it is not a journal object (not JSON, or no
    /// `MESSAGE`), so the caller can take it as plain text.
    pub fn parse(line: &str) -> Option<JournalEntry> {
        if !line.trim_start().starts_with('{') {
            return None;
        }
        let object: Object = serde_json::from_str(line).ok()?;
        Some(JournalEntry {
            message: message_text(&object.message),
            cursor: object.cursor,
            realtime_us: object.realtime.and_then(|t| t.parse().ok()),
            hostname: object.hostname,
        })
    }
}

fn message_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(bytes) => {
            let bytes: Vec<u8> = bytes
                .iter()
                .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read() {
        let e = JournalEntry::parse(
            r#"{"MESSAGE":"Ping timeout from 1.2.3.4","__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1795581029382919","_HOSTNAME":"n1","PRIORITY":"4"}"#,
        )
        .unwrap();
        assert_eq!(e.message, "Ping timeout from 1.2.3.4");
        assert_eq!(e.cursor.as_deref(), Some("s=1;i=2"));
        assert_eq!(e.realtime_us, Some(1_795_581_029_382_919));
        assert_eq!(e.hostname.as_deref(), Some("n1"));
    }

    #[test]
    fn byte_array_and_null_messages() {
        let coloured = JournalEntry::parse(
            r#"{"MESSAGE":[27,91,51,50,109,32,73,78,70,79,27,91,48,109,32,104,105,255]}"#,
        )
        .unwrap();
        assert_eq!(coloured.message, "\x1b[32m INFO\x1b[0m hi\u{fffd}");
        let null = JournalEntry::parse(r#"{"MESSAGE":null}"#).unwrap();
        assert_eq!(null.message, "");
    }

    #[test]
    fn other_text_is_not_an_entry() {
        for line in ["{not json", r#"{"a":1}"#, "plain", "", "[1,2]"] {
            assert_eq!(JournalEntry::parse(line), None, "{line}");
        }
    }
}
