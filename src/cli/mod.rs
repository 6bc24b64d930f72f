//! Non-interactive commands: thin shells over the engine. Flags follow
//! kubectl's, because kubectl forwards everything after the plugin name.

pub mod bench;
mod bench_files;
mod bench_flows;
pub mod bench_json;
pub mod bench_rollout;
mod bench_tiers;
pub mod bench_whatif;
pub mod can_reach;
mod can_reach_service;
pub mod completion;
pub mod connectivity;
pub mod connectivity_json;
mod connectivity_service;
pub mod diff;
mod diff_flows;
pub mod flows;
pub mod hubble;
pub mod input;
pub mod lint;
pub mod output;
pub mod suggest;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `--version`: the crate version and the commit it was built from (build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("NETPOL_TUI_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "kubectl-netpol_tui",
    bin_name = "kubectl netpol-tui",
    version = VERSION,
    about = "Explore Kubernetes NetworkPolicy: who can talk to whom, why, and what breaks if you apply a change",
    long_about = None,
)]
pub struct Cli {
    /// The TUI's (no subcommand) source; subcommands take these flags too,
    /// before or after their name (`--demo lint` = `lint --demo`).
    // Before `source`: its help heading would otherwise carry over.
    #[command(flatten)]
    pub tui: TuiArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags only the TUI reads: they are not shown on (or taken by) subcommands.
#[derive(Debug, Clone, Args, Default)]
pub struct TuiArgs {
    /// TUI colours for dark or light terminals (default: $NETPOL_TUI_THEME,
    /// else `theme` in the config file, else guessed from COLORFGBG, else
    /// dark). NO_COLOR wins over all.
    #[arg(long, value_name = "THEME", value_parser = ["dark", "light"])]
    pub theme: Option<String>,
    /// Recorded flows (Hubble JSON or CSV; file, directory or -): the pod
    /// panes list the recorded connections of the pod's workload, with
    /// their status. With --demo, `--flows demo` is the demo's recording.
    #[arg(long = "flows", value_name = "PATH")]
    pub flows: Vec<PathBuf>,
    #[command(flatten)]
    pub hubble: hubble::HubbleArgs,
}

/// Where the cluster state comes from. Without -f or --demo: the live
/// cluster of the current kubeconfig context. Flattened into the top level
/// (the TUI) and into each subcommand that loads a cluster, so `bench` and
/// `completion` do not list them.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Cluster source")]
pub struct SourceArgs {
    /// Manifests to read instead of a live cluster: a file, a directory
    /// (recursive; .yaml/.yml/.json) or - for stdin. Repeatable.
    #[arg(
        short = 'f',
        long = "filename",
        visible_alias = "file",
        value_name = "PATH"
    )]
    pub files: Vec<PathBuf>,
    /// Use the embedded demo cluster (no cluster needed).
    #[arg(long, conflicts_with = "files")]
    pub demo: bool,
    /// Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Focus on one namespace (policies elsewhere still count).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// All namespaces (the default for reports).
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// How long to wait for the API server, e.g. 10s, 1m (0: no limit).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,
}

