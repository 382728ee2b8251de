//! A classified log line: what `logs` prints, filters, counts and writes as JSON.

use serde::Serialize;
use timecoin_shared::classify::{Classification, Envelope, LogEntry, classify};

/// One classified line. Its JSON form is the `--output json` contract: `line`,
/// `kinds`, `peer`, `node`, then what else is known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The log line (a journal entry's `MESSAGE`, else the input line), without
    /// colour escapes.
    pub line: String,
    #[serde(flatten)]
    pub class: Classification,
    /// The fleet node it came from when streaming; offline, the journal's
    /// `_HOSTNAME` or the host of a journal prefix.
    pub node: Option<String>,
    /// Microseconds since the epoch: the journal's time, else a time written in
    /// the line (a `journalctl -o short` time, which has no year, in the latest
    /// year that does not put it ahead of now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_us: Option<i64>,
    /// The journal cursor, to resume after this line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The daemon's message without journal prefix, time, level and target.
    #[serde(skip)]
    pub message: String,
    /// Whether the line is a log line of its own: it has a level, a time or a
    /// node. A line with none (a `debug.log` restart banner, a blank line) was
    /// written with the lines around it.
    #[serde(skip)]
    pub standalone: bool,
}

impl Record {
    /// Classifies `entry`; `node` (the fleet name) wins over the host in the line.
    pub fn new(entry: LogEntry, node: Option<&str>) -> Record {
        let env = Envelope::split(&entry.message);
        let class = classify(&env.message);
        let time_us = written_at(&env, entry.realtime_us, now_us);
        let written = entry
            .hostname
            .or_else(|| env.node.as_deref().map(str::to_owned));
        let standalone = is_standalone(&env, time_us.is_some(), written.is_some());
        let node = node.map(str::to_owned).or(written);
        let message = env.message.into_owned();
        Record {
            line: entry.message,
            class,
            node,
            time_us,
            cursor: entry.cursor,
            message,
            standalone,
        }
    }
}

/// When the line was written: the journal's time, else the one in the line (a
/// yearless one placed by the clock `now` reads).
pub(crate) fn written_at(
    env: &Envelope<'_>,
    realtime_us: Option<i64>,
    now: impl FnOnce() -> i64,
) -> Option<i64> {
    realtime_us
        .or(env.timestamp_us())
        .or_else(|| env.yearless.map(|at| at.resolve(now())))
}

/// Whether the line is a log line of its own (see [`Record::standalone`]).
pub(crate) fn is_standalone(env: &Envelope<'_>, dated: bool, has_node: bool) -> bool {
    env.level.is_some() || dated || has_node
}

pub(crate) fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use timecoin_shared::classify::EventKind;

    #[test]
    fn json_shape_is_the_contract() {
        let r = Record::new(
            LogEntry::parse(
                "Dec 31 09:40:00 LW-Michigan2 timed[94346]: WARN ⚠️ Skipping block production: only 2 masternodes active (minimum 3 required)",
            ),
            None,
        );
        assert!(r.class.kinds.contains(EventKind::ProductionSkipped));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["kinds"], serde_json::json!(["production_skipped"]));
        assert_eq!(json["node"], "LW-Michigan2");
        assert_eq!(json["peer"], serde_json::Value::Null);
        assert_eq!(json["active"], 2);
        assert_eq!(json["minimum"], 3);
        assert!(json["line"].as_str().unwrap().starts_with("Dec 31"));
        assert!(json.get("message").is_none());
    }

    #[test]
    fn journalctl_short_text_has_a_time() {
        let a_minute_ago = humantime::format_rfc3339_seconds(
            std::time::SystemTime::now() - std::time::Duration::from_secs(60),
        )
        .to_string();
        // `2026-12-05T15:59:00Z` as `Dec  5 15:59:00`.
        let (date, time) = a_minute_ago.trim_end_matches('Z').split_once('T').unwrap();
        let month = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][date[5..7].parse::<usize>().unwrap() - 1];
        let day: u32 = date[8..10].parse().unwrap();
        let line = format!("{month} {day:>2} {time} n1 timed[7]: INFO Starting new block round");
        let r = Record::new(LogEntry::parse(&line), None);
        let ago = now_us() - r.time_us.expect("a time");
        assert!(
            (59_000_000..=61_000_000).contains(&ago),
            "{ago} µs ago: {line}"
        );
    }

    #[test]
    fn fleet_name_wins_over_hostname() {
        let e = LogEntry::parse(r#"{"MESSAGE":"x","_HOSTNAME":"vm"}"#);
        assert_eq!(
            Record::new(e.clone(), Some("n1")).node.as_deref(),
            Some("n1")
        );
        assert_eq!(Record::new(e, None).node.as_deref(), Some("vm"));
    }
}
