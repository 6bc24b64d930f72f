//! Every binding of the application: one table that key handling, mouse
//! handling, the help overlay and the status hints all read.

use crossterm::event::KeyCode;

use super::key::{Key, ch, ctrl, plain};
use super::{Action as A, Binding, Context as C, Needs as N, bind};

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
    )
    .when(N::Pod),
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
    bind(
        C::Browse,
        &[ch('r')],
        A::Rollout,
        "rollout: isolation and default-deny cuts per namespace",
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
    )
    .when(N::NsMatrix),
    bind(
        C::Matrix,
        &[plain(KeyCode::Backspace)],
        A::ZoomOut,
        "back to namespaces x namespaces",
    )
    .when(N::PodMatrix),
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
    bind(C::Trace, &[ch('s')], A::TraceSwap, "swap client and server").when(N::TraceTo),
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
    )
    .when(N::Namespace),
    bind(
        C::Overlay,
        &[ch('x')],
        A::WhatIfDelete,
        "add deleting the selected policy to the proposal",
    )
    .when(N::Policy),
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
    )
    .when(N::Proposal),
    bind(C::Overlay, &[ch('c')], A::WhatIfClear, "clear the proposal"),
    bind(
        C::Overlay,
        &[plain(KeyCode::Enter)],
        A::Activate,
        "explain the selected change",
    )
    .when(N::Change),
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
        C::Rollout,
        &[ch('d')],
        A::WhatIfDefaultDeny,
        "the row's default-deny (+ DNS) into the what-if",
    ),
    bind(
        C::Rollout,
        &[ch('p')],
        A::RolloutSuggest,
        "suggest policies from --flows into the what-if",
    )
    .when(N::Flows),
    bind(
        C::Rollout,
        &[plain(KeyCode::Esc), ch('r')],
        A::Close,
        "close the rollout",
    ),
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
