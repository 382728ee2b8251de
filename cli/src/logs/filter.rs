//! Which records the user asked to see: `--events KIND,...` and `--grep REGEX`.

use regex::Regex;
use timecoin_shared::classify::KindSet;

use super::record::Record;

/// Both filters; an empty filter keeps everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Keep lines carrying at least one of these kinds (when not empty).
    pub kinds: KindSet,
    /// Keep lines whose message matches.
    pub grep: Option<Regex>,
}

impl Filter {
    pub fn keeps(&self, record: &Record) -> bool {
        self.keeps_line(record.class.kinds, &record.line)
    }

    /// Whether a line of these `kinds` is kept, for a caller that made no record.
    pub fn keeps_line(&self, kinds: KindSet, line: &str) -> bool {
        (self.kinds.is_empty() || kinds.intersects(self.kinds))
            && self.grep.as_ref().is_none_or(|re| re.is_match(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use timecoin_shared::classify::EventKind;
    use timecoin_shared::classify::LogEntry;

    fn record(line: &str) -> Record {
        Record::new(LogEntry::parse(line), Some("n"))
    }

    #[test]
    fn kinds_and_grep_combine() {
        let reset = record("Connection to 1.2.3.4 failed (attempt 2): Connection reset by peer");
        let round = record("Starting new block round");
        let only_resets = Filter {
            kinds: [EventKind::ConnectionReset].into_iter().collect(),
            grep: None,
        };
        assert!(only_resets.keeps(&reset));
        assert!(!only_resets.keeps(&round));
        let grep = Filter {
            grep: Some(Regex::new("attempt [2-9]").unwrap()),
            ..Filter::default()
        };
        assert!(grep.keeps(&reset));
        assert!(!grep.keeps(&round));
        assert!(Filter::default().keeps(&round));
    }
}
