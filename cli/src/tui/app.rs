//! The dashboard's whole state, as plain data: what the pollers reported, what
//! the operator is looking at, and the clock ages are measured against.

use std::time::{Duration, SystemTime};

use timecoin_shared::checklist::{Report, Thresholds};

use super::links::{self, Link};
use super::logview::LogView;
use super::node::{Health, NodeRow};
use super::window::Window;

/// The panes, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Fleet,
    Links,
    Checklist,
    Log,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Fleet, Pane::Links, Pane::Checklist, Pane::Log];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Fleet => "fleet",
            Pane::Links => "links",
            Pane::Checklist => "checklist",
            Pane::Log => "log",
        }
    }
}

/// What fills the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Dashboard,
    /// One node: its peers with RTT, its recent blocks, its own log.
    Detail(usize),
}

/// The dashboard's state.
#[derive(Clone, Debug)]
pub struct App {
    /// The fleet's name, for the title.
    pub fleet: String,
    pub nodes: Vec<NodeRow>,
    /// The clock every age is measured against (moved by `Msg::Tick`).
    pub now: SystemTime,
    /// How often nodes are probed; an answer older than two of these is stale.
    pub poll_interval: Duration,
    /// The checklist's live verdicts; `None` until every node was probed once.
    pub report: Option<Report>,
    /// Who holds a link to whom, from every node's current answer: worked out
    /// once a tick (see [`App::refresh_links`]), not on every frame or answer,
    /// since it is quadratic in the fleet's size.
    links: Vec<Vec<Link>>,
    /// What the checklist judges: the last window of probes and log lines.
    pub window: Window,
    pub log: LogView,
    pub focus: Pane,
    pub view: View,
    /// Selected row of the fleet pane (also the node of the detail view).
    pub selected: usize,
    /// Selected item of the checklist pane.
    pub item: usize,
    pub help: bool,
    /// The filter being typed after `/`.
    pub input: Option<String>,
    /// Colour allowed (a terminal without `NO_COLOR`); glyphs and words are shown either way.
    pub colour: bool,
    /// `timectl demo`: keys to stop, kill and restart nodes.
    pub demo: bool,
    /// The last demo action's outcome, or another short note.
    pub notice: Option<String>,
}

impl App {
    /// A dashboard for these nodes, nothing known yet, the checklist judged
    /// with default thresholds.
    pub fn new(
        fleet: impl Into<String>,
        names: impl IntoIterator<Item = String>,
        now: SystemTime,
    ) -> Self {
        let nodes: Vec<NodeRow> = names.into_iter().map(NodeRow::new).collect();
        App {
            fleet: fleet.into(),
            window: Window::new(nodes.len(), Thresholds::default()),
            links: links::matrix(&vec![None; nodes.len()]),
            nodes,
            now,
            poll_interval: Duration::from_secs(1),
            report: None,
            log: LogView::default(),
            focus: Pane::Fleet,
            view: View::Dashboard,
            selected: 0,
            item: 0,
            help: false,
            input: None,
            colour: true,
            demo: false,
            notice: None,
        }
    }

    /// An answer older than this is shown as stale.
    pub fn stale_after(&self) -> Duration {
        self.poll_interval * 2
    }

    /// The fleet index of the node called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// The link matrix as of the last tick.
    pub(crate) fn links(&self) -> &[Vec<Link>] {
        &self.links
    }

    /// Works the link matrix out again from every node's last answer; says
    /// whether it changed.
    pub(crate) fn refresh_links(&mut self) -> bool {
        // Only current answers: a down node's last peers are history, not a claim.
        let stale_after = self.stale_after();
        let snaps: Vec<_> = self
            .nodes
            .iter()
            .map(|n| {
                (n.health(self.now, stale_after) == Health::Up)
                    .then_some(n.last_ok.as_ref())
                    .flatten()
            })
            .collect();
        let links = links::matrix(&snaps);
        let changed = links != self.links;
        self.links = links;
        changed
    }

    /// The commit most nodes run (the reference a different commit is flagged against).
    pub fn common_commit(&self) -> Option<&str> {
        let commits: Vec<&str> = self
            .nodes
            .iter()
            .filter_map(|n| n.last_ok.as_ref()?.chain.commit.as_deref())
            .collect();
        commits
            .iter()
            .max_by_key(|c| commits.iter().filter(|o| o == c).count())
            .copied()
    }
}
