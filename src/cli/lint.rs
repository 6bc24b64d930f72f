//! `lint`: every failure mode the seeds warn about, with why and the fix.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use color_eyre::eyre::{Result, eyre};
use serde::Serialize;

use crate::engine::findings::{CniInfo, Finding, LintOptions, Severity, lint};
use crate::engine::index::Index;
use crate::engine::model::{LabelSelector, Labels};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    High,
    Medium,
    Low,
    Info,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Output format: text or json (netpol-findings/v1).
    #[arg(short = 'o', long = "output", default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    #[command(flatten)]
    pub dns: DnsArgs,
    /// Recorded flows (Hubble JSON or CSV; file, directory or -): report
    /// `policy-not-enforced` for traffic that passed although the policies
    /// deny it. With --demo, `--flows demo` is the demo's recording.
    #[arg(long = "flows", value_name = "PATH")]
    pub flows: Vec<std::path::PathBuf>,
    /// Leave out the fixes in text output.
    #[arg(long)]
    pub no_fix: bool,
    // Its own help heading: after the command's flags.
    #[command(flatten)]
    pub hubble: super::hubble::HubbleArgs,
    // The cluster to load (also accepted before the subcommand name).
    #[command(flatten)]
    pub source: super::SourceArgs,
}

/// Where the cluster DNS pods are (lint and suggest check and allow DNS).
#[derive(Debug, Args)]
pub struct DnsArgs {
    /// Label selector of the cluster DNS pods.
    #[arg(
        long,
        default_value = "k8s-app=kube-dns",
        value_name = "KEY=VALUE[,...]"
    )]
    pub dns_selector: String,
    /// Namespace of the cluster DNS pods.
    #[arg(long, default_value = "kube-system", value_name = "NS")]
    pub dns_namespace: String,
}

impl DnsArgs {
    /// The namespace and the parsed selector.
    pub fn parse(&self) -> Result<(String, LabelSelector)> {
        Ok((
            self.dns_namespace.clone(),
            parse_equality_selector(&self.dns_selector)?,
        ))
    }
}

/// `k=v,k2=v2` as an equality selector.
pub fn parse_equality_selector(s: &str) -> Result<LabelSelector> {
    let mut labels = Labels::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| eyre!("{part:?}: expected key=value"))?;
        labels.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(LabelSelector {
        match_labels: labels,
        match_expressions: vec![],
    })
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    id: &'a str,
    severity: &'a str,
    namespace: Option<&'a str>,
    policy: Option<&'a str>,
    pod: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema: &'static str,
    findings: Vec<JsonFinding<'a>>,
}

pub fn json(findings: &[Finding]) -> String {
    let doc = JsonDoc {
        schema: "netpol-findings/v1",
        findings: findings
            .iter()
            .map(|f| JsonFinding {
                id: f.id,
                severity: f.severity.as_str(),
                namespace: f.namespace.as_deref(),
                policy: f.policy.as_deref(),
                pod: f.pod.as_deref(),
                message: &f.message,
            })
            .collect(),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

pub fn text(findings: &[Finding], with_fix: bool) -> String {
    if findings.is_empty() {
        return "No findings.\n".to_string();
    }
    let mut s = String::new();
    for f in findings {
        let mut wher: Vec<String> = Vec::new();
        if let Some(ns) = &f.namespace {
            wher.push(format!("namespace {ns}"));
        }
        if let Some(p) = &f.policy {
            wher.push(format!("policy {p}"));
        }
        if let Some(p) = &f.pod {
            wher.push(format!("pod {p}"));
        }
        let _ = writeln!(
            s,
            "{:<6} {}  {}",
            f.severity.as_str().to_uppercase(),
            f.id,
            wher.join(", ")
        );
        let _ = writeln!(s, "  {}", f.message);
        let _ = writeln!(s, "  why: {}", f.why);
        if with_fix && let Some(fix) = &f.fix {
            let _ = writeln!(s, "  fix:");
            for l in fix.lines() {
                let _ = writeln!(s, "    {l}");
            }
        }
        s.push('\n');
    }
    let count = |sev: Severity| findings.iter().filter(|f| f.severity == sev).count();
    let _ = writeln!(
        s,
        "{} findings: {} high, {} medium, {} low, {} info",
        findings.len(),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low),
        count(Severity::Info)
    );
    s
}

pub fn options(args: &LintArgs, cni: Option<CniInfo>) -> Result<LintOptions> {
    let (dns_namespace, dns_selector) = args.dns.parse()?;
    Ok(LintOptions {
        dns_namespace,
        dns_selector,
        cni,
    })
}

/// Runs the command: the text to print and the exit status.
pub fn run(
    idx: &Index,
    args: &LintArgs,
    cni: Option<CniInfo>,
    focus: Option<&str>,
    demo: bool,
) -> Result<(String, u8)> {
    let mut findings = lint(idx, &options(args, cni)?);
    if args.hubble.given(&args.flows) {
        let rec = super::flows::load_recorded(&args.flows, &args.hubble, demo)?;
        let att = crate::engine::flows::attribute::attribute(idx, &rec);
        let rows = crate::engine::flows::status::rows(
            &att,
            None,
            crate::engine::connectivity::Granularity::Workload,
        );
        crate::engine::flows::evidence::add_findings(&mut findings, &rows);
    }
    if let Some(ns) = focus {
        findings.retain(|f| f.namespace.as_deref().is_none_or(|n| n == ns));
    }
    let out = if args.output == "json" {
        json(&findings)
    } else {
        text(&findings, !args.no_fix)
    };
    let fail = args
        .fail_on
        .is_some_and(|t| findings.iter().any(|f| f.severity >= t.threshold()));
    Ok((out, u8::from(fail)))
}
