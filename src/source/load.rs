//! Loads a [`Spec`] once into an index, keeping what was said on the way.

use super::live::{self, CniDetection, LiveError};
use super::spec::{Origin, Spec};
use super::{demo, files};
use crate::engine::findings::CniInfo;
use crate::engine::index::Index;
use crate::engine::model::Snapshot;

/// The loaded state and what was said while loading it.
pub struct Loaded {
    pub index: Index,
    pub origin: Origin,
    /// Problems with the input (file, document, field, reason).
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Live only: which CNI plugin was found (for lint).
    pub cni: Option<CniDetection>,
}

impl Loaded {
    pub fn from_snapshot(snapshot: Snapshot, origin: Origin) -> Self {
        Loaded {
            index: Index::from_snapshot(snapshot),
            origin,
            errors: vec![],
            warnings: vec![],
            cni: None,
        }
    }

    /// The CNI detection in the engine's terms (live only).
    pub fn cni_info(&self) -> Option<CniInfo> {
        self.cni.as_ref().map(|d| d.lint_info())
    }
}

/// Reads the spec's state once. Files and the demo always load (their
/// problems are in `errors`); a live cluster fails when it cannot be listed.
/// Blocking: must not be called from inside an async runtime for `Live`.
pub fn load(spec: &Spec) -> Result<Loaded, LiveError> {
    let loaded = match spec {
        Spec::Demo => demo::load(),
        Spec::Files(paths) => files::load_paths(paths),
        Spec::Live(opts) => {
            let state = live::list_once_blocking(opts)?;
            let mut out = Loaded::from_snapshot(state.snapshot, spec.origin());
            out.warnings = state.notes;
            out.cni = Some(state.cni);
            return Ok(out);
        }
    };
    let mut out = Loaded::from_snapshot(loaded.snapshot, spec.origin());
    out.errors = loaded.errors.iter().map(|e| e.to_string()).collect();
    out.warnings = loaded.warnings.iter().map(|e| e.to_string()).collect();
    Ok(out)
}
