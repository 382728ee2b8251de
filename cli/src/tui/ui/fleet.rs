//! The fleet table: one row per node with its state, height with the final
//! height beside it, the sparkline of its rise, peers, masternodes, pending and finalized transactions, the age
//! of its last block and its commit (flagged where it differs from the repo's
//! HEAD or from the rest of the fleet), and, while any node's deploy lock is
//! held, who holds it and how far their deploy got. Columns are dropped, least
//! useful first, when the terminal is narrow.
//!
//! A node that stopped answering keeps its last values, dimmed, with their age;
//! the pane's bottom line says since when it is unreachable and why.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};
use timecoin_shared::checklist::same_commit;

use super::text::{ago, clock, fit, opt, short_commit, sparkline};
use super::theme::Theme;
use crate::tui::app::{App, Pane};
use crate::tui::node::{Health, NodeRow};

/// The columns, in display order, with their widths and the order in which they
/// give way on a narrow screen (higher keeps longer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Name,
    State,
    Height,
    /// The final height: what a quorum certified, beside the tip.
    FinalHeight,
    Rise,
    Peers,
    Masternodes,
    Pending,
    Finalized,
    LastBlock,
    Commit,
    /// The deploy lock's holder, the deploy's phase, its commit and age.
    Lock,
}

impl Col {
    const ALL: [Col; 12] = [
        Col::Name,
        Col::State,
        Col::Height,
        Col::FinalHeight,
        Col::Rise,
        Col::Peers,
        Col::Masternodes,
        Col::Pending,
        Col::Finalized,
        Col::LastBlock,
        Col::Commit,
        Col::Lock,
    ];

    fn header(self) -> &'static str {
        match self {
            Col::Name => "NODE",
            Col::State => "STATE",
            Col::Height => "HEIGHT",
            Col::FinalHeight => "FINAL",
            Col::Rise => "RISE",
            Col::Peers => "PEERS",
            Col::Masternodes => "MN",
            Col::Pending => "PEND",
            // Finalized transactions; "FINAL" is the final height.
            Col::Finalized => "FIN TX",
            Col::LastBlock => "BLOCK",
            Col::Commit => "COMMIT",
            Col::Lock => "LOCK",
        }
    }

    fn priority(self) -> u8 {
        match self {
            Col::Name | Col::State => 9,
            Col::Height | Col::FinalHeight => 8,
            // A colleague's deploy in progress matters as much as the peers.
            Col::Masternodes | Col::Peers | Col::Lock => 7,
            Col::LastBlock => 6,
            Col::Commit => 5,
            Col::Rise => 4,
            Col::Finalized => 3,
            Col::Pending => 2,
        }
    }

    fn width(self, name_w: u16, wide: bool) -> u16 {
        match self {
            Col::Name => name_w,
            Col::State => 10,
            Col::Height | Col::FinalHeight => 7,
            Col::Rise => {
                if wide {
                    16
                } else {
                    8
                }
            }
            Col::Peers => 5,
            Col::Masternodes => 5,
            Col::Pending => 4,
            Col::Finalized => 7,
            Col::LastBlock => 5,
            // `1f50bb8-dirty ≠HEAD` when wide.
            Col::Commit => {
                if wide {
                    20
                } else {
                    14
                }
            }
            // `alice gating 1f50bb8 12m`; `alice rolled back 1f50bb8 12m` when wide.
            Col::Lock => {
                if wide {
                    30
                } else {
                    24
                }
            }
        }
    }
}

/// The columns that fit in `width` (one space between columns); the lock's
/// only when `locks` (some node's lock is held).
fn columns(width: u16, name_w: u16, locks: bool) -> Vec<(Col, u16)> {
    let wide = width >= 120;
    let mut by_priority: Vec<Col> = Col::ALL
        .into_iter()
        .filter(|c| locks || *c != Col::Lock)
        .collect();
    by_priority.sort_by_key(|c| std::cmp::Reverse(c.priority()));
    let mut used = 0u16;
    let mut kept = Vec::new();
    for col in by_priority {
        let w = col.width(name_w, wide);
        let need = if kept.is_empty() { w } else { w + 1 };
        if used + need <= width {
            used += need;
            kept.push(col);
        }
    }
    Col::ALL
        .iter()
        .filter(|c| kept.contains(c))
        .map(|c| (*c, c.width(name_w, wide)))
        .collect()
}

