//! What to load, said in the source's own terms. `cli` builds a [`Spec`]
//! from its flags; `cli` and `tui` both hand it to [`super::load`] (or, for
//! a live TUI, to `live::watch`), so neither needs the other.

use std::path::PathBuf;

use super::live::LiveOptions;

/// Which cluster state to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// The embedded demo cluster.
    Demo,
    /// Manifests: files, directories (recursive) or `-` for stdin.
    Files(Vec<PathBuf>),
    /// A live cluster, through a kubeconfig context.
    Live(LiveOptions),
}

impl Spec {
    /// Where data loaded from this spec comes from.
    pub fn origin(&self) -> Origin {
        match self {
            Spec::Demo => Origin::Demo,
            Spec::Files(f) => Origin::Files(f.clone()),
            Spec::Live(o) => Origin::Live {
                context: o.context.clone(),
            },
        }
    }
}

/// Where loaded data came from, for messages and the status bar: the spec
/// without how to connect. A live source fills in the context it resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Demo,
    Files(Vec<PathBuf>),
    Live { context: Option<String> },
}
