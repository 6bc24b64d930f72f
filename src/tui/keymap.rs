//! Keys -> actions: the single table both the key handling and the help
//! overlay read, so the help cannot drift from the real keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What the user wants done; `update` is the only place that acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Close,
    Finder,
    Matrix,
    Trace,
    WhatIf,
    ToggleFindings,
    NextPane,
    PrevPane,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Activate,
    /// Matrix: back out of the pods x pods view.
    ZoomOut,
    /// Trace: pick another destination.
    TracePick,
    /// Trace: edit the port.
    TracePort,
    /// Trace: swap client and server.
    TraceSwap,
    /// Text fields: delete one char / clear.
    Backspace,
    ClearInput,
    /// Text fields: a typed char.
    Input(char),
    ScrollUp,
    ScrollDown,
    Click,
    /// Text fields: complete the path.
    Complete,
    /// What-if: rehearse default-deny for the selected namespace.
    WhatIfDefaultDeny,
    /// What-if: rehearse deleting the selected policy.
    WhatIfDelete,
    /// What-if: load a proposal file.
    WhatIfLoad,
    /// What-if: edit the proposal in $EDITOR.
    WhatIfEdit,
    /// What-if: save the proposal to a file.
    WhatIfSave,
    /// What-if: drop the proposal.
    WhatIfClear,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere, text fields included.
    Always,
    /// Everywhere but in text fields.
    Global,
    /// Moving around: the tree, panes, matrix, help.
    Move,
    /// The main screen (tree and panes).
    Browse,
    Finder,
    Matrix,
    Trace,
    /// The trace's port field.
    PortInput,
    Help,
    Overlay,
    /// The what-if's path prompt.
    PathInput,
    Mouse,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Always => "Everywhere",
            Context::Global => "Everywhere (not while typing)",
            Context::Move => "Moving",
            Context::Browse => "Main screen",
            Context::Finder => "Finder (/)",
            Context::Matrix => "Matrix (m)",
            Context::Trace => "Trace (t)",
            Context::PortInput => "Trace: port field",
            Context::Help => "Help (?)",
            Context::Overlay => "What-if (w)",
            Context::PathInput => "What-if: file path",
            Context::Mouse => "Mouse",
        }
    }
}

/// The input mode, derived from what is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Browse,
    Finder,
    Matrix,
    Trace,
    PortInput,
    Help,
    WhatIf,
    PathInput,
}

impl Mode {
    /// The contexts consulted for this mode, first match wins.
    pub fn contexts(self) -> &'static [Context] {
        match self {
            Mode::Browse => &[
                Context::Always,
                Context::Global,
                Context::Browse,
                Context::Move,
            ],
            Mode::Finder => &[Context::Always, Context::Finder],
            Mode::Matrix => &[
                Context::Always,
                Context::Global,
                Context::Matrix,
                Context::Move,
            ],
            Mode::Trace => &[
                Context::Always,
                Context::Global,
                Context::Trace,
                Context::Move,
            ],
            Mode::PortInput => &[Context::Always, Context::PortInput],
            Mode::Help => &[
                Context::Always,
                Context::Global,
                Context::Help,
                Context::Move,
            ],
            Mode::WhatIf => &[
                Context::Always,
                Context::Global,
                Context::Overlay,
                Context::Move,
            ],
            Mode::PathInput => &[Context::Always, Context::PathInput],
        }
    }
}

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

const fn plain(c: KeyCode) -> Key {
    Key::Code(c, KeyModifiers::NONE)
}
const fn ch(c: char) -> Key {
    Key::Code(KeyCode::Char(c), KeyModifiers::NONE)
}
const fn ctrl(c: char) -> Key {
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

    fn matches(self, ev: &KeyEvent) -> bool {
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
}

pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
}

const fn bind(
    context: Context,
    keys: &'static [Key],
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        action,
        help,
    }
}

use Action as A;
use Context as C;

