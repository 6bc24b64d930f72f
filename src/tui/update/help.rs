//! The help overlay.

use super::*;

pub(super) fn help(
    app: &mut App,
    a: Action,
    scroll: u16,
    back: Option<Box<Overlay>>,
    fx: &mut Vec<Effect>,
) -> Overlay {
    let lines = views::help::lines(app).len();
    let h = app.height.saturating_sub(5) as usize;
    let d: isize = match a {
        Action::Close | Action::Help => return back.map_or(Overlay::None, |b| *b),
        Action::Finder => {
            open_finder(app, Purpose::Jump, fx);
            return std::mem::replace(&mut app.overlay, Overlay::None);
        }
        Action::Up | Action::ScrollUp => -1,
        Action::Down | Action::ScrollDown => 1,
        Action::PageUp => -(h as isize),
        Action::PageDown => h as isize,
        Action::Top => -(u16::MAX as isize),
        Action::Bottom => u16::MAX as isize,
        _ => 0,
    };
    let s = clamp_scroll(
        (scroll as isize + d).clamp(0, u16::MAX as isize) as u16,
        lines,
        h,
    );
    Overlay::Help { scroll: s, back }
}

/// Opens the help over whatever is open.
pub(super) fn open_help(app: &mut App) {
    let back = match std::mem::replace(&mut app.overlay, Overlay::None) {
        Overlay::None => None,
        o => Some(Box::new(o)),
    };
    app.overlay = Overlay::Help { scroll: 0, back };
}
