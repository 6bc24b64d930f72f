//! The keys and mouse gestures a binding answers to, and their labels.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

/// A key (or a class of keys, or a mouse gesture) a binding answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Code(KeyCode, KeyModifiers),
    /// Any printable char (text fields).
    Text,
    WheelUp,
    WheelDown,
    Click,
}

pub(super) const fn plain(c: KeyCode) -> Key {
    Key::Code(c, KeyModifiers::NONE)
}
pub(super) const fn ch(c: char) -> Key {
    Key::Code(KeyCode::Char(c), KeyModifiers::NONE)
}
pub(super) const fn ctrl(c: char) -> Key {
    Key::Code(KeyCode::Char(c), KeyModifiers::CONTROL)
}

impl Key {
    pub fn label(self) -> String {
        match self {
            Key::Text => "type".to_string(),
            Key::WheelUp => "wheel up".to_string(),
            Key::WheelDown => "wheel down".to_string(),
            Key::Click => "click".to_string(),
            Key::Code(code, mods) => {
                let name = match code {
                    KeyCode::Char(' ') => "Space".to_string(),
                    KeyCode::Char(c) => c.to_string(),
                    KeyCode::Up => "↑".to_string(),
                    KeyCode::Down => "↓".to_string(),
                    KeyCode::Left => "←".to_string(),
                    KeyCode::Right => "→".to_string(),
                    KeyCode::PageUp => "PgUp".to_string(),
                    KeyCode::PageDown => "PgDn".to_string(),
                    KeyCode::Home => "Home".to_string(),
                    KeyCode::End => "End".to_string(),
                    KeyCode::Enter => "Enter".to_string(),
                    KeyCode::Esc => "Esc".to_string(),
                    KeyCode::Tab => "Tab".to_string(),
                    KeyCode::BackTab => "Shift-Tab".to_string(),
                    KeyCode::Backspace => "Backspace".to_string(),
                    other => format!("{other:?}"),
                };
                if mods.contains(KeyModifiers::CONTROL) {
                    format!("Ctrl-{}", name.to_uppercase())
                } else {
                    name
                }
            }
        }
    }

    pub(super) fn matches(self, ev: &KeyEvent) -> bool {
        match self {
            Key::Text => {
                matches!(ev.code, KeyCode::Char(_))
                    && !ev
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            }
            Key::Code(code, mods) => {
                // Shift is folded into the char itself (G, ?), so ignore it
                // for chars; everything else must agree.
                let relevant = if matches!(code, KeyCode::Char(_)) {
                    ev.modifiers - KeyModifiers::SHIFT
                } else {
                    ev.modifiers
                };
                let same_code = match (code, ev.code) {
                    (KeyCode::Char(a), KeyCode::Char(b))
                        if mods.contains(KeyModifiers::CONTROL) =>
                    {
                        a.eq_ignore_ascii_case(&b)
                    }
                    (a, b) => a == b,
                };
                same_code && relevant == mods
            }
            _ => false,
        }
    }

    /// Whether a mouse event is this gesture.
    pub(super) fn matches_mouse(self, ev: &MouseEvent) -> bool {
        matches!(
            (self, ev.kind),
            (Key::WheelUp, MouseEventKind::ScrollUp)
                | (Key::WheelDown, MouseEventKind::ScrollDown)
                | (Key::Click, MouseEventKind::Down(MouseButton::Left))
        )
    }
}
