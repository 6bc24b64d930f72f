//! `flows`: every recorded connection with its verdict now (and after a
//! proposal), and whether the network did what the policies say. JSON
//! follows `netpol-flows/v1`.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{Result, bail, eyre};
use serde::Serialize;

use super::By;
use super::connectivity::granularity;
use super::hubble::HubbleArgs;
use super::output::{csv_field, md_cell};
use crate::engine::flows::attribute::{Attributed, attribute};
use crate::engine::flows::status::{FlowRow, Status, rows, summary};
use crate::engine::flows::{MAX_PROBLEMS, Recorded, Time, time};
use crate::engine::index::Index;
use crate::engine::text::plural;
use crate::source::flows::relay::{Window, fetch};
use crate::source::flows::{load_demo_flows, load_flows};

#[derive(Debug, Args)]
pub struct FlowsArgs {
    /// Recorded flows: Hubble flow JSON (`hubble observe -o jsonpb`, exporter
    /// files) or the neutral CSV; a file, a directory or - for stdin.
    /// Repeatable.
    /// With --demo and no --flows: the demo's own recording.
    #[arg(long = "flows", value_name = "PATH")]
    pub flows: Vec<PathBuf>,
    /// Output format. json follows netpol-flows/v1; csv can be read back
    /// with --flows.
    #[arg(short = 'o', long = "output", default_value = "text", value_parser = ["text", "json", "md", "csv"])]
    pub output: String,
    /// Also give each connection's verdict after applying these manifests.
    #[arg(long, value_name = "FILE")]
    pub apply: Vec<PathBuf>,
    /// Also give each connection's verdict after deleting NS/NAME.
    #[arg(long, value_name = "NS/NAME")]
    pub delete: Vec<String>,
    /// Name ends per workload (default) or per pod.
    #[arg(long, value_enum, default_value = "workload")]
    pub by: By,
    /// List the recorded connections that could not be attributed, and why.
    #[arg(long)]
    pub show_unresolved: bool,
    // Its own help heading: after the command's flags.
    #[command(flatten)]
    pub hubble: super::hubble::HubbleArgs,
    // The cluster to load (also accepted before the subcommand name).
    #[command(flatten)]
    pub source: super::SourceArgs,
}

/// Reads `--flows` (with `--demo` and none given: the demo's recording)
/// and `--hubble` (a bounded window of the relay's flows), and says on
/// stderr what could not be read.
pub fn load_recorded(paths: &[PathBuf], hubble: &HubbleArgs, demo: bool) -> Result<Recorded> {
    let relay = hubble.relay();
    // `--flows demo` with --demo (when no such file exists): the demo's own.
    let demo_word = paths.len() == 1 && paths[0].as_os_str() == "demo" && !paths[0].exists();
    if demo && relay.is_none() && (paths.is_empty() || demo_word) {
        return Ok(load_demo_flows());
    }
    if paths.is_empty() && relay.is_none() {
        bail!(
            "--flows PATH or --hubble [ADDR] is required (a Hubble JSON or CSV file, a directory, or - for stdin; or Hubble Relay)"
        );
    }
    let mut rec = if paths.is_empty() {
        Recorded::default()
    } else {
        load_flows(paths)
    };
    if let Some(r) = &relay {
        let before = rec.records;
        fetch(r, hubble.window(), &mut rec).map_err(|e| eyre!(e))?;
        if rec.records == before {
            bail!(
                "Hubble Relay at {}: no flows in the window asked for ({})",
                r.addr,
                match hubble.window() {
                    Window::Last(n) => format!("--hubble-last {n}"),
                    Window::Since(d) => format!("--hubble-since {}s", d.as_secs()),
                }
            );
        }
    }
    for p in &rec.problems {
        eprintln!("warning: {p}");
    }
    if rec.skipped.unparsed as usize > rec.problems.len() && rec.problems.len() >= MAX_PROBLEMS {
        eprintln!(
            "warning: ... and {} more malformed lines",
            rec.skipped.unparsed as usize - rec.problems.len()
        );
    }
    if rec.records == 0 {
        bail!("--flows: no flow records found in {}", show_paths(paths));
    }
    Ok(rec)
}

fn show_paths(paths: &[PathBuf]) -> String {
    let v: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    v.join(", ")
}

