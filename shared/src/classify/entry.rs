//! One input line as it comes from a node or a saved file: a `journalctl -o
//! json` object or plain text (a log file, `journalctl` short output, a paste).
//! Decoded here, beside the envelope, so every reader of a log (`timectl logs`,
//! the recorded-log tests) gets the same text from the same line.
//!
//! journald stores `MESSAGE` as a string when it is printable UTF-8, as an array
//! of byte values when it is not (the upstream daemon colours its stdout, so most
//! of its lines arrive that way, ANSI escapes included), and as null when it was
//! too large to keep.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::strip_ansi;

/// The parts of an input line that `logs` uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogEntry {
    /// The log line itself: `MESSAGE` of a journal object, else the whole line;
    /// without terminal colour escapes either way, so what is printed or written
    /// as JSON is clean. Bytes that are not UTF-8 are replaced.
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
struct JournalObject {
    #[serde(rename = "MESSAGE")]
    message: Value,
    #[serde(rename = "__CURSOR")]
    cursor: Option<String>,
    #[serde(rename = "__REALTIME_TIMESTAMP")]
    realtime: Option<String>,
    #[serde(rename = "_HOSTNAME")]
    hostname: Option<String>,
}

impl LogEntry {
    /// Reads one line. A line that looks like JSON but is not a journal object is
    /// plain text: nothing is ever dropped for its shape.
    pub fn parse(line: &str) -> LogEntry {
        match LogEntry::read(line) {
            Read::Journal(entry) => entry,
            Read::Plain(text) => LogEntry {
                message: text.into_owned(),
                ..LogEntry::default()
            },
        }
    }

    /// Reads one line as [`parse`](LogEntry::parse) does, without copying a
    /// plain line: a saved file's million lines need not become a million
    /// strings when only their kinds are counted.
    pub fn read(line: &str) -> Read<'_> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim_start().starts_with('{')
            && let Ok(object) = serde_json::from_str::<JournalObject>(line)
        {
            return Read::Journal(LogEntry {
                message: strip_ansi(&message_text(&object.message)).into_owned(),
                cursor: object.cursor,
                realtime_us: object.realtime.and_then(|t| t.parse().ok()),
                hostname: object.hostname,
            });
        }
        Read::Plain(strip_ansi(line))
    }
}

/// One input line, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read<'a> {
    /// A `journalctl -o json` object.
    Journal(LogEntry),
    /// Plain text: the line without colour escapes (borrowed when it had none).
    Plain(Cow<'a, str>),
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
    fn journal_object() {
        let e = LogEntry::parse(
            r#"{"MESSAGE":"Ping timeout from 1.2.3.4","__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1795581029382919","_HOSTNAME":"n1","PRIORITY":"4"}"#,
        );
        assert_eq!(e.message, "Ping timeout from 1.2.3.4");
        assert_eq!(e.cursor.as_deref(), Some("s=1;i=2"));
        assert_eq!(e.realtime_us, Some(1_795_581_029_382_919));
        assert_eq!(e.hostname.as_deref(), Some("n1"));
    }

    #[test]
    fn byte_array_and_null_messages() {
        assert_eq!(
            LogEntry::parse(r#"{"MESSAGE":[104,105,255]}"#).message,
            "hi\u{fffd}"
        );
        assert_eq!(LogEntry::parse(r#"{"MESSAGE":null}"#).message, "");
    }

    #[test]
    fn colour_escapes_are_dropped() {
        // `\x1b[33m WARN\x1b[0m x`, as journald keeps upstream's stdout.
        let json = r#"{"MESSAGE":[27,91,51,51,109,32,87,65,82,78,27,91,48,109,32,120]}"#;
        assert_eq!(LogEntry::parse(json).message, " WARN x");
        assert_eq!(
            LogEntry::parse("\x1b[2m2026-11-25T04:10:00Z\x1b[0m hi").message,
            "2026-11-25T04:10:00Z hi"
        );
    }

    #[test]
    fn other_text_is_plain() {
        for line in [
            "{not json",
            r#"{"a":1}"#,
            "Dec 17 02:28:28 h timed[1]: hi",
            "",
        ] {
            assert_eq!(LogEntry::parse(line).message, line);
            assert_eq!(LogEntry::parse(line).cursor, None);
        }
        assert_eq!(LogEntry::parse("crlf\r").message, "crlf");
        assert_eq!(LogEntry::read("crlf\r"), Read::Plain(Cow::Borrowed("crlf")));
    }
}
