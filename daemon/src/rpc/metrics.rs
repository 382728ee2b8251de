//! `GET /metrics`: the node's figures in the Prometheus text format, so a standard
//! scraper can chart heights, links, quorum and the incident's symptoms (resets,
//! duplicate links, skipped rounds) without parsing JSON.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::{RpcState, chain_info};
use crate::chain::engine::Counters as ChainCounters;
use crate::net::counters::{CountersSnapshot, EndedBy, InboxDrop};

/// One metric: name, help text, type, and its samples.
struct Metric {
    name: &'static str,
    help: &'static str,
    counter: bool,
    samples: Vec<Sample>,
}

/// One sample: its labels (`(name, value)` pairs, values from this crate's
/// own words, never from a peer) and its value.
struct Sample {
    labels: Vec<(&'static str, &'static str)>,
    value: f64,
}

/// Renders metrics in the text exposition format (version 0.0.4).
fn render(metrics: &[Metric]) -> String {
    let mut out = String::new();
    for m in metrics {
        let kind = if m.counter { "counter" } else { "gauge" };
        // Writing into a String cannot fail.
        let _ = writeln!(out, "# HELP {} {}", m.name, m.help);
        let _ = writeln!(out, "# TYPE {} {kind}", m.name);
        for sample in &m.samples {
            out.push_str(m.name);
            if !sample.labels.is_empty() {
                let labels: Vec<String> = sample
                    .labels
                    .iter()
                    .map(|(name, value)| format!("{name}=\"{value}\""))
                    .collect();
                let _ = write!(out, "{{{}}}", labels.join(","));
            }
            let _ = writeln!(out, " {}", sample.value);
        }
    }
    out
}

/// A metric with one unlabelled sample.
fn single(name: &'static str, help: &'static str, counter: bool, value: f64) -> Metric {
    Metric {
        name,
        help,
        counter,
        samples: vec![Sample {
            labels: Vec::new(),
            value,
        }],
    }
}

/// Dropped work, by what was dropped.
fn dropped(net: &CountersSnapshot, chain: &ChainCounters) -> Metric {
    let what = |what, value: u64| Sample {
        labels: vec![("what", what)],
        value: value as f64,
    };
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    Metric {
        name: "timed_dropped_total",
        help: "Work dropped rather than queued without bound: events for the chain (its queue or a byte budget was full), frames for a peer (its queue was full), gossiped transactions over their peer's rate, pending transactions evicted for another origin's or expired.",
        counter: true,
        samples: vec![
            what("events", net.events_dropped),
            what("frames", net.frames_dropped),
            what("txs_over_peer_rate", load(&chain.txs_over_peer_rate)),
            what("txs_evicted", load(&chain.txs_evicted)),
            what("txs_expired", load(&chain.txs_expired)),
        ],
    }
}

