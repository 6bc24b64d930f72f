//! Terminal UI.

use crate::cli::GlobalArgs;

/// Opens the TUI.
pub fn run(_g: &GlobalArgs) -> color_eyre::Result<u8> {
    color_eyre::eyre::bail!("the interactive view is not built yet: use a command, e.g. `connectivity --demo` (see --help)")
}
