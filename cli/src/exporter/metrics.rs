//! What the exporter serves: the last evaluation as metric families. Every
//! name here is a contract (the rules and the dashboard in `contrib/` use them).
//!
//! - `timecoin_check_status{item}`: an item's status for the fleet, and with
//!   `node` its status on each node its evidence names. Values, ordered so that
//!   `> 0` means "not passing": -1 not_applicable, 0 pass, 1 warn, 2 fail, 3 unknown.
//! - `timecoin_check_verdict`: the worst item, same values.
//! - `timecoin_node_*{node}`: each node's facts at the window's end probe.
//!   A value the node's API did not give is left out, never zero.
//! - `timecoin_node_journal_events{node,kind}`: classified journal lines of
//!   the last window, by kind.
//! - `timecoin_lock_*{node}`: each node's deploy lock: held (its holder's
//!   user, host, command and target commit as labels), since when, stale; and
//!   `timecoin_deploy_phase{node,phase}`, the phase the deploy holding it
//!   recorded there. A lock that could not be read has no series.
//! - `timecoin_exporter_*`: the exporter's own health.
//!
//! Families are written one function each; a new concern (a node's lock, a
//! deploy in progress) is a function of its own called from [`render`].

use timecoin_shared::checklist::{Journal, Status};
use timecoin_shared::classify::EventKind;
use timecoin_shared::snapshot::NodeSnapshot;

use crate::lock::{Holder, LockState, Phase};

use super::exposition::{Exposition, Kind};
use super::run::{Last, State};

/// The metrics text of `state`.
pub(super) fn render(state: &State) -> String {
    let mut text = Exposition::default();
    exporter_health(&mut text, state);
    if let Some(last) = &state.last {
        checklist(&mut text, last);
        nodes(&mut text, last);
        journals(&mut text, last);
        locks(&mut text, &last.locks);
    }
    text.finish()
}

/// A status as a number: ordered as the checklist orders them, with the
/// statuses that are not a problem at 0 and below.
fn code(status: Status) -> f64 {
    match status {
        Status::NotApplicable => -1.0,
        Status::Pass => 0.0,
        Status::Warn => 1.0,
        Status::Fail => 2.0,
        Status::Unknown => 3.0,
    }
}

fn exporter_health(text: &mut Exposition, state: &State) {
    text.family(
        "timecoin_exporter_evaluations_total",
        Kind::Counter,
        "Checklist evaluations finished since the exporter started.",
    )
    .sample(&[], state.evaluations as f64);
    text.family(
        "timecoin_exporter_window_seconds",
        Kind::Gauge,
        "The window each evaluation judges.",
    )
    .sample(&[], state.window.as_secs_f64());
    let last = state.last.as_ref();
    text.family(
        "timecoin_exporter_last_evaluation_timestamp_seconds",
        Kind::Gauge,
        "When the last evaluation ended (Unix time); absent before the first.",
    )
    .known(
        &[],
        last.and_then(|l| l.at.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64()),
    );
    text.family(
        "timecoin_exporter_last_evaluation_duration_seconds",
        Kind::Gauge,
        "How long the last evaluation took: its window, then the journal reads and block look-ups.",
    )
    .known(&[], last.map(|l| l.took.as_secs_f64()));
    let mut errors = text.family(
        "timecoin_exporter_errors_total",
        Kind::Counter,
        "Failures reading a node since the exporter started, by source: probe (a probe the node did not answer, three a window) or journal (a window whose journal could not be read).",
    );
    for (node, counts) in &state.errors {
        errors
            .sample(&[("node", node), ("source", "probe")], counts.probe as f64)
            .sample(
                &[("node", node), ("source", "journal")],
                counts.journal as f64,
            );
    }
}

fn checklist(text: &mut Exposition, last: &Last) {
    let report = &last.outcome.report;
    text.family(
        "timecoin_check_verdict",
        Kind::Gauge,
        "The checklist's verdict over the last window, its worst item: 0 pass, 1 warn, 2 fail, 3 unknown.",
    )
    .sample(&[], code(report.verdict));
    let mut status = text.family(
        "timecoin_check_status",
        Kind::Gauge,
        "A checklist item's status over the last window: for the fleet, and with a node label on each node its evidence names. -1 not_applicable, 0 pass, 1 warn, 2 fail, 3 unknown.",
    );
    for item in &report.items {
        status.sample(&[("item", &item.id)], code(item.status));
        for node in &item.nodes {
            status.sample(
                &[("item", &item.id), ("node", &node.node)],
                code(node.status),
            );
        }
    }
}

