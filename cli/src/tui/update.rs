//! The dashboard's state transitions: one message in, the state changed, and
//! maybe a command out for the runtime. Synchronous and pure, so every key and
//! every poll result is unit-tested without a terminal.
//!
//! # Layout
//! - `keys`: what each key does, in whatever the operator is looking at.

mod keys;

use timecoin_shared::checklist::{Report, Status};

use super::app::App;
use super::msg::{Command, Msg};

/// How soon a change must reach the screen. Each wake-up of an idle process
/// costs far more than its few instructions (cold caches), so news waits a
/// moment for the rest of its burst, and ages that only moved wait for the clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Redraw {
    /// Nothing visible changed.
    #[default]
    No,
    /// Only ages and numbers moved: drawn once a tick, when the round of
    /// probes that went out with it is in.
    Clock,
    /// News: a log line, a node going down or coming back, a verdict changing.
    Data,
    /// The operator pressed a key or resized the terminal: drawn at once.
    Input,
}

/// What one message did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Whether and how soon to draw again.
    pub redraw: Redraw,
    /// Something for the runtime to do.
    pub command: Option<Command>,
}

impl Outcome {
    pub(super) fn redraw(redraw: Redraw) -> Self {
        Outcome {
            redraw,
            command: None,
        }
    }

    pub(super) fn command(command: Command) -> Self {
        Outcome {
            redraw: Redraw::Input,
            command: Some(command),
        }
    }
}

/// Applies `msg` to `app`.
pub fn update(app: &mut App, msg: Msg) -> Outcome {
    match msg {
        Msg::Key(key) => keys::pressed(app, key),
        Msg::Resize => Outcome::redraw(Redraw::Input),
        Msg::Tick(now) => {
            app.now = now;
            // Once a tick, like the checklist: a 100-node fleet answers 100 times
            // a second, and the matrix is quadratic in its size.
            let links_changed = app.refresh_links();
            // The checklist is judged once a tick at most, once every node answered
            // or failed a probe: a flood of lines costs one evaluation a second.
            let mut verdicts_changed = false;
            if app.window.changed && app.nodes.iter().all(|n| n.probed_at.is_some()) {
                let report = app.window.evaluate(now, &app.nodes);
                verdicts_changed = statuses(app.report.as_ref()) != statuses(Some(&report));
                app.report = Some(report);
            }
            Outcome::redraw(if links_changed || verdicts_changed {
                Redraw::Data
            } else {
                Redraw::Clock
            })
        }
        Msg::Snapshot(snapshot) => {
            let Some(i) = app.index(&snapshot.node) else {
                return Outcome::default();
            };
            app.window.probe(i, &snapshot);
            let stale_after = app.stale_after();
            let was = app.nodes[i].health(app.now, stale_after);
            app.nodes[i].apply(*snapshot);
            // A node going down or coming back is news; new numbers wait for
            // the clock (about a second), so a fleet's answers, each at its own
            // instant, cost one frame a second, not one each.
            let changed = app.nodes[i].health(app.now, stale_after) != was;
            Outcome::redraw(if changed { Redraw::Data } else { Redraw::No })
        }
        Msg::Lock(read) => {
            let Some(i) = app.index(&read.node) else {
                return Outcome::default();
            };
            // A lock taken, released or a deploy moving on is news.
            let changed = app.nodes[i].apply_lock(read.lock);
            Outcome::redraw(if changed { Redraw::Data } else { Redraw::No })
        }
        Msg::Log(line) => {
            let visible = app.log.paused_at.is_none()
                && app.log.filter.as_ref().is_none_or(|f| f.matches(&line));
            if let Some(i) = app.index(&line.node) {
                app.window.line(i, app.now, &line);
            }
            app.log.push(*line);
            Outcome::redraw(if visible {
                Redraw::Data
            } else if app.log.paused_at.is_some() {
                // Paused: only the held-back counter in the title moved.
                Redraw::Clock
            } else {
                Redraw::No
            })
        }
        Msg::Notice(text) => {
            app.notice = Some(text);
            // The answer to the operator's own key: drawn as soon as a key.
            Outcome::redraw(Redraw::Input)
        }
    }
}

