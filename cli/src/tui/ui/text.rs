//! Small formatting shared by the panes: ages, clock times, commits, numbers
//! that may be unknown, and the height sparkline.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Bars of the sparkline, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `4s`, `3m`, `2h`, `5d`: an age in its largest whole unit.
pub(crate) fn ago(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// `HH:MM:SS` UTC.
pub(crate) fn clock(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// `HH:MM:SS` UTC, dashes when unknown.
pub(crate) fn clock_or_dashes(at: Option<SystemTime>) -> String {
    at.map_or_else(|| "--:--:--".to_owned(), clock)
}

/// A commit cut to git's 7-digit short form, `-dirty` kept (the dashboard's
/// columns are narrow).
pub(crate) fn short_commit(commit: &str) -> String {
    timecoin_shared::checklist::short_commit(commit, 7)
}

/// A number, or `-` when not known.
pub(crate) fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// The rise between successive heights, as `width` bars scaled to the largest
/// rise; a flat chain is a row of the lowest bar, no history is blank.
pub(crate) fn sparkline(heights: &VecDeque<u64>, width: usize) -> String {
    let rises: Vec<u64> = heights
        .iter()
        .zip(heights.iter().skip(1))
        .map(|(a, b)| b.saturating_sub(*a))
        .collect();
    let shown = &rises[rises.len().saturating_sub(width)..];
    let top = shown.iter().copied().max().unwrap_or(0).max(1);
    let mut line: String = shown
        .iter()
        .map(|r| {
            let level = usize::try_from(r * 7 / top).unwrap_or(7).min(7);
            if *r == 0 { BARS[0] } else { BARS[level.max(1)] }
        })
        .collect();
    let pad = width.saturating_sub(shown.len());
    line.insert_str(0, &" ".repeat(pad));
    line
}

/// `text` cut to `width` characters, with `…` when cut.
pub(crate) fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_rises_and_pads() {
        let h: VecDeque<u64> = [10, 10, 11, 13, 13].into_iter().collect();
        assert_eq!(sparkline(&h, 6), "  ▁▄█▁");
        assert_eq!(sparkline(&VecDeque::new(), 3), "   ");
        assert_eq!(sparkline(&h, 2), "█▁");
    }

    #[test]
    fn ages_commits_and_fitting() {
        assert_eq!(ago(Duration::from_secs(59)), "59s");
        assert_eq!(ago(Duration::from_secs(61)), "1m");
        assert_eq!(short_commit("1f50bb8c0ffe-dirty"), "1f50bb8-dirty");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(clock_or_dashes(None), "--:--:--");
    }
}
