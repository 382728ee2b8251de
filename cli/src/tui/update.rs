//! The dashboard's state transitions: one message in, the state changed, and
//! maybe a command out for the runtime. Synchronous and pure, so every key and
//! every poll result is unit-tested without a terminal.

use timecoin_shared::checklist::{Report, Status};

use super::app::{App, Pane, View};
use super::logview::Filter;
use super::msg::{Command, DemoAction, Key, Msg};

/// Log lines a PageUp/PageDown moves.
const PAGE: isize = 10;

/// How soon a change must reach the screen. Each wake-up of an idle process
/// costs far more than its few instructions (cold caches), so news waits a
/// moment for the rest of its burst, and ages that only moved wait for the clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Redraw {
    /// Nothing visible changed.
    #[default]
    No,
    /// Only ages and numbers moved: drawn with the clock, about once a second.
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
    fn redraw(redraw: Redraw) -> Self {
        Outcome {
            redraw,
            command: None,
        }
    }

    fn command(command: Command) -> Self {
        Outcome {
            redraw: Redraw::Input,
            command: Some(command),
        }
    }
}

/// Applies `msg` to `app`.
pub fn update(app: &mut App, msg: Msg) -> Outcome {
    match msg {
        Msg::Key(key) => key_pressed(app, key),
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
            Outcome::redraw(Redraw::Data)
        }
    }
}

fn key_pressed(app: &mut App, key: Key) -> Outcome {
    if key == Key::Ctrl('c') {
        return Outcome::command(Command::Quit);
    }
    if let Some(input) = app.input.as_mut() {
        match key {
            Key::Char(c) => input.push(c),
            Key::Backspace => {
                input.pop();
            }
            Key::Enter => {
                app.log.filter = Filter::parse(input);
                app.log.cursor = None;
                app.input = None;
            }
            Key::Esc => {
                app.input = None;
                app.log.filter = None;
            }
            _ => return Outcome::default(),
        }
        return Outcome::redraw(Redraw::Input);
    }
    if app.help {
        // Any key closes help; q still quits.
        app.help = false;
        return match key {
            Key::Char('q') => Outcome::command(Command::Quit),
            _ => Outcome::redraw(Redraw::Input),
        };
    }
    match key {
        Key::Char('q') => return Outcome::command(Command::Quit),
        Key::Char('?') => app.help = true,
        Key::Tab => app.focus = cycle(app.focus, 1),
        Key::BackTab => app.focus = cycle(app.focus, Pane::ALL.len() - 1),
        Key::Esc => escape(app),
        Key::Char('/') => {
            let current = match &app.log.filter {
                Some(Filter::Kind(kind)) => kind.name().to_owned(),
                Some(Filter::Text(text)) => text.clone(),
                None => String::new(),
            };
            app.input = Some(current);
        }
        Key::Char('p') => app.log.toggle_pause(),
        Key::Char('n') => app.log.move_cursor(-1),
        Key::Char('N') => app.log.move_cursor(1),
        Key::Up | Key::Char('k') => step(app, -1),
        Key::Down | Key::Char('j') => step(app, 1),
        Key::PageUp => app.log.move_cursor(-PAGE),
        Key::PageDown => app.log.move_cursor(PAGE),
        Key::Home | Key::Char('g') => app.log.home(),
        Key::End | Key::Char('G') => app.log.cursor = None,
        Key::Enter => enter(app),
        Key::Char(c @ ('s' | 'x' | 'r')) if app.demo => {
            let action = match c {
                's' => DemoAction::Stop,
                'x' => DemoAction::Kill,
                _ => DemoAction::Restart,
            };
            let Some(node) = app.nodes.get(current_node(app)) else {
                return Outcome::default();
            };
            let node = node.name.clone();
            app.notice = Some(format!("{}: {}...", node, action.verb()));
            return Outcome::command(Command::Demo { node, action });
        }
        _ => return Outcome::default(),
    }
    Outcome::redraw(Redraw::Input)
}

/// Every checklist item's status, in order: what a glance at the pane shows.
fn statuses(report: Option<&Report>) -> Vec<Status> {
    report.map_or_else(Vec::new, |r| r.items.iter().map(|i| i.status).collect())
}

fn cycle(pane: Pane, by: usize) -> Pane {
    let at = Pane::ALL.iter().position(|p| *p == pane).unwrap_or(0);
    Pane::ALL[(at + by) % Pane::ALL.len()]
}

fn current_node(app: &App) -> usize {
    match app.view {
        View::Detail(i) => i,
        View::Dashboard => app.selected,
    }
}

fn escape(app: &mut App) {
    if let View::Detail(_) = app.view {
        app.view = View::Dashboard;
    } else if app.log.filter.is_some() {
        app.log.filter = None;
        app.log.cursor = None;
    } else {
        app.notice = None;
    }
}

fn enter(app: &mut App) {
    app.view = match app.view {
        View::Detail(_) => View::Dashboard,
        View::Dashboard if app.focus != Pane::Log && app.focus != Pane::Checklist => {
            View::Detail(app.selected.min(app.nodes.len().saturating_sub(1)))
        }
        View::Dashboard => View::Dashboard,
    };
}