/// Every checklist item's status, in order: what a glance at the pane shows.
fn statuses(report: Option<&Report>) -> Vec<Status> {
    report.map_or_else(Vec::new, |r| r.items.iter().map(|i| i.status).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;
    use crate::tui::logview::{LogLine, Stream};
    use crate::tui::msg::Key;
    use crate::tui::node::Health;

    fn press(app: &mut App, keys: &[Key]) -> Vec<Outcome> {
        keys.iter().map(|k| update(app, Msg::Key(*k))).collect()
    }

    #[test]
    fn pause_holds_the_view_while_lines_keep_coming() {
        let mut app = fixtures::healthy();
        press(&mut app, &[Key::Char('p')]);
        let before = app.log.window(None, 100).0.len();
        let out = update(
            &mut app,
            Msg::Log(Box::new(LogLine::marker(
                "node1",
                0,
                Stream::Resumed,
                "new".into(),
            ))),
        );
        assert_eq!(
            out.redraw,
            Redraw::Clock,
            "only the held-back counter moved"
        );
        assert_eq!(app.log.window(None, 100).0.len(), before);
        assert_eq!(app.log.held_back(), 1);
        press(&mut app, &[Key::Char('p')]);
        assert_eq!(app.log.window(None, 100).0.last().unwrap().text, "new");
    }

    #[test]
    fn a_failed_probe_keeps_the_last_values_and_says_since_when() {
        let mut app = fixtures::healthy();
        let last = app.nodes[1].last_ok.clone().unwrap();
        let failed = fixtures::unreachable("node2", app.now);
        update(&mut app, Msg::Snapshot(Box::new(failed)));
        let row = &app.nodes[1];
        assert_eq!(row.health(app.now, app.stale_after()), Health::Down);
        assert_eq!(row.last_ok.as_ref(), Some(&last), "last values kept");
        assert_eq!(row.down_since, Some(app.now));
        let unknown = fixtures::unreachable("nobody", app.now);
        let out = update(&mut app, Msg::Snapshot(Box::new(unknown)));
        assert_eq!(out.redraw, Redraw::No);
    }

    #[test]
    fn only_a_change_of_health_is_news() {
        let mut app = fixtures::healthy();
        let now = app.now;
        update(&mut app, Msg::Tick(now));
        let again = app.nodes[1].last_ok.clone().unwrap();
        let out = update(&mut app, Msg::Snapshot(Box::new(again.clone())));
        assert_eq!(out.redraw, Redraw::No, "same health: drawn with the clock");
        let out = update(&mut app, Msg::Tick(now));
        assert_eq!(out.redraw, Redraw::Clock, "the clock draws the new numbers");
        let down = fixtures::unreachable("node2", app.now);
        let out = update(&mut app, Msg::Snapshot(Box::new(down)));
        assert_eq!(out.redraw, Redraw::Data, "went down");
        let out = update(&mut app, Msg::Snapshot(Box::new(again)));
        assert_eq!(out.redraw, Redraw::Data, "came back");
        assert_eq!(press(&mut app, &[Key::Tab])[0].redraw, Redraw::Input);
    }

    #[test]
    fn a_tick_that_changes_a_verdict_is_news() {
        let mut app = fixtures::healthy();
        let now = app.now;
        update(&mut app, Msg::Tick(now));
        let before = app.report.clone().expect("judged");
        update(
            &mut app,
            Msg::Snapshot(Box::new(fixtures::unreachable("node2", now))),
        );
        let out = update(&mut app, Msg::Tick(now));
        let after = app.report.as_ref().expect("judged");
        assert_ne!(statuses(Some(&before)), statuses(Some(after)));
        assert_eq!(out.redraw, Redraw::Data);
        let out = update(&mut app, Msg::Tick(now));
        assert_eq!(out.redraw, Redraw::Clock, "the same verdicts again");
    }

    #[test]
    fn an_old_answer_turns_stale_as_the_clock_moves() {
        let mut app = fixtures::healthy();
        assert_eq!(app.nodes[0].health(app.now, app.stale_after()), Health::Up);
        let later = app.now + app.stale_after() * 2;
        update(&mut app, Msg::Tick(later));
        assert_eq!(
            app.nodes[0].health(app.now, app.stale_after()),
            Health::Stale
        );
    }
}
