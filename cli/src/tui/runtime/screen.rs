//! The event loop on a terminal: messages from the pollers, the key thread and
//! the clock go through `update`; the screen is drawn when something visible
//! changed, never on a blind timer: at most once per [`FRAME`] after a key,
//! once per [`DATA_FRAME`] when only data moved.

use std::io;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::Control;
use super::terminal::{Input, Screen};
use crate::tui::{App, Command, Msg, draw, update};

/// Shortest time between two frames after a key or a resize: held keys scroll
/// at 20 frames a second, smooth to the eye.
const FRAME: Duration = Duration::from_millis(50);

/// Shortest time between two frames when only data changed (a probe answer, a
/// log line): the lines a block brings from every node, a few milliseconds
/// apart, make one frame, and a flood of a thousand lines a second makes four.
/// Nobody reads faster; an idle dashboard costs a fraction of a core as a result.
const DATA_FRAME: Duration = Duration::from_millis(250);

/// How often the clock moves the ages on screen.
const TICK: Duration = Duration::from_secs(1);

/// How long after the probes go out the clock ticks (both keep to the same
/// schedule): time for nearby nodes to answer, so a tick shows their new numbers.
const TICK_LAG: Duration = Duration::from_millis(100);

/// Messages handled per wake-up before the loop checks whether to draw.
const BATCH: usize = 256;

/// Runs the dashboard on the terminal until `q`, Ctrl-C or `shutdown`.
///
/// # Errors
/// The terminal could not be set up or written to (it is restored either way).
pub(crate) async fn run(
    mut app: App,
    (mut rx, tx): (mpsc::Receiver<Msg>, mpsc::Sender<Msg>),
    epoch: Instant,
    control: Option<Control>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let mut screen = Screen::enter()?;
    let _input = Input::start(tx.clone());
    let mut actions = JoinSet::new();
    let mut tick = tokio::time::interval_at(epoch + TICK_LAG, TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    // The operator is waiting for this frame (a key or a resize came in).
    let mut urgent = true;
    let mut drawn_at: Option<Instant> = None;
    loop {
        let gap = if urgent { FRAME } else { DATA_FRAME };
        let due = drawn_at.map_or_else(Instant::now, |at| at + gap);
        if dirty && Instant::now() >= due {
            screen.terminal.draw(|frame| draw(frame, &app))?;
            dirty = false;
            urgent = false;
            drawn_at = Some(Instant::now());
            continue;
        }
        let msg = tokio::select! {
            () = shutdown.cancelled() => break,
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                None => break,
            },
            _ = tick.tick() => Msg::Tick(SystemTime::now()),
            () = tokio::time::sleep_until(due), if dirty => continue,
            Some(_) = actions.join_next(), if !actions.is_empty() => continue,
        };
        let mut next = Some(msg);
        let mut handled = 0;
        while let Some(msg) = next.take() {
            let input = matches!(msg, Msg::Key(_) | Msg::Resize);
            let outcome = update(&mut app, msg);
            dirty |= outcome.redraw;
            urgent |= input && outcome.redraw;
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
