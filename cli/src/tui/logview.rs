//! The log pane's state: a bounded ring of classified lines from every node, a
//! filter by text or kind, pause, and a cursor that `n`/`N` and the arrows move.
//!
//! Bounded so a flooding node costs a fixed amount of memory; the full history
//! is `timectl logs`' job.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use timecoin_shared::classify::{Classification, EventKind};

use crate::logs::record::Record;

/// Lines kept in the ring: several screens of scroll-back even during a flood
/// of a thousand lines a second, a few megabytes at most.
pub(crate) const LOG_RING: usize = 5000;

/// One line of the log pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub node: String,
    /// Microseconds since the epoch, when the line or journal says.
    pub time_us: Option<i64>,
    pub class: Classification,
    /// The daemon's message, without journal prefix, time and level.
    pub text: String,
    /// A note about the node's stream itself, not a daemon line.
    pub marker: Option<Stream>,
}

/// What a stream marker says about a node's log stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Lost; being reconnected.
    Lost,
    /// Back after a loss.
    Resumed,
    /// Ended (the log command exited).
    Ended,
    /// Given up on.
    Failed,
}

impl Stream {
    /// Whether the node's log is being read after this marker.
    pub fn reading(self) -> bool {
        self == Stream::Resumed
    }
}

impl LogLine {
    /// When the line was logged, if it says (a time before 1970 is no time).
    pub fn logged_at(&self) -> Option<SystemTime> {
        let us = u64::try_from(self.time_us?).ok()?;
        Some(UNIX_EPOCH + Duration::from_micros(us))
    }

    /// A classified daemon line.
    pub fn from_record(record: &Record, node: &str) -> Self {
        let text = if record.message.is_empty() {
            record.line.clone()
        } else {
            record.message.clone()
        };
        LogLine {
            node: node.to_owned(),
            time_us: record.time_us,
            class: record.class.clone(),
            text,
            marker: None,
        }
    }

    /// A note about a node's stream.
    pub fn marker(node: &str, time_us: i64, stream: Stream, text: String) -> Self {
        LogLine {
            node: node.to_owned(),
            time_us: Some(time_us),
            class: Classification::default(),
            text,
            marker: Some(stream),
        }
    }
}

/// What `/` filters on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// Lines carrying this kind (typed as its name, e.g. `connection_reset`).
    Kind(EventKind),
    /// Lines whose text or node holds this, ignoring ASCII case.
    Text(String),
}

impl Filter {
    /// A kind when `input` names one, else a text search; `None` when empty.
    pub fn parse(input: &str) -> Option<Filter> {
        let input = input.trim();
        if input.is_empty() {
            return None;
        }
        Some(match input.parse::<EventKind>() {
            Ok(kind) => Filter::Kind(kind),
            Err(_) => Filter::Text(input.to_ascii_lowercase()),
        })
    }

    pub fn matches(&self, line: &LogLine) -> bool {
        match self {
            Filter::Kind(kind) => line.class.kinds.contains(*kind),
            Filter::Text(text) => {
                line.text.to_ascii_lowercase().contains(text)
                    || line.node.to_ascii_lowercase().contains(text)
            }
        }
    }

    /// What the filter shows in titles and the footer.
    pub fn label(&self) -> String {
        match self {
            Filter::Kind(kind) => format!("kind {kind}"),
            Filter::Text(text) => format!("{text:?}"),
        }
    }
}

/// The ring and how it is viewed.
#[derive(Clone, Debug, Default)]
pub struct LogView {
    lines: VecDeque<(u64, LogLine)>,
    next_seq: u64,
    pub filter: Option<Filter>,
    /// The newest line shown while paused.
    pub paused_at: Option<u64>,
    /// The line at the cursor; `None` follows the newest line.
    pub cursor: Option<u64>,
}

impl LogView {
    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == LOG_RING {
            self.lines.pop_front();
        }
        self.lines.push_back((self.next_seq, line));
        self.next_seq += 1;
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Lines that arrived since the pause.
    pub fn held_back(&self) -> u64 {
        self.paused_at
            .map_or(0, |at| self.next_seq.saturating_sub(at + 1))
    }

    pub fn toggle_pause(&mut self) {
        self.paused_at = match self.paused_at {
            Some(_) => None,
            None => Some(self.next_seq.saturating_sub(1)),
        };
    }

