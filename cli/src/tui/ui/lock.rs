//! How a node's deploy lock reads on screen: the fleet table's short form (who,
//! which phase or command, which commit, for how long) and the node page's full
//! line (message included). The same words with or without colour: a failed
//! phase or a stale lock says so in text.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ratatui::style::Style;

use super::text::{ago, clock, short_commit};
use super::theme::Theme;
use crate::lock::{Holder, LockState, Phase};
use crate::tui::node::{NodeRow, age};

/// How long `holder` has held its lock at `now` (by the holder's clock).
fn held_for(holder: &Holder, now: SystemTime) -> Duration {
    age(now, UNIX_EPOCH + Duration::from_secs(holder.since))
}

/// What the holder is doing: its deploy's phase, else the command that took it.
fn doing(holder: &Holder) -> String {
    holder.phase.as_ref().map_or_else(
        || holder.taken_by.name().to_owned(),
        |p| p.name().replace('_', " "),
    )
}

/// The style of a lock: held is worth a look, a failed phase or a stale lock
/// needs one, an old reading is dimmed.
fn style(node: &NodeRow, state: &LockState, theme: Theme) -> Style {
    let failed = matches!(
        state,
        LockState::Held { holder: Some(h), .. } if h.phase == Some(Phase::Failed)
    );
    if node.lock_error.is_some() {
        theme.dim()
    } else if failed || state.is_stale() {
        theme.bad()
    } else if matches!(state, LockState::Held { .. }) {
        theme.warn()
    } else {
        Style::new()
    }
}

/// Whether any node's lock is held: the fleet table shows its lock column then.
pub(crate) fn any_held(nodes: &[NodeRow]) -> bool {
    nodes
        .iter()
        .any(|n| matches!(n.lock, Some(LockState::Held { .. })))
}

/// The fleet table's cell: `alice gating abc1234 3m`, `free`, or `-` when the
/// lock was never read.
pub(crate) fn cell(node: &NodeRow, now: SystemTime, theme: Theme) -> (String, Style) {
    let Some(state) = &node.lock else {
        return ("-".into(), theme.dim());
    };
    let text = match state {
        LockState::Free => "free".to_owned(),
        LockState::Held { holder: None, .. } => "held (unreadable)".to_owned(),
        LockState::Held {
            holder: Some(h), ..
        } => {
            let commit = h
                .target
                .as_deref()
                .map(|t| format!(" {}", short_commit(t)))
                .unwrap_or_default();
            let stale = if state.is_stale() { " stale" } else { "" };
            format!(
                "{} {}{commit} {}{stale}",
                h.user,
                doing(h),
                ago(held_for(h, now))
            )
        }
    };
    (text, style(node, state, theme))
}

/// The node page's lines: the whole holder (who and since when, then what
/// for: target, phase and message), none when the lock was never read (a node
/// without a repo has none).
pub(crate) fn lines(node: &NodeRow, now: SystemTime, theme: Theme) -> Vec<(String, Style)> {
    let unread = node
        .lock_error
        .as_ref()
        .map(|e| format!(" (last read failed: {e})"))
        .unwrap_or_default();
    let Some(state) = &node.lock else {
        return node
            .lock_error
            .iter()
            .map(|why| (format!("lock unknown: {why}"), theme.dim()))
            .collect();
    };
    let style = style(node, state, theme);
    let texts = match state {
        LockState::Free => vec![format!("lock free{unread}")],
        LockState::Held { holder: None, .. } => {
            vec![format!("lock held, holder unreadable{unread}")]
        }
        LockState::Held {
            holder: Some(h),
            ttl,
            ..
        } => {
            let since = UNIX_EPOCH + Duration::from_secs(h.since);
            let mut what = vec![format!(
                "target {}",
                h.target.as_deref().map_or_else(|| "-".into(), short_commit)
            )];
            if let Some(phase) = &h.phase {
                what.push(format!("phase {}", phase.name().replace('_', " ")));
            }
            if state.is_stale() {
                what.push(format!("✗ stale (ttl {}s)", ttl.as_secs()));
            }
            if !h.message.is_empty() {
                what.push(format!("{:?}", h.message));
            }
            vec![
                format!(
                    "lock held by {} since {} ({}){unread}",
                    h.who(),
                    clock(since),
                    ago(held_for(h, now)),
                ),
                format!("  {}", what.join(" · ")),
            ]
        }
    };
    texts.into_iter().map(|t| (t, style)).collect()
}
