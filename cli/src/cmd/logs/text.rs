//! How records and stream markers look: a fixed colour per node, kinds as
//! badges, the daemon's message.
//!
//! Colour goes through `anstream`, which drops the escapes when `NO_COLOR` is set
//! or stdout is not a terminal, so this module always writes styled text.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use timecoin_shared::classify::EventKind;

use crate::logs::record::Record;

/// Node colours: distinct on dark and light terminals, red left out for problems.
const NODE_PALETTE: [AnsiColor; 10] = [
    AnsiColor::Cyan,
    AnsiColor::Magenta,
    AnsiColor::Yellow,
    AnsiColor::Blue,
    AnsiColor::Green,
    AnsiColor::BrightCyan,
    AnsiColor::BrightMagenta,
    AnsiColor::BrightYellow,
    AnsiColor::BrightBlue,
    AnsiColor::BrightGreen,
];

/// The colour of a node: from its name, so it is the same in every run and in
/// every selection of nodes.
pub(crate) fn node_style(name: &str) -> Style {
    // FNV-1a: tiny, stable across builds (std's hasher is not).
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let color = NODE_PALETTE[(hash % NODE_PALETTE.len() as u64) as usize];
    Style::new().fg_color(Some(color.into())).bold()
}

fn kind_style(kind: EventKind) -> Style {
    let color = match kind {
        k if k.is_problem() => AnsiColor::Red,
        EventKind::BlockRound | EventKind::BlockProduced | EventKind::BlockFinalized => {
            AnsiColor::Blue
        }
        _ => AnsiColor::Green,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

const DIM: Style = Style::new().dimmed();
const MARKER: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)))
    .bold();

/// `HH:MM:SS.mmm` in UTC, or dashes when the time is unknown.
pub(crate) fn clock(time_us: Option<i64>) -> String {
    match time_us {
        Some(us) => {
            let ms_of_day = (us / 1000).rem_euclid(86_400_000);
            let (h, m) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
            let (s, ms) = (ms_of_day / 1000 % 60, ms_of_day % 1000);
            format!("{h:02}:{m:02}:{s:02}.{ms:03}")
        }
        None => "--:--:--.---".to_owned(),
    }
}

/// The badge text of a kind, with its numbers.
fn badge(kind: EventKind, record: &Record) -> String {
    let c = &record.class;
    match (kind, c.attempt, c.active, c.minimum, c.height) {
        (EventKind::ConnectFailed, Some(n), ..) => format!("{kind} #{n}"),
        (EventKind::ProductionSkipped, _, Some(a), Some(m), _) => format!("{kind} {a}/{m}"),
        (EventKind::BlockProduced | EventKind::BlockFinalized, .., Some(h)) => {
            format!("{kind} @{h}")
        }
        _ => kind.to_string(),
    }
}

/// Writes records as text lines, node names padded to one width.
pub struct TextWriter<W: Write> {
    out: W,
    node_width: usize,
}

impl<W: Write> TextWriter<W> {
    pub fn new(out: W, node_width: usize) -> Self {
        TextWriter { out, node_width }
    }

    /// # Errors
    /// The writer's errors (a closed pipe).
    pub fn record(&mut self, record: &Record) -> io::Result<()> {
        let node = record.node.as_deref().unwrap_or("-");
        let style = node_style(node);
        write!(
            self.out,
            "{DIM}{}{DIM:#} {style}{node:<width$}{style:#} ",
            clock(record.time_us),
            width = self.node_width
        )?;
        for kind in record.class.kinds.iter() {
            let style = kind_style(kind);
            write!(self.out, "{style}[{}]{style:#} ", badge(kind, record))?;
        }
        let text = if record.message.is_empty() {
            &record.line
        } else {
            &record.message
        };
        writeln!(self.out, "{text}")
    }

    /// A line about the stream itself (lost, resumed), never mistaken for a log line.
    ///
    /// # Errors
    /// The writer's errors.
    pub fn marker(&mut self, time_us: i64, node: &str, text: &str) -> io::Result<()> {
        let style = node_style(node);
        writeln!(
            self.out,
            "{DIM}{}{DIM:#} {style}{node:<width$}{style:#} {MARKER}-- {text} --{MARKER:#}",
            clock(Some(time_us)),
            width = self.node_width
        )
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use timecoin_shared::classify::LogEntry;

    fn render(line: &str) -> String {
        let mut buf = Vec::new();
        let record = Record::new(LogEntry::parse(line), Some("n1"));
        TextWriter::new(&mut buf, 4).record(&record).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn badges_carry_numbers() {
        let text = render(
            "2026-11-25T04:10:05.250Z  WARN timed::net::dialer: Connection to 1.2.3.4 failed (attempt 3): Connection reset by peer",
        );
        let plain = anstream::adapter::strip_str(&text).to_string();
        assert_eq!(
            plain,
            "04:10:05.250 n1   [connection_reset] [connect_failed #3] Connection to 1.2.3.4 failed (attempt 3): Connection reset by peer\n"
        );
        assert!(text.contains('\x1b'), "styled before anstream strips it");
    }

    #[test]
    fn node_colour_is_stable() {
        assert_eq!(node_style("LW-London"), node_style("LW-London"));
        assert_eq!(clock(None), "--:--:--.---");
    }
}
