//! `bench`: measures the engine on synthetic clusters: index build time,
//! full class connectivity time, and peak memory. Each size runs in its own
//! process so that peak memory is that size's alone.

use std::time::{Duration, Instant};

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use crate::engine::connectivity::{Granularity, class_connectivity};
use crate::engine::diff::{PreviewOptions, preview};
use crate::engine::findings::{LintOptions, lint};
use crate::engine::index::Index;
use crate::engine::model::{
    LabelSelector, Labels, Peer, Policy, PolicyPort, PortRef, Protocol, Rule, Snapshot,
};
use crate::engine::proposal::{Change, Proposal};
use crate::source::synth::{SynthSpec, generate};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Cluster sizes in pods, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,50000,150000")]
    pub pods: Vec<usize>,
    /// Instead: stream this many synthetic Hubble flow lines through the
    /// --flows reader and report time and peak memory.
    #[arg(long, value_name = "N")]
    pub flow_lines: Option<usize>,
    /// With --flow-lines: write the lines to this file first, then time
    /// loading the file as `--flows FILE` does (disk read and buffering
    /// included; the file is left in place).
    #[arg(long, value_name = "PATH", requires = "flow_lines")]
    pub flow_file: Option<std::path::PathBuf>,
    /// Instead: time `suggest` (attribution, suggestion, proof) on one
    /// namespace of N pods with recorded flows.
    #[arg(long, value_name = "N")]
    pub suggest_pods: Option<usize>,
    /// Instead: time the TUI rollout view's job (what a default-deny of
    /// each namespace would cut) on a synthetic cluster of N pods with
    /// recorded connections, against the way it was computed before.
    #[arg(long, value_name = "N")]
    pub rollout_pods: Option<usize>,
    /// Instead: the synthetic clusters plus N cluster-scoped policies
    /// (ClusterNetworkPolicy Admin and Baseline tiers): index build, full
    /// connectivity, one verdict with its explanation.
    #[arg(long, value_name = "N")]
    pub cluster_policies: Option<usize>,
    /// Run one size in this process and print one result line (internal).
    #[arg(long, hide = true)]
    pub single: bool,
    /// Instead of measuring: write the first size as manifests (`List`s of
    /// namespaces, pods, policies) to DIR/yaml and DIR/json, to time `-f`.
    #[arg(long, value_name = "DIR")]
    pub write_manifests: Option<std::path::PathBuf>,
    /// Instead: time `connectivity -o json` at each size, built in memory
    /// against streamed (same process, best of 3).
    #[arg(long)]
    pub connectivity_json: bool,
    /// Instead: time the default-deny what-if at each size, by pod and by
    /// workload (first preview on a fresh index, then the median of 5).
    #[arg(long)]
    pub what_if: bool,
}

/// Peak resident set size of this process, in MiB (Linux; None elsewhere).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn one(pods: usize) -> String {
    let snap = generate(SynthSpec::with_pods(pods));
    let (n_pods, n_ns, n_pol) = (snap.pods.len(), snap.namespaces.len(), snap.policies.len());
    let (idx, b) = build_and_connect(snap);
    let (build, conn, explicit, total) = (b.build, b.conn, b.explicit, b.total);
    let bundle = default_deny_bundle(&open_namespace(&idx));
    let t = Instant::now();
    let d = preview(&idx, &bundle, &PreviewOptions::new(Granularity::Pod));
    let diff = t.elapsed();
    let t = Instant::now();
    let dw = preview(&idx, &bundle, &PreviewOptions::new(Granularity::Workload));
    let diff_wl = t.elapsed();
    let t = Instant::now();
    let findings = lint(&idx, &LintOptions::default()).len();
    let lint_t = t.elapsed();
    format!(
        "| {n_pods} | {n_ns} | {n_pol} | {} | {:.1} | {:.1} | {explicit} | {total} | {:.1} ({} rows) | {:.1} ({} rows) | {:.1} ({findings}) | {:.0} |",
        idx.class_count(),
        build.as_secs_f64() * 1000.0,
        conn.as_secs_f64() * 1000.0,
        diff.as_secs_f64() * 1000.0,
        d.lost().len(),
        diff_wl.as_secs_f64() * 1000.0,
        dw.lost().len(),
        lint_t.as_secs_f64() * 1000.0,
        peak_rss_mib().unwrap_or(f64::NAN),
    )
}

/// Timings and pair counts of building an index and its class connectivity.
pub struct Built {
    pub build: Duration,
    pub conn: Duration,
    pub explicit: usize,
    pub total: usize,
}

