//! The event loop on a terminal: messages from the pollers, the terminal's
//! events and the clock go through `update`; the screen is drawn when something
//! visible changed, never on a blind timer, and as soon as the change asks for
//! (see [`Redraw`]): at once after a key; news and moved numbers together with
//! the tick's round of probes, once every node answered; news also at any
//! wake-up that finds it [`DATA_FRAME`] old.
//!
//! On an idle dashboard each wake-up costs far more than its work (caches gone
//! cold meanwhile), so the loop wakes for the clock, the pollers and keys only.
//! The clock ticks at the instants the probes go out, so one timer wake-up
//! starts both, and the frame goes out in the wake-up of the last answer, on
//! warm caches.

use std::io;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::Control;
use super::poll::probes_at;
use super::terminal::{Screen, forward_events};
use crate::tui::{App, Command, Msg, Redraw, draw, update};

/// Shortest time between two frames after a key or a resize: held keys scroll
/// at 20 frames a second, smooth to the eye.
const FRAME: Duration = Duration::from_millis(50);

/// How old news must be for a wake-up that is not the round's to draw it,
/// counted from the first undrawn change: a flood of a thousand lines a second
/// makes four frames. Nobody reads faster. News sets no timer of its own: on an
/// idle dashboard the next round draws it.
const DATA_FRAME: Duration = Duration::from_millis(250);

/// How often the clock ticks: it moves the ages on screen, judges the
/// checklist and starts waiting for a round of probes.
const TICK: Duration = Duration::from_secs(1);

/// How long the tick's frame waits for the round's answers: a node that hangs
/// delays its own numbers, not the others'.
const ROUND_WAIT: Duration = Duration::from_millis(300);

/// Messages handled per wake-up before the loop checks whether to draw.
const BATCH: usize = 256;

/// Where the tick's round of probe answers stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Round {
    /// Answers still expected from this many nodes, until `until`.
    Awaiting { nodes: usize, until: Instant },
    /// Every node answered: the round's frame is due.
    In,
    /// The round's frame went out: moved numbers wait for the next tick.
    Drawn,
}

/// When the changes not yet drawn are due on screen.
struct Schedule {
    redraw: Redraw,
    /// The first undrawn change of a burst of news.
    since: Instant,
    drawn_at: Instant,
    round: Round,
}

impl Schedule {
    /// Nothing drawn yet: the first frame goes out as soon as a key's would.
    fn new(now: Instant) -> Self {
        Schedule {
            redraw: Redraw::Input,
            since: now,
            drawn_at: now,
            round: Round::Drawn,
        }
    }

    fn changed(&mut self, redraw: Redraw, now: Instant) {
        if redraw >= Redraw::Data && self.redraw < Redraw::Data {
            self.since = now;
        }
        self.redraw = self.redraw.max(redraw);
    }

    /// The clock ticked, and a round of probes to `nodes` went out with it
    /// (none: the tick's frame is due at once).
    fn ticked(&mut self, nodes: usize, now: Instant) {
        self.round = if nodes == 0 {
            Round::In
        } else {
            Round::Awaiting {
                nodes,
                until: now + ROUND_WAIT,
            }
        };
    }

    /// A node answered a probe. A slow node's answer to an earlier round
    /// counts toward this one: at worst the frame goes out a moment early.
    fn answered(&mut self) {
        if let Round::Awaiting { nodes, .. } = &mut self.round {
            *nodes -= 1;
            if *nodes == 0 {
                self.round = Round::In;
                self.redraw = self.redraw.max(Redraw::Clock);
            }
        }
    }

    fn drawn(&mut self, now: Instant) {
        self.redraw = Redraw::No;
        self.drawn_at = now;
        self.round = match self.round {
            Round::Awaiting { until, .. } if until > now => self.round,
            _ => Round::Drawn,
        };
    }

    /// When the round's frame is due; `None` once it was drawn.
    fn round_due(&self, now: Instant) -> Option<Instant> {
        match self.round {
            Round::Awaiting { until, .. } => Some(until),
            Round::In => Some(now),
            Round::Drawn => None,
        }
    }

    /// When to draw; `None` when nothing is waiting, or only for the next tick.
    fn due(&self, now: Instant) -> Option<Instant> {
        let round = self.round_due(now);
        match self.redraw {
            Redraw::No => None,
            Redraw::Clock => round,
            Redraw::Data => {
                let burst = self.since + DATA_FRAME;
                Some(round.map_or(burst, |round| round.min(burst)))
            }
            Redraw::Input => Some(self.drawn_at + FRAME),
        }
    }

    /// When to wake up to draw if nothing else wakes the loop first: for a
    /// key, and for the round; news waits for a wake-up the loop has anyway.
    fn timer(&self, now: Instant) -> Option<Instant> {
        match self.redraw {
            Redraw::No => None,
            Redraw::Clock | Redraw::Data => self.round_due(now),
            Redraw::Input => Some(self.drawn_at + FRAME),
        }
    }
}

