//! The terminal while the dashboard owns it: raw mode and the alternate screen
//! on the way in, and always the way back out: on quit, on error (the guard's
//! drop) and on panic (a hook that restores before the panic message prints).
//! The terminal's events become the dashboard's messages here.

use std::io::{self, Stdout};
use std::sync::Once;

use crossterm::event::{
    DisableMouseCapture, Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use futures_util::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use tokio::sync::mpsc;

use crate::tui::{Key, Msg};

/// Puts the terminal back: raw mode off, main screen, cursor shown, mouse
/// reporting off. Safe to call more than once and when nothing was changed.
pub(crate) fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// The dashboard's terminal; restored when dropped.
///
/// Its size is asked once, then again on each resize event, not before every
/// frame (which opens the terminal device each time).
pub(crate) struct Screen {
    pub(crate) terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    /// Enters raw mode and the alternate screen, after installing the panic hook.
    ///
    /// # Errors
    /// The terminal refused (not a terminal, or closed).
    pub(crate) fn enter() -> io::Result<Screen> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        let entered = execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)
            .and_then(|()| size())
            .and_then(|area| {
                let options = TerminalOptions {
                    viewport: Viewport::Fixed(area),
                };
                Terminal::with_options(CrosstermBackend::new(io::stdout()), options)
            });
        match entered {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    /// Draws on the whole terminal again after it changed size.
    ///
    /// # Errors
    /// The terminal could not be asked or written to.
    pub(crate) fn fit(&mut self) -> io::Result<()> {
        self.terminal.resize(size()?)
    }
}

/// The terminal's whole area.
fn size() -> io::Result<Rect> {
    let (width, height) = terminal::size()?;
    Ok(Rect::new(0, 0, width, height))
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Restores the terminal before the previous hook (the binary's color-eyre
/// report) prints a panic, so the message lands on a usable screen (installed
/// once per process).
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Sends the terminal's keys and resizes as messages until the terminal fails
/// or the dashboard is gone. A task of its own: the stream is polled only when
/// the terminal has something (polled idle, it spins on a contended lock), and
/// nothing wakes up to look for keys that did not come.
pub(crate) async fn forward_events(tx: mpsc::Sender<Msg>) {
    let mut events = EventStream::new();
    while let Some(Ok(event)) = events.next().await {
        if let Some(msg) = message(event)
            && tx.send(msg).await.is_err()
        {
            return;
        }
    }
}

/// The dashboard's message for a terminal event: a key press or a resize;
/// anything else (mouse, focus, paste) means nothing to it.
fn message(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) => map_key(key).map(Msg::Key),
        Event::Resize(..) => Some(Msg::Resize),
        _ => None,
    }
}

/// The dashboard's key for a terminal key press (releases and repeats of
/// terminals that report them are ignored).
fn map_key(key: KeyEvent) -> Option<Key> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::Backspace => Key::Backspace,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_letters_and_releases() {
        let press = KeyEvent::new(KeyCode::Char('C'), KeyModifiers::CONTROL);
        assert_eq!(map_key(press), Some(Key::Ctrl('c')));
        let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(map_key(release), None);
        assert_eq!(
            map_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Key::BackTab)
        );
    }
}