/// Builds the index of `snap` and computes its full class connectivity once
/// (dropped again: only its timing and pair counts are reported).
pub fn build_and_connect(snap: Snapshot) -> (Index, Built) {
    let t = Instant::now();
    let idx = Index::from_snapshot(snap);
    let build = t.elapsed();
    let t = Instant::now();
    let cc = class_connectivity(&idx);
    let conn = t.elapsed();
    let (explicit, total) = (cc.pairs.len(), cc.pair_count());
    (
        idx,
        Built {
            build,
            conn,
            explicit,
            total,
        },
    )
}

/// The first namespace without policies (the synthetic cluster leaves one
/// in ten open): the one a team would rehearse locking down.
pub fn open_namespace(idx: &Index) -> String {
    idx.namespace_names()
        .into_iter()
        .find(|n| n.starts_with("ns-") && idx.policies_in(n).next().is_none())
        .unwrap_or_else(|| "ns-00009".to_string())
}

/// Default deny both ways plus DNS to kube-dns on UDP and TCP 53.
pub fn default_deny_bundle(ns: &str) -> Proposal {
    let sel = |k: &str, v: &str| LabelSelector {
        match_labels: Labels::from([(k.to_string(), v.to_string())]),
        match_expressions: vec![],
    };
    Proposal::new(vec![
        Change::UpsertPolicy(Policy {
            namespace: ns.to_string(),
            name: "default-deny".into(),
            pod_selector: LabelSelector::default(),
            ingress_type: true,
            egress_type: true,
            ingress: vec![],
            egress: vec![],
        }),
        Change::UpsertPolicy(Policy {
            namespace: ns.to_string(),
            name: "allow-dns".into(),
            pod_selector: LabelSelector::default(),
            ingress_type: false,
            egress_type: true,
            ingress: vec![],
            egress: vec![Rule {
                peers: vec![Peer::Pods {
                    namespace_selector: Some(sel("kubernetes.io/metadata.name", "kube-system")),
                    pod_selector: Some(sel("k8s-app", "kube-dns")),
                }],
                ports: [Protocol::Udp, Protocol::Tcp]
                    .into_iter()
                    .map(|p| PolicyPort {
                        protocol: p,
                        port: Some(PortRef::Number(53)),
                        end_port: None,
                    })
                    .collect(),
            }],
        }),
    ])
}

pub fn run(args: &BenchArgs) -> Result<String> {
    if let Some(n) = args.flow_lines {
        return match &args.flow_file {
            Some(path) => super::bench_flows::run_file(n, path),
            None => Ok(super::bench_flows::run(n)),
        };
    }
    if let Some(n) = args.rollout_pods {
        return Ok(super::bench_rollout::run(n));
    }
    if let Some(n) = args.suggest_pods {
        return Ok(super::bench_flows::suggest_bench(n));
    }
    if let Some(dir) = &args.write_manifests {
        let n = *args.pods.first().ok_or_else(|| eyre!("--pods is empty"))?;
        return super::bench_files::write(dir, n);
    }
    if args.connectivity_json {
        // The in-memory reference holds the whole document: gigabytes past
        // a few thousand pods (the default sizes go to 150k).
        if let Some(n) = args.pods.iter().find(|&&n| n > 20_000) {
            return Err(eyre!(
                "--connectivity-json builds the whole document in memory to compare: {n} pods is too many, use --pods 500,2000,5000"
            ));
        }
        return Ok(super::bench_json::run(&args.pods)?);
    }
    if args.single {
        let n = *args
            .pods
            .first()
            .ok_or_else(|| eyre!("--single needs one size"))?;
        return Ok(match args.cluster_policies {
            Some(cp) => format!("{}\n", super::bench_tiers::one(n, cp)),
            None if args.what_if => format!("{}\n", super::bench_whatif::one(n)),
            None => format!("{}\n", one(n)),
        });
    }
    let exe = std::env::current_exe()?;
    let mut out = String::from(if args.cluster_policies.is_some() {
        super::bench_tiers::HEADER
    } else if args.what_if {
        super::bench_whatif::HEADER
    } else {
        "| pods | namespaces | policies | classes | index build (ms) | class connectivity (ms) | explicit class pairs | allowed class pairs | what-if default-deny, pods (ms, lost rows) | what-if default-deny, workloads (ms, lost rows) | lint (ms, findings) | peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    });
    for n in &args.pods {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args(["bench", "--single", "--pods", &n.to_string()]);
        if let Some(cp) = args.cluster_policies {
            cmd.args(["--cluster-policies", &cp.to_string()]);
        }
        if args.what_if {
            cmd.arg("--what-if");
        }
        let o = cmd.output()?;
        if !o.status.success() {
            return Err(eyre!(
                "bench at {n} pods failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        out.push_str(&String::from_utf8_lossy(&o.stdout));
    }
    Ok(out)
}
