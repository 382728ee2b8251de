//! Every colour of the dashboard, in one place, and the glyph and word that go
//! beside each one: status never depends on colour alone, and without colour
//! (`NO_COLOR`, or not allowed) styles keep only bold, dim and reverse.

use ratatui::style::{Color, Modifier, Style};
use timecoin_shared::checklist::Status;
use timecoin_shared::classify::EventKind;

use crate::tui::node::Health;

/// The dashboard's styles, with or without colour.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Theme {
    colour: bool,
}

impl Theme {
    pub(crate) fn new(colour: bool) -> Self {
        Theme { colour }
    }

    fn fg(self, color: Color) -> Style {
        if self.colour {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub(crate) fn good(self) -> Style {
        self.fg(Color::Green)
    }

    pub(crate) fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }

    pub(crate) fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Values that are old or not known.
    pub(crate) fn dim(self) -> Style {
        self.fg(Color::DarkGray).add_modifier(Modifier::DIM)
    }

    pub(crate) fn header(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The border of the pane that has the keys.
    pub(crate) fn focused(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub(crate) fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Filter matches inside log lines.
    pub(crate) fn matched(self) -> Style {
        if self.colour {
            Style::new().fg(Color::Black).bg(Color::Yellow)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        }
    }

    /// A kind badge: trouble in red, blocks in blue, links in green.
    pub(crate) fn kind(self, kind: EventKind) -> Style {
        match kind {
            k if k.is_problem() => self.bad(),
            EventKind::BlockRound | EventKind::BlockProduced | EventKind::BlockFinalized => {
                self.fg(Color::Blue)
            }
            _ => self.good(),
        }
    }

    /// A node's name, coloured stably by name so it reads the same in every pane.
    pub(crate) fn node(self, name: &str) -> Style {
        const PALETTE: [Color; 6] = [
            Color::Cyan,
            Color::Magenta,
            Color::LightBlue,
            Color::LightGreen,
            Color::LightMagenta,
            Color::LightCyan,
        ];
        // FNV-1a: stable across builds and runs.
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        self.fg(PALETTE[(hash % PALETTE.len() as u64) as usize])
    }

    /// Glyph, word and style of a checklist status.
    pub(crate) fn status(self, status: Status) -> (&'static str, &'static str, Style) {
        match status {
            Status::Pass => ("✓", "pass", self.good()),
            Status::Warn => ("!", "warn", self.warn()),
            Status::Unknown => ("?", "unknown", self.warn()),
            Status::NotApplicable => ("-", "n/a", self.dim()),
            Status::Fail => ("✗", "FAIL", self.bad()),
        }
    }

    /// Glyph, word and style of a node's health.
    pub(crate) fn health(self, health: Health) -> (&'static str, &'static str, Style) {
        match health {
            Health::Up => ("✓", "up", self.good()),
            Health::Stale => ("~", "stale", self.warn()),
            Health::Down => ("✗", "down", self.bad()),
            Health::Waiting => ("…", "wait", self.dim()),
        }
    }
}

/// The short badge of a kind, for narrow log lines.
pub(crate) fn badge(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Connected => "conn",
        EventKind::HandshakeCompleted => "hs-ok",
        EventKind::HandshakeAccepted => "hs-in",
        EventKind::DuplicateRejected => "dup",
        EventKind::HandshakeAckFailed => "ACK-FAIL",
        EventKind::ConnectionReset => "RESET",
        EventKind::ConnectFailed => "DIAL-FAIL",
        EventKind::PingTimeout => "PING-TO",
        EventKind::PreHandshakeMessage => "PRE-HS",
        EventKind::ProductionSkipped => "SKIP",
        EventKind::BlockRound => "round",
        EventKind::BlockProduced => "block",
        EventKind::Disconnected => "disc",
        EventKind::BlockFinalized => "final",
        EventKind::Syncing => "sync",
        EventKind::NetworkPartition => "PARTITION",
        EventKind::Equivocation => "EQUIVOC",
    }
}
