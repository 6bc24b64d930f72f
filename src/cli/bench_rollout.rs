//! `bench --rollout-pods N`: the TUI rollout view's background job (what
//! the default-deny bundle would cut, for every namespace) on a synthetic
//! cluster of N pods with recorded connections. Times the job as the view
//! runs it ([`cuts`] on every core), on one thread, and the way it was
//! done before (per namespace: the bundle's YAML loaded, previewed, and
//! every recorded connection's status computed), checking that all three
//! give the same numbers.

use std::time::Instant;

use crate::engine::connectivity::Granularity;
use crate::engine::diff::{PreviewOptions, preview};
use crate::engine::flows::attribute::{Attributed, attribute};
use crate::engine::flows::rollout::{Cut, cuts};
use crate::engine::flows::status::{Status, rows};
use crate::engine::flows::{ConnKey, FlowEnd, Recorded};
use crate::engine::index::Index;
use crate::engine::model::{Protocol, Snapshot};
use crate::engine::proposal::{Proposal, default_deny_bundle};
use crate::source::files::load_sources;
use crate::source::synth::{SynthSpec, generate};

/// A recorded connection per pod (to a pod further on, some to and from
/// outside addresses).
pub fn recording(s: &Snapshot) -> Recorded {
    let mut rec = Recorded::default();
    let n = s.pods.len();
    let end = |i: usize| FlowEnd::Pod {
        namespace: s.pods[i % n].namespace.clone(),
        name: Some(s.pods[i % n].name.clone()),
        labels: None,
        workload: None,
    };
    for i in 0..n {
        let (from, to) = match i % 11 {
            0 => (end(i), FlowEnd::Ip([203, 0, 113, (i % 200) as u8].into())),
            1 => (FlowEnd::Ip([198, 51, 100, (i % 200) as u8].into()), end(i)),
            _ => (end(i), end(i * 7 + 3)),
        };
        let port = [8080, 80, 443, 53, 5432][i % 5];
        let protocol = if port == 53 {
            Protocol::Udp
        } else {
            Protocol::Tcp
        };
        let key = ConnKey {
            from,
            to,
            protocol,
            port,
        };
        rec.add(key, 1, false, None);
    }
    rec
}

/// The job as it was: per namespace the bundle's YAML, loaded and
/// previewed, and the status of every recorded connection.
pub fn before(idx: &Index, att: Option<&Attributed>, namespaces: &[String]) -> Vec<Cut> {
    namespaces
        .iter()
        .map(|ns| {
            let loaded = load_sources(&[(format!("{ns}.yaml"), default_deny_bundle(ns))]);
            let p = Proposal::from_loaded(idx, loaded.snapshot, &loaded.implicit_namespaces);
            let d = preview(idx, &p, &PreviewOptions::new(Granularity::Workload));
            let recorded = att.map(|att| {
                let mut after = att.index.clone();
                after.apply_all(p.events());
                rows(att, Some(&after), Granularity::Workload)
                    .into_iter()
                    .filter(|r| r.status == Status::WouldBeCut)
                    .map(|r| r.stats.count())
                    .sum()
            });
            Cut {
                lost: d.entries.iter().filter(|e| !e.lost().is_empty()).count(),
                recorded,
            }
        })
        .collect()
}

/// Seconds for: the job on every core, on one thread, the old way.
pub fn measure(pods: usize, old: bool) -> (String, f64, f64, Option<f64>) {
    let snap = generate(SynthSpec::with_pods(pods));
    let rec = recording(&snap);
    let idx = Index::from_snapshot(snap);
    let names = idx.namespace_names();
    let att = attribute(&idx, &rec);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t = Instant::now();
    let all = cuts(&idx, Some(&att), &names, threads);
    let t_all = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let one = cuts(&idx, Some(&att), &names, 1);
    let t_one = t.elapsed().as_secs_f64();
    assert_eq!(all, one, "threads change the cuts");
    let t_old = old.then(|| {
        let t = Instant::now();
        let b = before(&idx, Some(&att), &names);
        let el = t.elapsed().as_secs_f64();
        assert_eq!(b, one, "the old and new jobs disagree");
        el
    });
    let lost: usize = all.iter().map(|c| c.lost).sum();
    let cut: u64 = all.iter().filter_map(|c| c.recorded).sum();
    let what = format!(
        "{} pods, {} namespaces, {} recorded connections: {lost} lost rows, {cut} recorded connections cut",
        idx.pod_count(),
        names.len(),
        rec.iter().count(),
    );
    (what, t_all, t_one, t_old)
}

pub fn run(pods: usize) -> String {
    let (what, all, one, old) = measure(pods, true);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "rollout: {what}; {all:.2} s on {threads} threads, {one:.2} s on one, {:.2} s the old way (YAML, full preview and every connection per namespace); peak RSS {:.0} MiB\n",
        old.unwrap_or(0.0),
        super::bench::peak_rss_mib().unwrap_or(0.0),
    )
}

#[cfg(test)]
mod tests {
    /// Regression check for CI: the job against the old way measured in the
    /// same run (a ratio, not an absolute time, so a loaded machine slows
    /// both alike); `measure` also checks that both give the same cuts.
    #[test]
    fn the_rollout_job_stays_well_ahead_of_one_whatif_per_namespace() {
        let (what, _, one, old) = super::measure(600, true);
        let old = old.unwrap_or_default();
        eprintln!("{what}: {one:.3} s, old way {old:.3} s");
        assert!(old / one > 3.0, "{one} s against {old} s the old way");
    }
}
