//! `suggest -n NS --flows F`: least-privilege NetworkPolicies for one
//! namespace from its recorded flows, proven by the what-if before they are
//! printed. Nothing is sent to the cluster.

use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{Result, bail};
use serde::Serialize;

use super::flows::load_recorded;
use crate::engine::flows::attribute::attribute;
use crate::engine::flows::suggest::{SuggestOptions, prove, suggest};
use crate::engine::flows::suggest_yaml::proof_text;
use crate::engine::flows::suggest_yaml::suggestion_yaml;
use crate::engine::index::Index;
use crate::engine::manifest::policy_json;

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// Recorded flows (Hubble JSON or CSV; file, directory or -). With
    /// --demo and none given: the demo's recording. Repeatable.
    #[arg(long = "flows", value_name = "PATH")]
    pub flows: Vec<PathBuf>,
    /// Output: yaml (ready for `kubectl apply -f`; the proof on stderr) or
    /// json (policies and proof).
    #[arg(short = 'o', long = "output", default_value = "yaml", value_parser = ["yaml", "json"])]
    pub output: String,
    #[command(flatten)]
    pub dns: super::lint::DnsArgs,
    // Its own help heading: after the command's flags.
    #[command(flatten)]
    pub hubble: super::hubble::HubbleArgs,
    // The cluster to load (also accepted before the subcommand name).
    #[command(flatten)]
    pub source: super::SourceArgs,
}

#[derive(Serialize)]
struct JsonProof<'a> {
    recorded_connections_kept: u64,
    recorded_connections_lost: usize,
    lost: &'a [String],
    theoretical_connections_closed: usize,
    not_kept: &'a [String],
}

#[derive(Serialize)]
struct JsonSuggest<'a> {
    schema: &'static str,
    namespace: &'a str,
    policies: Vec<serde_json::Value>,
    proof: JsonProof<'a>,
}

/// The text to print on stdout, the proof for stderr, and the exit status
/// (1 when a recorded connection would be lost).
pub fn run(
    idx: &Index,
    args: &SuggestArgs,
    ns: Option<&str>,
    demo: bool,
) -> Result<(String, String, u8)> {
    let Some(ns) = ns else {
        bail!("suggest works on one namespace: give -n NS");
    };
    if idx.namespace(ns).is_none() {
        bail!("-n {ns}: no such namespace in the cluster");
    }
    let rec = load_recorded(&args.flows, &args.hubble, demo)?;
    let att = attribute(idx, &rec);
    let (dns_namespace, dns_selector) = args.dns.parse()?;
    let o = SuggestOptions {
        dns_namespace,
        dns_selector,
    };
    let s = suggest(&att, ns, &o);
    let proof = prove(&att, idx, ns, &s);
    let code = u8::from(!proof.lost.is_empty());
    let proof_words = proof_text(&proof, &s.refused);
    if args.output == "json" {
        let doc = JsonSuggest {
            schema: "netpol-suggest/v1",
            namespace: ns,
            policies: s.policies.iter().map(policy_json).collect(),
            proof: JsonProof {
                recorded_connections_kept: proof.kept,
                recorded_connections_lost: proof.lost.len(),
                lost: &proof.lost,
                theoretical_connections_closed: proof.closed,
                not_kept: &s.refused,
            },
        };
        let mut out = serde_json::to_string_pretty(&doc)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        out.push('\n');
        return Ok((out, proof_words, code));
    }
    Ok((suggestion_yaml(ns, &s, &proof_words), proof_words, code))
}