/// The probe, if the node answered it.
fn answered(probe: Option<&NodeSnapshot>) -> Option<&NodeSnapshot> {
    probe.filter(|p| p.is_reachable())
}

/// Each node's facts at the window's end: the last probe.
fn nodes(text: &mut Exposition, last: &Last) {
    let ends: Vec<(&str, Option<&NodeSnapshot>)> = last
        .outcome
        .facts
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.last_probe()))
        .collect();
    let mut up = text.family(
        "timecoin_node_up",
        Kind::Gauge,
        "Whether the node's API answered the last window's end probe (1) or not (0).",
    );
    for (node, probe) in &ends {
        let reachable = probe.is_some_and(NodeSnapshot::is_reachable);
        up.sample(&[("node", node)], f64::from(u8::from(reachable)));
    }
    type Field = fn(&NodeSnapshot) -> Option<f64>;
    let facts: [(&'static str, &str, Field); 5] = [
        (
            "timecoin_node_block_height",
            "Height of the node's tip block.",
            |p| p.chain.block_height.map(|v| v as f64),
        ),
        (
            "timecoin_node_final_height",
            "The node's highest final block.",
            |p| p.chain.final_height.map(|v| v as f64),
        ),
        (
            "timecoin_node_connected_peers",
            "Peers with a live link, as the node reports.",
            |p| p.chain.connected_peers.map(|v| v as f64),
        ),
        (
            "timecoin_node_active_masternodes",
            "Active masternodes as the node sees them, itself included.",
            |p| p.chain.active_masternodes.map(|v| v as f64),
        ),
        (
            "timecoin_node_last_block_age_seconds",
            "Seconds since the node's tip block arrived, at the end probe.",
            |p| p.chain.last_block_age_secs.map(|v| v as f64),
        ),
    ];
    for (name, help, get) in facts {
        let mut family = text.family(name, Kind::Gauge, help);
        for (node, probe) in &ends {
            family.known(&[("node", node)], answered(*probe).and_then(get));
        }
    }
    let mut info = text.family(
        "timecoin_node_info",
        Kind::Gauge,
        "Always 1: the commit and version the node's running binary reports, as labels.",
    );
    for (node, probe) in &ends {
        if let Some(chain) = answered(*probe).map(|p| &p.chain) {
            let commit = chain.commit.as_deref().unwrap_or("");
            let version = chain.version.as_deref().unwrap_or("");
            info.sample(
                &[("node", node), ("commit", commit), ("version", version)],
                1.0,
            );
        }
    }
}

/// Each node's classified journal lines of the last window, by kind; nothing
/// for a journal that could not be read.
fn journals(text: &mut Exposition, last: &Last) {
    let mut events = text.family(
        "timecoin_node_journal_events",
        Kind::Gauge,
        "Journal lines of the last window classified as each event kind.",
    );
    for node in &last.outcome.facts.nodes {
        let Journal::Read(log) = &node.journal else {
            continue;
        };
        for kind in EventKind::ALL {
            events.sample(
                &[("node", &node.name), ("kind", kind.name())],
                log.count(kind) as f64,
            );
        }
    }
}

