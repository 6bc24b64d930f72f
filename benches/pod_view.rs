//! The pod view's model (`tui::models::pod::model`), which the TUI builds
//! each time a pod is selected, on synthetic clusters: every pod of a sample
//! of namespaces (one in 25) is selected in turn and each build is timed.
//!
//! - "warm": the peer cache is kept between selections, as the app keeps it
//!   while the index does not change;
//! - "cold": a new cache for every selection (the first selection after a
//!   change of the index), on the first 100 pods of the sample;
//! - "after pod event" / "after ns relabel": before every selection a watch
//!   event changes the index (a pod of another namespace is relabelled; a
//!   namespace's `team` label flips in and out of the monitoring
//!   selector), so the app's cache is dropped, as in live mode; only the
//!   selection is timed, on every pod of one namespace in 250;
//! - "after ns relist": before every selection the namespaces are replaced
//!   by the same list (a watch relist); "after changed relist": by a list
//!   where 20 namespaces changed a label (the index's memo of
//!   namespaceSelector matches is then corrected for those namespaces);
//!   first 100 pods. For these two the relist event itself (the index's
//!   update) is also timed, printed as "(event)".
//!
//! p50 / p99 / max are printed per size; criterion then times the warm
//! walk. `cargo bench --bench pod_view`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{Event, Namespace, PodKey};
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

/// Times `f`, in milliseconds.
fn timed(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e3
}

fn print(pods: usize, what: &str, t: Vec<f64>) {
    let n = t.len();
    let (p50, p99, max) = percentiles(t);
    eprintln!(
        "{pods} pods, {n} selections, {what}: p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms"
    );
}

fn walk(idx: &Index, keys: &[PodKey], warm: bool) -> Vec<f64> {
    let mut cache = PeerCache::default();
    keys.iter()
        .map(|k| {
            if !warm {
                cache = PeerCache::default();
            }
            timed(|| {
                black_box(model(idx, &mut cache, k).is_some());
            })
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Change {
    Pod,
    NsLabel,
    NsRelist,
    NsRelistChanged,
}

/// The app's cache kept, the index changed by `change` before each
/// selection; returns the selections' times and the changes' times.
fn walk_changing(idx: &mut Index, keys: &[PodKey], change: Change) -> (Vec<f64>, Vec<f64>) {
    let mut cache = PeerCache::default();
    let other = idx.namespace_names().last().cloned().unwrap_or_default();
    let victim = idx.pods_in(&other).next().cloned();
    let all: Vec<Namespace> = idx.namespaces().cloned().collect();
    let mut events = Vec::new();
    let selections = (keys.iter().enumerate())
        .map(|(i, k)| {
            match change {
                Change::Pod => {
                    if let Some(mut p) = victim.as_ref().and_then(|v| idx.pod(v)) {
                        p.labels.insert("flip".into(), (i % 2).to_string());
                        idx.apply(Event::UpsertPod(p));
                    }
                }
                Change::NsLabel => {
                    if let Some(mut ns) = idx.namespace(&other).cloned() {
                        let team = if i % 2 == 0 { "monitoring" } else { "team-x" };
                        ns.labels.insert("team".into(), team.into());
                        idx.apply(Event::UpsertNamespace(ns));
                    }
                }
                // The list is made outside the timing: only the update is timed.
                Change::NsRelist => {
                    let list = all.clone();
                    events.push(timed(|| idx.apply(Event::ReplaceNamespaces(list))));
                }
                Change::NsRelistChanged => {
                    let mut list = all.clone();
                    for ns in list.iter_mut().take(20) {
                        ns.labels.insert("rev".into(), (i % 2).to_string());
                    }
                    events.push(timed(|| idx.apply(Event::ReplaceNamespaces(list))));
                }
            }
            timed(|| {
                black_box(model(idx, &mut cache, k).is_some());
            })
        })
        .collect();
    (selections, events)
}

fn pod_view(c: &mut Criterion) {
    for pods in [50_000usize, 150_000] {
        let mut idx = Index::from_snapshot(generate(SynthSpec::with_pods(pods)));
        let keys = sample(&idx, 25);
        let few = sample(&idx, 250);
        for (change, name) in [
            (Change::Pod, "after pod event"),
            (Change::NsLabel, "after ns relabel"),
            (Change::NsRelist, "after ns relist"),
            (Change::NsRelistChanged, "after changed relist"),
        ] {
            let keys = match change {
                Change::Pod | Change::NsLabel => &few[..],
                Change::NsRelist | Change::NsRelistChanged => &keys[..keys.len().min(100)],
            };
            let (selections, events) = walk_changing(&mut idx, keys, change);
            print(pods, name, selections);
            if !events.is_empty() {
                print(pods, &format!("{name} (event)"), events);
            }
        }
        let idx = idx;
        for warm in [true, false] {
            // A cold selection resolves every peer again (an open peer
            // groups the whole cluster): a smaller sample.
            let keys = if warm {
                &keys[..]
            } else {
                &keys[..keys.len().min(100)]
            };
            let what = if warm { "warm" } else { "cold" };
            print(pods, what, walk(&idx, keys, warm));
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
