//! The time of a syslog-style line (`journalctl -o short`: `Dec 17 02:28:28`),
//! which has no year. It is placed in the latest year that does not put it in
//! the future, given the time now: the caller reads the clock, so the
//! classifier stays pure.
//!
//! The zone is not written either: it is read as UTC, the zone fleets run in
//! (`journalctl -o short-iso` writes the zone, and is read exactly).

use super::stamp::days_from_civil;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// How far ahead of the reader's clock a line may be before it is taken for
/// last year's: a node's clock a little ahead, or a day's zone difference.
const AHEAD_US: i64 = 86_400 * 1_000_000;

/// A month, day and time of day without a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearlessTime {
    month: i64,
    day: i64,
    /// Seconds into the day.
    secs: i64,
}

impl YearlessTime {
    /// Reads `Mon DD HH:MM:SS` (the day space-padded, as syslog writes it) at
    /// the start of `s`, digits as ASCII bytes: every journal line's time comes
    /// through here.
    pub(crate) fn parse(s: &str) -> Option<YearlessTime> {
        let b = s.as_bytes().get(..15)?;
        let month = MONTHS.iter().position(|m| b.starts_with(m.as_bytes()))? as i64 + 1;
        if b[3] != b' ' || b[6] != b' ' || b[9] != b':' || b[12] != b':' {
            return None;
        }
        let digit = |i: usize| b[i].is_ascii_digit().then(|| i64::from(b[i] - b'0'));
        let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
        let day = if b[4] == b' ' { digit(5)? } else { two(4)? };
        let (hour, minute, second) = (two(7)?, two(10)?, two(13)?);
        if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        Some(YearlessTime {
            month,
            day,
            secs: hour * 3600 + minute * 60 + second,
        })
    }

    /// Microseconds since the epoch: this time in the latest year that puts it
    /// no more than a day after `now_us`.
    pub fn resolve(self, now_us: i64) -> i64 {
        let in_year = |year: i64| {
            (days_from_civil(year, self.month, self.day) * 86_400 + self.secs) * 1_000_000
        };
        let this_year = 1970 + now_us.div_euclid(1_000_000 * 86_400 * 365_2425 / 10_000);
        // The estimate of this year can be off by one at its edges: try around it.
        (this_year - 1..=this_year + 1)
            .rev()
            .map(in_year)
            .find(|us| *us <= now_us + AHEAD_US)
            .unwrap_or_else(|| in_year(this_year - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-05 16:00:00 UTC.
    const NOW: i64 = 1_796_486_400_000_000;

    #[test]
    fn a_time_takes_the_year_that_is_not_ahead() {
        let dec = YearlessTime::parse("Dec  5 15:59:00 host").expect("parses");
        assert_eq!(dec.resolve(NOW), NOW - 60_000_000);
        // Early January seen in December is next year's only if within a day.
        let jan = YearlessTime::parse("Jan  3 00:00:00").expect("parses");
        assert_eq!(jan.resolve(NOW), 1_767_398_400_000_000, "2026-01-03");
        let dec31 = YearlessTime::parse("Dec 31 23:00:00").expect("parses");
        let new_year = 1_798_761_600_000_000; // 2027-01-01 00:00:00 UTC
        assert_eq!(dec31.resolve(new_year), new_year - 3_600_000_000);
        let tomorrow = YearlessTime::parse("Dec  6 10:00:00").expect("parses");
        assert_eq!(
            tomorrow.resolve(NOW),
            NOW + 18 * 3_600_000_000,
            "a clock ahead"
        );
    }

    #[test]
    fn other_text_is_not_a_time() {
        for bad in [
            "Dez 17 02:28:28",
            "Dec 17 2:28:28 ",
            "Dec +5 02:28:28",
            "Dec 17 02:-1:28",
            "Dec 32 02:28:28",
            "Dec 17",
            "",
        ] {
            assert_eq!(YearlessTime::parse(bad), None, "{bad}");
        }
    }
}