/// Each node's deploy lock and the phase of the deploy holding it; nothing for
/// a lock that could not be read.
fn locks(text: &mut Exposition, locks: &[(String, Option<LockState>)]) {
    let read: Vec<(&str, &LockState, Option<&Holder>)> = locks
        .iter()
        .filter_map(|(node, state)| {
            let state = state.as_ref()?;
            let holder = match state {
                LockState::Free => None,
                LockState::Held { holder, .. } => holder.as_deref(),
            };
            Some((node.as_str(), state, holder))
        })
        .collect();
    let mut held = text.family(
        "timecoin_lock_held",
        Kind::Gauge,
        "Whether the node's deploy lock is held (1) or free (0); while held, its holder's user, controller host, command and target commit are labels (commit empty until known).",
    );
    for (node, state, holder) in &read {
        match holder {
            Some(h) => held.sample(
                &[
                    ("node", node),
                    ("user", &h.user),
                    ("host", &h.host),
                    ("command", h.taken_by.name()),
                    ("commit", h.target.as_deref().unwrap_or("")),
                ],
                1.0,
            ),
            None => held.sample(
                &[("node", node)],
                f64::from(u8::from(matches!(state, LockState::Held { .. }))),
            ),
        };
    }
    let mut since = text.family(
        "timecoin_lock_since_timestamp_seconds",
        Kind::Gauge,
        "When the holder of the node's lock took it (Unix time, by the holder's clock); absent while free.",
    );
    for (node, _, holder) in &read {
        since.known(&[("node", node)], holder.map(|h| h.since as f64));
    }
    let mut stale = text.family(
        "timecoin_lock_stale",
        Kind::Gauge,
        "Whether the node's lock outlived its TTL without a heartbeat (1): its holder is gone, and --steal-stale may take it over.",
    );
    for (node, state, _) in &read {
        stale.sample(&[("node", node)], f64::from(u8::from(state.is_stale())));
    }
    let mut phase = text.family(
        "timecoin_deploy_phase",
        Kind::Gauge,
        "The phase the deploy or rollback holding the node's lock reached there: 1 for the current phase, 0 for the others; all 0 when none runs.",
    );
    for (node, _, holder) in &read {
        let current = holder.and_then(|h| h.phase.as_ref());
        for known in &Phase::ALL {
            let on = current == Some(known);
            phase.sample(
                &[("node", node), ("phase", known.name())],
                f64::from(u8::from(on)),
            );
        }
        // A phase a newer timectl wrote, under its own name.
        if let Some(other @ Phase::Other(_)) = current {
            phase.sample(&[("node", node), ("phase", other.name())], 1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use timecoin_shared::checklist::{CheckFacts, Journal, NodeFacts, Thresholds, evaluate};
    use timecoin_shared::snapshot::{ChainView, NodeSnapshot, Reach};

    use super::*;
    use crate::check::Outcome;
    use crate::exporter::run::NodeErrors;
    use crate::lock::TakenBy;

    fn probe(node: &str, reach: Reach, chain: ChainView) -> NodeSnapshot {
        NodeSnapshot {
            node: node.into(),
            at: SystemTime::UNIX_EPOCH,
            took: Duration::ZERO,
            api: Default::default(),
            reach,
            chain,
            peers: None,
            repo_head: None,
        }
    }

    /// `a` answered with a height and a commit carrying a quote; `b` did not.
    fn state() -> State {
        let chain = ChainView {
            block_height: Some(12),
            final_height: Some(11),
            commit: Some("1a2b\"x".into()),
            version: Some("0.1.0".into()),
            ..ChainView::default()
        };
        let a = NodeFacts {
            probes: vec![probe("a", Reach::Reachable, chain)],
            journal: Journal::Read(Default::default()),
            ..NodeFacts::new("a")
        };
        let down = Reach::Unreachable {
            error: "b: refused".into(),
        };
        let b = NodeFacts {
            probes: vec![probe("b", down, ChainView::default())],
            journal: Journal::Unreadable { error: "no".into() },
            ..NodeFacts::new("b")
        };
        let facts = CheckFacts {
            fleet_size: 2,
            nodes: vec![a, b],
            expect_commit: None,
            common_height: None,
            min_masternodes: Some(2),
        };
        let report = evaluate(&facts, &Thresholds::default());
        State {
            window: Duration::from_secs(60),
            evaluations: 1,
            last: Some(Last {
                at: SystemTime::UNIX_EPOCH + Duration::from_secs(100),
                took: Duration::from_millis(60_500),
                outcome: Outcome { facts, report },
                locks: Vec::new(),
            }),
            errors: [
                ("a".to_owned(), NodeErrors::default()),
                (
                    "b".to_owned(),
                    NodeErrors {
                        probe: 3,
                        journal: 1,
                    },
                ),
            ]
            .into(),
        }
    }

    #[test]
    fn facts_of_an_answering_node_and_nothing_invented_for_a_silent_one() {
        let text = render(&state());
        let has = |line: &str| text.lines().any(|l| l == line);
        for line in [
            "timecoin_node_up{node=\"a\"} 1",
            "timecoin_node_up{node=\"b\"} 0",
            "timecoin_node_block_height{node=\"a\"} 12",
            "timecoin_node_final_height{node=\"a\"} 11",
            "timecoin_node_info{node=\"a\",commit=\"1a2b\\\"x\",version=\"0.1.0\"} 1",
            "timecoin_node_journal_events{node=\"a\",kind=\"connection_reset\"} 0",
            "timecoin_exporter_errors_total{node=\"b\",source=\"probe\"} 3",
            "timecoin_exporter_last_evaluation_timestamp_seconds 100",
            "timecoin_exporter_last_evaluation_duration_seconds 60.5",
            "timecoin_check_status{item=\"peers_stable\",node=\"b\"} 3",
        ] {
            assert!(has(line), "no {line:?} in:\n{text}");
        }
        for absent in [
            "timecoin_node_block_height{node=\"b\"}",
            "timecoin_node_connected_peers{node=\"a\"}",
            "timecoin_node_info{node=\"b\"",
            "timecoin_node_journal_events{node=\"b\"",
        ] {
            assert!(!text.contains(absent), "{absent:?} in:\n{text}");
        }
        let verdict = text
            .lines()
            .find_map(|l| l.strip_prefix("timecoin_check_verdict "))
            .expect("verdict");
        assert!(verdict == "2" || verdict == "3", "{verdict}");
    }

    #[test]
    fn before_the_first_evaluation_only_the_exporter_speaks() {
        let mut state = state();
        state.last = None;
        state.evaluations = 0;
        let text = render(&state);
        assert!(text.contains("timecoin_exporter_evaluations_total 0\n"));
        assert!(!text.contains("timecoin_check_"), "{text}");
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with("timecoin_exporter_last_evaluation_timestamp_seconds")),
            "{text}"
        );
    }

    fn held(holder: Holder, age: u64) -> Option<LockState> {
        Some(LockState::Held {
            holder: Some(Box::new(holder)),
            age: Duration::from_secs(age),
            ttl: Duration::from_secs(120),
        })
    }

    #[test]
    fn a_deploy_held_by_another_user_shows_its_holder_commit_and_phase() {
        let mut alice = Holder::here(TakenBy::Deploy, Some("abc1234".into()), "fix".into());
        alice.user = "alice".into();
        alice.host = "lap\"top".into();
        alice.since = 1_700_000_000;
        alice.phase = Some(Phase::Gating);
        let mut bob = Holder::here(TakenBy::Deploy, None, String::new());
        bob.phase = Some(Phase::Other("canary".into()));
        let locks = vec![
            ("n1".to_owned(), held(alice, 5)),
            ("n2".to_owned(), Some(LockState::Free)),
            (
                "n3".to_owned(),
                held(
                    Holder::here(TakenBy::Maintenance, None, "disk".into()),
                    9000,
                ),
            ),
            ("n4".to_owned(), None),
            ("n5".to_owned(), held(bob, 1)),
        ];
        let mut text = Exposition::default();
        super::locks(&mut text, &locks);
        let text = text.finish();
        for line in [
            r#"timecoin_lock_held{node="n1",user="alice",host="lap\"top",command="deploy",commit="abc1234"} 1"#,
            r#"timecoin_lock_held{node="n2"} 0"#,
            r#"timecoin_lock_since_timestamp_seconds{node="n1"} 1700000000"#,
            r#"timecoin_lock_stale{node="n1"} 0"#,
            r#"timecoin_lock_stale{node="n3"} 1"#,
            r#"timecoin_deploy_phase{node="n1",phase="gating"} 1"#,
            r#"timecoin_deploy_phase{node="n1",phase="staging"} 0"#,
            r#"timecoin_deploy_phase{node="n2",phase="gating"} 0"#,
            r#"timecoin_deploy_phase{node="n3",phase="done"} 0"#,
            r#"timecoin_deploy_phase{node="n5",phase="canary"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        assert!(
            !text.contains(r#"node="n4""#),
            "an unread lock has no series:\n{text}"
        );
        assert!(
            !text.contains(r#"timecoin_lock_since_timestamp_seconds{node="n2"}"#),
            "a free lock has no since:\n{text}"
        );
        assert!(
            text.contains(r#"command="lock",commit="""#),
            "a maintenance lock has no commit:\n{text}"
        );
        let on = |node: &str| {
            text.lines()
                .filter(|l| l.starts_with(&format!("timecoin_deploy_phase{{node=\"{node}\"")))
                .filter(|l| l.ends_with(" 1"))
                .count()
        };
        assert_eq!((on("n1"), on("n2"), on("n5")), (1, 0, 1), "{text}");
    }
}
