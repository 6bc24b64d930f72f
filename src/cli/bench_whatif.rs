//! `bench --what-if`: the default-deny rehearsal (the TUI's `w` → `d`) on
//! the synthetic clusters, by pod and by workload. The first preview runs on
//! a freshly built index (cold); the next ones show the steady state of a
//! session that rehearses several proposals on one index.

use std::time::Instant;

use super::bench::{default_deny_bundle, open_namespace, peak_rss_mib};
use crate::engine::connectivity::Granularity;
use crate::engine::diff::{PreviewOptions, preview};
use crate::engine::index::Index;
use crate::source::synth::{SynthSpec, generate};

pub const HEADER: &str = "| pods | classes | by pod, first (ms) | by pod, median of 5 (ms) | lost pod rows | by workload, first (ms) | by workload, median of 5 (ms) | lost workload rows | peak RSS (MiB) |\n|---|---|---|---|---|---|---|---|---|\n";

/// Milliseconds of `reps` previews: (first, median of the rest), and the
/// number of lost rows.
pub fn time_preview(idx: &Index, ns: &str, g: Granularity, reps: usize) -> (f64, f64, usize) {
    let bundle = default_deny_bundle(ns);
    let mut times = Vec::new();
    let mut lost = 0;
    for _ in 0..reps.max(2) {
        let t = Instant::now();
        let d = preview(idx, &bundle, &PreviewOptions::new(g));
        times.push(t.elapsed().as_secs_f64() * 1e3);
        lost = d.lost().len();
    }
    let first = times[0];
    let mut rest = times[1..].to_vec();
    rest.sort_by(f64::total_cmp);
    (first, rest[rest.len() / 2], lost)
}

/// One size, in this process: one table row.
pub fn one(pods: usize) -> String {
    let idx = Index::from_snapshot(generate(SynthSpec::with_pods(pods)));
    let ns = open_namespace(&idx);
    let (pf, pm, pl) = time_preview(&idx, &ns, Granularity::Pod, 6);
    // A fresh index again, so that the workload figure is cold too.
    let idx = Index::from_snapshot(generate(SynthSpec::with_pods(pods)));
    let (wf, wm, wl) = time_preview(&idx, &ns, Granularity::Workload, 6);
    format!(
        "| {} | {} | {pf:.1} | {pm:.1} | {pl} | {wf:.1} | {wm:.1} | {wl} | {:.0} |",
        idx.pod_count(),
        idx.class_count(),
        peak_rss_mib().unwrap_or(f64::NAN),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::connectivity::report_pair;
    use crate::engine::diff::diff_reports;

    /// Regression check for CI: the incremental what-if against the diff of
    /// two full reports (the definition it must equal), measured in the same
    /// run on a small cluster (best of 3 each), as a ratio.
    #[test]
    fn the_what_if_stays_well_ahead_of_a_full_diff() {
        let idx = Index::from_snapshot(generate(SynthSpec::with_pods(3000)));
        let bundle = default_deny_bundle(&open_namespace(&idx));
        let best = |f: &mut dyn FnMut() -> usize| {
            let mut best = f64::MAX;
            let mut n = 0;
            for _ in 0..3 {
                let t = Instant::now();
                n = f();
                best = best.min(t.elapsed().as_secs_f64());
            }
            (best, n)
        };
        for g in [Granularity::Workload, Granularity::Pod] {
            let (inc, n_inc) = best(&mut || {
                preview(&idx, &bundle, &PreviewOptions::new(g))
                    .entries
                    .len()
            });
            let (full, n_full) = best(&mut || {
                let mut after = idx.clone();
                after.apply_all(bundle.events());
                let (b, a) = report_pair(&idx, &after, g);
                diff_reports(&b, &a).len()
            });
            eprintln!(
                "{g:?}: what-if {inc:.4} s, full diff {full:.4} s, ratio {:.1}",
                full / inc
            );
            assert_eq!(n_inc, n_full);
            assert!(n_inc >= 500, "{n_inc} changed rows");
            assert!(full / inc > 3.0, "what-if {inc} s vs full diff {full} s");
        }
    }
}
