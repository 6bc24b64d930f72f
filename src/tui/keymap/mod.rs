//! Keys and mouse gestures -> actions: the single table (`table`) that key
//! and mouse handling, the help overlay and the status hints read, so the
//! help cannot drift from the real keys. Each binding says when it is
//! available ([`Needs`]); unavailable ones do nothing and are shown greyed.

use crossterm::event::{KeyCode, KeyEvent, MouseEvent};

mod key;
mod names;
mod table;
mod user;

pub use key::Key;
pub use table::BINDINGS;
pub use user::{Keymap, configurable};

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
    /// The rollout view (namespaces, isolation, default-deny cuts).
    Rollout,
    /// Rollout: the namespace's suggested policies into the what-if.
    RolloutSuggest,
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
    Rollout,
    Mouse,
}

impl Context {
    /// Every context with its help title, in the help's order.
    const ALL: [(Context, &'static str); 13] = [
        (Context::Always, "Everywhere"),
        (Context::Global, "Everywhere (not while typing)"),
        (Context::Browse, "Main screen"),
        (Context::Move, "Moving"),
        (Context::Finder, "Finder"),
        (Context::Matrix, "Matrix"),
        (Context::Trace, "Trace"),
        (Context::PortInput, "Trace: port field"),
        (Context::Help, "Help"),
        (Context::Overlay, "What-if"),
        (Context::PathInput, "What-if: file path"),
        (Context::Rollout, "Rollout"),
        (Context::Mouse, "Mouse"),
    ];

    /// The binding that opens this context's mode, for the help's titles
    /// ("Matrix (m)"), so they follow the user's keys.
    fn opener(self) -> Option<(Context, Action)> {
        use Context as C;
        match self {
            C::Finder => Some((C::Global, Action::Finder)),
            C::Matrix => Some((C::Browse, Action::Matrix)),
            C::Trace => Some((C::Browse, Action::Trace)),
            C::Help => Some((C::Global, Action::Help)),
            C::Overlay => Some((C::Browse, Action::WhatIf)),
            C::Rollout => Some((C::Browse, Action::Rollout)),
            _ => None,
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
    Rollout,
}

impl Mode {
    /// The contexts consulted for this mode, first match wins.
    pub fn contexts(self) -> &'static [Context] {
        use Context as C;
        // Modes that move around: their own keys between the global keys
        // and the moves.
        match self {
            Mode::Browse => &[C::Always, C::Global, C::Browse, C::Move],
            Mode::Matrix => &[C::Always, C::Global, C::Matrix, C::Move],
            Mode::Trace => &[C::Always, C::Global, C::Trace, C::Move],
            Mode::Help => &[C::Always, C::Global, C::Help, C::Move],
            Mode::WhatIf => &[C::Always, C::Global, C::Overlay, C::Move],
            Mode::Rollout => &[C::Always, C::Global, C::Rollout, C::Move],
            // Text fields: every printable key types.
            Mode::Finder => &[C::Always, C::Finder],
            Mode::PortInput => &[C::Always, C::PortInput],
            Mode::PathInput => &[C::Always, C::PathInput],
        }
    }
}

/// What must hold for a binding to do anything. The app answers
/// (`App::can`); the help and the status hints grey out the bindings whose
/// need is not met, and pressing them does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// A pod selected in the tree.
    Pod,
    /// A namespace, or something in one, selected in the tree.
    Namespace,
    /// A policy selected in the tree.
    Policy,
    /// A what-if proposal.
    Proposal,
    /// A change selected in the what-if diff.
    Change,
    /// The matrix shows namespaces x namespaces.
    NsMatrix,
    /// The matrix shows one namespace's pods.
    PodMatrix,
    /// The trace has a destination.
    TraceTo,
    /// Recorded flows were given (`--flows`).
    Flows,
}

pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
    pub needs: Needs,
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
        needs: Needs::Nothing,
    }
}

impl Binding {
    /// The same binding, available only when `needs` holds.
    const fn when(self, needs: Needs) -> Binding {
        Binding { needs, ..self }
    }
}

fn keys_label(keys: &[Key]) -> String {
    let labels: Vec<String> = keys.iter().map(|k| k.label()).collect();
    labels.join(" / ")
}

/// The binding a key press hits in a mode, and the action (a typed char
/// fills in `Input`). None: the key does nothing there.
pub fn lookup(map: &Keymap, mode: Mode, ev: &KeyEvent) -> Option<(&'static Binding, Action)> {
    for &ctx in mode.contexts() {
        for (b, keys) in map.bindings().filter(|(b, _)| b.context == ctx) {
            if keys.iter().any(|k| k.matches(ev)) {
                let action = match (b.action, ev.code) {
                    (Action::Input(_), KeyCode::Char(c)) => Action::Input(c),
                    (a, _) => a,
                };
                return Some((b, action));
            }
        }
    }
    None
}

