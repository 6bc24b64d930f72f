//! The trace overlay and its port field.

use super::*;

pub(super) fn trace(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let Overlay::Trace(t) = &mut app.overlay else {
        return;
    };
    if t.editing {
        match a {
            Action::Input(c) => t.port.push(c),
            Action::Backspace => {
                t.port.pop();
            }
            Action::ClearInput => t.port.clear(),
            Action::Close => t.editing = false,
            _ => return,
        }
        t.recompute(&app.index);
        return;
    }
    match a {
        Action::Close => app.overlay = Overlay::None,
        Action::TracePort => t.editing = true,
        Action::TraceSwap => {
            if let Some(to) = t.to.take() {
                t.to = Some(std::mem::replace(&mut t.from, to));
                t.recompute(&app.index);
            }
        }
        Action::TracePick => {
            let Overlay::Trace(t) = std::mem::replace(&mut app.overlay, Overlay::None) else {
                return;
            };
            open_finder(app, Purpose::TraceTo(t), fx);
        }
        Action::Up | Action::ScrollUp => t.scroll = t.scroll.saturating_sub(1),
        Action::Down | Action::ScrollDown => t.scroll = t.scroll.saturating_add(1).min(200),
        Action::PageUp => t.scroll = t.scroll.saturating_sub(10),
        Action::PageDown => t.scroll = t.scroll.saturating_add(10).min(200),
        Action::Top => t.scroll = 0,
        Action::Help => open_help(app),
        Action::Finder => open_finder(app, Purpose::Jump, fx),
        _ => {}
    }
}