/// Rows that touch namespace `ns` (for `-n`).
pub fn focus(rows: Vec<FlowRow>, ns: Option<&str>) -> Vec<FlowRow> {
    match ns {
        None => rows,
        Some(ns) => rows
            .into_iter()
            .filter(|r| {
                r.namespaces.0.as_deref() == Some(ns) || r.namespaces.1.as_deref() == Some(ns)
            })
            .collect(),
    }
}

pub fn run(index: &Index, args: &FlowsArgs, focus_ns: Option<&str>, demo: bool) -> Result<String> {
    let rec = load_recorded(&args.flows, &args.hubble, demo)?;
    let proposal = super::diff::load_proposal(index, &args.apply, &args.delete)?;
    let att = attribute(index, &rec);
    let after = (!proposal.is_empty()).then(|| {
        let mut a = att.index.clone();
        a.apply_all(proposal.events());
        a
    });
    let rows = focus(rows(&att, after.as_ref(), granularity(args.by)), focus_ns);
    Ok(match args.output.as_str() {
        "json" => json(&rec, &att, &rows, args.show_unresolved),
        "md" => md(&rows),
        "csv" => csv(&rows),
        _ => text(&rec, &att, &rows, args.show_unresolved),
    })
}

fn when(t: Option<Time>) -> Option<String> {
    t.map(time::format)
}

#[derive(Serialize)]
struct JsonSkipped {
    reply: u64,
    not_l4: u64,
    unparsed: u64,
    unresolved: u64,
}

#[derive(Serialize)]
struct JsonInput {
    records: u64,
    connections: u64,
    skipped: JsonSkipped,
}

#[derive(Serialize)]
struct JsonWindow {
    first: Option<String>,
    last: Option<String>,
}

#[derive(Serialize)]
struct JsonFlow<'a> {
    from: &'a str,
    to: &'a str,
    protocol: &'static str,
    port: u16,
    count: u64,
    first: Option<String>,
    last: Option<String>,
    observed: &'static str,
    policy: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    proposal: Option<&'static str>,
    because: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    ok: usize,
    #[serde(rename = "forwarded-but-denied")]
    forwarded_but_denied: usize,
    #[serde(rename = "dropped-but-allowed")]
    dropped_but_allowed: usize,
    #[serde(rename = "dropped-and-denied")]
    dropped_and_denied: usize,
    #[serde(rename = "would-be-cut")]
    would_be_cut: usize,
    #[serde(rename = "would-be-opened")]
    would_be_opened: usize,
}

#[derive(Serialize)]
struct JsonUnresolved<'a> {
    reason: &'a str,
    count: u64,
}

#[derive(Serialize)]
struct JsonFlows<'a> {
    schema: &'static str,
    input: JsonInput,
    window: JsonWindow,
    flows: Vec<JsonFlow<'a>>,
    summary: JsonSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    unresolved: Option<Vec<JsonUnresolved<'a>>>,
}

/// ` via svc/NS/NAME` when the connection was addressed to a Service.
fn via(r: &FlowRow) -> String {
    match r.stats.via_text() {
        v if v.is_empty() => v,
        v => format!(" {v}"),
    }
}

fn verdict(allowed: bool) -> &'static str {
    if allowed { "allowed" } else { "denied" }
}

/// Recorded connections, attributed or not.
pub fn connections(att: &Attributed) -> u64 {
    att.conns.iter().map(|c| c.stats.count()).sum::<u64>() + att.unresolved_count()
}

