//! The evaluation loop and the server beside it. One evaluation runs at a time
//! (each is the `check` engine over one window, back to back, as `check --watch`
//! runs them, then a read of every node's deploy lock); after each, the metrics
//! are rendered once and published, so a scrape copies the last text and never
//! waits for a window to close.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use timecoin_shared::checklist::{Journal, Status};
use timecoin_shared::fleet::Node;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{metrics, serve};
use crate::check::{self, Outcome, Plan};
use crate::emit::Emit;
use crate::lock::LockState;
use crate::pool::Pool;

/// What to judge and where to serve it.
#[derive(Debug)]
pub(crate) struct Options {
    /// The check run each window (its thresholds' window is the evaluation's).
    pub plan: Plan,
    /// Bound by the caller, so a taken port is an error before anything runs
    /// and tests can bind port 0.
    pub listener: TcpListener,
}

/// What the exporter reports while it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// `/metrics` is served at `addr`.
    Listening { addr: SocketAddr },
    /// An evaluation ended: its number (from 1), how long it took (the window
    /// and the reads after it), the verdict, and the nodes that did not answer
    /// every probe.
    Evaluated {
        number: u64,
        took: Duration,
        verdict: Status,
        unanswered: Vec<String>,
    },
}

/// What the metrics are rendered from: the last evaluation and the exporter's
/// own record.
#[derive(Debug)]
pub(super) struct State {
    /// The window each evaluation judges.
    pub window: Duration,
    /// Evaluations finished so far.
    pub evaluations: u64,
    pub last: Option<Last>,
    /// Per node in fleet order, counted over every evaluation so far.
    pub errors: BTreeMap<String, NodeErrors>,
}

/// The last evaluation.
#[derive(Debug)]
pub(super) struct Last {
    /// When it ended.
    pub at: SystemTime,
    pub took: Duration,
    pub outcome: Outcome,
    /// Each node's deploy lock as read at its end, in fleet order: `None`
    /// where it could not be read. Nodes without a repo have no lock and no entry.
    pub locks: Vec<(String, Option<LockState>)>,
}

/// A node's failures seen by the exporter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct NodeErrors {
    /// Probes it did not answer (three a window).
    pub probe: u64,
    /// Windows whose journal could not be read.
    pub journal: u64,
}

impl State {
    fn new(plan: &Plan) -> State {
        State {
            window: plan.thresholds.window,
            evaluations: 0,
            last: None,
            errors: plan
                .nodes
                .iter()
                .map(|n| (n.name.clone(), NodeErrors::default()))
                .collect(),
        }
    }

    /// Takes in one evaluation; returns the nodes that missed a probe.
    fn record(
        &mut self,
        (at, took): (SystemTime, Duration),
        outcome: Outcome,
        locks: Vec<(String, Option<LockState>)>,
    ) -> Vec<String> {
        let mut unanswered = Vec::new();
        for node in &outcome.facts.nodes {
            let missed = node.probes.iter().filter(|p| !p.is_reachable()).count();
            let errors = self.errors.entry(node.name.clone()).or_default();
            errors.probe += missed as u64;
            if matches!(node.journal, Journal::Unreadable { .. }) {
                errors.journal += 1;
            }
            if missed > 0 {
                unanswered.push(node.name.clone());
            }
        }
        self.evaluations += 1;
        self.last = Some(Last {
            at,
            took,
            outcome,
            locks,
        });
        unanswered
    }
}

/// Every node's deploy lock at once (those with a repo, where a lock lives),
/// each read bounded; `None` for a node that could not be asked.
async fn read_locks(pool: &Pool, nodes: &[Node]) -> Vec<(String, Option<LockState>)> {
    let reads = nodes
        .iter()
        .filter(|n| n.repo.is_some())
        .map(|node| async move {
            let lock = crate::lock::ops::watch_status(pool, node).await.ok();
            (node.name.clone(), lock)
        });
    futures_util::future::join_all(reads).await
}

/// Runs the exporter until `stop` fires or the server fails.
///
/// # Errors
/// The server failed (its listener broke).
///
/// # Cancel safety
/// Stops at the next step of the running evaluation when `stop` fires; the
/// server finishes the answers under way and closes.
pub(crate) async fn run(
    pool: &Pool,
    options: Options,
    emit: &dyn Emit<Event>,
    stop: &CancellationToken,
) -> std::io::Result<()> {
    let Options { plan, listener } = options;
    let mut state = State::new(&plan);
    let (publish, latest) = watch::channel(Bytes::from(metrics::render(&state)));
    let addr = listener.local_addr()?;
    // The server's own token: it also ends when the loop ends.
    let server_stop = stop.child_token();
    let mut server = tokio::spawn(serve::serve(listener, latest, server_stop.clone()));
    emit.emit(Event::Listening { addr });
    let evaluations = async {
        loop {
            let started = Instant::now();
            let ignore = |_: check::Event| {};
            let Some(outcome) = check::run(pool, &plan, &ignore, stop).await else {
                return;
            };
            let locks = read_locks(pool, &plan.nodes).await;
            let took = started.elapsed();
            let verdict = outcome.report.verdict;
            let unanswered = state.record((SystemTime::now(), took), outcome, locks);
            publish.send_replace(Bytes::from(metrics::render(&state)));
            emit.emit(Event::Evaluated {
                number: state.evaluations,
                took,
                verdict,
                unanswered,
            });
        }
    };
    let served = tokio::select! {
        () = evaluations => None,
        served = &mut server => Some(served),
    };
    server_stop.cancel();
    let served = match served {
        Some(served) => served,
        None => server.await,
    };
    served.unwrap_or_else(|e| Err(std::io::Error::other(e)))
}