/// Connections ended, by who ended them and why.
fn disconnects(ended: Vec<((EndedBy, &'static str), u64)>) -> Metric {
    Metric {
        name: "timed_disconnects_total",
        help: "Connections ended, before or after the handshake, by who ended them (us, peer) and why.",
        counter: true,
        samples: ended
            .into_iter()
            .map(|((by, reason), n)| Sample {
                labels: vec![("by", by.as_str()), ("reason", reason)],
                value: n as f64,
            })
            .collect(),
    }
}

/// Messages from peers dropped before the application saw them, by lane,
/// kind and cause.
fn inbox_drops(drops: Vec<(InboxDrop, u64)>) -> Metric {
    Metric {
        name: "timed_inbox_dropped_total",
        help: "Messages from peers dropped before the chain or consensus saw them, by lane (masternodes, strangers), kind (a consensus message as vote or proposal) and cause (full: the lane's count; bytes: the inbound byte budget).",
        counter: true,
        samples: drops
            .into_iter()
            .map(|(drop, n)| Sample {
                labels: vec![
                    ("lane", drop.lane),
                    ("kind", drop.kind),
                    ("cause", drop.cause),
                ],
                value: n as f64,
            })
            .collect(),
    }
}

pub(super) async fn metrics(State(state): State<Arc<RpcState>>) -> impl IntoResponse {
    let info = chain_info(&state);
    let mempool = state.chain.info();
    let net = state.net.counters();
    let chain = state.chain.counters();
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed) as f64;
    let gauge = |name, help, value: f64| single(name, help, false, value);
    let counter = |name, help, value: f64| single(name, help, true, value);
    let metrics = [
        gauge(
            "timed_block_height",
            "Height of the tip block.",
            info.block_height as f64,
        ),
        gauge(
            "timed_final_height",
            "Highest final block.",
            info.final_height as f64,
        ),
        gauge(
            "timed_last_block_age_seconds",
            "Seconds since the tip block was made (-1 before the first block).",
            info.last_block_age_secs.map_or(-1.0, |s| s as f64),
        ),
        gauge(
            "timed_connected_peers",
            "Peers with a live, handshaken link.",
            state.net.peers().len() as f64,
        ),
        gauge(
            "timed_sync_peers",
            "Peers whose announced height the chain holds for catching up: the live links, once their arrivals and departures are handled.",
            load(&chain.sync_peers),
        ),
        gauge(
            "timed_active_masternodes",
            "Active masternodes including this node.",
            state.net.active_masternodes().len() as f64,
        ),
        gauge(
            "timed_min_masternodes",
            "Active masternodes needed to produce.",
            state.min_masternodes as f64,
        ),
        gauge(
            "timed_pending_transactions",
            "Transactions waiting for a block.",
            info.pending as f64,
        ),
        gauge(
            "timed_mempool_bytes",
            "Bytes the pending transactions are charged against the mempool limit.",
            mempool.mempool_bytes as f64,
        ),
        gauge(
            "timed_mempool_limit_bytes",
            "The mempool's limit in bytes.",
            mempool.mempool_limit_bytes as f64,
        ),
        counter(
            "timed_txs_refused_full_total",
            "Transactions refused because the mempool was full.",
            load(&chain.txs_refused_full),
        ),
        counter(
            "timed_txs_over_peer_rate_total",
            "Gossiped transactions dropped because their peer was over its rate.",
            load(&chain.txs_over_peer_rate),
        ),
        counter(
            "timed_finalized_transactions_total",
            "Transactions in final blocks.",
            info.finalized as f64,
        ),
        counter(
            "timed_handshakes_completed_total",
            "Outbound handshakes acknowledged.",
            net.handshakes_completed as f64,
        ),
        counter(
            "timed_handshakes_accepted_total",
            "Inbound handshakes acknowledged.",
            net.handshakes_accepted as f64,
        ),
        counter(
            "timed_duplicates_rejected_total",
            "Links closed by the duplicate-link rule.",
            net.duplicates_rejected as f64,
        ),
        counter(
            "timed_connection_resets_total",
            "Connections ended by a reset.",
            net.resets as f64,
        ),
        counter(
            "timed_ack_failures_total",
            "Handshakes that never got their Ack.",
            net.ack_failures as f64,
        ),
        counter(
            "timed_failed_dials_total",
            "Dial attempts that failed.",
            net.failed_dials as f64,
        ),
        counter(
            "timed_auth_failures_total",
            "Handshakes whose peer could not prove its node id.",
            net.auth_failures as f64,
        ),
        counter(
            "timed_decode_failures_total",
            "Frames that did not decode into a message (over the size cap, not JSON, not a message).",
            net.decode_failures as f64,
        ),
        dropped(&net, chain),
        disconnects(state.net.disconnects()),
        inbox_drops(state.net.inbox_drops()),
        counter(
            "timed_ping_timeouts_total",
            "Links closed for missed pongs.",
            net.ping_timeouts as f64,
        ),
        counter(
            "timed_block_rounds_total",
            "Block rounds run with a quorum.",
            load(&chain.rounds),
        ),
        counter(
            "timed_block_rounds_skipped_total",
            "Block rounds skipped for too few active masternodes.",
            load(&chain.skipped_rounds),
        ),
        counter(
            "timed_blocks_produced_total",
            "Blocks this node proposed that became final.",
            load(&chain.blocks_produced),
        ),
        counter(
            "timed_blocks_accepted_total",
            "Final blocks other masternodes proposed (decided here or synced).",
            load(&chain.blocks_accepted),
        ),
        counter(
            "timed_blocks_rejected_total",
            "Blocks refused as invalid.",
            load(&chain.blocks_rejected),
        ),
        counter(
            "timed_equivocations_total",
            "Conflicting signed proposals or votes caught from one masternode at one height and round.",
            load(&chain.equivocations),
        ),
        counter(
            "timed_consensus_dropped_total",
            "Consensus messages dropped because the consensus engine's queue was full.",
            load(&chain.consensus_dropped),
        ),
        counter(
            "timed_signature_checks_total",
            "Signatures of peers' consensus messages checked.",
            load(&chain.signature_checks),
        ),
        gauge(
            "timed_uptime_seconds",
            "Seconds since start.",
            state.started.elapsed().as_secs() as f64,
        ),
    ];
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&metrics),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_render_in_the_text_format() {
        let text = render(&[
            single("timed_block_height", "Height.", false, 12.0),
            single("timed_resets_total", "Resets.", true, 0.0),
            disconnects(vec![
                ((EndedBy::Us, "wrong_network"), 2),
                ((EndedBy::Peer, "closed"), 1),
            ]),
        ]);
        assert_eq!(
            text,
            "# HELP timed_block_height Height.\n# TYPE timed_block_height gauge\ntimed_block_height 12\n\
             # HELP timed_resets_total Resets.\n# TYPE timed_resets_total counter\ntimed_resets_total 0\n\
             # HELP timed_disconnects_total Connections ended, before or after the handshake, by who ended them (us, peer) and why.\n\
             # TYPE timed_disconnects_total counter\n\
             timed_disconnects_total{by=\"us\",reason=\"wrong_network\"} 2\n\
             timed_disconnects_total{by=\"peer\",reason=\"closed\"} 1\n"
        );
    }
}