/// The netpol-flows/v1 document.
pub fn json(rec: &Recorded, att: &Attributed, rows: &[FlowRow], unresolved: bool) -> String {
    let s = summary(rows);
    let doc = JsonFlows {
        schema: "netpol-flows/v1",
        input: JsonInput {
            records: rec.records,
            connections: connections(att),
            skipped: JsonSkipped {
                reply: rec.skipped.reply,
                not_l4: rec.skipped.not_l4,
                unparsed: rec.skipped.unparsed,
                unresolved: att.unresolved_count(),
            },
        },
        window: JsonWindow {
            first: when(rec.first),
            last: when(rec.last),
        },
        flows: rows
            .iter()
            .map(|r| JsonFlow {
                from: &r.from,
                to: &r.to,
                protocol: r.protocol.as_str(),
                port: r.port,
                count: r.stats.count(),
                first: when(r.stats.first),
                last: when(r.stats.last),
                observed: r.observed.as_str(),
                policy: verdict(r.allowed),
                status: r.status.as_str(),
                proposal: r.after.map(verdict),
                because: &r.because,
            })
            .collect(),
        summary: JsonSummary {
            ok: s[&Status::Ok],
            forwarded_but_denied: s[&Status::ForwardedButDenied],
            dropped_but_allowed: s[&Status::DroppedButAllowed],
            dropped_and_denied: s[&Status::DroppedAndDenied],
            would_be_cut: s[&Status::WouldBeCut],
            would_be_opened: s[&Status::WouldBeOpened],
        },
        unresolved: unresolved.then(|| {
            att.unresolved
                .iter()
                .map(|(reason, count)| JsonUnresolved {
                    reason,
                    count: *count,
                })
                .collect()
        }),
    };
    let mut out =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

fn text(rec: &Recorded, att: &Attributed, rows: &[FlowRow], unresolved: bool) -> String {
    let mut s = String::new();
    let window = match (rec.first, rec.last) {
        (Some(a), Some(b)) => format!(", {} .. {}", time::format(a), time::format(b)),
        _ => String::new(),
    };
    let _ = writeln!(
        s,
        "Recorded flows: {} ({} records; {} replies, {} not L3/L4, {} malformed, {} unresolved){window}",
        plural(connections(att) as usize, "connection", "connections"),
        rec.records,
        rec.skipped.reply,
        rec.skipped.not_l4,
        rec.skipped.unparsed,
        att.unresolved_count(),
    );
    let counts = summary(rows);
    let line: Vec<String> = Status::ALL
        .iter()
        .map(|st| format!("{} {st}", counts[st]))
        .collect();
    let _ = writeln!(s, "{}", line.join(", "));
    let mut current = None;
    for r in rows {
        if current != Some(r.status) {
            current = Some(r.status);
            let _ = writeln!(s, "\n{} ({})", r.status, counts[&r.status]);
        }
        let seen = match r.stats.last {
            Some(t) => format!(", last {}", time::format(t)),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "  {} -> {}{} {}/{}: {} ({}{seen})",
            r.from,
            r.to,
            via(r),
            r.protocol,
            r.port,
            plural(r.stats.count() as usize, "connection", "connections"),
            r.observed.as_str(),
        );
        let _ = writeln!(s, "      {}", r.because);
    }
    if unresolved && !att.unresolved.is_empty() {
        let _ = writeln!(s, "\nunresolved ({})", att.unresolved_count());
        for (why, n) in &att.unresolved {
            let _ = writeln!(s, "  {n:>6}  {why}");
        }
    }
    s
}

fn md(rows: &[FlowRow]) -> String {
    let mut s = String::from(
        "| status | from | to | port | count | observed | policy | because |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {}/{} | {} | {} | {} | {} |",
            r.status,
            md_cell(&r.from),
            md_cell(&format!("{}{}", r.to, via(r))),
            r.protocol,
            r.port,
            r.stats.count(),
            r.observed.as_str(),
            verdict(r.allowed),
            md_cell(&r.because)
        );
    }
    s
}

/// The neutral CSV's columns first, so the output reads back with --flows.
fn csv(rows: &[FlowRow]) -> String {
    let mut s =
        String::from("from,to,protocol,port,count,verdict,policy,status,first,last,because\n");
    for r in rows {
        // Mixed entries are written as two rows, so counts read back exactly.
        for (n, v) in [
            (r.stats.forwarded, "forwarded"),
            (r.stats.dropped, "dropped"),
        ] {
            if n == 0 {
                continue;
            }
            let _ = writeln!(
                s,
                "{},{},{},{},{n},{v},{},{},{},{},{}",
                csv_field(&r.from),
                csv_field(&r.to),
                r.protocol,
                r.port,
                verdict(r.allowed),
                r.status,
                when(r.stats.first).unwrap_or_default(),
                when(r.stats.last).unwrap_or_default(),
                csv_field(&r.because)
            );
        }
    }
    s
}
