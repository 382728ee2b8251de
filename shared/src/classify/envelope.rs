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

/// The parts of one line. Borrowed from the line when it had no ANSI codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// Host name from a journal prefix or a `debug.log` `[host]`.
    pub node: Option<Cow<'a, str>>,
    /// Microseconds since the Unix epoch, when the line carries a full RFC 3339
    /// time or a `debug.log` time.
    pub timestamp_us: Option<i64>,
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
                timestamp_us: env.timestamp_us,
                yearless: env.yearless,
                level: env.level,
                message: Cow::Owned(env.message.into_owned()),
            };
        }
        let mut rest = trim_start(line);
        let mut node = None;
        let mut timestamp_us = None;
        let mut yearless = None;
        if let Some((host, end)) = journal_prefix(rest) {
            node = Some(Cow::Borrowed(host));
            timestamp_us = parse_rfc3339_us(rest);
            yearless = YearlessTime::parse(rest);
            rest = &rest[end..];
        }
        rest = trim_start(rest);
        if let Some((us, host, after)) = debug_log_prefix(rest) {
            timestamp_us = Some(us);
            node = node.or(Some(Cow::Borrowed(host)));
            rest = after;
        } else if let Some((ts, after)) = split_word(rest)
            && let Some(us) = parse_rfc3339_us(ts)
        {
            timestamp_us = Some(us);
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
            yearless: yearless.filter(|_| timestamp_us.is_none()),
            timestamp_us,
            level,
            message: Cow::Borrowed(rest),
        }
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

/// `Mon DD HH:MM:SS` with the day space-padded: its length, 15.
fn syslog_time_len(b: &[u8]) -> Option<usize> {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let t = b.get(..15)?;
    let digit = |i: usize| t[i].is_ascii_digit();
    (MONTHS.contains(&&t[..3])
        && t[3] == b' '
        && (t[4] == b' ' || digit(4))
        && digit(5)
        && t[6] == b' '
        && digit(7)
        && digit(8)
        && t[9] == b':'
        && digit(10)
        && digit(11)
        && t[12] == b':'
        && digit(13)
        && digit(14))
    .then_some(15)
}

/// `YYYY-MM-DDTHH:MM:SS`, then optionally `.fraction` and a zone (`Z`,
/// `+HH:MM`, `+HHMM`): its length.
fn rfc3339_len(b: &[u8]) -> Option<usize> {
    let shape = b"dddd-dd-ddTdd:dd:dd";
    let head = b.get(..shape.len())?;
    let fits = head.iter().zip(shape).all(|(c, want)| {
        if *want == b'd' {
            c.is_ascii_digit()
        } else {
            c == want
        }
    });
    if !fits {
        return None;
    }
    let mut at = shape.len();
    if b.get(at) == Some(&b'.') && b.get(at + 1).is_some_and(u8::is_ascii_digit) {
        at += 1;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    let two_digits = |i: usize| {
        b.get(i..i + 2)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    match b.get(at) {
        Some(b'Z') => at += 1,
        Some(b'+' | b'-') if two_digits(at + 1) => {
            let minutes = if b.get(at + 3) == Some(&b':') {
                at + 4
            } else {
                at + 3
            };
            if two_digits(minutes) {
                at = minutes + 2;
            }
        }
        _ => {}
    }
    Some(at)
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

/// The upstream daemon's own timer: `YYYY-MM-DD HH:MM:SS.mmm [host] `, in UTC
/// (it formats `Utc::now()`; the zone is not written). Gives the time, the host
/// and what follows.
fn debug_log_prefix(s: &str) -> Option<(i64, &str, &str)> {
    let (us, end) = parse_civil_us(s)?;
    let after = s[end..].strip_prefix(" [")?;
    let close = after.find(']')?;
    let host = &after[..close];
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let rest = &after[close + 1..];
    rest.starts_with(' ').then(|| (us, host, trim_start(rest)))
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

/// Parses the RFC 3339 time at the start of `s` (`2026-11-25T04:10:00.123456Z`,
/// `...+01:00`, `...+0100`) into microseconds since the epoch. Anything else,
/// including out-of-range fields, is `None`.
pub fn parse_rfc3339_us(s: &str) -> Option<i64> {
    let (local_us, i) = parse_civil_us(s)?;
    let b = s.as_bytes();
    let num = |r| digits(s, r);
    let offset_secs = match b.get(i) {
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hh = num(i + 1..i + 3)?;
            let mm_at = if b.get(i + 3) == Some(&b':') {
                i + 4
            } else {
                i + 3
            };
            let mm = num(mm_at..mm_at + 2)?;
            let off = hh * 3600 + mm * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    Some(local_us - offset_secs * 1_000_000)
}

/// The date and time at the start of `s` (`YYYY-MM-DD HH:MM:SS[.fraction]`, `T`
/// or a space between), read as UTC: microseconds since the epoch, and the index
/// where it ends (where a zone would be).
fn parse_civil_us(s: &str) -> Option<(i64, usize)> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r| digits(s, r);
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 6 {
                micros = micros * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        for _ in (i - start)..6 {
            micros *= 10;
        }
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some((secs * 1_000_000 + micros, i))
}

/// The number written in `s[range]`, all ASCII digits (at least one; none
/// too many for an `i64`), read by bytes: the times of every line go through here.
fn digits(s: &str, range: std::ops::Range<usize>) -> Option<i64> {
    let part = s.as_bytes().get(range).filter(|p| !p.is_empty())?;
    part.iter().try_fold(0i64, |n, c| {
        if c.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(i64::from(c - b'0'))
        } else {
            None
        }
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// well-known algorithm, written out here).
pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
            for end in 0..=s.len() {
                let by_parse = s.get(..end).filter(|p| p.bytes().all(|c| c.is_ascii_digit())).and_then(|p| p.parse().ok());
                prop_assert_eq!(digits(&s, 0..end), by_parse);
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
        assert_eq!(env.timestamp_us, Some(1_795_579_800_123_456));
    }

    #[test]
    fn journal_prefixes() {
        let env = Envelope::split("Dec 17 02:28:28 LW-Michigan timed[83172]: WARN ⚠️ hello");
        assert_eq!(env.node.as_deref(), Some("LW-Michigan"));
        assert_eq!(env.timestamp_us, None);
        assert_eq!(env.yearless, YearlessTime::parse("Dec 17 02:28:28"));
        assert!(env.yearless.is_some());
        assert_eq!(env.level, Some("WARN"));
        assert_eq!(env.message, "⚠️ hello");
        let env = Envelope::split("Dec 13 04:30:00 LW-Michigan2: WARN ⚠️ Skipping");
        assert_eq!(env.node.as_deref(), Some("LW-Michigan2"));
        assert_eq!(env.message, "⚠️ Skipping");
        let env = Envelope::split("2025-12-17T02:28:28+0000 LW-Michigan timed[1]: x");
        assert_eq!(env.node.as_deref(), Some("LW-Michigan"));
        assert_eq!(env.timestamp_us, Some(1_765_938_508_000_000));
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
        assert_eq!(env.timestamp_us, Some(1_795_961_836_405_000));
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
        assert_eq!(env.timestamp_us, Some(1_795_961_836_405_000));
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

    #[test]
    fn odd_times_are_none() {
        for bad in [
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T0a:00:00Z",
            "20",
        ] {
            assert_eq!(parse_rfc3339_us(bad), None, "{bad}");
        }
        assert_eq!(
            parse_rfc3339_us("1970-01-01T00:00:01.5+00:00"),
            Some(1_500_000)
        );
    }
}