    /// The lines shown (paused view, filter, and optionally one node), oldest first.
    fn shown<'a>(
        &'a self,
        node: Option<&'a str>,
    ) -> impl DoubleEndedIterator<Item = &'a (u64, LogLine)> {
        self.lines.iter().filter(move |(seq, line)| {
            self.paused_at.is_none_or(|at| *seq <= at)
                && self.filter.as_ref().is_none_or(|f| f.matches(line))
                && node.is_none_or(|n| line.node == n)
        })
    }

    /// The last `height` lines shown up to the cursor (or the newest), oldest
    /// first, and the position of the cursor line among them.
    pub fn window<'a>(
        &'a self,
        node: Option<&'a str>,
        height: usize,
    ) -> (Vec<&'a LogLine>, Option<usize>) {
        let mut picked: Vec<&LogLine> = Vec::with_capacity(height);
        let mut cursor_at = None;
        let mut reached = self.cursor.is_none();
        for (seq, line) in self.shown(node).rev() {
            if !reached {
                if Some(*seq) == self.cursor {
                    reached = true;
                } else {
                    continue;
                }
            }
            if picked.len() == height {
                break;
            }
            if Some(*seq) == self.cursor {
                cursor_at = Some(picked.len());
            }
            picked.push(line);
        }
        if !reached {
            // The cursor's line left the ring or the filter: follow again.
            return self.follow_window(node, height);
        }
        picked.reverse();
        let cursor_at = cursor_at.map(|i| picked.len() - 1 - i);
        (picked, cursor_at)
    }

    fn follow_window<'a>(
        &'a self,
        node: Option<&'a str>,
        height: usize,
    ) -> (Vec<&'a LogLine>, Option<usize>) {
        let mut picked: Vec<&LogLine> = self
            .shown(node)
            .rev()
            .take(height)
            .map(|(_, l)| l)
            .collect();
        picked.reverse();
        (picked, None)
    }

    /// Moves the cursor `delta` lines among the lines shown; past the newest it
    /// follows again.
    pub fn move_cursor(&mut self, delta: isize) {
        let seqs: Vec<u64> = self.shown(None).map(|(s, _)| *s).collect();
        let Some(last) = seqs.len().checked_sub(1) else {
            self.cursor = None;
            return;
        };
        let here = self
            .cursor
            .and_then(|c| seqs.iter().position(|s| *s == c))
            .unwrap_or(last);
        let to = here.saturating_add_signed(delta).min(last);
        self.cursor = (to != last || delta < 0).then(|| seqs[to]);
    }

    /// Jumps to the oldest line shown.
    pub fn home(&mut self) {
        let oldest = self.shown(None).next().map(|(s, _)| *s);
        self.cursor = oldest;
    }

    /// Number of lines shown (after pause and filter), for titles.
    pub fn shown_count(&self) -> usize {
        self.shown(None).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> LogLine {
        LogLine::marker("n1", 0, Stream::Resumed, format!("line {n}"))
    }

    #[test]
    fn the_ring_is_bounded_and_pause_holds_the_view() {
        let mut view = LogView::default();
        for n in 0..LOG_RING + 10 {
            view.push(line(n));
        }
        assert_eq!(view.len(), LOG_RING);
        view.toggle_pause();
        view.push(line(99_999));
        assert_eq!(view.held_back(), 1);
        let (shown, _) = view.window(None, 1);
        assert_eq!(shown[0].text, format!("line {}", LOG_RING + 9));
        view.toggle_pause();
        assert_eq!(view.window(None, 1).0[0].text, "line 99999");
    }

    #[test]
    fn cursor_moves_among_matches_and_follows_past_the_end() {
        let mut view = LogView::default();
        for n in 0..10 {
            view.push(line(n));
        }
        view.filter = Filter::parse("line 1");
        assert_eq!(view.shown_count(), 1);
        view.filter = Filter::parse("LINE");
        view.move_cursor(-2);
        let (shown, at) = view.window(None, 3);
        assert_eq!(at, Some(2));
        assert_eq!(shown[2].text, "line 7");
        view.move_cursor(5);
        assert_eq!(view.cursor, None, "past the newest: follow");
        view.home();
        assert_eq!(view.window(None, 3).0[0].text, "line 0");
    }

    #[test]
    fn kind_names_filter_by_kind() {
        assert_eq!(
            Filter::parse(" connection_reset "),
            Some(Filter::Kind(EventKind::ConnectionReset))
        );
        assert_eq!(Filter::parse("Reset"), Some(Filter::Text("reset".into())));
        assert_eq!(Filter::parse("  "), None);
    }
}