/// Up or down in whatever the focus is on.
fn step(app: &mut App, delta: isize) {
    let last_node = app.nodes.len().saturating_sub(1);
    match (app.view, app.focus) {
        (View::Detail(i), _) => {
            let i = i.saturating_add_signed(delta).min(last_node);
            app.selected = i;
            app.view = View::Detail(i);
        }
        (View::Dashboard, Pane::Fleet | Pane::Links) => {
            app.selected = app.selected.saturating_add_signed(delta).min(last_node);
        }
        (View::Dashboard, Pane::Checklist) => {
            let items = app.report.as_ref().map_or(0, |r| r.items.len());
            app.item = app
                .item
                .saturating_add_signed(delta)
                .min(items.saturating_sub(1));
        }
        (View::Dashboard, Pane::Log) => app.log.move_cursor(delta),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;
    use crate::tui::logview::{LogLine, Stream};
    use crate::tui::node::Health;
    use timecoin_shared::classify::EventKind;

    fn press(app: &mut App, keys: &[Key]) -> Vec<Outcome> {
        keys.iter().map(|k| update(app, Msg::Key(*k))).collect()
    }

    #[test]
    fn q_and_ctrl_c_quit_even_while_typing_a_filter() {
        let mut app = fixtures::healthy();
        assert_eq!(
            press(&mut app, &[Key::Char('q')])[0].command,
            Some(Command::Quit)
        );
        press(&mut app, &[Key::Char('/')]);
        assert_eq!(
            press(&mut app, &[Key::Char('q')])[0].command,
            None,
            "q is text while typing"
        );
        assert_eq!(
            press(&mut app, &[Key::Ctrl('c')])[0].command,
            Some(Command::Quit)
        );
    }

    #[test]
    fn tab_cycles_panes_both_ways() {
        let mut app = fixtures::healthy();
        press(&mut app, &[Key::Tab, Key::Tab]);
        assert_eq!(app.focus, Pane::Checklist);
        press(&mut app, &[Key::BackTab, Key::BackTab, Key::BackTab]);
        assert_eq!(app.focus, Pane::Log);
    }

    #[test]
    fn the_filter_survives_other_toggles_and_esc_clears_it() {
        let mut app = fixtures::duplicate_burst();
        let all = app.log.shown_count();
        press(
            &mut app,
            &[
                Key::Char('/'),
                Key::Char('d'),
                Key::Char('u'),
                Key::Char('x'),
                Key::Backspace,
                Key::Char('p'),
                Key::Enter,
            ],
        );
        assert_eq!(app.log.filter, Some(Filter::Text("dup".into())));
        let matches = app.log.shown_count();
        assert!(0 < matches && matches < all, "{matches} of {all}");
        press(
            &mut app,
            &[Key::Char('p'), Key::Tab, Key::Char('?'), Key::Char('x')],
        );
        assert!(app.log.filter.is_some(), "pause, tab and help keep it");
        press(&mut app, &[Key::Char('p'), Key::Esc]);
        assert_eq!(app.log.filter, None);
        assert_eq!(app.log.shown_count(), all);
    }

    #[test]
    fn a_kind_name_filters_by_kind_and_n_jumps_between_matches() {
        let mut app = fixtures::duplicate_burst();
        app.input = Some("duplicate_rejected".into());
        press(&mut app, &[Key::Enter]);
        assert_eq!(
            app.log.filter,
            Some(Filter::Kind(EventKind::DuplicateRejected))
        );
        press(&mut app, &[Key::Char('n'), Key::Char('n')]);
        let (lines, at) = app.log.window(None, 50);
        let at = at.expect("cursor on a match");
        assert!(lines[at].class.kinds.contains(EventKind::DuplicateRejected));
        assert_eq!(at, lines.len() - 1, "the window ends at the cursor");
        assert_eq!(
            app.log.shown_count() - lines.len(),
            2,
            "two newer matches below"
        );
        press(&mut app, &[Key::Char('N'), Key::Char('N')]);
        assert_eq!(app.log.cursor, None, "back at the newest: following");
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
    fn enter_opens_the_selected_node_and_esc_goes_back() {
        let mut app = fixtures::healthy();
        press(&mut app, &[Key::Down, Key::Char('j'), Key::Enter]);
        assert_eq!(app.view, View::Detail(2));
        press(&mut app, &[Key::Up]);
        assert_eq!(app.view, View::Detail(1));
        press(&mut app, &[Key::Esc]);
        assert_eq!(app.view, View::Dashboard);
        press(&mut app, &[Key::Down; 10]);
        assert_eq!(app.selected, 3, "selection stops at the last node");
    }

    #[test]
    fn demo_keys_only_in_demo_mode() {
        let mut app = fixtures::healthy();
        assert_eq!(press(&mut app, &[Key::Char('x')])[0].command, None);
        app.demo = true;
        press(&mut app, &[Key::Down]);
        assert_eq!(
            press(&mut app, &[Key::Char('x')])[0].command,
            Some(Command::Demo {
                node: "node2".into(),
                action: DemoAction::Kill
            })
        );
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
