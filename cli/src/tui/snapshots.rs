//! Snapshot tests: each fixture state drawn into ratatui's `TestBackend` at
//! 80x24 and 160x48, plus the sizes that must merely not panic. The `.snap`
//! files under `snapshots/` are the reviewed screens.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{App, Pane, View};
use super::fixtures;
use super::ui::draw;

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| draw(frame, app)).expect("draw");
    terminal.backend().to_string()
}

fn states() -> [(&'static str, App); 7] {
    [
        ("healthy", fixtures::healthy()),
        ("just_opened", fixtures::just_opened()),
        ("node_down", fixtures::node_down()),
        ("production_skipped", fixtures::production_skipped()),
        ("duplicate_burst", fixtures::duplicate_burst()),
        ("fork", fixtures::fork()),
        ("deploying", fixtures::deploying()),
    ]
}

#[test]
fn every_state_at_80x24_and_160x48() {
    for (name, app) in states() {
        insta::assert_snapshot!(format!("{name}_80x24"), screen(&app, 80, 24));
        insta::assert_snapshot!(format!("{name}_160x48"), screen(&app, 160, 48));
    }
}

/// Items an upstream API cannot support show as not applicable, counted in
/// the pane's title, and the verdict is the rest's.
#[test]
fn an_upstream_fleet_shows_what_does_not_apply() {
    let app = fixtures::upstream();
    let report = app.report.as_ref().expect("judged");
    assert_eq!(report.verdict, timecoin_shared::checklist::Status::Pass);
    let text = screen(&app, 160, 48);
    assert!(
        text.contains("checklist ✓ pass · 7 pass 0 warn 0 fail 0 unknown 4 n/a"),
        "{text}"
    );
    assert!(
        text.contains("- n/a     No reconnection backoff spam"),
        "{text}"
    );
    assert!(
        text.contains("- n/a     No masternode equivocated"),
        "{text}"
    );
}

/// A node that caught a masternode equivocating says so on its page, marked
/// (not by colour alone), and an upstream node's page shows no final height
/// rather than a made-up one.
#[test]
fn a_node_page_shows_caught_equivocations_and_unknown_finality() {
    let mut app = fixtures::healthy();
    if let Some(snapshot) = app.nodes[1].last_ok.as_mut() {
        snapshot.chain.equivocations = Some(2);
    }
    app.view = View::Detail(1);
    let text = screen(&app, 80, 24);
    assert!(text.contains("✗ 2 equivocations caught"), "{text}");
    assert!(text.contains("height 45 · final 44 · round 0"), "{text}");
    let mut app = fixtures::upstream();
    app.view = View::Detail(0);
    let text = screen(&app, 80, 24);
    assert!(text.contains("final - · round -"), "{text}");
    assert!(text.contains("equivocations -"), "{text}");
}

/// Another operator's deploy in progress: each row says who holds its lock,
/// the phase their deploy reached there, the commit and for how long; the
/// node's page adds where from and why.
#[test]
fn a_deploy_held_by_another_user_shows_holder_commit_and_phase() {
    let mut app = fixtures::deploying();
    // The 80x24 and 160x48 screens are snapshots with the other states.
    let text = screen(&app, 80, 24);
    for (node, phase) in [("node1", "done"), ("node2", "gating"), ("node3", "staged")] {
        let row = text
            .lines()
            .find(|l| l.contains(&format!("{node} ")))
            .unwrap_or_else(|| panic!("no {node} row:\n{text}"));
        assert!(
            row.contains(&format!("alice {phase} abc1234 3m")),
            "{node}: {row}\n{text}"
        );
    }
    app.view = View::Detail(1);
    let page = screen(&app, 80, 24);
    insta::assert_snapshot!("deploying_detail_80x24", page);
    assert!(
        page.contains("lock held by alice@laptop pid 4242 (deploy) since 03:56:55 (3m)"),
        "{page}"
    );
    assert!(
        page.contains(r#"target abc1234 · phase gating · "release 2""#),
        "{page}"
    );
}

#[test]
fn tiny_terminals_draw_a_summary() {
    let app = fixtures::node_down();
    insta::assert_snapshot!("node_down_1x1", screen(&app, 1, 1));
    insta::assert_snapshot!("node_down_20x5", screen(&app, 20, 5));
}

#[test]
fn detail_help_and_filter_views() {
    let mut app = fixtures::node_down();
    app.view = View::Detail(0);
    insta::assert_snapshot!("detail_80x24", screen(&app, 80, 24));
    let mut app = fixtures::duplicate_burst();
    app.focus = Pane::Log;
    app.help = true;
    insta::assert_snapshot!("help_log_80x24", screen(&app, 80, 24));
    app.help = false;
    app.input = Some("duplicate_rejected".into());
    super::update(&mut app, super::Msg::Key(super::Key::Enter));
    super::update(&mut app, super::Msg::Key(super::Key::Char('p')));
    insta::assert_snapshot!("filtered_paused_80x24", screen(&app, 80, 24));
}

#[test]
fn no_size_panics() {
    for (_, mut app) in states() {
        for view in [View::Dashboard, View::Detail(2)] {
            app.view = view;
            app.help = view == View::Dashboard;
            for width in (1..=130).step_by(7) {
                for height in (1..=50).step_by(3) {
                    screen(&app, width, height);
                }
            }
        }
    }
}

#[test]
fn status_is_never_colour_alone() {
    // Without colour the words and glyphs carry everything the colours would.
    let text = screen(&fixtures::node_down(), 80, 24);
    assert!(text.contains("✗ down"), "{text}");
    assert!(text.contains("✗ FAIL"), "{text}");
    assert!(text.contains("unreachable since"), "{text}");
}