/// Runs the dashboard on the terminal until `q`, Ctrl-C or `shutdown`.
///
/// # Errors
/// The terminal could not be set up, read or written to (it is restored
/// either way).
pub(crate) async fn run(
    mut app: App,
    (mut rx, tx): (mpsc::Receiver<Msg>, mpsc::Sender<Msg>),
    epoch: Instant,
    control: Option<Control>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let mut screen = Screen::enter()?;
    // Tasks of the loop's own, cancelled when it returns.
    let mut input = JoinSet::new();
    input.spawn(forward_events(tx.clone()));
    let mut actions = JoinSet::new();
    let mut tick = tokio::time::interval_at(epoch, TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut schedule = Schedule::new(Instant::now());
    loop {
        let now = Instant::now();
        if schedule.due(now).is_some_and(|due| now >= due) {
            screen.terminal.draw(|frame| draw(frame, &app))?;
            schedule.drawn(Instant::now());
            continue;
        }
        let timer = schedule.timer(now);
        let msg = tokio::select! {
            () = shutdown.cancelled() => break,
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                None => break,
            },
            at = tick.tick() => {
                // The frame waits for the round only if probes go out with this tick.
                let probed = probes_at(epoch, app.poll_interval, at);
                schedule.ticked(if probed { app.nodes.len() } else { 0 }, Instant::now());
                Msg::Tick(SystemTime::now())
            }
            () = sleep_until(timer), if timer.is_some() => continue,
            Some(_) = actions.join_next(), if !actions.is_empty() => continue,
        };
        let mut next = Some(msg);
        let mut handled = 0;
        while let Some(msg) = next.take() {
            match msg {
                Msg::Resize => screen.fit()?,
                Msg::Snapshot(_) => schedule.answered(),
                _ => {}
            }
            let outcome = update(&mut app, msg);
            schedule.changed(outcome.redraw, Instant::now());
            match outcome.command {
                Some(Command::Quit) => return Ok(()),
                Some(Command::Demo { node, action }) => {
                    if let Some(control) = &control {
                        let (control, tx) = (Arc::clone(control), tx.clone());
                        actions.spawn(async move {
                            let notice = control(node, action).await;
                            let _ = tx.send(Msg::Notice(notice)).await;
                        });
                    }
                }
                None => {}
            }
            handled += 1;
            if handled < BATCH {
                next = rx.try_recv().ok();
            }
        }
    }
    Ok(())
}

/// Sleeps until `at` (never, for `None`: the caller's guard keeps it unpolled).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(at: Instant, ms: u64) -> Instant {
        at + Duration::from_millis(ms)
    }

    /// A schedule whose first frame went out at `at`, with no round pending.
    fn drawn_at(at: Instant) -> Schedule {
        let mut schedule = Schedule::new(at);
        schedule.drawn(at);
        schedule
    }

    /// A schedule that just ticked with a round of probes to `nodes`, the
    /// tick's moved numbers waiting for it; and the tick's instant.
    fn ticked(nodes: usize) -> (Schedule, Instant) {
        let tick = Instant::now();
        let mut schedule = drawn_at(tick);
        schedule.ticked(nodes, tick);
        schedule.changed(Redraw::Clock, tick);
        (schedule, tick)
    }

    #[test]
    fn the_round_is_drawn_in_the_wake_up_of_its_last_answer() {
        let (mut schedule, tick) = ticked(3);
        assert_eq!(
            schedule.due(tick),
            Some(tick + ROUND_WAIT),
            "waits for the answers"
        );
        assert_eq!(schedule.timer(tick), Some(tick + ROUND_WAIT));
        schedule.answered();
        schedule.answered();
        assert_eq!(schedule.due(after(tick, 5)), Some(tick + ROUND_WAIT));
        schedule.answered();
        let last = after(tick, 8);
        assert_eq!(schedule.due(last), Some(last), "drawn with the last answer");
        schedule.drawn(last);
        // Numbers that move after the round's frame wait for the next tick.
        schedule.changed(Redraw::Clock, after(tick, 20));
        assert_eq!(schedule.due(after(tick, 20)), None);
        assert_eq!(schedule.timer(after(tick, 20)), None);
    }

    #[test]
    fn a_hung_node_holds_the_round_back_only_until_the_wait_ends() {
        let (mut schedule, tick) = ticked(2);
        schedule.answered();
        let end = tick + ROUND_WAIT;
        assert_eq!(schedule.due(end), Some(end));
        schedule.drawn(end);
        assert_eq!(schedule.round, Round::Drawn);
        // Its late answer changes nothing until the next tick.
        schedule.answered();
        assert_eq!(schedule.due(after(end, 100)), None);
    }

    #[test]
    fn a_tick_without_probes_is_drawn_at_once() {
        let (schedule, tick) = ticked(0);
        assert_eq!(schedule.due(tick), Some(tick));
    }

    #[test]
    fn news_waits_for_a_wake_up_the_loop_has_anyway() {
        let t = Instant::now();
        let mut schedule = drawn_at(t);
        let first = after(t, 900);
        schedule.changed(Redraw::Data, first);
        schedule.changed(Redraw::Data, after(first, 30));
        // Any wake-up a quarter second after the first of its burst draws it,
        // but it sets no timer: the next tick is its backstop.
        assert_eq!(schedule.due(first), Some(first + DATA_FRAME));
        assert_eq!(schedule.timer(first), None);
        // A round in flight draws it with the round if that comes sooner.
        let tick = after(t, 1000);
        schedule.ticked(1, tick);
        assert_eq!(schedule.timer(tick), Some(tick + ROUND_WAIT));
        schedule.answered();
        assert_eq!(schedule.due(after(tick, 3)), Some(after(tick, 3)));
    }

    #[test]
    fn a_key_is_drawn_at_once_and_leaves_the_round_waiting() {
        let (mut schedule, tick) = ticked(2);
        schedule.changed(Redraw::Input, after(tick, 1));
        assert_eq!(schedule.due(after(tick, 1)), Some(tick + FRAME));
        schedule.drawn(after(tick, 2));
        schedule.answered();
        schedule.answered();
        let last = after(tick, 9);
        assert_eq!(
            schedule.due(last),
            Some(last),
            "the round still gets its frame"
        );
        // A lesser change never lowers a key's.
        schedule.changed(Redraw::Input, last);
        schedule.changed(Redraw::Clock, last);
        assert_eq!(schedule.redraw, Redraw::Input);
    }
}
