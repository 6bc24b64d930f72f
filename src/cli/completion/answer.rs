//! `__complete WORDS... CUR`: candidates for CUR, one per line, then
//! `:<directive>` (cobra's protocol, which kubectl's plugin completion reads).

use clap::{Arg, Command};

use super::candidates;
use super::line::{Line, long_arg};

/// Cobra's ShellCompDirective values used here.
const DEFAULT: u8 = 0; // the shell may complete file names
const NO_FILE_COMP: u8 = 4;

/// `args`: the words after the command name, the last being the one under
/// the cursor (possibly empty).
pub fn answer(args: &[String]) -> String {
    let (cur, words) = match args.split_last() {
        Some((cur, words)) => (cur.as_str(), words),
        None => ("", args),
    };
    let line = Line::parse(words);
    let (cands, directive) = complete(&line, cur);
    let mut out = String::new();
    for c in cands.iter().filter(|c| c.starts_with(cur)) {
        out.push_str(c);
        out.push('\n');
    }
    out.push_str(&format!(":{directive}\n"));
    out
}

fn complete(line: &Line, cur: &str) -> (Vec<String>, u8) {
    if let Some(arg) = &line.pending {
        return value(line, arg);
    }
    if let Some((flag, _)) = cur.strip_prefix("--").and_then(|c| c.split_once('='))
        && let Some(arg) = long_arg(&line.command, flag)
    {
        let (cands, directive) = value(line, arg);
        let prefixed = cands.into_iter().map(|c| format!("--{flag}={c}"));
        return (prefixed.collect(), directive);
    }
    if cur.starts_with('-') {
        return (flags(&line.command), NO_FILE_COMP);
    }
    if !line.has_subcommand {
        let subs = line.command.get_subcommands().filter(|s| !s.is_hide_set());
        return (
            subs.map(|s| s.get_name().to_string()).collect(),
            NO_FILE_COMP,
        );
    }
    match line.command.get_name() {
        "can-reach" if line.positionals < 2 => (candidates::endpoints(&line.source), NO_FILE_COMP),
        _ => (vec![], NO_FILE_COMP),
    }
}

/// Candidates for a flag's value.
fn value(line: &Line, arg: &Arg) -> (Vec<String>, u8) {
    match arg.get_id().as_str() {
        "namespace" => (candidates::namespaces(&line.source), NO_FILE_COMP),
        "context" => (candidates::contexts(&line.source), NO_FILE_COMP),
        "delete" => (candidates::policies(&line.source), NO_FILE_COMP),
        "files" | "kubeconfig" | "apply" | "base" | "against" => (vec![], DEFAULT),
        _ => {
            let fixed = arg.get_possible_values().into_iter();
            let fixed = fixed.filter(|v| !v.is_hide_set());
            (
                fixed.map(|v| v.get_name().to_string()).collect(),
                NO_FILE_COMP,
            )
        }
    }
}

/// `--long` (and visible aliases) and `-s` of the command, hidden ones left out.
fn flags(cmd: &Command) -> Vec<String> {
    let mut out = Vec::new();
    for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if a.is_positional() {
            continue;
        }
        for l in a.get_long_and_visible_aliases().unwrap_or_default() {
            out.push(format!("--{l}"));
        }
        if let Some(s) = a.get_short() {
            out.push(format!("-{s}"));
        }
    }
    out.sort();
    out.dedup();
    out
}
