//! The source flags as a [`Spec`]: which source to load, and how.

use color_eyre::eyre::{Result, eyre};

use super::SourceArgs;
use crate::source::live::LiveOptions;
use crate::source::{self, Loaded, Spec};

/// `--demo`, else `-f`, else the live cluster of the current (or
/// `--context`) context.
pub fn spec(g: &SourceArgs) -> Spec {
    if g.demo {
        Spec::Demo
    } else if !g.files.is_empty() {
        Spec::Files(g.files.clone())
    } else {
        Spec::Live(live_options(g))
    }
}

/// The kubectl flags of the same names.
pub fn live_options(g: &SourceArgs) -> LiveOptions {
    LiveOptions {
        kubeconfig: g.kubeconfig.clone(),
        context: g.context.clone(),
        namespace: g.namespace.clone(),
        all_namespaces: g.all_namespaces,
        request_timeout: g.request_timeout,
    }
}

/// Loads the source the flags name.
pub fn load(g: &SourceArgs) -> Result<Loaded> {
    source::load(&spec(g)).map_err(|e| eyre!("{e}"))
}

/// Prints load errors and warnings on stderr (data stays on stdout).
pub fn report_diagnostics(loaded: &Loaded) {
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    for e in &loaded.errors {
        eprintln!("error: {e}");
    }
}
