//! Reads a partly typed command line with the CLI's own definition (clap):
//! which subcommand, which source flags, how many positionals, and whether
//! the word under the cursor is a flag's value.

use std::path::PathBuf;

use clap::{Arg, Command, CommandFactory};

use crate::cli::Cli;

/// The source flags seen on the line (what the command would load).
#[derive(Debug, Default, Clone)]
pub struct SourceFlags {
    pub files: Vec<PathBuf>,
    pub demo: bool,
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// What the words before the cursor say.
pub struct Line {
    /// The root command, or the subcommand typed.
    pub command: Command,
    pub has_subcommand: bool,
    pub source: SourceFlags,
    /// Positional arguments after the subcommand.
    pub positionals: usize,
    /// The flag whose value is under the cursor (`-n <Tab>`).
    pub pending: Option<Arg>,
}

/// The whole command tree, built (each subcommand lists its own flags).
pub fn root() -> Command {
    let mut c = Cli::command();
    c.build();
    c
}

/// Finds `--name` (or a visible alias) among `cmd`'s arguments.
pub fn long_arg<'a>(cmd: &'a Command, name: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long_and_visible_aliases()
            .is_some_and(|ls| ls.contains(&name))
    })
}

fn short_arg(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| a.get_short() == Some(c))
}

pub fn takes_value(a: &Arg) -> bool {
    a.get_action().takes_values()
}

impl Line {
    pub fn parse(words: &[String]) -> Line {
        let mut line = Line {
            command: root(),
            has_subcommand: false,
            source: SourceFlags::default(),
            positionals: 0,
            pending: None,
        };
        let mut only_positionals = false;
        for w in words {
            if let Some(arg) = line.pending.take() {
                line.record(&arg, w);
            } else if only_positionals || w == "-" || !w.starts_with('-') {
                line.positional(w);
            } else if w == "--" {
                only_positionals = true;
            } else if let Some(long) = w.strip_prefix("--") {
                line.long(long);
            } else {
                line.shorts(&w[1..]);
            }
        }
        line
    }

    fn positional(&mut self, w: &str) {
        if !self.has_subcommand
            && let Some(sub) = self.command.find_subcommand(w)
        {
            self.command = sub.clone();
            self.has_subcommand = true;
        } else {
            self.positionals += 1;
        }
    }

    fn long(&mut self, long: &str) {
        let (name, value) = match long.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (long, None),
        };
        let Some(arg) = long_arg(&self.command, name).cloned() else {
            return;
        };
        match value {
            Some(v) => self.record(&arg, v),
            None if takes_value(&arg) => self.pending = Some(arg),
            None => self.record(&arg, ""),
        }
    }

    /// `-A`, `-n ns`, `-nns`, `-An ns`.
    fn shorts(&mut self, cluster: &str) {
        for (i, c) in cluster.char_indices() {
            let Some(arg) = short_arg(&self.command, c).cloned() else {
                return;
            };
            if !takes_value(&arg) {
                self.record(&arg, "");
                continue;
            }
            let rest = &cluster[i + c.len_utf8()..];
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            if rest.is_empty() {
                self.pending = Some(arg);
            } else {
                self.record(&arg, rest);
            }
            return;
        }
    }

    /// Keeps the values that decide what the command would load.
    fn record(&mut self, arg: &Arg, value: &str) {
        let s = &mut self.source;
        match arg.get_id().as_str() {
            "files" => s.files.push(PathBuf::from(value)),
            "demo" => s.demo = true,
            "kubeconfig" => s.kubeconfig = Some(PathBuf::from(value)),
            "context" => s.context = Some(value.to_string()),
            "namespace" => s.namespace = Some(value.to_string()),
            _ => {}
        }
    }
}
