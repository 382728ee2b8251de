//! Plain-text tables with coloured cells, and the colour theme of every command.
//!
//! Cells carry an `anstyle::Style`; output goes through `anstream`, which drops
//! the colours when stdout is not a terminal or `NO_COLOR` is set.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

/// A commit as tables and messages show it: git's 12-digit short form (the
/// one `timed --version` reports), `-dirty` kept.
pub(crate) fn short_commit(commit: &str) -> String {
    timecoin_shared::checklist::short_commit(commit, 12)
}

/// The colours `timectl` uses, in one place.
pub(crate) mod theme {
    use super::{AnsiColor, Style};

    /// Healthy, matching, reachable.
    pub(crate) const GOOD: Style = AnsiColor::Green.on_default();
    /// Worth a look: a commit other than HEAD, a stale block.
    pub(crate) const WARN: Style = AnsiColor::Yellow.on_default();
    /// Broken: unreachable, below quorum.
    pub(crate) const BAD: Style = AnsiColor::Red.on_default().bold();
    /// Column headers.
    pub(crate) const HEADER: Style = Style::new().bold();
    /// Missing values.
    pub(crate) const DIM: Style = Style::new().dimmed();
    /// No styling.
    pub(crate) const PLAIN: Style = Style::new();
}

/// One cell: its text and how to colour it.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    text: String,
    style: Style,
}

impl Cell {
    /// A cell with a style.
    pub(crate) fn new(text: impl Into<String>, style: Style) -> Self {
        Cell {
            text: text.into(),
            style,
        }
    }

    /// An uncoloured cell.
    pub(crate) fn plain(text: impl Into<String>) -> Self {
        Cell::new(text, theme::PLAIN)
    }

    /// A dimmed dash for a value that is not known.
    pub(crate) fn missing() -> Self {
        Cell::new("-", theme::DIM)
    }
}

/// Rows under headers, columns padded to their widest cell.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with these column headers.
    pub(crate) fn new(headers: &[&'static str]) -> Self {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (as many cells as headers).
    pub(crate) fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// The table as text with ANSI styles (stripped later if colour is off).
    pub(crate) fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.text.chars().count());
                }
            }
        }
        let mut out = String::new();
        let header: Vec<Cell> = self
            .headers
            .iter()
            .map(|h| Cell::new(*h, theme::HEADER))
            .collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let last = row.len().saturating_sub(1);
            for (i, cell) in row.iter().enumerate() {
                let pad = widths
                    .get(i)
                    .map_or(0, |w| w.saturating_sub(cell.text.chars().count()));
                let _ = write!(
                    out,
                    "{}{}{}",
                    cell.style.render(),
                    cell.text,
                    cell.style.render_reset()
                );
                if i < last {
                    out.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_visible_width() {
        let mut table = Table::new(&["NODE", "H"]);
        table.push(vec![Cell::new("a", theme::BAD), Cell::plain("10")]);
        table.push(vec![Cell::plain("long-name"), Cell::missing()]);
        let text = anstream::adapter::strip_str(&table.render()).to_string();
        assert_eq!(text, "NODE       H\na          10\nlong-name  -\n");
    }
}
