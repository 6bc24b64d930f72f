//! `diff`: what changes if a proposal is applied (or between two manifest
//! trees). Nothing is ever sent to the cluster.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use color_eyre::eyre::{Result, bail};
use serde::Serialize;

use super::By;
use super::connectivity::{JsonConn, granularity};
use super::diff_flows::{Observed, Traffic, note};
use super::lint::text as findings_text;
use super::output::md_cell;
use crate::engine::connectivity::{ConnRow, Granularity, report_pair};
use crate::engine::diff::{Diff, PreviewOptions, diff_reports, preview};
use crate::engine::findings::{Finding, LintOptions};
use crate::engine::index::Index;
use crate::engine::model::PolicyKey;
use crate::engine::proposal::Proposal;
use crate::engine::text::{ns_of, plural};
use crate::source::Loaded;
use crate::source::files::load_paths;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnChange {
    Lost,
    Gained,
    Any,
    /// Only when recorded traffic (--flows) would be cut.
    ObservedLost,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Proposed manifests (what you would `kubectl apply -f`): policies added
    /// or replaced, and namespaces or pods added or relabelled. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub apply: Vec<PathBuf>,
    /// Policies to delete, as NS/NAME (cluster-scoped: cnp/NAME, anp/NAME, banp/NAME). Repeatable.
    #[arg(long, value_name = "NS/NAME")]
    pub delete: Vec<String>,
    /// Compare two manifest trees instead: the original...
    #[arg(long, value_name = "DIR", requires = "against", conflicts_with_all = ["apply", "delete"])]
    pub base: Option<PathBuf>,
    /// ...and the changed one.
    #[arg(long, value_name = "DIR", requires = "base")]
    pub against: Option<PathBuf>,
    /// Output format. json follows netpol-diff/v1 (pods).
    #[arg(short = 'o', long = "output", default_value = "text", value_parser = ["text", "json", "md"])]
    pub output: String,
    /// Exit 1 when such changes exist (for CI gates).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnChange>,
    /// Recorded flows (Hubble JSON or CSV; file, directory or -): lost and
    /// gained entries then carry the traffic seen on them. With --demo,
    /// `--flows demo` is the demo's recording. Repeatable.
    #[arg(long = "flows", value_name = "PATH")]
    pub flows: Vec<PathBuf>,
    /// Group text and md output per workload (default) or per pod.
    #[arg(long, value_enum, default_value = "workload")]
    pub by: By,
    // Its own help heading: after the command's flags.
    #[command(flatten)]
    pub hubble: super::hubble::HubbleArgs,
    // The cluster to load (also accepted before the subcommand name).
    #[command(flatten)]
    pub source: super::SourceArgs,
}

#[derive(Serialize)]
struct JsonSummary {
    lost_pairs: usize,
    gained_pairs: usize,
    unchanged_pairs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    observed_lost_pairs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    observed_lost_connections: Option<u64>,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    #[serde(flatten)]
    conn: JsonConn<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    observed: Option<Observed>,
}

#[derive(Serialize)]
struct JsonDiff<'a> {
    schema: &'static str,
    lost: Vec<JsonEntry<'a>>,
    gained: Vec<JsonEntry<'a>>,
    summary: JsonSummary,
}

