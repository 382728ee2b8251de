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
//! - `timecoin_exporter_*`: the exporter's own health.
//!
//! Families are written one function each; a new concern (a node's lock, a
//! deploy in progress) is a function of its own called from [`render`].

use timecoin_shared::checklist::{Journal, Status};
use timecoin_shared::classify::EventKind;
use timecoin_shared::snapshot::NodeSnapshot;

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