impl SourceArgs {
    /// The flags given before the subcommand's name (`self`) combined with
    /// those after it (`sub`): lists add up, a value after the name wins.
    /// Conflicts that clap checks within one level are checked across both.
    pub fn merged(&self, sub: &SourceArgs) -> Result<SourceArgs, String> {
        let m = SourceArgs {
            files: self.files.iter().chain(&sub.files).cloned().collect(),
            demo: self.demo || sub.demo,
            kubeconfig: sub.kubeconfig.clone().or_else(|| self.kubeconfig.clone()),
            context: sub.context.clone().or_else(|| self.context.clone()),
            namespace: sub.namespace.clone().or_else(|| self.namespace.clone()),
            all_namespaces: self.all_namespaces || sub.all_namespaces,
            request_timeout: sub.request_timeout.or(self.request_timeout),
        };
        if m.demo && !m.files.is_empty() {
            return Err("the argument '--demo' cannot be used with '--filename <PATH>'".into());
        }
        if m.all_namespaces && m.namespace.is_some() {
            return Err(
                "the argument '--all-namespaces' cannot be used with '--namespace <NS>'".into(),
            );
        }
        Ok(m)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Who can connect to whom, on which protocols and ports.
    Connectivity(connectivity::ConnectivityArgs),
    /// Can FROM open a connection to TO? Prints the verdict and why.
    /// Exit status: 0 allowed (a Service: all backends), 1 denied, 3 some
    /// backends allowed, 2 error or no verdict.
    CanReach(can_reach::CanReachArgs),
    /// What-if: the connections a change would cut or open, before it is
    /// applied. Exit status: 1 with --fail-on when such changes exist.
    Diff(diff::DiffArgs),
    /// Find the ways NetworkPolicies go wrong, with why and the fix.
    /// Exit status: 1 when a finding at or above --fail-on exists.
    Lint(lint::LintArgs),
    /// Recorded flows (Hubble, CSV) checked against the policies: what
    /// passed that policy denies, what was dropped that policy allows, and
    /// with --apply/--delete what the change would cut.
    Flows(flows::FlowsArgs),
    /// Least-privilege NetworkPolicies for one namespace (-n) that keep
    /// every recorded flow working, proven by the what-if. Exit status: 1
    /// when some recorded connection would still be lost.
    Suggest(suggest::SuggestArgs),
    /// Measure the engine on synthetic clusters (build time, connectivity
    /// time, peak memory).
    Bench(bench::BenchArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell), or
    /// install kubectl's plugin-completion helper.
    Completion(completion::CompletionArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum By {
    #[default]
    Pod,
    Workload,
}

/// Parses kubectl-style durations: `30s`, `1m`, `2m30s`, `500ms`, or bare seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Ok(Duration::from_secs(n));
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid duration {s:?}: too large"));
    }
    let mut total = Duration::ZERO;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&n) = chars.peek() {
            if n.is_ascii_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let v: f64 = num.parse().map_err(|_| format!("invalid duration {s:?}"))?;
        let secs = match unit.as_str() {
            "ms" => v / 1000.0,
            "s" => v,
            "m" => v * 60.0,
            "h" => v * 3600.0,
            _ => {
                return Err(format!(
                    "invalid duration {s:?}: unknown unit {unit:?} (use ms, s, m, h)"
                ));
            }
        };
        // `from_secs_f64` and `+=` panic past u64::MAX seconds: say so instead.
        total = Duration::try_from_secs_f64(secs)
            .ok()
            .and_then(|d| total.checked_add(d))
            .ok_or_else(|| format!("invalid duration {s:?}: too large"))?;
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any {
        return Err(format!(
            "invalid duration {s:?}: a unit is required, e.g. 30s or 1m"
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m30s"), Ok(Duration::from_secs(150)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("5m3").is_err());
    }

    #[test]
    fn durations_that_overflow_are_errors_not_panics() {
        for s in [
            "99999999999999999999h",
            "99999999999999999999",
            "18446744073709551615s1s",
            "9999999999999999999999999999999999999m",
            "1e400h",
        ] {
            let e = parse_duration(s).expect_err(s);
            assert!(e.contains("invalid duration"), "{s}: {e}");
        }
        assert_eq!(
            parse_duration("18446744073709551615"),
            Ok(Duration::from_secs(u64::MAX))
        );
        assert!(parse_duration("1000000000000h").is_ok());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn source_flags_merge_across_the_subcommand_name() {
        let top = SourceArgs {
            namespace: Some("a".into()),
            demo: true,
            ..Default::default()
        };
        let sub = SourceArgs {
            namespace: Some("b".into()),
            ..Default::default()
        };
        let m = top.merged(&sub).expect("merges");
        assert!(m.demo);
        assert_eq!(m.namespace.as_deref(), Some("b"));
        let files = SourceArgs {
            files: vec!["x.yaml".into()],
            ..Default::default()
        };
        assert!(top.merged(&files).is_err());
        let all = SourceArgs {
            all_namespaces: true,
            ..Default::default()
        };
        assert!(top.merged(&all).is_err());
    }
}
