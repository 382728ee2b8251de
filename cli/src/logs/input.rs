//! One input line as it comes from a node or a saved file: either a
//! `journalctl -o json` object or plain text (a log file, `journalctl` short
//! output, a paste from a chat).

use timecoin_shared::classify::{JournalEntry, strip_ansi};

/// The parts of an input line that `logs` uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The log line itself: `MESSAGE` of a journal object, else the whole line;
    /// without terminal colour escapes either way (the upstream daemon colours
    /// what journald keeps), so what `logs` prints or writes as JSON is clean.
    pub message: String,
    /// `__CURSOR`: where to resume after this entry.
    pub cursor: Option<String>,
    /// `__REALTIME_TIMESTAMP`, microseconds since the epoch.
    pub realtime_us: Option<i64>,
    /// `_HOSTNAME` of the machine that logged it.
    pub hostname: Option<String>,
}

impl Entry {
    /// Reads one line. A line that looks like JSON but is not a journal object is
    /// plain text: nothing is ever dropped for its shape.
    pub fn parse(line: &str) -> Entry {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match JournalEntry::parse(line) {
            Some(journal) => Entry {
                message: strip_ansi(&journal.message).into_owned(),
                cursor: journal.cursor,
                realtime_us: journal.realtime_us,
                hostname: journal.hostname,
            },
            None => Entry {
                message: strip_ansi(line).into_owned(),
                ..Entry::default()
            },
        }
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
    fn colour_escapes_are_dropped() {
        // `\x1b[33m WARN\x1b[0m x`, as journald keeps upstream's stdout.
        let json = r#"{"MESSAGE":[27,91,51,51,109,32,87,65,82,78,27,91,48,109,32,120]}"#;
        assert_eq!(Entry::parse(json).message, " WARN x");
        assert_eq!(
            Entry::parse("\x1b[2m2026-11-25T04:10:00Z\x1b[0m hi").message,
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
            assert_eq!(Entry::parse(line).message, line);
            assert_eq!(Entry::parse(line).cursor, None);
        }
        assert_eq!(Entry::parse("crlf\r").message, "crlf");
    }
}