pub(crate) fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let name_w = app
        .nodes
        .iter()
        .map(|n| n.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 16) as u16;
    let cols = columns(
        area.width.saturating_sub(2),
        name_w,
        super::lock::any_held(&app.nodes),
    );
    let up = app
        .nodes
        .iter()
        .filter(|n| n.health(app.now, app.stale_after()) == Health::Up)
        .count();
    let mut block = super::pane(
        app,
        Pane::Fleet,
        format!("fleet {} · {up}/{} up", app.fleet, app.nodes.len()),
        theme,
    );
    if let Some(line) = down_line(app, theme) {
        block = block.title_bottom(line);
    }
    let common = app.common_commit();
    let rows = app.nodes.iter().map(|node| {
        Row::new(
            cols.iter()
                .map(|(col, w)| cell(*col, *w, node, app, common, theme)),
        )
    });
    let header = Row::new(
        cols.iter()
            .map(|(c, _)| Cell::from(c.header()).style(theme.header())),
    );
    let widths: Vec<Constraint> = cols.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(if app.focus == Pane::Fleet {
            theme.selected()
        } else {
            Style::new()
        });
    let mut state = ratatui::widgets::TableState::default().with_selected(Some(app.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

/// The first unreachable node, since when and why, for the pane's bottom line.
fn down_line(app: &App, theme: Theme) -> Option<Line<'static>> {
    let down: Vec<&NodeRow> = app.nodes.iter().filter(|n| n.error.is_some()).collect();
    let first = down.first()?;
    let since = first
        .down_since
        .map(|t| {
            format!(
                " since {} ({})",
                clock(t),
                ago(super::super::node::age(app.now, t))
            )
        })
        .unwrap_or_default();
    let more = if down.len() > 1 {
        format!(" +{} more", down.len() - 1)
    } else {
        String::new()
    };
    let why = first.error.as_deref().unwrap_or_default();
    Some(Line::styled(
        format!(" ✗ {} unreachable{since}: {why}{more} ", first.name),
        theme.bad(),
    ))
}

fn cell<'a>(
    col: Col,
    width: u16,
    node: &'a NodeRow,
    app: &App,
    common: Option<&str>,
    theme: Theme,
) -> Cell<'a> {
    let health = node.health(app.now, app.stale_after());
    let snap = node.last_ok.as_ref();
    let chain = snap.map(|s| &s.chain);
    // Old values stay on screen, dimmed: never blank, never passed off as current.
    let value_style = match health {
        Health::Up => Style::new(),
        _ => theme.dim(),
    };
    let value = |v: String| Cell::from(v).style(value_style);
    match col {
        Col::Name => {
            let style = if health == Health::Down {
                theme.bad()
            } else {
                theme.node(&node.name)
            };
            Cell::from(fit(&node.name, usize::from(width))).style(style)
        }
        Col::State => {
            let (glyph, word, style) = theme.health(health);
            let age = match health {
                Health::Up | Health::Waiting => String::new(),
                Health::Stale | Health::Down => node
                    .data_age(app.now)
                    .map(|a| format!(" {}", ago(a)))
                    .unwrap_or_default(),
            };
            Cell::from(format!("{glyph} {word}{age}")).style(style)
        }
        Col::Height => value(opt(chain.and_then(|c| c.block_height))),
        Col::FinalHeight => value(opt(chain.and_then(|c| c.final_height))),
        Col::Rise => value(sparkline(&node.heights, usize::from(width))),
        Col::Peers => value(opt(chain.and_then(|c| c.connected_peers))),
        Col::Masternodes => match chain.map(|c| (c.active_masternodes, c.min_masternodes)) {
            Some((Some(active), Some(min))) => {
                let style = if health != Health::Up {
                    theme.dim()
                } else if active < min {
                    theme.bad()
                } else if active < app.nodes.len() {
                    theme.warn()
                } else {
                    Style::new()
                };
                let mark = if active < min { "✗" } else { "" };
                Cell::from(format!("{active}/{min}{mark}")).style(style)
            }
            Some((active, _)) => value(opt(active)),
            None => value("-".into()),
        },
        Col::Pending => value(opt(chain.and_then(|c| c.pending_transactions))),
        Col::Finalized => value(opt(chain.and_then(|c| c.finalized_transactions))),
        Col::LastBlock => value(
            chain
                .and_then(|c| c.last_block_age_secs)
                .map_or_else(|| "-".into(), |s| ago(std::time::Duration::from_secs(s))),
        ),
        Col::Commit => {
            let Some(commit) = chain.and_then(|c| c.commit.as_deref()) else {
                return value("-".into());
            };
            let head = snap.and_then(|s| s.repo_head.as_deref());
            let flag = if head.is_some_and(|h| !same_commit(commit, h)) {
                " ≠HEAD"
            } else if common.is_some_and(|c| c != commit) {
                " ≠fleet"
            } else {
                ""
            };
            let style = if health != Health::Up {
                theme.dim()
            } else if !flag.is_empty() || commit.ends_with("-dirty") {
                theme.warn()
            } else {
                Style::new()
            };
            Cell::from(format!("{}{flag}", short_commit(commit))).style(style)
        }
        Col::Lock => {
            let (text, style) = super::lock::cell(node, app.now, theme);
            Cell::from(fit(&text, usize::from(width))).style(style)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_screens_drop_the_least_useful_columns_first() {
        let all: u16 = Col::ALL.iter().map(|c| c.width(6, false) + 1).sum();
        assert_eq!(columns(all, 6, true).len(), 12);
        assert_eq!(columns(all, 6, false).len(), 11, "no lock held, no column");
        let narrow: Vec<Col> = columns(40, 6, true).into_iter().map(|(c, _)| c).collect();
        assert_eq!(
            narrow[..4],
            [Col::Name, Col::State, Col::Height, Col::FinalHeight]
        );
        assert!(!narrow.contains(&Col::Pending));
        assert!(columns(0, 6, true).is_empty());
        // At 80 columns a held lock outranks the commit and the sparkline.
        let at_80: Vec<Col> = columns(78, 5, true).into_iter().map(|(c, _)| c).collect();
        assert!(at_80.contains(&Col::Lock), "{at_80:?}");
    }
}
