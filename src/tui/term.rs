//! Terminal setup and restore. The terminal is restored on every exit path:
//! normal return, error (the caller calls `leave`), and panic (a hook that
//! restores first, then runs the previous hook, color-eyre's).

use std::io::{Stdout, stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            leave();
            previous(info);
        }));
    });
}

/// Raw mode, alternate screen, mouse capture.
pub fn enter() -> std::io::Result<Term> {
    install_panic_hook();
    ACTIVE.store(true, Ordering::SeqCst);
    let setup = || -> std::io::Result<Term> {
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
        let mut t = Terminal::new(CrosstermBackend::new(stdout()))?;
        t.hide_cursor()?;
        t.clear()?;
        Ok(t)
    };
    setup().inspect_err(|_| leave())
}

/// Undoes `enter` (idempotent; safe to call from a panic hook).
pub fn leave() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(
            stdout(),
            DisableMouseCapture,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = disable_raw_mode();
    }
}

/// Hands the terminal back for a child program (`$EDITOR`): as `leave`.
pub fn suspend() {
    leave();
}

/// Takes the terminal again after `suspend`; the next draw repaints every
/// cell. (Not `Terminal::clear`: it asks the terminal for the cursor
/// position, which the dropped input stream's wake-up can interrupt.)
pub fn resume(t: &mut Term) -> std::io::Result<()> {
    ACTIVE.store(true, Ordering::SeqCst);
    let mut setup = || -> std::io::Result<()> {
        enable_raw_mode()?;
        execute!(
            stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        t.hide_cursor()?;
        // Both buffers blank: the next frame is drawn in full.
        t.swap_buffers();
        t.swap_buffers();
        Ok(())
    };
    setup().inspect_err(|_| leave())
}
