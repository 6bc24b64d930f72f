//! The pod view's model (`tui::models::pod::model`), which the TUI builds
//! each time a pod is selected, on synthetic clusters: every pod of a sample
//! of namespaces (one in 25) is selected in turn and each build is timed.
//!
//! - "warm": the peer cache is kept between selections, as the app keeps it
//!   while the index does not change;
//! - "cold": a new cache for every selection (the first selection after a
//!   change of the index), on the first 100 pods of the sample.
//!
//! p50 / p99 / max are printed per size; criterion then times the warm
//! walk. `cargo bench --bench pod_view`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::PodKey;
use netpol_tui::source::synth::{SynthSpec, generate};
use netpol_tui::tui::models::pod::{PeerCache, model};

/// Every pod of one namespace in `every`.
fn sample(idx: &Index, every: usize) -> Vec<PodKey> {
    idx.namespace_names()
        .iter()
        .step_by(every)
        .flat_map(|ns| idx.pods_in(ns).cloned().collect::<Vec<_>>())
        .collect()
}

/// (p50, p99, max) in milliseconds.
fn percentiles(mut t: Vec<f64>) -> (f64, f64, f64) {
    t.sort_by(f64::total_cmp);
    let at = |q: f64| t[((t.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), t[t.len() - 1])
}

fn walk(idx: &Index, keys: &[PodKey], warm: bool) -> Vec<f64> {
    let mut cache = PeerCache::default();
    keys.iter()
        .map(|k| {
            if !warm {
                cache = PeerCache::default();
            }
            let t = Instant::now();
            black_box(model(idx, &mut cache, k).is_some());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

fn pod_view(c: &mut Criterion) {
    for pods in [50_000usize, 150_000] {
        let idx = Index::from_snapshot(generate(SynthSpec::with_pods(pods)));
        let keys = sample(&idx, 25);
        for warm in [true, false] {
            // A cold selection resolves every peer again (an open peer
            // groups the whole cluster): a smaller sample.
            let keys = if warm {
                &keys[..]
            } else {
                &keys[..keys.len().min(100)]
            };
            let (p50, p99, max) = percentiles(walk(&idx, keys, warm));
            eprintln!(
                "{pods} pods, {} selections, {}: p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms",
                keys.len(),
                if warm { "warm" } else { "cold" },
            );
        }
        let mut g = c.benchmark_group(format!("{pods}_pods"));
        g.sample_size(10);
        let mut cache = PeerCache::default();
        let mut i = 0;
        g.bench_function("pod_model_warm", |b| {
            b.iter(|| {
                i = (i + 1) % keys.len();
                black_box(model(&idx, &mut cache, &keys[i]).is_some())
            })
        });
        g.finish();
    }
}

criterion_group!(benches, pod_view);
criterion_main!(benches);
