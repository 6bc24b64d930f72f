//! Picks the source from the global flags and loads it into an index.

use std::path::PathBuf;

use color_eyre::eyre::{Result, eyre};

use super::GlobalArgs;
use crate::engine::index::Index;
use crate::engine::model::Snapshot;
use crate::source;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Demo,
    Files(Vec<PathBuf>),
    Live { context: Option<String> },
}

/// The loaded state and what was said while loading it.
pub struct Input {
    pub index: Index,
    pub origin: Origin,
    /// Problems with the input (file, document, field, reason), for stderr.
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Set by `-n`: the namespace the user focuses on.
    pub focus: Option<String>,
    /// Live only: which CNI plugin was found (for lint).
    pub cni: Option<source::live::CniDetection>,
}

impl Input {
    pub fn from_snapshot(snapshot: Snapshot, origin: Origin) -> Self {
        Input {
            index: Index::from_snapshot(snapshot),
            origin,
            errors: vec![],
            warnings: vec![],
            focus: None,
            cni: None,
        }
    }

    /// The CNI detection in the engine's terms (live only).
    pub fn cni_info(&self) -> Option<crate::engine::findings::CniInfo> {
        self.cni.as_ref().map(|d| d.lint_info())
    }

    /// Prints load errors and warnings on stderr (data stays on stdout).
    pub fn report_diagnostics(&self) {
        for w in &self.warnings {
            eprintln!("warning: {w}");
        }
        for e in &self.errors {
            eprintln!("error: {e}");
        }
    }
}

pub fn load(g: &GlobalArgs) -> Result<Input> {
    let (loaded, origin) = if g.demo {
        (source::demo::load(), Origin::Demo)
    } else if !g.files.is_empty() {
        (
            source::files::load_paths(&g.files),
            Origin::Files(g.files.clone()),
        )
    } else {
        return load_live(g);
    };
    let mut input = Input::from_snapshot(loaded.snapshot, origin);
    input.errors = loaded.errors.iter().map(|e| e.to_string()).collect();
    input.warnings = loaded.warnings.iter().map(|e| e.to_string()).collect();
    input.focus = g.namespace.clone();
    Ok(input)
}

fn load_live(g: &GlobalArgs) -> Result<Input> {
    let opts = source::live::LiveOptions::from(g);
    let state = source::live::list_once_blocking(&opts).map_err(|e| eyre!("{e}"))?;
    let mut input = Input::from_snapshot(
        state.snapshot,
        Origin::Live {
            context: g.context.clone(),
        },
    );
    input.warnings = state.notes;
    input.focus = g.namespace.clone();
    input.cni = Some(state.cni);
    Ok(input)
}
