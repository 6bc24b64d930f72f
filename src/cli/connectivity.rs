//! `connectivity`: who can connect to whom, on what.

use std::fmt::Write as _;

use clap::Args;
use color_eyre::eyre::{Result, bail};
use serde::Serialize;

use super::By;
use super::connectivity_service;
use super::output::{Format, csv_field, dot_str, md_cell};
use crate::engine::connectivity::{ConnRow, Granularity, Report, report};
use crate::engine::index::Index;
use crate::engine::ports::PortSet;

#[derive(Debug, Args)]
pub struct ConnectivityArgs {
    /// Output format. json follows the netpol-connectivity/v1 contract (pods only).
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub output: Format,
    /// Report per pod, per workload (pods grouped by owner, `ns/name[Kind]`), or
    /// per Service (`ns/name[Service]`, with the Service ports that pass;
    /// workloads no Service selects stay `ns/name[Kind]`).
    #[arg(long, value_enum, default_value_t)]
    pub by: ConnBy,
    /// Leave out connections with IP ranges outside the cluster (text/md/csv/dot).
    #[arg(long)]
    pub no_external: bool,
    // The cluster to load (also accepted before the subcommand name).
    #[command(flatten)]
    pub source: super::SourceArgs,
}

/// `connectivity --by`: `diff` has no Service mode, so this is its own type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ConnBy {
    #[default]
    Pod,
    Workload,
    Service,
}

pub fn granularity(by: By) -> Granularity {
    match by {
        By::Pod => Granularity::Pod,
        By::Workload => Granularity::Workload,
    }
}

/// Keeps only rows that touch namespace `ns` (for `-n`).
fn focus(mut r: Report, ns: Option<&str>) -> Report {
    if let Some(ns) = ns {
        let prefix = format!("{ns}/");
        let touches = |row: &ConnRow| row.src.starts_with(&prefix) || row.dst.starts_with(&prefix);
        r.internal.retain(touches);
        r.external.retain(touches);
        // Endpoints: the namespace's own, and those its rows still name.
        let named: std::collections::HashSet<&str> = r
            .internal
            .iter()
            .flat_map(|row| [row.src.as_str(), row.dst.as_str()])
            .collect();
        let keep: Vec<bool> = r
            .endpoints
            .iter()
            .map(|e| e.starts_with(&prefix) || named.contains(e.as_str()))
            .collect();
        let mut keep = keep.into_iter();
        r.endpoints.retain(|_| keep.next().unwrap_or(false));
    }
    r
}

/// Runs the command, writing to `out`; the pod-level `-o json` document is
/// streamed ([`super::connectivity_json`]): output starts before the report
/// is complete, and no whole report is held in memory.
pub fn run_to(
    index: &Index,
    args: &ConnectivityArgs,
    focus_ns: Option<&str>,
    out: &mut dyn std::io::Write,
) -> Result<()> {
    if args.output == Format::Json && args.by == ConnBy::Pod {
        super::connectivity_json::write(index, out)?;
    } else {
        out.write_all(run(index, args, focus_ns)?.as_bytes())?;
        out.flush()?;
    }
    Ok(())
}

pub fn run(index: &Index, args: &ConnectivityArgs, focus_ns: Option<&str>) -> Result<String> {
    let by = match args.by {
        ConnBy::Pod => By::Pod,
        ConnBy::Workload => By::Workload,
        ConnBy::Service => return Ok(connectivity_service::run(index, args, focus_ns)),
    };
    if args.output == Format::Json {
        if by == By::Workload {
            bail!("-o json follows netpol-connectivity/v1, which reports pods: drop --by workload");
        }
        return Ok(json(&report(index, Granularity::Pod)));
    }
    let mut r = focus(report(index, granularity(by)), focus_ns);
    if args.no_external {
        r.external.clear();
    }
    Ok(match args.output {
        Format::Text => text(&r),
        Format::Md => md(&r),
        Format::Csv => csv(&r),
        Format::Dot => dot(&r),
        Format::Json => unreachable!("handled above"),
    })
}

/// `src => dst : conns`, one line per allowed pair, as netpol-analyzer prints.
pub fn text(r: &Report) -> String {
    let mut s = String::new();
    for row in r.all_rows() {
        let _ = writeln!(s, "{} => {} : {}", row.src, row.dst, row.ports);
    }
    s
}

pub fn md(r: &Report) -> String {
    let mut s = String::from("| src | dst | conn |\n|-----|-----|------|\n");
    for row in r.all_rows() {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            md_cell(&row.src),
            md_cell(&row.dst),
            md_cell(&row.ports.to_string())
        );
    }
    s
}

pub fn csv(r: &Report) -> String {
    let mut s = String::from("src,dst,conn\n");
    for row in r.all_rows() {
        let _ = writeln!(
            s,
            "{},{},{}",
            csv_field(&row.src),
            csv_field(&row.dst),
            csv_field(&row.ports.to_string())
        );
    }
    s
}

pub fn dot(r: &Report) -> String {
    let mut s =
        String::from("digraph connectivity {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    let mut by_ns: std::collections::BTreeMap<&str, Vec<&String>> = Default::default();
    for e in &r.endpoints {
        let ns = e.split('/').next().unwrap_or_default();
        by_ns.entry(ns).or_default().push(e);
    }
    for (i, (ns, eps)) in by_ns.iter().enumerate() {
        let _ = writeln!(s, "  subgraph cluster_{i} {{\n    label={};", dot_str(ns));
        for e in eps {
            let extra = if r.host_network.contains(e) {
                ", style=\"rounded,dashed\""
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "    {} [label={}{extra}];",
                dot_str(e),
                dot_str(e.rsplit('/').next().unwrap_or(e))
            );
        }
        s.push_str("  }\n");
    }
    for row in &r.external {
        for end in [&row.src, &row.dst] {
            if end.ends_with("[External]") {
                let _ = writeln!(s, "  {} [shape=ellipse];", dot_str(end));
            }
        }
    }
    for row in r.all_rows() {
        let _ = writeln!(
            s,
            "  {} -> {} [label={}];",
            dot_str(&row.src),
            dot_str(&row.dst),
            dot_str(&row.ports.to_string())
        );
    }
    s.push_str("}\n");
    s
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    pods: &'a [String],
    connections: Vec<JsonConn<'a>>,
}

#[derive(Serialize)]
pub struct JsonConn<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub allowed: std::collections::BTreeMap<&'static str, Vec<[u16; 2]>>,
}

impl<'a> JsonConn<'a> {
    pub fn new(from: &'a str, to: &'a str, ports: &PortSet) -> Self {
        JsonConn {
            from,
            to,
            allowed: ports.to_json_map(),
        }
    }
}

/// The netpol-connectivity/v1 document (pods only, no external ranges),
/// built in memory: the reference the streamed writer is tested against.
pub fn json(r: &Report) -> String {
    let host: std::collections::HashSet<&String> = r.host_network.iter().collect();
    let connections = r
        .internal
        .iter()
        .filter(|c| !host.contains(&c.src) && !host.contains(&c.dst))
        .map(|c| JsonConn::new(&c.src, &c.dst, &c.ports))
        .collect();
    let doc = JsonReport {
        schema: "netpol-connectivity/v1",
        pods: &r.endpoints,
        connections,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
