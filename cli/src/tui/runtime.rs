//! Running the dashboard: pollers as tasks sending messages, and the event loop
//! that applies them and draws. The terminal is restored on quit, on error and
//! on panic.
//!
//! # Layout
//! - `poll`: a probe task per node, and the log followers.
//! - `screen`: the event loop on a terminal.
//! - `terminal`: raw mode, alternate screen, panic hook, keys and resizes.

mod poll;
mod screen;
mod terminal;

use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use timecoin_shared::checklist::Thresholds;
use timecoin_shared::fleet::Node;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub(crate) use poll::Prober;

use super::{App, DemoAction, Window};
use crate::constants::TUI_MSG_QUEUE;
use crate::constants::{TUI_DRAIN, TUI_LOCK_INTERVAL};
use crate::logs::tail::LogSource;
use crate::notice::Notice;

/// Carries out a demo action on a node and says what happened (for the status line).
pub(crate) type Control =
    Arc<dyn Fn(String, DemoAction) -> BoxFuture<'static, String> + Send + Sync>;

/// What the dashboard watches and how.
pub(crate) struct Session<P, S> {
    /// The fleet's name, for the title.
    pub fleet: String,
    pub nodes: Vec<Node>,
    pub prober: Arc<P>,
    pub logs: Arc<S>,
    /// How often each node is probed.
    pub poll_interval: Duration,
    /// Colour allowed.
    pub colour: bool,
    /// `timectl demo`: what the stop, kill and restart keys do.
    pub control: Option<Control>,
    /// The checklist's limits (the fleet file's `[check]`).
    pub thresholds: Thresholds,
    /// Every node of the fleet file, watched or not: the masternodes expected.
    pub fleet_size: usize,
    /// The fleet file's `min_masternodes`.
    pub min_masternodes: usize,
    /// What the operator must be told (a certificate trusted on first use),
    /// shown in the title.
    pub notices: Option<mpsc::UnboundedReceiver<Notice>>,
}

/// Runs the dashboard on the terminal until the operator quits or `shutdown`
/// fires. Pollers stop when it returns.
///
/// # Errors
/// The terminal could not be set up or written to.
pub(crate) async fn run<P: Prober, S: LogSource>(
    session: Session<P, S>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let mut app = App::new(
        session.fleet,
        session.nodes.iter().map(|n| n.name.clone()),
        SystemTime::now(),
    );
    app.poll_interval = session.poll_interval;
    app.colour = session.colour;
    app.demo = session.control.is_some();
    let window = session.thresholds.window;
    app.window = Window::new(session.nodes.len(), session.thresholds);
    app.window.reads_window(
        session
            .nodes
            .iter()
            .map(|n| crate::logs::command::reads_from_a_time(&n.commands.logs)),
    );
    app.window.fleet_size = session.fleet_size;
    app.window.min_masternodes = Some(session.min_masternodes);
    app.window.hosts = session.nodes.iter().map(|n| n.host.clone()).collect();
    let (tx, rx) = mpsc::channel(TUI_MSG_QUEUE);
    let mut pollers = JoinSet::new();
    let stop = shutdown.child_token();
    // The probes and the clock keep to one schedule: their timers fire together
    // and the answers come in together, instead of each at its own instant.
    let epoch = Instant::now();
    poll::spawn_probes(
        &mut pollers,
        &session.prober,
        &session.nodes,
        (epoch, session.poll_interval),
        &tx,
        &stop,
    );
    poll::spawn_locks(
        &mut pollers,
        &session.prober,
        &session.nodes,
        TUI_LOCK_INTERVAL,
        &tx,
        &stop,
    );
    poll::spawn_logs(
        &mut pollers,
        &session.logs,
        (&session.nodes, window),
        &tx,
        &stop,
    );
    if let Some(notices) = session.notices {
        poll::spawn_notices(&mut pollers, notices, &tx, &stop);
    }
    let result = screen::run(app, (rx, tx), epoch, session.control, shutdown).await;
    stop.cancel();
    let drained = tokio::time::timeout(TUI_DRAIN, async {
        while pollers.join_next().await.is_some() {}
    });
    if drained.await.is_err() {
        pollers.shutdown().await;
    }
    result
}
