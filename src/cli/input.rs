//! Picks the source from the global flags and loads it into an index.
//! (Temporary: sources are being wired.)

use color_eyre::eyre::{bail, Result};

use super::GlobalArgs;
use crate::engine::index::Index;

pub struct Input {
    pub index: Index,
    pub focus: Option<String>,
}

impl Input {
    pub fn report_diagnostics(&self) {}
    pub fn cni_info(&self) -> Option<crate::engine::findings::CniInfo> {
        None
    }
}

pub fn load(_g: &GlobalArgs) -> Result<Input> {
    bail!("sources not wired yet")
}
