//! What a peer said, made safe for a log line. The daemon logs one event per
//! line, and operators (and `timectl logs`/`check`) read those lines as facts; a
//! network name holding a newline once wrote an `ERROR ... Rejected block` line
//! of a stranger's choosing (issue 22). Every string a peer supplied, directly or
//! inside an error's message (serde quotes unknown fields and variants), goes
//! through [`escaped`] before it reaches a log line.
//!
//! Escaped: every control character (C0, DEL and C1: newlines, carriage returns,
//! the ESC that starts an ANSI sequence), the Unicode line and paragraph
//! separators and the bidirectional overrides that reorder what a terminal
//! shows, and the backslash itself, so an escape in the output cannot be mistaken
//! for one the peer typed.

use std::fmt::{self, Display, Write};

/// A value shown with its peer-supplied characters escaped.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Escaped<T>(T);

/// Wraps `value` so that its `Display` output has no character that could end
/// a log line, colour it or reorder it.
pub(crate) fn escaped<T: Display>(value: T) -> Escaped<T> {
    Escaped(value)
}

impl<T: Display> Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(EscapingWriter(f), "{}", self.0)
    }
}

/// Escapes what is written through it into the formatter.
struct EscapingWriter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl Write for EscapingWriter<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut clean = 0;
        for (i, c) in s.char_indices() {
            if needs_escape(c) {
                self.0.write_str(&s[clean..i])?;
                match c {
                    '\n' => self.0.write_str("\\n")?,
                    '\r' => self.0.write_str("\\r")?,
                    '\t' => self.0.write_str("\\t")?,
                    '\\' => self.0.write_str("\\\\")?,
                    other => write!(self.0, "\\u{{{:x}}}", u32::from(other))?,
                }
                clean = i + c.len_utf8();
            }
        }
        self.0.write_str(&s[clean..])
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || c == '\\'
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_that_ends_colours_or_reorders_a_line_gets_through() {
        let forged =
            "devnet\n2026-01-01T00:00:00Z ERROR Rejected block\r\x1b[31m\u{85}\u{2028}\u{202e}";
        let shown = escaped(forged).to_string();
        assert_eq!(
            shown,
            "devnet\\n2026-01-01T00:00:00Z ERROR Rejected block\\r\\u{1b}[31m\\u{85}\\u{2028}\\u{202e}"
        );
        assert!(shown.chars().all(|c| !needs_escape(c) || c == '\\'));
    }

    #[test]
    fn plain_text_is_unchanged_and_backslashes_are_doubled() {
        assert_eq!(escaped("mainnet é 東京").to_string(), "mainnet é 東京");
        assert_eq!(escaped("a\\nb").to_string(), "a\\\\nb");
        assert_eq!(escaped("tab\there").to_string(), "tab\\there");
    }

    #[test]
    fn an_error_message_is_escaped_too() {
        let err = serde_json::from_str::<u8>("\"x\"").expect_err("not a number");
        let forged = format!("{err}\nERROR forged");
        assert!(!escaped(&forged).to_string().contains('\n'));
    }
}
