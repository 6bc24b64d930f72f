//! `can-reach FROM TO [--port 5432/TCP]`: the verdict and why.

use clap::Args;
use color_eyre::eyre::Result;
use serde::Serialize;

use crate::engine::explain::Mark;
use crate::engine::index::Index;
use crate::engine::query::{Answer, Outcome, PortQuery, can_reach, parse_service_spec, resolve};

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 allowed (a Service: all backends allowed), 1 denied (no backend \
allowed), 3 some backends allowed and some not, 2 error or no verdict (a Service without known \
backends: selectorless, ExternalName, or no running pod matches its selector)."
)]
pub struct CanReachArgs {
    /// The client: ns/pod, ns/workload, svc/NS/NAME (its backends), or an IP address.
    pub from: String,
    /// The server: ns/pod, ns/workload, svc/NS/NAME[:PORT] (PORT: a Service port
    /// number or name; answered per backend on its target port), or an IP address.
    pub to: String,
    /// PORT[/PROTOCOL] (protocol defaults to TCP); PORT may be a named port
    /// of the destination (for a Service: a Service port number or name).
    /// Without it: everything that is allowed (a Service: every Service port).
    #[arg(long, short = 'p')]
    pub port: Option<String>,
    /// Output format: text or json.
    #[arg(short = 'o', long = "output", default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    /// Also print the command that tests the verdict from inside the cluster
    /// (always printed when a Service is involved). Never run by the tool.
    #[arg(long)]
    pub verify: bool,
    // The cluster to load (also accepted before the subcommand name).
    #[command(flatten)]
    pub source: super::SourceArgs,
}

#[derive(Serialize)]
pub(super) struct JsonLine<'a> {
    mark: &'static str,
    indent: u8,
    text: &'a str,
}

#[derive(Serialize)]
pub(super) struct JsonAnswer<'a> {
    from: &'a str,
    to: &'a str,
    allowed: bool,
    allowed_ports: std::collections::BTreeMap<&'static str, Vec<[u16; 2]>>,
    summary: &'a str,
    explanation: Vec<JsonLine<'a>>,
}

/// Runs the command; returns the text to print and the exit status.
pub fn run(idx: &Index, args: &CanReachArgs, default_ns: Option<&str>) -> Result<(String, u8)> {
    let from = resolve(idx, &args.from, default_ns)?;
    if let Some(parsed) = parse_service_spec(&args.to, default_ns) {
        let (key, port) = parsed?;
        return super::can_reach_service::run(idx, args, &from, &key, port);
    }
    let to = resolve(idx, &args.to, default_ns)?;
    let port = args
        .port
        .as_deref()
        .map(str::parse::<PortQuery>)
        .transpose()?;
    let reach = can_reach(idx, &from, &to, port.as_ref())?;
    let allowed = reach.allowed();
    let service_client = args.from.starts_with("svc/");
    let outcome = Outcome::of(
        reach
            .answers
            .iter()
            .filter(|a| a.explanation.allowed)
            .count(),
        reach.answers.len(),
    );
    // Without a Service, exit codes stay as they were: 0 if any pod may connect.
    let code = match (service_client, allowed) {
        (true, _) => outcome.exit_code(),
        (false, true) => 0,
        (false, false) => 1,
    };
    let verify = (args.verify || service_client)
        .then(|| super::can_reach_service::verify_pods(idx, &from, &to, &reach, port.as_ref()))
        .flatten();
    let answers = &reach.answers;
    let text = if args.output == "json" {
        let docs: Vec<JsonAnswer> = answers.iter().map(json_answer).collect();
        // With a Service, `allowed` means every backend (as with a Service
        // destination); `outcome` says all, none or some.
        let json_allowed = if service_client {
            outcome == Outcome::All
        } else {
            allowed
        };
        let mut doc = serde_json::json!({"allowed": json_allowed, "answers": docs});
        if service_client {
            doc["outcome"] = outcome.as_str().into();
        }
        if let Some(v) = &verify {
            doc["verify"] = super::can_reach_service::verify_json(v);
        }
        let mut s = serde_json::to_string_pretty(&doc)?;
        s.push('\n');
        s
    } else {
        let mut s = String::new();
        if answers.len() > 1 {
            s.push_str(&format!(
                "{} -> {}: pods differ, one answer per kind of pod ({} allowed)\n\n",
                from.name,
                to.name,
                match outcome {
                    Outcome::All => "all are",
                    Outcome::Some => "some are",
                    Outcome::None => "none is",
                }
            ));
        }
        for (i, a) in answers.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(&a.explanation.to_text());
        }
        if let Some(v) = &verify {
            s.push('\n');
            s.push_str(&v.to_text());
        }
        s
    };
    Ok((text, code))
}

pub(super) fn json_answer(a: &Answer) -> JsonAnswer<'_> {
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
}
