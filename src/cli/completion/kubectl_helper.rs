//! The executable kubectl (>= 1.26) looks up on PATH to complete a plugin:
//! `kubectl_complete-<plugin name with - as _>`. kubectl runs it with the
//! words after the plugin name plus the word being completed.

use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr};

pub const HELPER_NAME: &str = "kubectl_complete-netpol_tui";

const HELPER: &str = "#!/bin/sh\n\
# kubectl plugin completion for netpol-tui (kubectl >= 1.26 runs this from PATH).\n\
exec kubectl-netpol_tui __complete \"$@\"\n";

/// Writes the helper into `dir` (executable) and returns its path.
pub fn install_kubectl_helper(dir: &Path) -> Result<PathBuf> {
    let path = dir.join(HELPER_NAME);
    std::fs::write(&path, HELPER).wrap_err_with(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .wrap_err_with(|| format!("making {} executable", path.display()))?;
    }
    Ok(path)
}
