//! `connectivity --by service`: rows between Services (and workloads that
//! no Service selects), with the Service ports that pass. The semantics (all
//! versus some pod pairs) are in `engine::connectivity::services`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::connectivity::ConnectivityArgs;
use super::output::{Format, csv_field, dot_str, md_cell};
use crate::engine::connectivity::{ServiceReport, SvcConn, SvcRow, service_report};
use crate::engine::index::Index;

pub fn run(index: &Index, args: &ConnectivityArgs, focus_ns: Option<&str>) -> String {
    let r = focus(service_report(index), focus_ns);
    match args.output {
        Format::Text => text(&r),
        Format::Md => md(&r),
        Format::Csv => csv(&r),
        Format::Dot => dot(&r),
        Format::Json => json(&r),
    }
}

/// Keeps only rows that touch namespace `ns` (for `-n`), and the nodes they
/// name or that live in `ns`.
fn focus(mut r: ServiceReport, ns: Option<&str>) -> ServiceReport {
    let Some(ns) = ns else { return r };
    let prefix = format!("{ns}/");
    r.rows
        .retain(|row| row.src.starts_with(&prefix) || row.dst.starts_with(&prefix));
    let named: std::collections::HashSet<String> = r
        .rows
        .iter()
        .flat_map(|row| [row.src.clone(), row.dst.clone()])
        .collect();
    r.endpoints
        .retain(|e| e.starts_with(&prefix) || named.contains(e));
    r.unknown_backends.retain(|e| e.starts_with(&prefix));
    r.no_backends.retain(|e| e.starts_with(&prefix));
    r.host_network_backends.retain(|e| e.starts_with(&prefix));
    r
}

/// `src => dst : ports`, as the other modes print.
fn text(r: &ServiceReport) -> String {
    let mut s = String::new();
    for row in &r.rows {
        let _ = writeln!(s, "{} => {} : {}", row.src, row.dst, row.conn);
    }
    for e in &r.unknown_backends {
        let _ = writeln!(
            s,
            "# {e}: backends not known from a selector (selectorless or ExternalName)"
        );
    }
    for e in &r.no_backends {
        let _ = writeln!(s, "# {e}: its selector matches no running pod");
    }
    for e in &r.host_network_backends {
        let _ = writeln!(
            s,
            "# {e}: its hostNetwork backends get no verdict (counted as not allowed)"
        );
    }
    s
}

fn md(r: &ServiceReport) -> String {
    let mut s = String::from("| src | dst | conn |\n|-----|-----|------|\n");
    for row in &r.rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            md_cell(&row.src),
            md_cell(&row.dst),
            md_cell(&row.conn.to_string())
        );
    }
    s
}

fn csv(r: &ServiceReport) -> String {
    let mut s = String::from("src,dst,conn\n");
    for row in &r.rows {
        let _ = writeln!(
            s,
            "{},{},{}",
            csv_field(&row.src),
            csv_field(&row.dst),
            csv_field(&row.conn.to_string())
        );
    }
    s
}

/// Services are ellipses; an edge where only some pod pairs pass is dashed.
fn dot(r: &ServiceReport) -> String {
    let mut s =
        String::from("digraph connectivity {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    let mut by_ns: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for e in &r.endpoints {
        let ns = e.split('/').next().unwrap_or_default();
        by_ns.entry(ns).or_default().push(e);
    }
    for (i, (ns, eps)) in by_ns.iter().enumerate() {
        let _ = writeln!(s, "  subgraph cluster_{i} {{\n    label={};", dot_str(ns));
        for e in eps {
            let shape = if e.ends_with("[Service]") {
                ", shape=ellipse"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "    {} [label={}{shape}];",
                dot_str(e),
                dot_str(e.rsplit('/').next().unwrap_or(e))
            );
        }
        s.push_str("  }\n");
    }
    for row in &r.rows {
        let style = if row.conn.all() { "" } else { ", style=dashed" };
        let _ = writeln!(
            s,
            "  {} -> {} [label={}{style}];",
            dot_str(&row.src),
            dot_str(&row.dst),
            dot_str(&row.conn.to_string())
        );
    }
    s.push_str("}\n");
    s
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema: &'static str,
    nodes: &'a [String],
    unknown_backends: &'a [String],
    no_backends: &'a [String],
    host_network_backends: &'a [String],
    connections: Vec<JsonRow<'a>>,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    from: &'a str,
    to: &'a str,
    /// "all": every pod pair may use everything listed; "some": not.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_ports: Option<Vec<JsonPort<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    all_pairs: Option<BTreeMap<&'static str, Vec<[u16; 2]>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    some_pairs: Option<BTreeMap<&'static str, Vec<[u16; 2]>>>,
}

#[derive(Serialize)]
struct JsonPort<'a> {
    name: Option<&'a str>,
    protocol: String,
    port: u16,
    target_ports: &'a [u16],
    allowed_target_ports: &'a [u16],
    allowed_pairs: u64,
    pairs: u64,
    outcome: &'static str,
}

fn outcome(all: bool) -> &'static str {
    if all { "all" } else { "some" }
}

fn json_row(row: &SvcRow) -> JsonRow<'_> {
    let mut j = JsonRow {
        from: &row.src,
        to: &row.dst,
        outcome: outcome(row.conn.all()),
        service_ports: None,
        all_pairs: None,
        some_pairs: None,
    };
    match &row.conn {
        SvcConn::Service(ports) => {
            j.service_ports = Some(
                ports
                    .iter()
                    .map(|p| JsonPort {
                        name: p.port.name.as_deref(),
                        protocol: p.port.protocol.to_string(),
                        port: p.port.port,
                        target_ports: &p.targets,
                        allowed_target_ports: &p.allowed_targets,
                        allowed_pairs: p.allowed,
                        pairs: p.pairs,
                        outcome: outcome(p.all()),
                    })
                    .collect(),
            );
        }
        SvcConn::Workload { all, some } => {
            j.all_pairs = Some(all.to_json_map());
            j.some_pairs = Some(some.to_json_map());
        }
    }
    j
}

/// `netpol-service-connectivity/v1`: nodes, then one object per row.
fn json(r: &ServiceReport) -> String {
    let doc = JsonDoc {
        schema: "netpol-service-connectivity/v1",
        nodes: &r.endpoints,
        unknown_backends: &r.unknown_backends,
        no_backends: &r.no_backends,
        host_network_backends: &r.host_network_backends,
        connections: r.rows.iter().map(json_row).collect(),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
