//! The full times log lines carry: RFC 3339 (tracing's, `journalctl -o
//! short-iso`'s) and the upstream daemon's `YYYY-MM-DD HH:MM:SS.mmm`, and the
//! shapes of the times a journal prefix starts with.
//!
//! A time is read into its checked fields ([`Stamp`]) and turned into
//! microseconds only when asked: a summary needs only whether a line has a
//! time, and working out the day number of each of a million lines is work
//! `grep` never does.

/// A date and time as a line wrote it, every field checked: its instant is
/// worked out by [`Stamp::us`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    year: i64,
    month: i64,
    day: i64,
    /// Seconds into the day, as written.
    secs: i64,
    micros: i64,
    /// The zone's offset east of UTC (none written: UTC).
    offset_secs: i64,
}

impl Stamp {
    /// Microseconds since the Unix epoch.
    pub fn us(self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        (days * 86_400 + self.secs - self.offset_secs) * 1_000_000 + self.micros
    }
}

/// Parses the RFC 3339 time at the start of `s` (`2026-11-25T04:10:00.123456Z`,
/// `...+01:00`, `...+0100`) into microseconds since the epoch. Anything else,
/// including out-of-range fields, is `None`.
pub fn parse_rfc3339_us(s: &str) -> Option<i64> {
    rfc3339(s).map(Stamp::us)
}

/// The RFC 3339 time at the start of `s`, as [`parse_rfc3339_us`] reads it.
pub(super) fn rfc3339(s: &str) -> Option<Stamp> {
    let (stamp, end) = civil(s)?;
    zoned(s, stamp, end)
}

/// `stamp`, read from the start of `s` and ending at `end`, in the zone
/// written there (`Z`, `+HH:MM`, `+HHMM`); `None` without one.
pub(super) fn zoned(s: &str, stamp: Stamp, end: usize) -> Option<Stamp> {
    let b = s.as_bytes();
    let num = |r| digits(s, r);
    let offset_secs = match b.get(end) {
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hh = num(end + 1..end + 3)?;
            let mm_at = if b.get(end + 3) == Some(&b':') {
                end + 4
            } else {
                end + 3
            };
            let mm = num(mm_at..mm_at + 2)?;
            let off = hh * 3600 + mm * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    Some(Stamp {
        offset_secs,
        ..stamp
    })
}

/// The date and time at the start of `s` (`YYYY-MM-DD HH:MM:SS[.fraction]`, `T`
/// or a space between), read as UTC, and the index where it ends (where a
/// zone would be).
pub(super) fn civil(s: &str) -> Option<(Stamp, usize)> {
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
    let stamp = Stamp {
        year,
        month,
        day,
        secs: hour * 3600 + minute * 60 + second,
        micros,
        offset_secs: 0,
    };
    Some((stamp, i))
}

/// `Mon DD HH:MM:SS` with the day space-padded: its length, 15.
pub(super) fn syslog_time_len(b: &[u8]) -> Option<usize> {
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
pub(super) fn rfc3339_len(b: &[u8]) -> Option<usize> {
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

    use super::*;

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

    #[test]
    fn a_stamp_is_its_instant_in_its_zone() {
        let at = |s: &str| parse_rfc3339_us(s).unwrap();
        assert_eq!(
            at("2026-11-25T05:40:00.123456+01:30"),
            at("2026-11-25T04:10:00.123456Z")
        );
        assert_eq!(at("2026-11-25T02:40:00-0130"), at("2026-11-25T04:10:00z"));
        // debug.log's time is UTC, its fraction milliseconds.
        let (stamp, end) = civil("2026-11-29 14:17:16.405 [up-n2]").unwrap();
        assert_eq!((stamp.us(), end), (1_795_961_836_405_000, 23));
        // Nothing past microseconds counts.
        assert_eq!(at("1970-01-01T00:00:00.0000019Z"), 1);
    }

    proptest! {
        #[test]
        fn digits_read_as_parse_does(s in "[0-9a-z+ -]{0,24}") {
            for end in 0..=s.len() {
                let by_parse = s
                    .get(..end)
                    .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
                    .and_then(|p| p.parse().ok());
                prop_assert_eq!(digits(&s, 0..end), by_parse);
            }
        }
    }
}
