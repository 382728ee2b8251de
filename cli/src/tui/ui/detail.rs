//! One node's page (Enter on a node): what it is and how old that knowledge is
//! (its tip with the final height beside it, the consensus round, the
//! equivocations it caught, who holds its deploy lock and why), its peers with RTT as it reports them, the tips it
//! was seen at, and its own log.
//!
//! The node's connection count and its peer list are two answers (upstream's
//! `getnetworkinfo` counts sockets, its `getpeerinfo` lists registered
//! masternodes), so they may disagree: each is labelled as what it is.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use timecoin_shared::rpc::Direction;

use super::text::{ago, clock, fit, opt, short_commit};
use super::theme::Theme;
use crate::tui::app::App;
use crate::tui::node::{Health, age};

pub(crate) fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, index: usize, theme: Theme) {
    let Some(node) = app.nodes.get(index) else {
        return;
    };
    let peers = node
        .last_ok
        .as_ref()
        .and_then(|s| s.peers.as_ref())
        .map_or(0, Vec::len);
    let peers_h = u16::try_from(peers + 3).unwrap_or(u16::MAX).max(5);
    let lock = super::lock::lines(node, app.now, theme);
    let info_h = 5 + u16::try_from(lock.len()).unwrap_or(0);
    let [info, middle, log] = Layout::vertical([
        Constraint::Length(info_h),
        Constraint::Length(peers_h.min(area.height / 3)),
        Constraint::Min(3),
    ])
    .areas(area);
    let [peers_area, blocks_area] =
        Layout::horizontal([Constraint::Percentage(68), Constraint::Percentage(32)]).areas(middle);

    let health = node.health(app.now, app.stale_after());
    let (glyph, word, style) = theme.health(health);
    let chain = node.last_ok.as_ref().map(|s| &s.chain);
    let data_age = node.data_age(app.now).map_or_else(
        || "never answered".to_owned(),
        |a| format!("data {} old", ago(a)),
    );
    let mut first = vec![
        Span::styled(format!("{glyph} {word}"), style),
        Span::raw(format!(" · {data_age}")),
    ];
    if let (Some(since), Some(error)) = (node.down_since, &node.error) {
        first.push(Span::styled(
            format!(
                " · unreachable since {} ({}): {error}",
                clock(since),
                ago(age(app.now, since))
            ),
            theme.bad(),
        ));
    }
    let second = format!(
        "height {} · final {} · round {} · masternodes {}/{} · {} connections",
        opt(chain.and_then(|c| c.block_height)),
        opt(chain.and_then(|c| c.final_height)),
        opt(chain.and_then(|c| c.consensus_round)),
        opt(chain.and_then(|c| c.active_masternodes)),
        opt(chain.and_then(|c| c.min_masternodes)),
        opt(chain.and_then(|c| c.connected_peers)),
    );
    let third = format!(
        "commit {} · uptime {} · ",
        chain
            .and_then(|c| c.commit.as_deref())
            .map_or_else(|| "-".into(), short_commit),
        chain
            .and_then(|c| c.uptime_secs)
            .map_or_else(|| "-".into(), |s| ago(std::time::Duration::from_secs(s))),
    );
    let equivocations = chain.and_then(|c| c.equivocations);
    let id = chain
        .and_then(|c| c.node_id.as_deref())
        .map_or_else(|| "-".into(), |id| fit(id, 24));
    let value_style = if health == Health::Up {
        ratatui::style::Style::new()
    } else {
        theme.dim()
    };
    // Evidence of a masternode signing twice stands out whatever its age.
    let caught = match equivocations {
        Some(0) => Span::styled("no equivocation caught", value_style),
        Some(n) => Span::styled(format!("✗ {n} equivocations caught"), theme.bad()),
        None => Span::styled("equivocations -", value_style),
    };
    let mut lines = vec![
        Line::from(first),
        Line::styled(second, value_style),
        Line::from(vec![Span::styled(third, value_style), caught]),
    ];
    lines.extend(
        lock.into_iter()
            .map(|(text, style)| Line::styled(text, style)),
    );
    lines.push(Line::styled(
        format!("id {id} · Esc back · ↑↓ other nodes"),
        theme.dim(),
    ));
    let block = Block::default()
        .borders(Borders::TOP)
        .title(format!(" node {} ", node.name))
        .title_style(theme.node(&node.name));
    frame.render_widget(Paragraph::new(lines).block(block), info);

    let rows = node
        .last_ok
        .iter()
        .flat_map(|s| s.peers.iter().flatten())
        .map(|p| {
            let name = p
                .node_id
                .as_deref()
                .and_then(|id| {
                    app.nodes.iter().find(|n| {
                        n.last_ok.as_ref().and_then(|s| s.chain.node_id.as_deref()) == Some(id)
                    })
                })
                .map_or("?", |n| n.name.as_str());
            let dir = match p.direction {
                Some(Direction::Outbound) => "→ out",
                Some(Direction::Inbound) => "← in",
                None => "-",
            };
            Row::new(vec![
                Cell::from(name.to_owned()).style(theme.node(name)),
                Cell::from(p.addr.clone()),
                Cell::from(dir),
                Cell::from(p.rtt_ms.map_or_else(|| "-".into(), |r| format!("{r:.1}ms"))),
                Cell::from(opt(p.block_height)),
                Cell::from(
                    p.connected_secs
                        .map_or_else(|| "-".into(), |s| ago(std::time::Duration::from_secs(s))),
                ),
            ])
            .style(value_style)
        });
    let header = Row::new(["PEER", "ADDR", "DIR", "RTT", "HEIGHT", "UP"]).style(theme.header());
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Min(16),
            Constraint::Length(6),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(4),
        ],
    )
    .header(header)
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(format!(" peer list ({peers} rows) ")),
    );
    frame.render_widget(table, peers_area);

    let blocks: Vec<Line<'_>> = node
        .blocks
        .iter()
        .rev()
        .map(|b| {
            Line::raw(format!(
                "{:>7} {} {}",
                b.height,
                b.hash.as_deref().map_or_else(|| "-".into(), |h| fit(h, 10)),
                ago(age(app.now, b.seen))
            ))
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" recent tips ");
    frame.render_widget(Paragraph::new(blocks).block(block), blocks_area);

    super::log::draw(frame, log, app, Some(&node.name), theme);
}
