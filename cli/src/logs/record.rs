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
    /// the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_us: Option<i64>,
    /// The journal cursor, to resume after this line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The daemon's message without journal prefix, time, level and target.
    #[serde(skip)]
    pub message: String,
}

impl Record {
    /// Classifies `entry`; `node` (the fleet name) wins over the host in the line.
    pub fn new(entry: LogEntry, node: Option<&str>) -> Record {
        let env = Envelope::split(&entry.message);
        let class = classify(&env.message);
        let node = node
            .map(str::to_owned)
            .or(entry.hostname)
            .or_else(|| env.node.map(|n| n.into_owned()));
        let time_us = entry.realtime_us.or(env.timestamp_us);
        let message = env.message.into_owned();
        Record {
            line: entry.message,
            class,
            node,
            time_us,
            cursor: entry.cursor,
            message,
        }
    }
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
    fn fleet_name_wins_over_hostname() {
        let e = LogEntry::parse(r#"{"MESSAGE":"x","_HOSTNAME":"vm"}"#);
        assert_eq!(
            Record::new(e.clone(), Some("n1")).node.as_deref(),
            Some("n1")
        );
        assert_eq!(Record::new(e, None).node.as_deref(), Some("vm"));
    }
}
