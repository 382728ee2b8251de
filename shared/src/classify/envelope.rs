//! Splitting a log line into what the logging system added (journal prefix,
//! timestamp, level, tracing target) and the daemon's message.
//!
//! Lines reach us in many shapes: `journalctl` short output
//! (`Dec 17 02:28:28 LW-Michigan timed[83172]: ...`), its ISO variant, the
//! incident's hand-pasted `Dec 13 04:30:00 LW-Michigan2: WARN ...`, tracing's fmt
//! layer (`2026-11-25T04:10:00.123456Z  INFO timed::net::dialer: ...`), the
//! upstream daemon's `debug.log` (`2026-11-29 14:17:16.405 [up-n2]  INFO ...`),
//! with or without ANSI colours. The node name and the time come from here; the
//! kinds from the message.

use std::borrow::Cow;

use super::YearlessTime;
use super::stamp::{Stamp, civil, rfc3339, rfc3339_len, syslog_time_len, zoned};

/// The parts of one line. Borrowed from the line when it had no ANSI codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// Host name from a journal prefix or a `debug.log` `[host]`.
    pub node: Option<Cow<'a, str>>,
    /// The line's full RFC 3339 or `debug.log` time (its instant:
    /// [`Envelope::timestamp_us`]).
    pub timestamp: Option<Stamp>,
    /// A syslog prefix's time, which has no year ([`YearlessTime::resolve`]
    /// places it), when the line has no full time.
    pub yearless: Option<YearlessTime>,
    /// `INFO`, `WARN`, ... as written (upper-cased forms only).
    pub level: Option<&'static str>,
    /// The daemon's own words.
    pub message: Cow<'a, str>,
}

const LEVELS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARNING", "WARN", "ERROR"];

impl<'a> Envelope<'a> {
    /// Splits `line`. Never fails: whatever is not recognised stays in `message`.
    pub fn split(line: &'a str) -> Envelope<'a> {
        if let Cow::Owned(plain) = strip_ansi(line) {
            let env = Envelope::split(&plain);
            return Envelope {
                node: env.node.map(|n| Cow::Owned(n.into_owned())),
                timestamp: env.timestamp,
                yearless: env.yearless,
                level: env.level,
                message: Cow::Owned(env.message.into_owned()),
            };
        }
        let mut rest = trim_start(line);
        let mut node = None;
        let mut timestamp = None;
        let mut yearless = None;
        if let Some((host, end)) = journal_prefix(rest) {
            node = Some(Cow::Borrowed(host));
            timestamp = rfc3339(rest);
            yearless = YearlessTime::parse(rest);
            rest = &rest[end..];
        }
        rest = trim_start(rest);
        // One reading of a leading date for both shapes that start with one.
        let head = civil(rest);
        if let Some((stamp, end)) = head
            && let Some((host, after)) = debug_log_host(&rest[end..])
        {
            timestamp = Some(stamp);
            node = node.or(Some(Cow::Borrowed(host)));
            rest = after;
        } else if let Some((stamp, end)) = head
            // The first word is the time: no space inside it.
            && rest.as_bytes()[10] == b'T'
            && let Some(stamp) = zoned(rest, stamp, end)
            && let Some((_, after)) = split_word(rest)
        {
            timestamp = Some(stamp);
            rest = after;
        }
        let mut level = None;
        if let Some((word, after)) = split_word(rest) {
            let word = word.trim_end_matches(':');
            if let Some(found) = LEVELS.iter().find(|l| **l == word) {
                level = Some(*found);
                rest = after;
            }
        }
        // tracing's target, e.g. `timed::net::dialer:`.
        if let Some((word, after)) = split_word(rest)
            && word.ends_with(':')
            && word.contains("::")
        {
            rest = after;
        }
        Envelope {
            node,
            yearless: yearless.filter(|_| timestamp.is_none()),
            timestamp,
            level,
            message: Cow::Borrowed(rest),
        }
    }

    /// The line's full time in microseconds since the Unix epoch.
    pub fn timestamp_us(&self) -> Option<i64> {
        self.timestamp.map(Stamp::us)
    }
}

/// A syslog-style prefix at the start of `s`: a time (`Dec 17 02:28:28` or
/// RFC 3339), spaces, the host, optionally spaces and `ident` or `ident[pid]`,
/// then `: `. Gives the host and where the prefix ends.
///
/// Read by hand, not by a regex: half the lines of a saved journal start with
/// one, and this runs on each. Each part is the longest run it can be (a
/// shorter one is followed by a character the next part cannot start with),
/// so no backtracking is needed; the test keeps the regex it replaced as the
/// oracle.
fn journal_prefix(s: &str) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    let mut at = syslog_time_len(b).or_else(|| rfc3339_len(b))?;
    let spaces = count_spaces(b, at);
    if spaces == 0 {
        return None;
    }
    at += spaces;
    let host_end = word_end(s, at);
    if host_end == at {
        return None;
    }
    let host = &s[at..host_end];
    let after_ident = ident_end(s, host_end).filter(|end| s[*end..].starts_with(": "));
    let end = after_ident.unwrap_or(host_end);
    s[end..].starts_with(": ").then_some((host, end + 2))
}