/// The netpol-diff/v1 document; with recorded traffic, entries carry what
/// was seen on them.
pub fn json(
    lost: &[ConnRow],
    gained: &[ConnRow],
    unchanged: u64,
    traffic: Option<&Traffic>,
) -> String {
    fn entries<'a>(rows: &'a [ConnRow], traffic: Option<&Traffic>) -> Vec<(JsonEntry<'a>, bool)> {
        rows.iter()
            .map(|r| {
                let observed = traffic
                    .map(|t| t.observed(&r.src, &r.dst, &r.ports))
                    .filter(|o| !o.is_empty());
                let seen = observed.is_some();
                (
                    JsonEntry {
                        conn: JsonConn::new(&r.src, &r.dst, &r.ports),
                        observed,
                    },
                    seen,
                )
            })
            .collect()
    }
    let lost = entries(lost, traffic);
    let observed_lost_pairs = lost.iter().filter(|(_, seen)| *seen).count();
    let doc = JsonDiff {
        schema: "netpol-diff/v1",
        summary: JsonSummary {
            lost_pairs: lost.len(),
            gained_pairs: gained.len(),
            unchanged_pairs: unchanged,
            observed_lost_pairs: traffic.map(|_| observed_lost_pairs),
            observed_lost_connections: traffic.map(Traffic::cut_connections),
        },
        lost: lost.into_iter().map(|(e, _)| e).collect(),
        gained: entries(gained, traffic)
            .into_iter()
            .map(|(e, _)| e)
            .collect(),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Text grouped by namespace pair; red/green on a terminal. `unit` names
/// what a row is (pod or workload pairs); `touched` is shown for what-ifs.
pub fn text(
    d: &Diff,
    headline: &str,
    color: bool,
    unit: &str,
    touched: bool,
    traffic: Option<&Traffic>,
) -> String {
    let (red, green, bold, reset) = if color {
        ("\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let lost = d.lost();
    let gained = d.gained();
    let mut s = String::new();
    let _ = writeln!(s, "{bold}{headline}{reset}");
    let touched = if touched {
        format!("; {} touched", plural(d.touched.len(), "pod", "pods"))
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "{red}{} lost{reset}, {green}{} gained{reset} ({unit} pairs and external ranges); {} unchanged{touched}",
        lost.len(),
        gained.len(),
        plural(d.unchanged_pairs as usize, "pod pair", "pod pairs"),
    );
    if let Some(t) = traffic {
        s.push_str(&t.text(red, green, reset));
    }
    let mut groups: std::collections::BTreeMap<
        (String, String),
        Vec<&crate::engine::diff::DiffEntry>,
    > = Default::default();
    for e in &d.entries {
        groups
            .entry((ns_of(&e.src).to_string(), ns_of(&e.dst).to_string()))
            .or_default()
            .push(e);
    }
    for ((a, b), entries) in groups {
        let _ = writeln!(s, "\n{bold}{a} -> {b}{reset}");
        for e in entries {
            let (l, g) = (e.lost(), e.gained());
            let seen = |p: &crate::engine::ports::PortSet| -> String {
                traffic
                    .map(|t| t.observed(&e.src, &e.dst, p))
                    .filter(|o| !o.is_empty())
                    .map(|o| note(&o))
                    .unwrap_or_default()
            };
            if !l.is_empty() {
                let _ = writeln!(
                    s,
                    "  {red}- {} -> {} : {l}{}{reset}",
                    e.src,
                    e.dst,
                    seen(&l)
                );
            }
            if !g.is_empty() {
                let _ = writeln!(
                    s,
                    "  {green}+ {} -> {} : {g}{}{reset}",
                    e.src,
                    e.dst,
                    seen(&g)
                );
            }
            for w in e.why().iter() {
                let _ = writeln!(s, "      because {w}");
            }
        }
    }
    let section = |s: &mut String, title: &str, f: &[Finding]| {
        if !f.is_empty() {
            let _ = writeln!(s, "\n{bold}{title} ({}){reset}", f.len());
            for l in findings_text(f, false)
                .lines()
                .filter(|l| !l.is_empty() && !l.contains(" findings: "))
            {
                let _ = writeln!(s, "  {l}");
            }
        }
    };
    section(&mut s, "Findings introduced", &d.findings_introduced);
    section(&mut s, "Findings resolved", &d.findings_resolved);
    s
}

pub fn md(d: &Diff) -> String {
    let mut s = String::from("| change | src | dst | ports |\n|--------|-----|-----|-------|\n");
    for e in &d.entries {
        for (kind, ports) in [("lost", e.lost()), ("gained", e.gained())] {
            if !ports.is_empty() {
                let _ = writeln!(
                    s,
                    "| {kind} | {} | {} | {} |",
                    md_cell(&e.src),
                    md_cell(&e.dst),
                    md_cell(&ports.to_string())
                );
            }
        }
    }
    s
}

/// The proposal on top of the current state, and its headline.
fn proposal(idx: &Index, args: &DiffArgs) -> Result<(Proposal, String)> {
    let proposal = load_proposal(idx, &args.apply, &args.delete)?;
    if proposal.is_empty() {
        bail!(
            "nothing to compare: give --apply FILE and/or --delete NS/NAME, or --base DIR --against DIR"
        );
    }
    let headline = format!("What-if: {}", proposal.summary.join("; "));
    Ok((proposal, headline))
}

/// `--apply FILE` and `--delete NS/NAME` as a proposal on top of `idx`
/// (empty when neither is given). Shared by `diff` and `flows`.
pub fn load_proposal(idx: &Index, apply: &[PathBuf], delete: &[String]) -> Result<Proposal> {
    let mut proposal = Proposal::default();
    if !apply.is_empty() {
        let loaded = load_paths(apply);
        if !loaded.errors.is_empty() {
            let msgs: Vec<String> = loaded.errors.iter().map(|e| format!("  {e}")).collect();
            bail!(
                "the proposal has errors (`kubectl apply` would refuse them too):\n{}",
                msgs.join("\n")
            );
        }
        for w in &loaded.warnings {
            eprintln!("warning: {w}");
        }
        proposal = Proposal::from_loaded(idx, loaded.snapshot, &loaded.implicit_namespaces);
    }
    for d in delete {
        let Some((ns, name)) = d.split_once('/') else {
            bail!("--delete {d:?}: expected NS/NAME");
        };
        let key = PolicyKey::new(ns, name);
        // cnp/NAME, anp/NAME, banp/NAME: a cluster-scoped policy.
        let cluster = idx
            .cluster_policies()
            .iter()
            .find(|p| p.kind.short() == ns && p.name == name)
            .map(|p| p.key());
        match (cluster, idx.policy(&key).is_some()) {
            (Some(_), true) => bail!(
                "--delete {d}: both a NetworkPolicy in namespace {ns} and a cluster-scoped policy have this name"
            ),
            (Some(k), false) => proposal.delete_cluster_policy(k),
            (None, true) => proposal.delete_policy(key),
            (None, false) => bail!(
                "--delete {d}: no such NetworkPolicy (or cnp/anp/banp cluster-scoped policy) in the current state"
            ),
        }
    }
    Ok(proposal)
}

fn fail(args: &DiffArgs, lost: usize, gained: usize, traffic: Option<&Traffic>) -> u8 {
    let hit = match args.fail_on {
        None => false,
        Some(FailOnChange::ObservedLost) => traffic.is_some_and(|t| t.cut_connections() > 0),
        Some(FailOnChange::Lost) => lost > 0,
        Some(FailOnChange::Gained) => gained > 0,
        Some(FailOnChange::Any) => lost + gained > 0,
    };
    u8::from(hit)
}

/// Two manifest trees: full reports compared.
fn trees(args: &DiffArgs, base: &PathBuf, against: &PathBuf) -> Result<(String, u8)> {
    let load = |p: &PathBuf| -> Result<Index> {
        let l = load_paths(std::slice::from_ref(p));
        for e in &l.errors {
            eprintln!("error: {e}");
        }
        Ok(Index::from_snapshot(l.snapshot))
    };
    let (b, a) = (load(base)?, load(against)?);
    let g = if args.output == "json" {
        Granularity::Pod
    } else {
        granularity(args.by)
    };
    let (rb, ra) = report_pair(&b, &a, g);
    let entries = diff_reports(&rb, &ra);
    // Unchanged pairs are counted on pods whatever the rows are.
    let pod_reports;
    let (pb, pa) = if g == Granularity::Pod {
        (&rb, &ra)
    } else {
        pod_reports = report_pair(&b, &a, Granularity::Pod);
        (&pod_reports.0, &pod_reports.1)
    };
    let after: std::collections::HashMap<(&str, &str), &crate::engine::ports::PortSet> = pa
        .internal
        .iter()
        .map(|r| ((r.src.as_str(), r.dst.as_str()), &r.ports))
        .collect();
    let unchanged = pb
        .internal
        .iter()
        .filter(|r| after.get(&(r.src.as_str(), r.dst.as_str())) == Some(&&r.ports))
        .count() as u64;
    let d = Diff {
        entries,
        unchanged_pairs: unchanged,
        ..Default::default()
    };
    render(
        args,
        &d,
        &format!("Diff: {} -> {}", base.display(), against.display()),
        false,
        None,
    )
}

fn render(
    args: &DiffArgs,
    d: &Diff,
    headline: &str,
    what_if: bool,
    traffic: Option<&Traffic>,
) -> Result<(String, u8)> {
    let (lost, gained) = (d.lost(), d.gained());
    let code = fail(args, lost.len(), gained.len(), traffic);
    let out = match args.output.as_str() {
        "json" => {
            // Pods only, as the contract says.
            let pods =
                |r: &&ConnRow| !r.src.ends_with("[External]") && !r.dst.ends_with("[External]");
            let l: Vec<ConnRow> = lost.iter().filter(pods).cloned().collect();
            let g: Vec<ConnRow> = gained.iter().filter(pods).cloned().collect();
            json(&l, &g, d.unchanged_pairs, traffic)
        }
        "md" => md(d),
        _ => text(
            d,
            headline,
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            match args.by {
                By::Pod => "pod",
                By::Workload => "workload",
            },
            what_if,
            traffic,
        ),
    };
    Ok((out, code))
}

pub fn run(
    input: Option<&mut Loaded>,
    args: &DiffArgs,
    lint: &LintOptions,
    demo: bool,
) -> Result<(String, u8)> {
    if let (Some(b), Some(a)) = (&args.base, &args.against) {
        if args.hubble.given(&args.flows) || args.fail_on == Some(FailOnChange::ObservedLost) {
            bail!(
                "--flows works with --apply/--delete (the traffic is checked against the current state), not with --base/--against"
            );
        }
        return trees(args, b, a);
    }
    let Some(input) = input else {
        bail!("no base state")
    };
    let (proposal, headline) = proposal(&input.index, args)?;
    let g = if args.output == "json" {
        Granularity::Pod
    } else {
        granularity(args.by)
    };
    let o = PreviewOptions {
        granularity: g,
        lint: Some(lint),
    };
    let d = preview(&input.index, &proposal, &o);
    let traffic = if !args.hubble.given(&args.flows) {
        if args.fail_on == Some(FailOnChange::ObservedLost) {
            bail!(
                "--fail-on observed-lost needs --flows PATH or --hubble [ADDR] (the recorded traffic)"
            );
        }
        None
    } else {
        Some(Traffic::load(
            &input.index,
            &proposal,
            &args.flows,
            &args.hubble,
            demo,
            g,
        )?)
    };
    let (mut out, code) = render(args, &d, &headline, true, traffic.as_ref())?;
    if args.output == "text" && !args.apply.is_empty() {
        let files: Vec<String> = args
            .apply
            .iter()
            .map(|p| format!("-f {}", p.display()))
            .collect();
        let _ = write!(
            out,
            "\nNothing was sent to the cluster. To apply: kubectl apply {}\n",
            files.join(" ")
        );
    }
    Ok((out, code))
}
