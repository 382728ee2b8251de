//! The log pane: every node's lines merged as they arrive, each with its kind
//! badges; filter matches highlighted, the cursor line reversed, and the title
//! saying what is filtered or paused.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use timecoin_shared::classify::EventKind;

use super::text::clock_or_dashes;
use super::theme::{Theme, badge};
use crate::tui::app::{App, Pane};
use crate::tui::logview::{Filter, LogLine};

/// Draws the log of every node, or of `node` only (the detail view).
pub(crate) fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, node: Option<&str>, theme: Theme) {
    let height = usize::from(area.height.saturating_sub(2));
    let (lines, cursor) = app.log.window(node, height);
    let mut title = match node {
        Some(node) => format!("log of {node}"),
        None => format!("log · {} lines", app.log.len()),
    };
    if let Some(filter) = &app.log.filter {
        title.push_str(&format!(
            " · / {} ({} match)",
            filter.label(),
            app.log.shown_count()
        ));
    }
    if app.log.paused_at.is_some() {
        title.push_str(&format!(" · ⏸ PAUSED +{} new", app.log.held_back()));
    } else if app.log.cursor.is_some() {
        title.push_str(" · scrolled (End follows)");
    }
    let block = super::pane(app, Pane::Log, title, theme);
    let node_w = app
        .nodes
        .iter()
        .map(|n| n.name.chars().count())
        .max()
        .unwrap_or(4)
        .min(12);
    let rendered: Vec<Line<'_>> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut spans = render(line, node_w, app.log.filter.as_ref(), theme);
            if cursor == Some(i) {
                for span in &mut spans {
                    span.style = span.style.patch(theme.selected());
                }
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(rendered).block(block), area);
}

fn render<'a>(
    line: &'a LogLine,
    node_w: usize,
    filter: Option<&Filter>,
    theme: Theme,
) -> Vec<Span<'a>> {
    let mut spans = vec![
        Span::styled(clock_or_dashes(line.logged_at()), theme.dim()),
        Span::raw(" "),
        Span::styled(format!("{:<node_w$}", line.node), theme.node(&line.node)),
        Span::raw(" "),
    ];
    if line.marker.is_some() {
        spans.push(Span::styled(format!("-- {} --", line.text), theme.warn()));
        return spans;
    }
    for kind in line.class.kinds.iter() {
        let style = match filter {
            Some(Filter::Kind(k)) if *k == kind => theme.matched(),
            _ => theme.kind(kind),
        };
        spans.push(Span::styled(format!("[{}]", numbered(kind, line)), style));
        spans.push(Span::raw(" "));
    }
    match filter {
        Some(Filter::Text(needle)) => highlight(&line.text, needle, theme.matched(), &mut spans),
        _ => spans.push(Span::raw(line.text.as_str())),
    }
    spans
}

/// A badge with the numbers the classifier read (`DIAL-FAIL #3`, `SKIP 2/3`).
fn numbered(kind: EventKind, line: &LogLine) -> String {
    let c = &line.class;
    match (kind, c.attempt, c.active, c.minimum, c.height) {
        (EventKind::ConnectFailed, Some(n), ..) => format!("{} #{n}", badge(kind)),
        (EventKind::ProductionSkipped, _, Some(a), Some(m), _) => {
            format!("{} {a}/{m}", badge(kind))
        }
        (EventKind::BlockProduced, .., Some(h)) => format!("{} @{h}", badge(kind)),
        _ => badge(kind).to_owned(),
    }
}

/// `text` with every ASCII-case-insensitive occurrence of `needle` (lower case) styled.
fn highlight<'a>(text: &'a str, needle: &str, style: Style, spans: &mut Vec<Span<'a>>) {
    let lower = text.to_ascii_lowercase();
    let mut at = 0;
    // ASCII lower-casing keeps byte offsets, so matches index `text` directly.
    while let Some(found) = lower[at..].find(needle).filter(|_| !needle.is_empty()) {
        let start = at + found;
        let end = start + needle.len();
        spans.push(Span::raw(&text[at..start]));
        spans.push(Span::styled(&text[start..end], style));
        at = end;
    }
    spans.push(Span::raw(&text[at..]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_every_match_ignoring_case() {
        let mut spans = Vec::new();
        highlight("Dup then DUP", "dup", Style::new(), &mut spans);
        let parts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(parts, ["", "Dup", " then ", "DUP", ""]);
    }
}