fn count_spaces(b: &[u8], from: usize) -> usize {
    b.get(from..)
        .map_or(0, |rest| rest.iter().take_while(|c| **c == b' ').count())
}

/// Where the run of characters from `from` that are not whitespace, `:` or `[` ends.
fn word_end(s: &str, from: usize) -> usize {
    let ascii = s.as_bytes()[from..]
        .iter()
        .position(|c| !c.is_ascii() || is_space(*c) || matches!(c, b':' | b'['));
    // From the first non-ASCII byte on (a char boundary), by chars.
    match ascii.map(|i| from + i) {
        Some(at) if !s.as_bytes()[at].is_ascii() => s[at..]
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || *c == ':' || *c == '[')
            .map_or(s.len(), |(i, _)| at + i),
        Some(at) => at,
        None => s.len(),
    }
}

/// `c.is_whitespace()` for an ASCII `c` (which counts the vertical tab,
/// unlike `u8::is_ascii_whitespace`).
fn is_space(c: u8) -> bool {
    matches!(c, b'\t'..=b'\r' | b' ')
}

/// `s.trim_start()`, by bytes while they are ASCII: the envelope trims three
/// times per line, and nearly every run of spaces is ASCII.
fn trim_start(s: &str) -> &str {
    let ascii = s.bytes().take_while(|c| is_space(*c)).count();
    let rest = &s[ascii..];
    if rest.as_bytes().first().is_some_and(u8::is_ascii) {
        rest
    } else {
        rest.trim_start()
    }
}

/// `s.find(char::is_whitespace)`, by bytes while they are ASCII.
fn find_space(s: &str) -> Option<usize> {
    let at = s.bytes().position(|c| !c.is_ascii() || is_space(c))?;
    if s.as_bytes()[at].is_ascii() {
        Some(at)
    } else {
        s[at..].find(char::is_whitespace).map(|i| at + i)
    }
}

/// After a host ending at `from`: spaces and an `ident` with an optional
/// `[pid]`; where that ends.
fn ident_end(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    let start = from + count_spaces(b, from);
    if start == from {
        return None;
    }
    let end = word_end(s, start);
    if end == start {
        return None;
    }
    if b.get(end) == Some(&b'[') {
        let digits = count_digits(b, end + 1);
        if digits > 0 && b.get(end + 1 + digits) == Some(&b']') {
            return Some(end + 2 + digits);
        }
    }
    Some(end)
}

fn count_digits(b: &[u8], from: usize) -> usize {
    b.get(from..).map_or(0, |rest| {
        rest.iter().take_while(|c| c.is_ascii_digit()).count()
    })
}

/// The first whitespace-separated word and the rest after the spaces (empty
/// when the word is all there is: upstream logs a bare ` INFO` as a spacer).
fn split_word(s: &str) -> Option<(&str, &str)> {
    if s.is_empty() {
        return None;
    }
    let end = find_space(s).unwrap_or(s.len());
    Some((&s[..end], trim_start(&s[end..])))
}

/// After the upstream daemon's own timer (`YYYY-MM-DD HH:MM:SS.mmm`, in UTC:
/// it formats `Utc::now()`; the zone is not written), what `s` holds: ` [host] `
/// and what follows. Gives the host and the rest.
fn debug_log_host(s: &str) -> Option<(&str, &str)> {
    let after = s.strip_prefix(" [")?;
    let close = after.find(']')?;
    let host = &after[..close];
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let rest = &after[close + 1..];
    rest.starts_with(' ').then(|| (host, trim_start(rest)))
}

