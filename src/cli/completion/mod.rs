//! Shell completion, the kubectl way.
//!
//! - `completion bash|zsh|fish|powershell` prints a static script for the
//!   standalone binary (subcommands, flags, fixed values).
//! - `__complete ARGS... CUR` answers cobra's protocol: one candidate per
//!   line, then `:<directive>`. kubectl >= 1.26 runs the executable
//!   `kubectl_complete-netpol_tui` from PATH for `kubectl netpol-tui <Tab>`;
//!   `completion --install-kubectl-helper DIR` writes that helper, which
//!   execs `kubectl-netpol_tui __complete "$@"`.
//!
//! Dynamic values (namespaces, endpoints, policies, contexts) come from the
//! same source flags the command would use, with a short timeout; any error
//! means no candidates and no output on stderr.

mod answer;
mod candidates;
mod kubectl_helper;
mod line;
mod scripts;
mod source;

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use color_eyre::eyre::Result;

pub use answer::answer;
pub use kubectl_helper::{HELPER_NAME, install_kubectl_helper};

/// The hidden subcommand kubectl's completion (and cobra's scripts) call.
/// main.rs routes it before flag parsing: its arguments are a command line
/// being typed, not flags for us.
pub const COMPLETE_CMD: &str = "__complete";

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum, required_unless_present = "install_kubectl_helper")]
    pub shell: Option<Shell>,
    /// Write kubectl's plugin-completion helper (kubectl_complete-netpol_tui)
    /// into DIR, which must be on PATH (for krew: ~/.krew/bin).
    #[arg(long, value_name = "DIR")]
    pub install_kubectl_helper: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// `completion ...`: the script on stdout, or the helper written to DIR.
pub fn run(args: &CompletionArgs) -> Result<String> {
    let mut out = String::new();
    if let Some(dir) = &args.install_kubectl_helper {
        let path = install_kubectl_helper(dir)?;
        // A note, not data: stdout may be a script being captured.
        eprintln!("wrote {}", path.display());
    }
    if let Some(shell) = args.shell {
        out = scripts::script(shell);
    }
    Ok(out)
}
