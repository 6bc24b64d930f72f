//! The names the config file uses for contexts (`[keys.browse]`) and
//! actions (`matrix = ["m"]`). Mouse gestures and typing are not keys one
//! can rebind, so they have no name.

use super::{Action as A, Context as C};

const CONTEXTS: &[(C, &str)] = &[
    (C::Always, "always"),
    (C::Global, "global"),
    (C::Browse, "browse"),
    (C::Move, "move"),
    (C::Finder, "finder"),
    (C::Matrix, "matrix"),
    (C::Trace, "trace"),
    (C::PortInput, "port-input"),
    (C::Help, "help"),
    (C::Overlay, "what-if"),
    (C::PathInput, "path-input"),
    (C::Rollout, "rollout"),
];

const ACTIONS: &[(A, &str)] = &[
    (A::Quit, "quit"),
    (A::Help, "help"),
    (A::Close, "close"),
    (A::Finder, "finder"),
    (A::Matrix, "matrix"),
    (A::Trace, "trace"),
    (A::WhatIf, "what-if"),
    (A::ToggleFindings, "toggle-findings"),
    (A::NextPane, "next-pane"),
    (A::PrevPane, "prev-pane"),
    (A::Up, "up"),
    (A::Down, "down"),
    (A::Left, "left"),
    (A::Right, "right"),
    (A::PageUp, "page-up"),
    (A::PageDown, "page-down"),
    (A::Top, "top"),
    (A::Bottom, "bottom"),
    (A::Activate, "activate"),
    (A::ZoomOut, "zoom-out"),
    (A::TracePick, "trace-pick"),
    (A::TracePort, "trace-port"),
    (A::TraceSwap, "trace-swap"),
    (A::Backspace, "backspace"),
    (A::ClearInput, "clear-input"),
    (A::Complete, "complete"),
    (A::WhatIfDefaultDeny, "what-if-default-deny"),
    (A::WhatIfDelete, "what-if-delete"),
    (A::WhatIfLoad, "what-if-load"),
    (A::WhatIfEdit, "what-if-edit"),
    (A::WhatIfSave, "what-if-save"),
    (A::WhatIfClear, "what-if-clear"),
    (A::Rollout, "rollout"),
    (A::RolloutSuggest, "rollout-suggest"),
];

impl C {
    /// The config section name; None: not configurable (mouse).
    pub fn name(self) -> Option<&'static str> {
        CONTEXTS.iter().find(|(c, _)| *c == self).map(|(_, n)| *n)
    }

    pub fn from_name(name: &str) -> Option<C> {
        CONTEXTS.iter().find(|(_, n)| *n == name).map(|(c, _)| *c)
    }

    /// Every configurable context's name, in the help's order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        CONTEXTS.iter().map(|(_, n)| *n)
    }
}

impl A {
    /// The config name; None: not configurable (typing, mouse).
    pub fn name(self) -> Option<&'static str> {
        ACTIONS.iter().find(|(a, _)| *a == self).map(|(_, n)| *n)
    }

    pub fn from_name(name: &str) -> Option<A> {
        ACTIONS.iter().find(|(_, n)| *n == name).map(|(a, _)| *a)
    }
}
