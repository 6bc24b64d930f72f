//! Static completion scripts for the standalone binary (clap_complete).

use clap::CommandFactory;

use super::Shell;
use crate::cli::Cli;

/// The binary's name on PATH, which the scripts complete.
const BIN: &str = "kubectl-netpol_tui";

pub fn script(shell: Shell) -> String {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}
