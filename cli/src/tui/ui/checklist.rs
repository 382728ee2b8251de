//! The checklist pane: the live verdict of every item (the same rules as
//! `timectl check`), each with a glyph, a word and its first evidence. Short of
//! room, the items that do not pass come first and the passing ones are counted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use timecoin_shared::checklist::{ItemVerdict, Status};

use super::text::fit;
use super::theme::Theme;
use crate::tui::app::{App, Pane};

/// Title characters kept on a narrow screen (the evidence needs the rest).
const TITLE_MAX: usize = 30;

pub(crate) fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let inner_w = usize::from(area.width.saturating_sub(2));
    let inner_h = usize::from(area.height.saturating_sub(2));
    let Some(report) = &app.report else {
        let block = super::pane(app, Pane::Checklist, "checklist".into(), theme);
        let text = Line::styled("… waiting for every node's first answer", theme.dim());
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    };
    let (glyph, word, style) = theme.status(report.verdict);
    let count = |s: Status| report.items.iter().filter(|i| i.status == s).count();
    let mut title = format!(
        "checklist {glyph} {word} · {} pass {} warn {} fail {} unknown",
        count(Status::Pass),
        count(Status::Warn),
        count(Status::Fail),
        count(Status::Unknown)
    );
    // Only a fleet whose daemon API cannot support an item has these.
    let inapplicable = count(Status::NotApplicable);
    if inapplicable > 0 {
        title.push_str(&format!(" {inapplicable} n/a"));
    }
    let block = super::pane(app, Pane::Checklist, title, theme).title_style(style);
    // All items in their order when they fit; else the worst first.
    let mut order: Vec<usize> = (0..report.items.len()).collect();
    let fits = report.items.len() <= inner_h;
    if !fits {
        order.sort_by_key(|i| std::cmp::Reverse(report.items[*i].status));
    }
    // Titles whole where there is room; the evidence keeps at least a third.
    let longest = report
        .items
        .iter()
        .map(|i| i.title.chars().count())
        .max()
        .unwrap_or(0);
    let title_w = longest.min(TITLE_MAX.max(inner_w / 3));
    let mut lines: Vec<Line<'_>> = Vec::new();
    let focused = app.focus == Pane::Checklist;
    for (row, &i) in order.iter().enumerate() {
        let hidden = order.len() - row;
        if !fits && row + 1 == inner_h && hidden > 1 {
            let passing = order[row..]
                .iter()
                .filter(|i| report.items[**i].status == Status::Pass)
                .count();
            lines.push(Line::styled(
                format!("  … {hidden} more ({passing} pass)"),
                theme.dim(),
            ));
            break;
        }
        let selected = focused && i == app.item;
        lines.push(item_line(
            &report.items[i],
            inner_w,
            title_w,
            selected,
            theme,
        ));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn item_line(
    item: &ItemVerdict,
    width: usize,
    title_w: usize,
    selected: bool,
    theme: Theme,
) -> Line<'static> {
    let (glyph, word, style) = theme.status(item.status);
    let head = format!("{glyph} {word:<7} ");
    let title_w = title_w.min(width.saturating_sub(head.chars().count()));
    let title = format!("{:<title_w$}", fit(&item.title, title_w));
    let room = width.saturating_sub(head.chars().count() + title_w + 1);
    let evidence = match item.evidence.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} (+{} more)", rest.len()),
    };
    let base = if selected {
        theme.selected()
    } else {
        Style::new()
    };
    Line::from(vec![
        Span::styled(head, style.patch(base)),
        Span::styled(title, base),
        Span::styled(
            format!(" {}", fit(&evidence, room)),
            theme.dim().patch(base),
        ),
    ])
}
