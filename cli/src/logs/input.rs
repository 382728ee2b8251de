//! One input line as it comes from a node or a saved file: either a
//! `journalctl -o json` object or plain text (a log file, `journalctl` short
//! output, a paste from a chat).

use serde::Deserialize;
use serde_json::Value;

/// The parts of an input line that `logs` uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The log line itself: `MESSAGE` of a journal object, else the whole line.
    pub message: String,
    /// `__CURSOR`: where to resume after this entry.
    pub cursor: Option<String>,
    /// `__REALTIME_TIMESTAMP`, microseconds since the epoch.
    pub realtime_us: Option<i64>,
    /// `_HOSTNAME` of the machine that logged it.
    pub hostname: Option<String>,
}

/// The journal fields we read; journalctl writes every value as a string, except
/// `MESSAGE` which is an array of bytes when it is not valid UTF-8 and null when
/// it is too large.
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

impl Entry {
    /// Reads one line. A line that looks like JSON but is not a journal object is
    /// plain text: nothing is ever dropped for its shape.
    pub fn parse(line: &str) -> Entry {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim_start().starts_with('{')
            && let Ok(object) = serde_json::from_str::<JournalObject>(line)
        {
            return Entry {
                message: message_text(&object.message),
                cursor: object.cursor,
                realtime_us: object.realtime.and_then(|t| t.parse().ok()),
                hostname: object.hostname,
            };
        }
        Entry {
            message: line.to_owned(),
            ..Entry::default()
        }
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
    fn journal_object() {
        let e = Entry::parse(
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
            Entry::parse(r#"{"MESSAGE":[104,105,255]}"#).message,
            "hi\u{fffd}"
        );
        assert_eq!(Entry::parse(r#"{"MESSAGE":null}"#).message, "");
    }

    #[test]
    fn other_text_is_plain() {
        for line in [
            "{not json",
            r#"{"a":1}"#,
            "Dec 17 02:28:28 h timed[1]: hi",
            "",
        ] {
            assert_eq!(Entry::parse(line).message, line);
            assert_eq!(Entry::parse(line).cursor, None);
        }
        assert_eq!(Entry::parse("crlf\r").message, "crlf");
    }
}