/// Every key of the application.
pub static BINDINGS: &[Binding] = &[
    bind(C::Always, &[ctrl('c')], A::Quit, "quit"),
    bind(C::Global, &[ch('q')], A::Quit, "quit"),
    bind(C::Global, &[ch('?')], A::Help, "help (this overlay)"),
    bind(
        C::Global,
        &[ch('/')],
        A::Finder,
        "find a namespace, pod, workload, policy or label",
    ),
    bind(
        C::Browse,
        &[ch('t')],
        A::Trace,
        "trace a connection from the selected pod",
    ),
    bind(
        C::Browse,
        &[ch('m')],
        A::Matrix,
        "connectivity matrix (namespaces x namespaces)",
    ),
    bind(
        C::Browse,
        &[ch('f')],
        A::ToggleFindings,
        "show/hide the findings pane",
    ),
    bind(
        C::Browse,
        &[ch('w')],
        A::WhatIf,
        "what-if: see what a change would cut or open",
    ),
    bind(C::Browse, &[plain(KeyCode::Tab)], A::NextPane, "next pane"),
    bind(
        C::Browse,
        &[plain(KeyCode::BackTab)],
        A::PrevPane,
        "previous pane",
    ),
    bind(
        C::Browse,
        &[plain(KeyCode::Enter)],
        A::Activate,
        "open/close a namespace, or go to the details",
    ),
    bind(
        C::Browse,
        &[plain(KeyCode::Esc)],
        A::Close,
        "back to the tree",
    ),
    bind(C::Move, &[plain(KeyCode::Up), ch('k')], A::Up, "up"),
    bind(C::Move, &[plain(KeyCode::Down), ch('j')], A::Down, "down"),
    bind(
        C::Move,
        &[plain(KeyCode::Left), ch('h')],
        A::Left,
        "collapse / parent / left",
    ),
    bind(
        C::Move,
        &[plain(KeyCode::Right), ch('l')],
        A::Right,
        "expand / child / right",
    ),
    bind(
        C::Move,
        &[plain(KeyCode::PageUp), ctrl('b')],
        A::PageUp,
        "page up",
    ),
    bind(
        C::Move,
        &[plain(KeyCode::PageDown), ctrl('f')],
        A::PageDown,
        "page down",
    ),
    bind(C::Move, &[plain(KeyCode::Home), ch('g')], A::Top, "first"),
    bind(C::Move, &[plain(KeyCode::End), ch('G')], A::Bottom, "last"),
    bind(C::Finder, &[Key::Text], A::Input(' '), "narrow the search"),
    bind(
        C::Finder,
        &[plain(KeyCode::Up), ctrl('p')],
        A::Up,
        "previous match",
    ),
    bind(
        C::Finder,
        &[plain(KeyCode::Down), ctrl('n')],
        A::Down,
        "next match",
    ),
    bind(C::Finder, &[plain(KeyCode::PageUp)], A::PageUp, "page up"),
    bind(
        C::Finder,
        &[plain(KeyCode::PageDown)],
        A::PageDown,
        "page down",
    ),
    bind(
        C::Finder,
        &[plain(KeyCode::Enter)],
        A::Activate,
        "jump to (or pick) the match",
    ),
    bind(
        C::Finder,
        &[plain(KeyCode::Backspace)],
        A::Backspace,
        "delete a char",
    ),
    bind(C::Finder, &[ctrl('u')], A::ClearInput, "clear the query"),
    bind(C::Finder, &[plain(KeyCode::Esc)], A::Close, "close"),
    bind(
        C::Matrix,
        &[plain(KeyCode::Enter)],
        A::Activate,
        "pods x pods of the row's namespace",
    ),
    bind(
        C::Matrix,
        &[plain(KeyCode::Backspace)],
        A::ZoomOut,
        "back to namespaces x namespaces",
    ),
    bind(
        C::Matrix,
        &[plain(KeyCode::Esc), ch('m')],
        A::Close,
        "close the matrix",
    ),
    bind(
        C::Trace,
        &[ch('p'), plain(KeyCode::Enter)],
        A::TracePort,
        "edit the port",
    ),
    bind(
        C::Trace,
        &[ch('d')],
        A::TracePick,
        "pick another destination",
    ),
    bind(C::Trace, &[ch('s')], A::TraceSwap, "swap client and server"),
    bind(
        C::Trace,
        &[plain(KeyCode::Esc), ch('t')],
        A::Close,
        "close the trace",
    ),
    bind(
        C::PortInput,
        &[Key::Text],
        A::Input(' '),
        "port: 5432, 53/UDP, a named port; empty: all",
    ),
    bind(
        C::PortInput,
        &[plain(KeyCode::Backspace)],
        A::Backspace,
        "delete a char",
    ),
    bind(C::PortInput, &[ctrl('u')], A::ClearInput, "clear"),
    bind(
        C::PortInput,
        &[plain(KeyCode::Enter), plain(KeyCode::Esc)],
        A::Close,
        "done",
    ),
    bind(
        C::Help,
        &[plain(KeyCode::Esc), ch('?')],
        A::Close,
        "close the help",
    ),
    bind(
        C::Overlay,
        &[ch('d')],
        A::WhatIfDefaultDeny,
        "rehearse default-deny (+ DNS) for the selected namespace",
    ),
    bind(
        C::Overlay,
        &[ch('x')],
        A::WhatIfDelete,
        "add deleting the selected policy to the proposal",
    ),
    bind(
        C::Overlay,
        &[ch('f')],
        A::WhatIfLoad,
        "load a proposal file (what you would kubectl apply -f)",
    ),
    bind(
        C::Overlay,
        &[ch('e')],
        A::WhatIfEdit,
        "edit the proposal (or a new draft) in $EDITOR",
    ),
    bind(
        C::Overlay,
        &[ch('s')],
        A::WhatIfSave,
        "save the proposal to a file (nothing is applied)",
    ),
    bind(C::Overlay, &[ch('c')], A::WhatIfClear, "clear the proposal"),
    bind(
        C::Overlay,
        &[plain(KeyCode::Enter)],
        A::Activate,
        "explain the selected change",
    ),
    bind(
        C::Overlay,
        &[plain(KeyCode::Esc), ch('w')],
        A::Close,
        "back from the explanation / close",
    ),
    bind(
        C::PathInput,
        &[Key::Text],
        A::Input(' '),
        "type a path (~ is your home)",
    ),
    bind(
        C::PathInput,
        &[plain(KeyCode::Tab)],
        A::Complete,
        "complete the path",
    ),
    bind(
        C::PathInput,
        &[plain(KeyCode::Backspace)],
        A::Backspace,
        "delete a char",
    ),
    bind(C::PathInput, &[ctrl('u')], A::ClearInput, "clear"),
    bind(
        C::PathInput,
        &[plain(KeyCode::Enter)],
        A::Activate,
        "load / save",
    ),
    bind(C::PathInput, &[plain(KeyCode::Esc)], A::Close, "cancel"),
    bind(
        C::Mouse,
        &[Key::WheelUp],
        A::ScrollUp,
        "scroll the pane under the pointer",
    ),
    bind(
        C::Mouse,
        &[Key::WheelDown],
        A::ScrollDown,
        "scroll the pane under the pointer",
    ),
    bind(
        C::Mouse,
        &[Key::Click],
        A::Click,
        "select a tree row (click it again: open/close)",
    ),
];

