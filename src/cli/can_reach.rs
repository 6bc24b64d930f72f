//! `can-reach FROM TO [--port 5432/TCP]`: the verdict and why.

use clap::Args;
use color_eyre::eyre::Result;
use serde::Serialize;

use crate::engine::explain::Mark;
use crate::engine::index::Index;
use crate::engine::query::{Answer, PortQuery, can_reach, resolve};

#[derive(Debug, Args)]
pub struct CanReachArgs {
    /// The client: ns/pod, ns/workload, or an IP address.
    pub from: String,
    /// The server: ns/pod, ns/workload, or an IP address.
    pub to: String,
    /// PORT[/PROTOCOL] (protocol defaults to TCP); PORT may be a named port
    /// of the destination. Without it: everything that is allowed.
    #[arg(long, short = 'p')]
    pub port: Option<String>,
    /// Output format: text or json.
    #[arg(short = 'o', long = "output", default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    // The cluster to load (also accepted before the subcommand name).
    #[command(flatten)]
    pub source: super::SourceArgs,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    mark: &'static str,
    indent: u8,
    text: &'a str,
}

#[derive(Serialize)]
struct JsonAnswer<'a> {
    from: &'a str,
    to: &'a str,
    allowed: bool,
    allowed_ports: std::collections::BTreeMap<&'static str, Vec<[u16; 2]>>,
    summary: &'a str,
    explanation: Vec<JsonLine<'a>>,
}

/// Runs the command; returns the text to print and whether it is allowed.
pub fn run(idx: &Index, args: &CanReachArgs, default_ns: Option<&str>) -> Result<(String, bool)> {
    let from = resolve(idx, &args.from, default_ns)?;
    let to = resolve(idx, &args.to, default_ns)?;
    let port = args
        .port
        .as_deref()
        .map(str::parse::<PortQuery>)
        .transpose()?;
    let reach = can_reach(idx, &from, &to, port.as_ref())?;
    let allowed = reach.allowed();
    let answers = &reach.answers;
    let text = if args.output == "json" {
        let docs: Vec<JsonAnswer> = answers
            .iter()
            .map(|a: &Answer| {
                let e = &a.explanation;
                JsonAnswer {
                    from: &a.from,
                    to: &a.to,
                    allowed: e.allowed,
                    allowed_ports: e.allowed_ports.to_json_map(),
                    summary: &e.summary,
                    explanation: e
                        .lines
                        .iter()
                        .map(|l| JsonLine {
                            mark: match l.mark {
                                Mark::Allow => "allow",
                                Mark::Deny => "deny",
                                Mark::Info => "info",
                            },
                            indent: l.indent,
                            text: &l.text,
                        })
                        .collect(),
                }
            })
            .collect();
        let mut s = serde_json::to_string_pretty(
            &serde_json::json!({"allowed": allowed, "answers": docs}),
        )?;
        s.push('\n');
        s
    } else {
        let mut s = String::new();
        if answers.len() > 1 {
            s.push_str(&format!(
                "{} -> {}: pods differ, one answer per kind of pod ({} allowed)\n\n",
                from.name,
                to.name,
                if allowed { "some are" } else { "none is" }
            ));
        }
        for (i, a) in answers.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(&a.explanation.to_text());
        }
        s
    };
    Ok((text, allowed))
}
