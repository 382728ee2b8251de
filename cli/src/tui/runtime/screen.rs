//! The event loop on a terminal: messages from the pollers, the key thread and
//! the clock go through `update`; the screen is drawn when something visible
//! changed, at most once per [`FRAME`], and never on a blind timer.

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

/// Shortest time between two frames: a log flood redraws at most this often
/// (20 a second, smooth to the eye) instead of once per line.
const FRAME: Duration = Duration::from_millis(50);

/// How often the clock moves the ages on screen.
const TICK: Duration = Duration::from_secs(1);

/// Messages handled per wake-up before the loop checks whether to draw.
const BATCH: usize = 256;

/// Runs the dashboard on the terminal until `q`, Ctrl-C or `shutdown`.
///
/// # Errors
/// The terminal could not be set up or written to (it is restored either way).
pub(crate) async fn run(
    mut app: App,
    mut rx: mpsc::Receiver<Msg>,
    tx: mpsc::Sender<Msg>,
    control: Option<Control>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let mut screen = Screen::enter()?;
    let _input = Input::start(tx.clone());
    let mut actions = JoinSet::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut drawn_at: Option<Instant> = None;
    loop {
        let due = drawn_at.map_or_else(Instant::now, |at| at + FRAME);
        if dirty && Instant::now() >= due {
            screen.terminal.draw(|frame| draw(frame, &app))?;
            dirty = false;
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
            let outcome = update(&mut app, msg);
            dirty |= outcome.redraw;
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
