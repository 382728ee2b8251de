//! What each key does: quit, help, panes, moving, the log filter and pause, a
//! node's detail, and in `timectl demo` the actions on a node.

use super::{Outcome, Redraw};
use crate::tui::app::{App, Pane, View};
use crate::tui::logview::Filter;
use crate::tui::msg::{Command, DemoAction, Key};

/// Log lines a PageUp/PageDown moves.
const PAGE: isize = 10;

/// Applies one key press.
pub(super) fn pressed(app: &mut App, key: Key) -> Outcome {
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
    use timecoin_shared::classify::EventKind;

    fn press(app: &mut App, keys: &[Key]) -> Vec<Outcome> {
        keys.iter().map(|k| pressed(app, *k)).collect()
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
}
