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
                    KeyCode::Delete => "Delete".to_string(),
                    KeyCode::Insert => "Insert".to_string(),
                    KeyCode::F(n) => format!("F{n}"),
                    other => format!("{other:?}"),
                };
                let name = if mods.contains(KeyModifiers::CONTROL) {
                    format!("Ctrl-{}", name.to_uppercase())
                } else {
                    name
                };
                if mods.contains(KeyModifiers::ALT) {
                    format!("Alt-{name}")
                } else {
                    name
                }
            }
        }
    }

    /// Parses a key as the config file writes it (and as [`Key::label`]
    /// prints it): `q`, `G`, `?`, `Space`, `Enter`, `Esc`, `Tab`,
    /// `Shift-Tab`, `Backspace`, `Delete`, `Insert`, `Up`/`↑` (and the other
    /// arrows), `PgUp`, `PgDn`, `Home`, `End`, `F1`..`F12`, with `Ctrl-`
    /// and/or `Alt-` in front (`Ctrl-F`, `Alt-x`; `+` works too).
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        // A lone "-" or "+" is the key itself, not a separator.
        while let Some(i) = rest.find(['-', '+']).filter(|&i| i > 0) {
            let m = match rest[..i].to_ascii_lowercase().as_str() {
                "ctrl" | "control" | "c" => KeyModifiers::CONTROL,
                "alt" | "meta" | "m" => KeyModifiers::ALT,
                "shift" | "s" => KeyModifiers::SHIFT,
                other => return Err(format!("unknown modifier {other:?} (use Ctrl, Alt, Shift)")),
            };
            mods |= m;
            rest = &rest[i + 1..];
        }
        if rest.is_empty() {
            return Err("no key after the modifier".into());
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => match c {
                '↑' => KeyCode::Up,
                '↓' => KeyCode::Down,
                '←' => KeyCode::Left,
                '→' => KeyCode::Right,
                c if c.is_control() => return Err("a control character is not a key".into()),
                // Ctrl chords match either case; keep one spelling.
                c if mods.contains(KeyModifiers::CONTROL) => KeyCode::Char(c.to_ascii_lowercase()),
                c => KeyCode::Char(c),
            },
            _ => named(rest)?,
        };
        if mods.contains(KeyModifiers::SHIFT) {
            mods -= KeyModifiers::SHIFT;
            match code {
                KeyCode::Tab => return Ok(Key::Code(KeyCode::BackTab, mods)),
                // Shift is folded into the char: Shift-g is G.
                KeyCode::Char(c) if c.is_ascii_alphabetic() => {
                    return Ok(Key::Code(KeyCode::Char(c.to_ascii_uppercase()), mods));
                }
                _ => {
                    return Err(
                        "Shift only combines with letters and Tab (write G, ?, Shift-Tab)".into(),
                    );
                }
            }
        }
        Ok(Key::Code(code, mods))
    }

    /// Whether typing in a text field would take this key (a printable char
    /// without Ctrl or Alt): it cannot then be bound there.
    pub fn types(self) -> bool {
        matches!(self, Key::Code(KeyCode::Char(_), m) if !m.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT))
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

/// A named key (`Enter`, `PgUp`, `F5`), case-insensitive.
fn named(name: &str) -> Result<KeyCode, String> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "space" => KeyCode::Char(' '),
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        f if f.starts_with('f') => match f[1..].parse::<u8>() {
            Ok(n @ 1..=12) => KeyCode::F(n),
            _ => return Err(format!("unknown key {name:?}")),
        },
        _ => return Err(format!("unknown key {name:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_what_label_prints() {
        for k in [
            ch('q'),
            ch('G'),
            ch('?'),
            ch('-'),
            ch(' '),
            ctrl('c'),
            plain(KeyCode::Up),
            plain(KeyCode::BackTab),
            plain(KeyCode::PageDown),
            plain(KeyCode::F(5)),
            Key::Code(KeyCode::Char('x'), KeyModifiers::ALT),
        ] {
            assert_eq!(Key::parse(&k.label()), Ok(k), "{}", k.label());
        }
        assert_eq!(Key::parse("ctrl+f"), Ok(ctrl('f')));
        assert_eq!(Key::parse("Shift-g"), Ok(ch('G')));
        assert_eq!(Key::parse("PageUp"), Ok(plain(KeyCode::PageUp)));
        for bad in ["", "Ctl-x", "Ctrl-", "Enterr", "F13", "Shift-1", "\u{7}"] {
            assert!(Key::parse(bad).is_err(), "{bad:?}");
        }
    }
}
