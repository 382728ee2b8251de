//! Around the panes: the title line, the footer of keys (or the filter being
//! typed), the `?` help popup for the focused pane, and the compact one-line-
//! per-node summary used when the terminal is too small for panes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::text::{clock, opt};
use super::theme::Theme;
use crate::tui::app::{App, Pane, View};
use crate::tui::node::Health;

fn counts(app: &App) -> (usize, usize) {
    let down = app
        .nodes
        .iter()
        .filter(|n| n.health(app.now, app.stale_after()) == Health::Down)
        .count();
    (app.nodes.len() - down, down)
}

fn verdict(app: &App, theme: Theme) -> Span<'static> {
    match &app.report {
        Some(report) => {
            let (glyph, word, style) = theme.status(report.verdict);
            Span::styled(format!("checklist {glyph} {word}"), style)
        }
        None => Span::styled("checklist … waiting", theme.dim()),
    }
}

pub(crate) fn title(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let (up, down) = counts(app);
    // The program's full name only where there is room for it and a notice.
    let name = match (app.demo, area.width >= 100) {
        (true, true) => "timectl demo",
        (true, false) => "demo",
        (false, true) => "timectl tui",
        (false, false) => "tui",
    };
    let mut spans = vec![
        Span::styled(name, theme.header()),
        Span::raw(format!(" · {} · ", app.fleet)),
    ];
    if down > 0 {
        spans.push(Span::styled(format!("✗ {down} down"), theme.bad()));
        spans.push(Span::raw(format!(" {up} up · ")));
    } else {
        spans.push(Span::raw(format!("{up} up · ")));
    }
    spans.push(verdict(app, theme));
    spans.push(Span::raw(format!(" · {}", clock(app.now))));
    if let Some(notice) = &app.notice {
        spans.push(Span::styled(format!(" · {notice}"), theme.warn()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(crate) fn footer(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let line = if let Some(input) = &app.input {
        Line::from(vec![
            Span::styled(format!("/{input}▏"), theme.header()),
            Span::raw("  text or a kind (connection_reset...) · Enter apply · Esc clear"),
        ])
    } else {
        let mut keys = vec![("q", "quit"), ("?", "help"), ("Tab", "pane")];
        if !app.demo {
            keys.push(("↑↓", "move"));
        }
        match app.view {
            View::Detail(_) => keys.push(("Esc", "back")),
            View::Dashboard => keys.push(("Enter", "node")),
        }
        keys.extend([("/", "filter"), ("p", "pause")]);
        if app.demo {
            keys.push(("s/x/r", "stop/kill/restart"));
        }
        let mut spans = Vec::new();
        for (key, what) in keys {
            spans.push(Span::styled(key, theme.focused()));
            spans.push(Span::raw(format!(" {what}  ")));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Every key, for the focused pane first.
fn help_lines(app: &App) -> Vec<(&'static str, &'static str)> {
    let mut keys = match app.focus {
        Pane::Fleet => vec![
            ("↑↓ j k", "select a node"),
            (
                "Enter",
                "the node's peers with RTT, recent blocks, its own log",
            ),
        ],
        Pane::Links => vec![
            ("↑↓ j k", "select a row"),
            ("Enter", "the selected node's page"),
            (
                "→ ←",
                "in a cell: the row node dialed / the column node dialed",
            ),
            ("✗ ?", "ends disagree or hold two links / an end unknown"),
        ],
        Pane::Checklist => vec![("↑↓ j k", "select an item")],
        Pane::Log => vec![
            ("↑↓ j k", "scroll one line"),
            ("PgUp PgDn", "scroll ten lines"),
            ("g / G", "oldest line / follow the newest"),
        ],
    };
    keys.extend([
        ("/", "filter the log by text or kind; matches highlighted"),
        ("n / N", "jump to the older / newer match"),
        ("Esc", "clear the filter; leave a node's page"),
        ("p", "pause or resume the log"),
        ("Tab S-Tab", "next / previous pane"),
        ("?", "this help (any key closes it)"),
        ("q Ctrl-C", "quit"),
    ]);
    if app.demo {
        keys.extend([
            ("s", "demo: stop the selected node (SIGTERM)"),
            ("x", "demo: kill the selected node (SIGKILL)"),
            ("r", "demo: restart the selected node"),
        ]);
    }
    keys
}

pub(crate) fn help(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let keys = help_lines(app);
    let lines: Vec<Line<'_>> = keys
        .iter()
        .map(|(key, what)| {
            Line::from(vec![
                Span::styled(format!("{key:>10}  "), theme.focused()),
                Span::raw(*what),
            ])
        })
        .collect();
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Max(76)])
        .flex(Flex::Center)
        .areas(popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" keys · {} pane ", app.focus.title()));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        popup,
    );
}

/// A terminal too small for panes: the verdict, then one line per node.
pub(crate) fn compact(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let (_, down) = counts(app);
    let mut lines = vec![Line::from(vec![
        verdict(app, theme),
        Span::raw(format!(" {down} down")),
    ])];
    for node in &app.nodes {
        let (glyph, word, style) = theme.health(node.health(app.now, app.stale_after()));
        let height = opt(node.last_ok.as_ref().and_then(|s| s.chain.block_height));
        lines.push(Line::from(vec![
            Span::styled(format!("{glyph} "), style),
            Span::raw(format!("{} {word} {height}", node.name)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
