//! `bench`: measures the engine on synthetic clusters: index build time,
//! full class connectivity time, and peak memory. Each size runs in its own
//! process so that peak memory is that size's alone.

use std::time::Instant;

use clap::Args;
use color_eyre::eyre::{eyre, Result};

use crate::engine::connectivity::class_connectivity;
use crate::engine::index::Index;
use crate::source::synth::{generate, SynthSpec};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Cluster sizes in pods, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,50000,150000")]
    pub pods: Vec<usize>,
    /// Run one size in this process and print one result line (internal).
    #[arg(long, hide = true)]
    pub single: bool,
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
    let t = Instant::now();
    let idx = Index::from_snapshot(snap);
    let build = t.elapsed();
    let t = Instant::now();
    let cc = class_connectivity(&idx);
    let conn = t.elapsed();
    format!(
        "| {n_pods} | {n_ns} | {n_pol} | {} | {:.1} | {:.1} | {} | {} | {:.0} |",
        idx.class_count(),
        build.as_secs_f64() * 1000.0,
        conn.as_secs_f64() * 1000.0,
        cc.pairs.len(),
        cc.pair_count(),
        peak_rss_mib().unwrap_or(f64::NAN),
    )
}

pub fn run(args: &BenchArgs) -> Result<String> {
    if args.single {
        let n = *args.pods.first().ok_or_else(|| eyre!("--single needs one size"))?;
        return Ok(format!("{}\n", one(n)));
    }
    let exe = std::env::current_exe()?;
    let mut out = String::from(
        "| pods | namespaces | policies | classes | index build (ms) | class connectivity (ms) | explicit class pairs | allowed class pairs | peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for n in &args.pods {
        let o = std::process::Command::new(&exe).args(["bench", "--single", "--pods", &n.to_string()]).output()?;
        if !o.status.success() {
            return Err(eyre!("bench at {n} pods failed: {}", String::from_utf8_lossy(&o.stderr)));
        }
        out.push_str(&String::from_utf8_lossy(&o.stdout));
    }
    Ok(out)
}
