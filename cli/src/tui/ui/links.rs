//! The link matrix pane: row node to column node (columns numbered as the rows), `→` when the row node dialed,
//! `←` when the column node did, `·` no link, `✗` where the two ends disagree
//! (or a pair holds more than one link), `?` where an end is unknown. When the
//! matrix does not fit, a summary and the disputed pairs instead.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use timecoin_shared::rpc::Direction;

use super::text::fit;
use super::theme::Theme;
use crate::tui::app::{App, Pane};
use crate::tui::links::{self, Link};

/// Characters of the row label (node name) column.
const LABEL: usize = 9;
/// Characters per matrix column.
const CELL: usize = 3;
/// Room for the title's summary and a disputed pair per line.
const MIN_WIDTH: u16 = 26;

/// The pane's width for `nodes` nodes out of `available` columns: the full
/// matrix when it fits in half the screen, else room for the summary.
pub(crate) fn width(nodes: usize, available: u16) -> u16 {
    let matrix = u16::try_from(LABEL + CELL * nodes + 2).unwrap_or(u16::MAX);
    let wanted = matrix.max(MIN_WIDTH);
    if wanted <= available / 2 {
        wanted
    } else {
        MIN_WIDTH.min(available / 2)
    }
}

pub(crate) fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let m = app.links();
    let s = links::summary(m);
    let (verdict, style) = if s.disputed > 0 {
        (format!("✗ {} disputed", s.disputed), theme.bad())
    } else if s.unknown > 0 {
        (format!("? {} unknown", s.unknown), theme.warn())
    } else if s.absent > 0 {
        (format!("! {} unlinked", s.absent), theme.warn())
    } else {
        ("✓ agreed".to_owned(), theme.good())
    };
    let block = super::pane(
        app,
        Pane::Links,
        format!("links {verdict} · {}", s.agreed),
        theme,
    )
    .title_style(style);
    let inner_w = usize::from(area.width.saturating_sub(2));
    let inner_h = usize::from(area.height.saturating_sub(2));
    let fits = LABEL + CELL * m.len() <= inner_w && m.len() < inner_h;
    let mut lines = Vec::new();
    if fits {
        let mut head = vec![Span::raw(" ".repeat(LABEL))];
        for i in 1..=m.len() {
            head.push(Span::styled(format!("{i:>CELL$}"), theme.header()));
        }
        lines.push(Line::from(head));
        for (a, row) in m.iter().enumerate() {
            let name = &app.nodes[a].name;
            let label_style = if a == app.selected && app.focus == Pane::Links {
                theme.selected()
            } else {
                theme.node(name)
            };
            let mut spans = vec![Span::styled(
                format!("{:<LABEL$}", fit(&format!("{} {name}", a + 1), LABEL - 1)),
                label_style,
            )];
            for link in row {
                let (glyph, style) = glyph(*link, theme);
                spans.push(Span::styled(format!("{glyph:>CELL$}"), style));
            }
            lines.push(Line::from(spans));
        }
    }
    if !fits {
        for (a, row) in m.iter().enumerate() {
            for (b, link) in row.iter().enumerate().skip(a + 1) {
                if link.is_problem() && lines.len() < inner_h {
                    lines.push(Line::styled(
                        format!("✗ {} ↔ {}", app.nodes[a].name, app.nodes[b].name),
                        theme.bad(),
                    ));
                }
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn glyph(link: Link, theme: Theme) -> (&'static str, Style) {
    match link {
        Link::Itself => ("╲", theme.dim()),
        Link::Absent => ("·", theme.dim()),
        Link::Agreed(Some(Direction::Outbound)) => ("→", theme.good()),
        Link::Agreed(Some(Direction::Inbound)) => ("←", theme.good()),
        Link::Agreed(None) => ("↔", theme.good()),
        Link::Disputed => ("✗", theme.bad()),
        Link::Unknown(_) => ("?", theme.dim()),
    }
}