/// The action for a key press in a mode (None: the key does nothing there).
pub fn resolve(mode: Mode, ev: &KeyEvent) -> Option<Action> {
    for &ctx in mode.contexts() {
        for b in BINDINGS.iter().filter(|b| b.context == ctx) {
            for &k in b.keys {
                if k.matches(ev) {
                    return Some(match (b.action, ev.code) {
                        (Action::Input(_), KeyCode::Char(c)) => Action::Input(c),
                        (a, _) => a,
                    });
                }
            }
        }
    }
    None
}

/// The help overlay's content: per context, (keys, what they do).
pub fn help_sections() -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    let order = [
        Context::Always,
        Context::Global,
        Context::Browse,
        Context::Move,
        Context::Finder,
        Context::Matrix,
        Context::Trace,
        Context::PortInput,
        Context::Help,
        Context::Overlay,
        Context::PathInput,
        Context::Mouse,
    ];
    order
        .iter()
        .map(|&ctx| {
            let rows = BINDINGS
                .iter()
                .filter(|b| b.context == ctx)
                .map(|b| {
                    (
                        b.keys
                            .iter()
                            .map(|k| k.label())
                            .collect::<Vec<_>>()
                            .join(" / "),
                        b.help,
                    )
                })
                .collect();
            (ctx.title(), rows)
        })
        .collect()
}

/// A short hint for the status bar: the keys of a few actions in a mode.
pub fn hint(mode: Mode, actions: &[Action]) -> Vec<(String, &'static str)> {
    actions
        .iter()
        .filter_map(|a| {
            let mut found: Vec<&Binding> = BINDINGS
                .iter()
                .filter(|b| b.action == *a && mode.contexts().contains(&b.context))
                .collect();
            // Plain keys before chords: "q/Ctrl-C".
            found.sort_by_key(|b| b.keys[0].label().len());
            let first = found.first()?;
            let keys: Vec<String> = found.iter().map(|b| b.keys[0].label()).collect();
            Some((keys.join("/"), short(first.help)))
        })
        .collect()
}

fn short(help: &'static str) -> &'static str {
    help.split([' ', '(']).next().unwrap_or(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn q_and_ctrl_c_quit_but_q_types_in_the_finder() {
        assert_eq!(
            resolve(Mode::Browse, &key(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            resolve(Mode::Finder, &key(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Input('q'))
        );
        assert_eq!(
            resolve(
                Mode::Finder,
                &key(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            resolve(Mode::Browse, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            resolve(Mode::Browse, &key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
    }

    #[test]
    fn what_if_keys_and_its_path_prompt() {
        let k = |c| key(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(
            resolve(Mode::WhatIf, &k('d')),
            Some(Action::WhatIfDefaultDeny)
        );
        assert_eq!(resolve(Mode::WhatIf, &k('x')), Some(Action::WhatIfDelete));
        assert_eq!(resolve(Mode::WhatIf, &k('j')), Some(Action::Down));
        assert_eq!(resolve(Mode::WhatIf, &k('w')), Some(Action::Close));
        // In the prompt letters type, Tab completes.
        assert_eq!(resolve(Mode::PathInput, &k('d')), Some(Action::Input('d')));
        assert_eq!(resolve(Mode::PathInput, &k('q')), Some(Action::Input('q')));
        assert_eq!(
            resolve(Mode::PathInput, &key(KeyCode::Tab, KeyModifiers::NONE)),
            Some(Action::Complete)
        );
        // `d` on the main screen is not the what-if's.
        assert_ne!(
            resolve(Mode::Browse, &k('d')),
            Some(Action::WhatIfDefaultDeny)
        );
    }

    #[test]
    fn every_binding_is_in_the_help() {
        let n: usize = help_sections().iter().map(|(_, r)| r.len()).sum();
        assert_eq!(n, BINDINGS.len());
        let all: String = help_sections()
            .iter()
            .flat_map(|(_, r)| r.iter().map(|(k, _)| k.clone()))
            .collect();
        assert!(all.contains('q') && all.contains("Ctrl-C"));
    }
}
