//! Drawing: the state in, a frame out, nothing awaited and nothing changed.
//!
//! The screen is a title line, the fleet table, the link matrix beside the
//! checklist, the log, and a footer of keys. It fits 80x24 (the checklist and
//! the matrix collapse to summaries when short of room) and grows with the
//! terminal; below [`MIN_WIDTH`] x [`MIN_HEIGHT`] it falls back to one line per
//! node, and any size down to 1x1 draws without panicking.
//!
//! # Layout
//! - `theme`: colours, glyphs and words.
//! - `fleet`, `links`, `checklist`, `log`: the panes.
//! - `detail`: one node's page (Enter).
//! - `lock`: how a node's deploy lock reads, in the table and on its page.
//! - `chrome`: title, footer, help popup, the compact fallback.
//! - `text`: small formatting helpers shared by the panes.

mod checklist;
mod chrome;
mod detail;
mod fleet;
mod links;
mod lock;
mod log;
pub(super) mod text;
mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, BorderType, Borders};

use super::app::{App, Pane, View};
use theme::Theme;

/// Below this width the panes give way to the compact summary.
pub(crate) const MIN_WIDTH: u16 = 40;
/// Below this height the panes give way to the compact summary.
pub(crate) const MIN_HEIGHT: u16 = 12;

/// Draws the whole screen for `app`.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    let theme = Theme::new(app.colour);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        chrome::compact(frame, area, app, theme);
        return;
    }
    let [title, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::title(frame, title, app, theme);
    chrome::footer(frame, footer, app, theme);
    match app.view {
        View::Detail(i) => detail::draw(frame, body, app, i, theme),
        View::Dashboard => dashboard(frame, body, app, theme),
    }
    if app.help {
        chrome::help(frame, area, app, theme);
    }
}

fn dashboard(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let nodes = u16::try_from(app.nodes.len()).unwrap_or(u16::MAX);
    let items = app
        .report
        .as_ref()
        .map_or(1, |r| u16::try_from(r.items.len()).unwrap_or(u16::MAX));
    // The fleet table first (rows, header, borders), at most 40 % of the body.
    let fleet_h = nodes.saturating_add(3).min(area.height * 2 / 5).max(4);
    // Then the matrix and checklist: what they need, at most a third of the rest,
    // never below what keeps the log pane (4 rows) on screen.
    let rest = area.height.saturating_sub(fleet_h);
    let wanted = nodes.saturating_add(3).max(items.saturating_add(2));
    let middle_h = wanted.min((rest / 3).max(7)).min(rest.saturating_sub(4));
    let [fleet_area, middle, log_area] = Layout::vertical([
        Constraint::Length(fleet_h),
        Constraint::Length(middle_h),
        Constraint::Min(0),
    ])
    .areas(area);
    let links_w = links::width(app.nodes.len(), middle.width);
    let [links_area, checklist_area] =
        Layout::horizontal([Constraint::Length(links_w), Constraint::Min(0)]).areas(middle);
    fleet::draw(frame, fleet_area, app, theme);
    links::draw(frame, links_area, app, theme);
    checklist::draw(frame, checklist_area, app, theme);
    log::draw(frame, log_area, app, None, theme);
}

/// A pane's frame: its title, and a bold coloured border when it has the keys.
fn pane<'a>(app: &App, pane: Pane, title: String, theme: Theme) -> Block<'a> {
    let focused = app.focus == pane && app.view == View::Dashboard;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {title} "));
    if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(theme.focused())
    } else {
        block
    }
}
