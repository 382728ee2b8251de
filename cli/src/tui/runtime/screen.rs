//! The event loop on a terminal: messages from the pollers, the terminal's
//! events and the clock go through `update`; the screen is drawn when something
//! visible changed, never on a blind timer, and as soon as the change asks for
//! (see [`Redraw`]): at once after a key, within [`DATA_FRAME`] of news, and
//! for ages that only moved, at the clock's tick once [`CLOCK_FRAME`] passed.
//!
//! On an idle dashboard each wake-up costs far more than its work (caches gone
//! cold meanwhile), so the loop wakes for the clock, the pollers and keys only:
//! nothing polls for keys, no timer of its own for the clock's frames.

use std::io;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::Control;
use super::terminal::{Screen, forward_events};
use crate::tui::{App, Command, Msg, Redraw, draw, update};

/// Shortest time between two frames after a key or a resize: held keys scroll
/// at 20 frames a second, smooth to the eye.
const FRAME: Duration = Duration::from_millis(50);

/// How long news waits to be drawn, counted from the first undrawn change and
/// from the last frame: the lines a block brings from every node, tens of
/// milliseconds apart, make one frame, and a flood of a thousand lines a
/// second makes four. Nobody reads faster.
const DATA_FRAME: Duration = Duration::from_millis(250);

/// How often the clock ticks: it moves the ages on screen and judges the
/// checklist.
const TICK: Duration = Duration::from_secs(1);

/// A tick draws only if the last frame is at least this old: a frame for news
/// just before the tick already showed the numbers, and the ages can wait for
/// the next one. Short of [`TICK`] by a margin for the timers' jitter.
const CLOCK_FRAME: Duration = Duration::from_millis(900);

/// How long after the probes go out the clock ticks (both keep to the same
/// schedule): time for nearby nodes to answer, so a tick shows their new numbers.
const TICK_LAG: Duration = Duration::from_millis(100);

/// Messages handled per wake-up before the loop checks whether to draw.
const BATCH: usize = 256;

/// When the changes not yet drawn are due on screen.
struct Pending {
    redraw: Redraw,
    /// The first undrawn change of a burst of news.
    since: Instant,
}

impl Pending {
    fn none(now: Instant) -> Self {
        Pending {
            redraw: Redraw::No,
            since: now,
        }
    }

    fn add(&mut self, redraw: Redraw, now: Instant) {
        if redraw >= Redraw::Data && self.redraw < Redraw::Data {
            self.since = now;
        }
        self.redraw = self.redraw.max(redraw);
    }

    /// When to draw, given the last frame; `None` when nothing is waiting.
    fn due(&self, drawn_at: Instant) -> Option<Instant> {
        match self.redraw {
            Redraw::No => None,
            Redraw::Clock => Some(drawn_at + CLOCK_FRAME),
            Redraw::Data => Some(drawn_at.max(self.since) + DATA_FRAME),
            Redraw::Input => Some(drawn_at + FRAME),
        }
    }

    /// Whether to set a timer for `due`: ages that only moved are drawn at a
    /// wake-up the loop has anyway (the next tick), never at one of their own.
    fn wakes(&self) -> bool {
        self.redraw >= Redraw::Data
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
    let mut tick = tokio::time::interval_at(epoch + TICK_LAG, TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first frame goes out as soon as a key's would.
    let mut drawn_at = Instant::now();
    let mut pending = Pending::none(drawn_at);
    pending.add(Redraw::Input, drawn_at);
    loop {
        let due = pending.due(drawn_at);
        if due.is_some_and(|due| Instant::now() >= due) {
            screen.terminal.draw(|frame| draw(frame, &app))?;
            drawn_at = Instant::now();
            pending = Pending::none(drawn_at);
            continue;
        }
        let timer = due.filter(|_| pending.wakes());
        let msg = tokio::select! {
            () = shutdown.cancelled() => break,
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                None => break,
            },
            _ = tick.tick() => Msg::Tick(SystemTime::now()),
            () = sleep_until(timer), if timer.is_some() => continue,
            Some(_) = actions.join_next(), if !actions.is_empty() => continue,
        };
        let mut next = Some(msg);
        let mut handled = 0;
        while let Some(msg) = next.take() {
            if matches!(msg, Msg::Resize) {
                screen.fit()?;
            }
            let outcome = update(&mut app, msg);
            pending.add(outcome.redraw, Instant::now());
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

    #[test]
    fn news_is_drawn_a_quarter_second_after_the_first_of_its_burst() {
        let drawn = Instant::now();
        let first = drawn + Duration::from_secs(2);
        let mut pending = Pending::none(drawn);
        pending.add(Redraw::Data, first);
        pending.add(Redraw::Data, first + Duration::from_millis(30));
        assert_eq!(pending.due(drawn), Some(first + DATA_FRAME));
        assert!(pending.wakes());
        // Right after a frame, news waits for the gap after that frame too.
        let mut soon = Pending::none(drawn);
        soon.add(Redraw::Data, drawn + Duration::from_millis(10));
        assert_eq!(
            soon.due(drawn + Duration::from_millis(100)),
            Some(drawn + Duration::from_millis(350))
        );
    }

    #[test]
    fn ages_wait_for_a_wake_up_the_loop_has_anyway() {
        let drawn = Instant::now();
        let mut pending = Pending::none(drawn);
        assert_eq!(pending.due(drawn), None, "nothing to draw");
        pending.add(Redraw::Clock, drawn + Duration::from_millis(400));
        assert_eq!(pending.due(drawn), Some(drawn + CLOCK_FRAME));
        assert!(!pending.wakes(), "no timer of its own");
        // News after the clock: its burst starts with the news, not the tick.
        let news = drawn + Duration::from_millis(600);
        pending.add(Redraw::Data, news);
        assert_eq!(pending.due(drawn), Some(news + DATA_FRAME));
        // A key outranks both.
        pending.add(Redraw::Input, news);
        assert_eq!(pending.due(drawn), Some(drawn + FRAME));
        pending.add(Redraw::Clock, news);
        assert_eq!(
            pending.redraw,
            Redraw::Input,
            "a lesser change never lowers it"
        );
    }
}