/// The action for a key press in a mode, whether or not it is available.
pub fn resolve(map: &Keymap, mode: Mode, ev: &KeyEvent) -> Option<Action> {
    lookup(map, mode, ev).map(|(_, a)| a)
}

/// The binding a mouse event hits (the same in every mode; each mode's
/// update decides what a scroll or a click means there).
pub fn lookup_mouse(ev: &MouseEvent) -> Option<&'static Binding> {
    BINDINGS
        .iter()
        .filter(|b| b.context == Context::Mouse)
        .find(|b| b.keys.iter().any(|k| k.matches_mouse(ev)))
}

/// One row of the help: keys, what they do, and when.
pub struct HelpRow {
    pub keys: String,
    pub help: &'static str,
    pub needs: Needs,
}

/// The help overlay's content: per context, its rows.
pub fn help_sections(map: &Keymap) -> Vec<(String, Vec<HelpRow>)> {
    Context::ALL
        .iter()
        .map(|&(ctx, title)| {
            let rows = map
                .bindings()
                .filter(|(b, _)| b.context == ctx)
                .map(|(b, keys)| HelpRow {
                    keys: keys_label(keys),
                    help: b.help,
                    needs: b.needs,
                })
                .collect();
            let title = match ctx.opener() {
                Some((c, a)) => format!("{title} ({})", map.key(c, a)),
                None => title.to_string(),
            };
            (title, rows)
        })
        .collect()
}

/// A short hint for the status bar: the keys of a few actions in a mode,
/// and what the first of them needs.
pub fn hint(map: &Keymap, mode: Mode, actions: &[Action]) -> Vec<HelpRow> {
    actions
        .iter()
        .filter_map(|a| {
            let mut found: Vec<(&Binding, &Key)> = map
                .bindings()
                .filter(|(b, _)| b.action == *a && mode.contexts().contains(&b.context))
                .filter_map(|(b, keys)| Some((b, keys.first()?)))
                .collect();
            // Plain keys before chords: "q/Ctrl-C".
            found.sort_by_key(|(_, k)| k.label().len());
            let (first, _) = found.first()?;
            let keys: Vec<String> = found.iter().map(|(_, k)| k.label()).collect();
            Some(HelpRow {
                keys: keys.join("/"),
                help: short(first.help),
                needs: first.needs,
            })
        })
        .collect()
}

fn short(help: &'static str) -> &'static str {
    help.split([' ', '(']).next().unwrap_or(help)
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyModifiers;

    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    fn resolve(mode: Mode, ev: &KeyEvent) -> Option<Action> {
        super::resolve(&Keymap::default(), mode, ev)
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
    fn rollout_keys() {
        let k = |c| key(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(resolve(Mode::Browse, &k('r')), Some(Action::Rollout));
        assert_eq!(
            resolve(Mode::Rollout, &k('p')),
            Some(Action::RolloutSuggest)
        );
        assert_eq!(
            resolve(Mode::Rollout, &k('d')),
            Some(Action::WhatIfDefaultDeny)
        );
        assert_eq!(resolve(Mode::Rollout, &k('r')), Some(Action::Close));
        assert_eq!(resolve(Mode::Rollout, &k('j')), Some(Action::Down));
        // Not the what-if's save: `s` does nothing in the rollout.
        assert_eq!(resolve(Mode::Rollout, &k('s')), None);
    }

    #[test]
    fn mouse_goes_through_the_table() {
        use crossterm::event::{MouseButton, MouseEventKind};
        let m = |kind| MouseEvent {
            kind,
            column: 3,
            row: 4,
            modifiers: KeyModifiers::NONE,
        };
        let action = |kind| lookup_mouse(&m(kind)).map(|b| b.action);
        assert_eq!(action(MouseEventKind::ScrollUp), Some(Action::ScrollUp));
        assert_eq!(action(MouseEventKind::ScrollDown), Some(Action::ScrollDown));
        assert_eq!(
            action(MouseEventKind::Down(MouseButton::Left)),
            Some(Action::Click)
        );
        assert_eq!(action(MouseEventKind::Down(MouseButton::Right)), None);
        assert_eq!(action(MouseEventKind::Moved), None);
    }

    #[test]
    fn every_binding_is_in_the_help() {
        let map = Keymap::default();
        let n: usize = help_sections(&map).iter().map(|(_, r)| r.len()).sum();
        assert_eq!(n, BINDINGS.len());
        let all: String = help_sections(&map)
            .iter()
            .flat_map(|(_, r)| r.iter().map(|r| r.keys.clone()))
            .collect();
        assert!(all.contains('q') && all.contains("Ctrl-C"));
    }
}