/// Removes CSI escape sequences (`ESC [ ... final-byte`), as tracing's colours
/// use; borrows when there are none (most lines).
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    // A SIMD search: this runs on every line, twice (the entry, then its envelope).
    if memchr::memchr(0x1b, s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.clone().next() == Some('[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use regex::Regex;

    use super::*;

    /// The regex [`journal_prefix`] replaced, kept as its oracle (with ASCII
    /// digits, as the times are read).
    const JOURNAL_PREFIX: &str = r"^(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?) +(?P<host>[^\s:\[]+)(?: +[^\s:\[]+(?:\[[0-9]+\])?)?: ";

    fn by_regex(s: &str) -> Option<(&str, usize)> {
        let caps = Regex::new(JOURNAL_PREFIX).unwrap().captures(s)?;
        Some((caps.name("host")?.as_str(), caps.get(0)?.end()))
    }

    proptest! {
        /// The byte-level helpers read text as the char-level calls they
        /// replaced, Unicode spaces (no-break, em, line separator) included.
        #[test]
        fn byte_helpers_read_as_chars_do(
            s in "[ \t\u{b}\u{c}\r\n\u{a0}\u{2003}\u{2028}\u{85}:\\[a-z0-9é😀+-]{0,12}",
            from in 0usize..12,
        ) {
            prop_assert_eq!(trim_start(&s), s.trim_start());
            prop_assert_eq!(find_space(&s), s.find(char::is_whitespace));
            if s.is_char_boundary(from.min(s.len())) {
                let from = from.min(s.len());
                let by_chars = s[from..]
                    .char_indices()
                    .find(|(_, c)| c.is_whitespace() || *c == ':' || *c == '[')
                    .map_or(s.len(), |(i, _)| from + i);
                prop_assert_eq!(word_end(&s, from), by_chars);
            }
        }

        #[test]
        fn journal_prefix_reads_as_the_regex_did(
            time in prop_oneof![
                Just("Dec 17 02:28:28".to_owned()),
                Just("Dec  5 02:28:28".to_owned()),
                Just("2025-12-17T02:28:28".to_owned()),
                "[A-Za-z0-9 :.TZ+-]{0,24}",
            ],
            fraction in prop_oneof![Just(String::new()), "\\.[0-9]{0,3}"],
            zone in prop_oneof![Just(String::new()), Just("Z".to_owned()), "[+-][0-9]{1,2}:?[0-9]{0,2}"],
            tail in "[ a-z\\[\\]0-9:\u{a0}\u{2003}é-]{0,30}",
        ) {
            let line = format!("{time}{fraction}{zone}{tail}");
            prop_assert_eq!(journal_prefix(&line), by_regex(&line), "{:?}", line);
        }
    }

    #[test]
    fn journal_prefix_cases() {
        for line in [
            "Dec 17 02:28:28 LW-Michigan timed[83172]: WARN x",
            "Dec 13 04:30:00 LW-Michigan2: WARN x",
            "2025-12-17T02:28:28+0000 LW-Michigan timed[1]: x",
            "2025-12-17T02:28:28.5+01:00  host ident: x",
            "Dec 17 02:28:28 host ident[1x]: x",
            "Dec 17 02:28:28 host ident[12]x: x",
            "Dec 17 02:28:28 host:x",
            "Dec 17 02:28:28 : x",
            "Dec 17 02:28:28host: x",
        ] {
            assert_eq!(journal_prefix(line), by_regex(line), "{line:?}");
        }
        assert_eq!(
            journal_prefix("Dec 17 02:28:28 LW-Michigan timed[83172]: WARN x"),
            Some(("LW-Michigan", 42))
        );
    }

    #[test]
    fn tracing_line() {
        let env = Envelope::split(
            "2026-11-25T04:10:00.123456Z  INFO timed::net::dialer: Connected to peer: 127.0.0.1:24100 peer=ab12cd34",
        );
        assert_eq!(env.node, None);
        assert_eq!(env.level, Some("INFO"));
        assert_eq!(
            env.message,
            "Connected to peer: 127.0.0.1:24100 peer=ab12cd34"
        );
        assert_eq!(env.timestamp_us(), Some(1_795_579_800_123_456));
        // A zoned time with a space inside is no first word of its own.
        let env = Envelope::split("2026-11-25 04:10:00Z  INFO x");
        assert_eq!(
            (env.timestamp, env.message.as_ref()),
            (None, "2026-11-25 04:10:00Z  INFO x")
        );
    }

    #[test]
    fn journal_prefixes() {
        let env = Envelope::split("Dec 17 02:28:28 LW-Michigan timed[83172]: WARN ⚠️ hello");
        assert_eq!(env.node.as_deref(), Some("LW-Michigan"));
        assert_eq!(env.timestamp_us(), None);
        assert_eq!(env.yearless, YearlessTime::parse("Dec 17 02:28:28"));
        assert!(env.yearless.is_some());
        assert_eq!(env.level, Some("WARN"));
        assert_eq!(env.message, "⚠️ hello");
        let env = Envelope::split("Dec 13 04:30:00 LW-Michigan2: WARN ⚠️ Skipping");
        assert_eq!(env.node.as_deref(), Some("LW-Michigan2"));
        assert_eq!(env.message, "⚠️ Skipping");
        let env = Envelope::split("2025-12-17T02:28:28+0000 LW-Michigan timed[1]: x");
        assert_eq!(env.node.as_deref(), Some("LW-Michigan"));
        assert_eq!(env.timestamp_us(), Some(1_765_938_508_000_000));
    }

    #[test]
    fn ansi_is_stripped() {
        let env = Envelope::split(
            "\x1b[2m2026-11-25T04:10:00Z\x1b[0m \x1b[32m INFO\x1b[0m \x1b[2mtimed::x\x1b[0m\x1b[2m:\x1b[0m hi",
        );
        assert_eq!(env.level, Some("INFO"));
        assert_eq!(env.message, "hi");
    }

    #[test]
    fn upstream_debug_log_line() {
        let env = Envelope::split("2026-11-29 14:17:16.405 [up-n2]  WARN ⚠️  Failed to connect: x");
        assert_eq!(env.node.as_deref(), Some("up-n2"));
        assert_eq!(env.timestamp_us(), Some(1_795_961_836_405_000));
        assert_eq!(env.level, Some("WARN"));
        assert_eq!(env.message, "⚠️  Failed to connect: x");
        // Its stdout outside systemd: the same, coloured.
        let env = Envelope::split(
            "\x1b[2m2026-11-29 14:17:16.405 [up-n2]\x1b[0m \x1b[32m INFO\x1b[0m 💓 heartbeat",
        );
        assert_eq!(env.node.as_deref(), Some("up-n2"));
        assert_eq!(env.level, Some("INFO"));
        assert_eq!(env.message, "💓 heartbeat");
        // Under a journal prefix, the journal's host is the node.
        let env = Envelope::split(
            "Nov 29 14:17:16 box timed[1]: 2026-11-29 14:17:16.405 [up-n2]  INFO hi",
        );
        assert_eq!(env.node.as_deref(), Some("box"));
        assert_eq!(env.timestamp_us(), Some(1_795_961_836_405_000));
        assert_eq!(env.message, "hi");
    }

    #[test]
    fn upstream_journal_message_and_bare_level() {
        let env =
            Envelope::split("\x1b[33m WARN\x1b[0m ⚠️ WARNING: 3 active / 4 total masternodes");
        assert_eq!(env.level, Some("WARN"));
        assert_eq!(env.message, "⚠️ WARNING: 3 active / 4 total masternodes");
        let env = Envelope::split("\x1b[32m INFO\x1b[0m");
        assert_eq!((env.level, env.message.as_ref()), (Some("INFO"), ""));
        // Not a debug.log prefix: no host in brackets, or no space after it.
        for line in [
            "2026-11-29 14:17:16.405 up-n2 INFO x",
            "2026-11-29 14:17:16.405 [up-n2]x",
            "2026-11-29 14:17:16.405 []  INFO x",
        ] {
            assert_eq!(Envelope::split(line).node, None, "{line}");
        }
    }
}
